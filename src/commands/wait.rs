//! wait: block until tasks are healthy; fail fast when one is dead (the rounds
//! are `supervisor::wait`; this file prints their progress and the outcome).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::logs::cursor::Cursor;
use crate::output::{emit, paint, Style};
use crate::probe::fmt_duration;
use crate::supervisor::wait::{wait_healthy, waited_for, Verdict, WaitReport};
use crate::supervisor::wait_for::{wait_for, Condition};
use crate::supervisor::{SessionSupervisor, TaskContext};
use actix::prelude::*;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// The wait's deadline from the text of `--timeout`.
pub fn parse_timeout(timeout: &str) -> Result<Duration> {
    crate::config::units::parse_duration(timeout).ok_or_else(|| {
        Error::usage(format!(
            "invalid --timeout {timeout:?}: use seconds (30) or a duration like 500ms, 1m30s"
        ))
    })
}

pub fn wait(
    cfg: &Config,
    names: Vec<String>,
    timeout: &str,
    cond: Condition,
    after: Option<&str>,
    json: bool,
) -> Result<i32> {
    cfg.check_names(&names)?;
    let timeout = parse_timeout(timeout)?;
    let after = after.map(|c| Cursor::decode(c, &cfg.name)).transpose()?;
    let names = waited_for(cfg, names);
    let report = match cond {
        Condition::Ready => run(cfg, names, timeout)?,
        cond => {
            let cfg2 = cfg.clone();
            System::new().block_on(async move {
                let ctx = TaskContext::for_config(&cfg2);
                let sup = SessionSupervisor::new(cfg2.clone(), ctx).start();
                wait_for(&sup, &cfg2, names, &cond, after, timeout).await
            })?
        }
    };
    let ok = report.error.is_none();
    emit(json, ok, &report, || outcome(&report));
    print_failure(&report, json);
    Ok(if ok { 0 } else { 1 })
}

/// Wait for `names` in a brief actor system, with progress on stderr.
pub fn run(cfg: &Config, names: Vec<String>, timeout: Duration) -> Result<WaitReport> {
    let cfg2 = cfg.clone();
    let system = System::new();
    let tty = std::io::stderr().is_terminal();
    let report = system.block_on(async move {
        let ctx = TaskContext::for_config(&cfg2);
        let sup = SessionSupervisor::new(cfg2.clone(), ctx).start();
        let jobs: Vec<String> = cfg2
            .tasks
            .iter()
            .filter(|t| t.is_job())
            .map(|t| t.name.clone())
            .collect();
        let mut frame = 0usize;
        let mut progress = |names: &[String],
                            now: &BTreeMap<String, Verdict>,
                            last: &BTreeMap<String, Verdict>,
                            elapsed: Duration| {
            if tty {
                spin(names, now, elapsed, timeout, frame);
                frame += 1;
            } else {
                changes(names, now, last, &jobs);
            }
        };
        wait_healthy(&sup, &cfg2, names, timeout, &mut progress).await
    })?;
    if tty {
        eprint!("\r\x1b[2K");
        let _ = std::io::stderr().flush();
    }
    Ok(report)
}

/// The text of a wait that succeeded (empty when it failed: see print_failure).
pub fn outcome(report: &WaitReport) -> String {
    if report.error.is_some() {
        return String::new();
    }
    let names: Vec<String> = report
        .tasks
        .iter()
        .map(|t| match &t.matched {
            Some(m) => format!("{} ({m})", t.task),
            None => t.task.clone(),
        })
        .collect();
    let what = if report.tasks.iter().all(|t| t.matched.is_none()) {
        "healthy"
    } else {
        "met"
    };
    format!(
        "{} {} task(s) {what} after {}: {}",
        paint(Style::Green, "ok:"),
        report.tasks.len(),
        fmt_duration(Duration::from_millis(report.elapsed_ms)),
        names.join(", ")
    )
}

/// Say why a wait failed, on stderr (the JSON document carries it otherwise).
pub fn print_failure(report: &WaitReport, json: bool) {
    if let (Some(failure), false) = (&report.error, json) {
        eprintln!("{} {}", paint(Style::Red, "error:"), failure.message);
    }
}

/// A terminal: one spinner line naming what is still waited for.
fn spin(
    names: &[String],
    now: &BTreeMap<String, Verdict>,
    elapsed: Duration,
    timeout: Duration,
    frame: usize,
) {
    let pending: Vec<String> = names
        .iter()
        .filter_map(|n| match now.get(n) {
            Some(Verdict::Healthy) | None => None,
            Some(Verdict::Waiting(w)) | Some(Verdict::Dead(w)) | Some(Verdict::Unstarted(w)) => {
                Some(format!("{n} ({w})"))
            }
        })
        .collect();
    let mut line = format!(
        "{} waiting {:.0}s ({:.0}s left) for {}",
        crate::spinner::FRAMES[frame % crate::spinner::FRAMES.len()],
        elapsed.as_secs_f64(),
        timeout.saturating_sub(elapsed).as_secs_f64(),
        pending.join(", ")
    );
    line.truncate(line.char_indices().nth(200).map_or(line.len(), |(i, _)| i));
    eprint!("\r\x1b[2K{line}");
    let _ = std::io::stderr().flush();
}

/// No terminal: a line per task whose verdict changed.
fn changes(
    names: &[String],
    now: &BTreeMap<String, Verdict>,
    last: &BTreeMap<String, Verdict>,
    jobs: &[String],
) {
    for n in names {
        let v = now.get(n);
        if v != last.get(n) {
            match v {
                // A job is met once it ran to completion.
                Some(Verdict::Healthy) if jobs.contains(n) => eprintln!("{n}: completed"),
                Some(Verdict::Healthy) => eprintln!("{n}: healthy"),
                Some(Verdict::Waiting(w)) => eprintln!("{n}: waiting ({w})"),
                Some(Verdict::Dead(w)) | Some(Verdict::Unstarted(w)) => eprintln!("{n}: {w}"),
                None => {}
            }
        }
    }
}
