//! A daemon started in the background (`start --daemon`, `daemon = true`, the MCP
//! server's first `start`).

use crate::config::Config;
use crate::error::{Error, Result};

/// How long `start --daemon` waits for a daemon it started to be reachable.
const BACKGROUND_READY: std::time::Duration = std::time::Duration::from_secs(10);

/// Start the session's daemon in the background when none runs: loopback, a free
/// port (recorded in daemon.json), its log in daemon.log, detached from this
/// terminal. Returns once it answers, so what follows goes through it.
/// The child is returned so a long-lived caller can reap it (None: one ran).
pub fn ensure_background(cfg: &Config) -> Result<Option<std::process::Child>> {
    use std::os::unix::process::CommandExt;
    if super::record::lock_held(&cfg.name) {
        return Ok(None);
    }
    let exe =
        std::env::current_exe().map_err(|e| Error::io("cannot find the taskmux binary", e))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--config")
        .arg(&cfg.path)
        .args(["--session", &cfg.name, "daemon", "--port", "0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        // Its own session: a closed terminal or a Ctrl-C here does not reach it.
        .process_group(0);
    let child = cmd
        .spawn()
        .map_err(|e| Error::io("cannot start the daemon in the background", e))?;
    let deadline = std::time::Instant::now() + BACKGROUND_READY;
    while std::time::Instant::now() < deadline {
        if super::record::DaemonRecord::running(&cfg.name).is_some() {
            crate::output::warn(&format!(
                "started the daemon of session '{}' in the background (taskmux daemon status; its log: {})",
                cfg.name,
                crate::paths::session_dir(&cfg.name).join("daemon.log").display()
            ));
            return Ok(Some(child));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Err(Error::failed(format!(
        "the background daemon of session '{}' did not come up within {}s; see {}",
        cfg.name,
        BACKGROUND_READY.as_secs(),
        crate::paths::session_dir(&cfg.name)
            .join("daemon.log")
            .display()
    )))
}
