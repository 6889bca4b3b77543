//! The ports one launch sees: its own (`port = "auto"`: the last one again while
//! it is free, else a fresh free one) and the ports of the tasks its texts name
//! (`${tasks.api.port}`), as the session's windows hold them now.

use crate::config::{Ports, TaskConfig};
use crate::error::{off_thread, Error, Result};
use crate::supervisor::context::TaskContext;
use crate::tmux::{panes, PaneInfo};
use std::net::TcpListener;

/// `cfg` as this launch runs it (ports filled in), and the ports it used.
pub(super) async fn for_launch(
    ctx: &TaskContext,
    cfg: &TaskConfig,
    pane: Option<&PaneInfo>,
) -> Result<(TaskConfig, Ports)> {
    if !cfg.needs_ports() {
        return Ok((cfg.clone(), Ports::new()));
    }
    let mut ports = panes::snapshot(&ctx.tmux, &ctx.session).await?.ports();
    ports.remove(&cfg.name);
    if cfg.port_auto {
        let last = pane.and_then(|p| p.port);
        let port = off_thread(move || pick(last)).await?;
        ports.insert(cfg.name.clone(), port);
    }
    let resolved = cfg.resolved(&ports);
    if let Some(task) = resolved.port_references().into_iter().next() {
        return Err(Error::failed(format!(
            "task '{}' refers to ${{tasks.{task}.port}}, but '{task}' does not run, so it has no port yet (start it first, or add it to depends_on of '{}')",
            cfg.name, cfg.name
        )));
    }
    Ok((resolved, ports))
}

/// `last` when nothing listens on it, else a port the kernel says is free.
fn pick(last: Option<u16>) -> Result<u16> {
    if let Some(port) = last.filter(|p| TcpListener::bind(("0.0.0.0", *p)).is_ok()) {
        return Ok(port);
    }
    let listener = TcpListener::bind(("0.0.0.0", 0))
        .map_err(|e| Error::io("picking a free port".to_string(), e))?;
    Ok(listener
        .local_addr()
        .map_err(|e| Error::io("picking a free port".to_string(), e))?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_last_port_while_it_is_free() {
        let free = pick(None).unwrap();
        assert_eq!(pick(Some(free)).unwrap(), free);
        let held = TcpListener::bind(("0.0.0.0", 0)).unwrap();
        let taken = held.local_addr().unwrap().port();
        assert_ne!(pick(Some(taken)).unwrap(), taken);
    }
}
