//! `watch` (the resident supervisor in the foreground) and `events` (the events file).

use super::runtime::task_context;
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::supervisor::daemon_messages::Subscribe;
use crate::supervisor::events::Event;
use crate::supervisor::session_daemon::event_line;
use crate::supervisor::SessionSupervisor;
use actix::prelude::*;
use chrono::{DateTime, Utc};
use tokio::signal::unix::{signal, SignalKind};

/// Prints each event it receives as a line (or a JSON line).
struct Printer {
    json: bool,
}

impl Actor for Printer {
    type Context = Context<Self>;
}

impl Handler<Event> for Printer {
    type Result = ();

    fn handle(&mut self, ev: Event, _: &mut Context<Self>) {
        if self.json {
            crate::output::print_line(&serde_json::to_string(&ev).unwrap_or_default());
        } else {
            crate::output::print_line(&event_line(&ev));
        }
    }
}

/// Supervise the session in the foreground, reload on config edits, print events,
/// until SIGINT/SIGTERM (the tasks keep running).
pub fn watch(cfg: Config, json: bool) -> Result<i32> {
    // One resident supervisor per session: the daemon's lock covers `watch` too.
    let Some(_lock) = crate::daemon::record::DaemonLock::try_acquire(&cfg.name)? else {
        return Err(crate::daemon::already_running(&cfg.name));
    };
    let system = System::new();
    system.block_on(async move {
        let mut term = signal(SignalKind::terminate())
            .map_err(|e| Error::io("cannot watch for SIGTERM", e))?;
        let mut int =
            signal(SignalKind::interrupt()).map_err(|e| Error::io("cannot watch for SIGINT", e))?;
        eprintln!(
            "taskmux: supervising session '{}' ({}, {}); Ctrl-C stops watching, tasks keep running",
            cfg.name,
            cfg.path.display(),
            cfg.strategy.as_str()
        );
        let ctx = task_context(&cfg);
        let path = cfg.path.clone();
        let sup = SessionSupervisor::supervising(cfg, ctx).start();
        let printer = Printer { json }.start();
        sup.send(Subscribe {
            who: printer.recipient(),
            since_seq: Some(0),
        })
        .await
        .map_err(|e| Error::failed(format!("internal error: supervisor unavailable ({e})")))?;
        let watcher = actix::spawn(crate::watch::watch_config(path, sup.clone(), |_| {}));
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        watcher.abort();
        Ok(0)
    })
}

/// Print the session's recorded events, optionally of one task and recent ones only.
pub fn events(
    cfg: &Config,
    task: Option<String>,
    since: Option<String>,
    json: bool,
) -> Result<i32> {
    let cutoff = match since {
        Some(s) => {
            let d = config::load::parse_duration(&s).ok_or_else(|| {
                Error::usage(format!(
                    "--since: '{s}' is not a duration (e.g. 90s, 10m, 2h)"
                ))
            })?;
            let d = chrono::Duration::from_std(d)
                .map_err(|_| Error::usage(format!("--since: '{s}' is too long")))?;
            Some(Utc::now() - d)
        }
        None => None,
    };
    let path = crate::paths::events_file(&cfg.name);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    for line in text.lines() {
        let Ok(ev) = serde_json::from_str::<Event>(line) else {
            continue;
        };
        if task.as_ref().is_some_and(|t| ev.task.as_ref() != Some(t)) {
            continue;
        }
        if let Some(cutoff) = cutoff {
            let at = DateTime::parse_from_rfc3339(&ev.ts).map(|t| t.with_timezone(&Utc));
            if at.map_or(true, |t| t < cutoff) {
                continue;
            }
        }
        if json {
            crate::output::print_line(line);
        } else {
            crate::output::print_line(&event_line(&ev));
        }
    }
    Ok(0)
}
