//! start, stop, restart, kill.

use super::runtime::ask;
use crate::config::Config;
use crate::error::Result;
use crate::output::{emit, paint, warn, Style};
use crate::supervisor::session::messages::*;
use std::fmt::Write;
use std::time::Duration;

/// `start`; with `wait`, returns once what it started is healthy (as `wait`).
pub fn start(cfg: &Config, names: Vec<String>, wait: Option<Duration>, json: bool) -> Result<i32> {
    cfg.check_names(&names)?;
    let report = crate::spinner::while_running("starting", || ask(cfg, StartTasks { names }))?;
    // A task that was asked for and did not start (failed, or skipped for its
    // dependencies) makes the start a failure; the report still names what started.
    let ok = report.failed.is_empty() && report.skipped.is_empty();
    if !json {
        report.warnings.iter().for_each(|w| warn(w));
    }
    let started: Vec<String> = report
        .started
        .iter()
        .map(|l| l.task.clone())
        .chain(report.already_running.iter().cloned())
        .collect();
    then_wait(cfg, &report, ok, started, wait, json, || {
        start_text(&report)
    })
}

/// Print `report` (and with `wait`, wait for `tasks` first and add its report
/// as `wait`); the exit code.
fn then_wait<T: serde::Serialize>(
    cfg: &Config,
    report: &T,
    ok: bool,
    tasks: Vec<String>,
    wait: Option<Duration>,
    json: bool,
    text: impl FnOnce() -> String,
) -> Result<i32> {
    let Some(timeout) = wait.filter(|_| ok) else {
        emit(json, ok, report, text);
        return Ok(if ok { 0 } else { 1 });
    };
    if !json {
        emit(false, ok, report, text);
    }
    let waited = super::wait::run(cfg, tasks, timeout)?;
    let healthy = waited.error.is_none();
    if json {
        let mut doc = serde_json::to_value(report).unwrap_or_default();
        doc["wait"] = serde_json::to_value(&waited).unwrap_or_default();
        emit(true, healthy, &doc, String::new);
    } else {
        emit(false, healthy, &waited, || super::wait::outcome(&waited));
        super::wait::print_failure(&waited, json);
    }
    Ok(if healthy { 0 } else { 1 })
}

fn start_text(r: &StartReport) -> String {
    let mut out = String::new();
    if r.session_created {
        let _ = writeln!(
            out,
            "created tmux session '{}' (attach: tmux attach -t {})",
            r.session, r.session
        );
    }
    for l in &r.started {
        for f in &l.freed_port {
            let _ = writeln!(
                out,
                "freed port for {}: stopped pid {} ({})",
                l.task, f.pid, f.command
            );
        }
        let port = l.port.map(|p| format!(", port {p}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{} {} (pid {}{port})",
            paint(Style::Green, "started"),
            l.task,
            l.pid
        );
    }
    for t in &r.already_running {
        let _ = writeln!(out, "{t} is already running");
    }
    for s in &r.skipped {
        let _ = writeln!(
            out,
            "{} {}: {}",
            paint(Style::Yellow, "skipped"),
            s.task,
            s.reason
        );
    }
    for f in &r.failed {
        let _ = writeln!(
            out,
            "{} {}: {}",
            paint(Style::Red, "failed"),
            f.task,
            f.message
        );
    }
    if out.is_empty() {
        out.push_str("nothing to start\n");
    }
    out
}

pub fn stop(cfg: &Config, names: Vec<String>, json: bool) -> Result<i32> {
    cfg.check_names(&names)?;
    let end_session = names.is_empty();
    let report =
        crate::spinner::while_running("stopping", || ask(cfg, StopTasks { names, end_session }))?;
    let ok = report.failed.is_empty();
    emit(json, ok, &report, || stop_text(&report));
    Ok(if ok { 0 } else { 1 })
}

fn stop_text(r: &StopReport) -> String {
    let mut out = String::new();
    for s in &r.stopped {
        if s.was_running {
            let _ = writeln!(
                out,
                "stopped {} ({} after {} ms)",
                s.task, s.stage, s.elapsed_ms
            );
        } else {
            let _ = writeln!(out, "{} was not running", s.task);
        }
    }
    for f in &r.failed {
        let _ = writeln!(
            out,
            "{} {}: {}",
            paint(Style::Red, "failed"),
            f.task,
            f.message
        );
    }
    if r.session_ended {
        let _ = writeln!(out, "session '{}' ended", r.session);
    } else if r.stopped.is_empty() && r.failed.is_empty() {
        let _ = writeln!(out, "session '{}' is not running", r.session);
    }
    out
}

/// `restart`; with `wait`, returns once what it started is healthy.
pub fn restart(
    cfg: &Config,
    names: Vec<String>,
    wait: Option<Duration>,
    json: bool,
) -> Result<i32> {
    cfg.check_names(&names)?;
    let report = crate::spinner::while_running("restarting", || ask(cfg, RestartTasks { names }))?;
    let ok = report.start.failed.is_empty() && report.stop.failed.is_empty();
    if !json {
        report.start.warnings.iter().for_each(|w| warn(w));
    }
    let started: Vec<String> = report
        .start
        .started
        .iter()
        .map(|l| l.task.clone())
        .collect();
    then_wait(cfg, &report, ok, started, wait, json, || {
        let mut out = String::new();
        for s in report.stop.stopped.iter().filter(|s| s.was_running) {
            let _ = writeln!(out, "stopped {} ({})", s.task, s.stage);
        }
        out.push_str(&start_text(&report.start));
        out
    })
}

pub fn kill(cfg: &Config, name: String, json: bool) -> Result<i32> {
    cfg.check_names(std::slice::from_ref(&name))?;
    let report = ask(cfg, KillTask { name })?;
    emit(json, true, &report, || {
        match (report.was_running, report.window_destroyed) {
            (true, _) => format!("killed {} (SIGKILL, window destroyed)", report.task),
            (false, true) => format!("{} was not running; window destroyed", report.task),
            (false, false) => format!("{} has no window; nothing to kill", report.task),
        }
    });
    Ok(0)
}
