//! `taskmux daemon [--port] [--host]`, `daemon stop`, `daemon status`.

use crate::cli::{DaemonAction, DaemonArgs};
use crate::config::Config;
use crate::daemon::record::{self, DaemonRecord};
use crate::error::{Error, Result};
use crate::output::emit;
use crate::process;
use serde_json::json;
use std::time::{Duration, Instant};

pub fn run(cfg: &Config, args: DaemonArgs, json_mode: bool) -> Result<i32> {
    match args.action {
        None => crate::daemon::run(
            cfg.clone(),
            crate::daemon::Options {
                host: args.host,
                port: args.port,
            },
        ),
        Some(DaemonAction::Stop) => stop(&cfg.name, json_mode),
        Some(DaemonAction::Status) => status(&cfg.name, json_mode),
    }
}

fn wait_gone(pid: u32, session: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if !process::pid_alive(pid) && !record::lock_held(session) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    !process::pid_alive(pid)
}

/// Signal the daemon (SIGTERM, SIGKILL after 10 s) and wait until it is gone.
fn stop(session: &str, json_mode: bool) -> Result<i32> {
    let Some(rec) = DaemonRecord::running(session) else {
        if DaemonRecord::read(session).is_some() && !record::lock_held(session) {
            let _ = std::fs::remove_file(crate::paths::daemon_record(session));
        }
        let report = json!({"session": session, "was_running": false, "stopped": false});
        emit(json_mode, true, &report, || {
            format!("no daemon is running for session '{session}'")
        });
        return Ok(0);
    };
    use nix::sys::signal::Signal;
    process::signal_pid(rec.pid, Signal::SIGTERM);
    let mut forced = false;
    if !wait_gone(rec.pid, session, Duration::from_secs(10)) {
        forced = true;
        process::signal_pid(rec.pid, Signal::SIGKILL);
        if !wait_gone(rec.pid, session, Duration::from_secs(3)) {
            return Err(Error::failed(format!(
                "daemon pid {} of session '{session}' did not stop",
                rec.pid
            )));
        }
    }
    if DaemonRecord::read(session).is_some_and(|r| r.pid == rec.pid) {
        let _ = std::fs::remove_file(crate::paths::daemon_record(session));
    }
    let report = json!({
        "session": session, "was_running": true, "stopped": true,
        "pid": rec.pid, "port": rec.port, "forced": forced,
    });
    emit(json_mode, true, &report, || {
        format!(
            "stopped the daemon of session '{session}' (pid {}{}); tasks keep running",
            rec.pid,
            if forced { ", SIGKILL" } else { "" }
        )
    });
    Ok(0)
}

/// Report pid, port, uptime of the running daemon, or that none runs (exit 0 either way).
fn status(session: &str, json_mode: bool) -> Result<i32> {
    let Some(rec) = DaemonRecord::running(session) else {
        let report = json!({"session": session, "running": false});
        emit(json_mode, true, &report, || {
            format!("daemon not running for session '{session}' (start it with: taskmux daemon)")
        });
        return Ok(0);
    };
    let uptime = crate::timefmt::seconds_since(&rec.started_at).unwrap_or(0);
    let session_running = crate::tmux::Tmux::from_env()
        .std_command()
        .args(["has-session", "-t", &format!("={session}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let report = json!({
        "session": session,
        "running": true,
        "pid": rec.pid,
        "host": rec.host,
        "port": rec.port,
        "url": format!("ws://{}:{}/", rec.connect_host(), rec.port),
        "started_at": rec.started_at,
        "uptime_seconds": uptime,
        "version": rec.version,
        "log": crate::daemon::log_path(session),
        "session_running": session_running,
    });
    emit(json_mode, true, &report, || {
        format!(
            "daemon running for session '{session}': pid {}, ws://{}:{}/, up {}",
            rec.pid,
            rec.connect_host(),
            rec.port,
            crate::timefmt::compact_duration(uptime)
        )
    });
    Ok(0)
}
