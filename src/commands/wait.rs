//! wait: block until tasks are healthy; fail fast when one is dead.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::output::{emit, paint, Style};
use crate::probe::fmt_duration;
use crate::supervisor::session::messages::{CheckHealth, HealthReport};
use crate::supervisor::state::TaskState;
use crate::supervisor::status::{GetStatus, StatusReport};
use crate::supervisor::SessionSupervisor;
use crate::supervisor::TaskContext;
use actix::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Pause between two rounds of probes.
const ROUND: Duration = Duration::from_millis(200);
/// How long a task nobody started is waited for before the wait fails (a
/// `taskmux start &` beside it may not have taken the session's lock yet).
const START_GRACE: Duration = Duration::from_millis(700);

/// Where one task stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Healthy,
    /// Still worth waiting for; says why it is not healthy yet.
    Waiting(String),
    /// Exited, failed or skipped: it will not become healthy by itself.
    Dead(String),
    /// Not started and nobody is starting it (final after [`START_GRACE`]).
    Unstarted(String),
}

#[derive(Debug, Serialize)]
struct WaitRow {
    task: String,
    healthy: bool,
    /// `met`, `waiting` or `failed`.
    status: &'static str,
    /// The task's state in the words `status` uses (`healthy`, `exited (code 3)` …).
    state: String,
    /// Why the task is not healthy (last probe output, exit code, skipped dependency).
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct WaitReport {
    session: String,
    elapsed_ms: u64,
    timeout_ms: u64,
    tasks: Vec<WaitRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<serde_json::Value>,
}

pub fn wait(cfg: &Config, names: Vec<String>, timeout: &str, json: bool) -> Result<i32> {
    cfg.check_names(&names)?;
    let timeout = crate::config::units::parse_duration(timeout).ok_or_else(|| {
        Error::usage(format!(
            "invalid --timeout {timeout:?}: use seconds (30) or a duration like 500ms, 1m30s"
        ))
    })?;
    let names: Vec<String> = if names.is_empty() {
        cfg.tasks
            .iter()
            .filter(|t| t.auto_start)
            .map(|t| t.name.clone())
            .collect()
    } else {
        names
    };
    let started = Instant::now();
    let cfg2 = cfg.clone();
    let wanted = names.clone();
    let system = System::new();
    let (rows, failure) = system.block_on(async move { run(cfg2, wanted, timeout).await })?;
    let ok = failure.is_none();
    let report = WaitReport {
        session: cfg.name.clone(),
        elapsed_ms: started.elapsed().as_millis() as u64,
        timeout_ms: timeout.as_millis() as u64,
        tasks: rows,
        error: failure
            .as_ref()
            .map(|(code, msg)| serde_json::json!({ "code": code, "message": msg })),
    };
    emit(json, ok, &report, || {
        if ok {
            format!(
                "{} {} task(s) healthy after {}: {}",
                paint(Style::Green, "ok:"),
                report.tasks.len(),
                fmt_duration(started.elapsed()),
                names.join(", ")
            )
        } else {
            String::new()
        }
    });
    if let Some((_, msg)) = failure {
        if !json {
            eprintln!("{} {msg}", paint(Style::Red, "error:"));
        }
        return Ok(1);
    }
    Ok(0)
}

type Outcome = (Vec<WaitRow>, Option<(&'static str, String)>);

async fn run(cfg: Config, names: Vec<String>, timeout: Duration) -> Result<Outcome> {
    let ctx = TaskContext::for_config(&cfg);
    let session = cfg.name.clone();
    let sup = SessionSupervisor::new(cfg.clone(), ctx).start();
    let mut states: BTreeMap<String, String> = BTreeMap::new();
    let deadline = Instant::now() + timeout;
    let tty = std::io::stderr().is_terminal();
    let mut last: BTreeMap<String, Verdict> = BTreeMap::new();
    let mut frame = 0usize;
    let started = Instant::now();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let round = async {
            let status = sup.send(GetStatus).await??;
            let health = sup.send(CheckHealth).await??;
            Ok::<_, Error>((status, health))
        };
        let verdicts = match tokio::time::timeout(remaining.max(ROUND), round).await {
            Ok(r) => {
                let (status, health) = r?;
                states = status
                    .tasks
                    .iter()
                    .map(|t| (t.name.clone(), t.state.clone()))
                    .collect();
                judge(&cfg, &names, &status, &health)
            }
            // A probe outlasted the deadline: keep the last verdicts.
            Err(_) => last.clone(),
        };
        // `taskmux start & taskmux wait`: the start may not have begun yet, so what
        // nobody started is final only after a moment.
        let verdicts = settle_unstarted(verdicts, started.elapsed() < START_GRACE);
        let rows = rows_of(&names, &verdicts, &states);
        // Progress: lines on change (no terminal) or a spinner (terminal).
        if tty {
            let pending: Vec<String> = names
                .iter()
                .filter_map(|n| match verdicts.get(n) {
                    Some(Verdict::Healthy) | None => None,
                    Some(Verdict::Waiting(w))
                    | Some(Verdict::Dead(w))
                    | Some(Verdict::Unstarted(w)) => Some(format!("{n} ({w})")),
                })
                .collect();
            let mut line = format!(
                "{} waiting {:.0}s for {}",
                crate::spinner::FRAMES[frame % crate::spinner::FRAMES.len()],
                started.elapsed().as_secs_f64(),
                pending.join(", ")
            );
            line.truncate(line.char_indices().nth(200).map_or(line.len(), |(i, _)| i));
            eprint!("\r\x1b[2K{line}");
            let _ = std::io::stderr().flush();
            frame += 1;
        } else {
            for n in &names {
                let v = verdicts.get(n);
                if v != last.get(n) {
                    match v {
                        Some(Verdict::Healthy) => eprintln!("{n}: healthy"),
                        Some(Verdict::Waiting(w)) => eprintln!("{n}: waiting ({w})"),
                        Some(Verdict::Dead(w)) | Some(Verdict::Unstarted(w)) => {
                            eprintln!("{n}: {w}")
                        }
                        None => {}
                    }
                }
            }
        }
        last = verdicts.clone();

        let dead = names.iter().find_map(|n| match verdicts.get(n) {
            Some(Verdict::Dead(w)) => Some(format!(
                "task '{n}' will not become healthy: {w} (see: taskmux logs {n} -n 50)"
            )),
            _ => None,
        });
        let all_healthy = names
            .iter()
            .all(|n| verdicts.get(n) == Some(&Verdict::Healthy));
        let failure = if all_healthy {
            Some(None)
        } else if let Some(msg) = dead {
            Some(Some(("task_not_running", msg)))
        } else if Instant::now() >= deadline {
            let waiting: Vec<String> = names
                .iter()
                .filter_map(|n| match verdicts.get(n) {
                    Some(Verdict::Waiting(w)) => Some(format!("'{n}' is {w}")),
                    _ => None,
                })
                .collect();
            Some(Some((
                "timeout",
                if waiting.is_empty() {
                    format!(
                        "timed out after {} waiting for session '{session}'",
                        fmt_duration(timeout)
                    )
                } else {
                    format!(
                        "timed out after {} waiting for session '{session}': {}",
                        fmt_duration(timeout),
                        waiting.join("; ")
                    )
                },
            )))
        } else {
            None
        };
        if let Some(f) = failure {
            if tty {
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
            }
            return Ok((rows, f));
        }
        tokio::time::sleep(ROUND.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}

/// Whether another taskmux process is starting or supervising the session (a
/// one-shot command holding its lock, or a daemon/watch): then a task not started
/// yet may still start.
fn someone_is_starting(session: &str) -> bool {
    crate::lockfile::LockFile::held(&crate::paths::mutate_lock(session))
        || crate::daemon::record::lock_held(session)
}

fn judge(
    cfg: &Config,
    names: &[String],
    status: &StatusReport,
    health: &HealthReport,
) -> BTreeMap<String, Verdict> {
    let mut out = BTreeMap::new();
    let starting = someone_is_starting(&status.session);
    for n in names {
        let Some(row) = status.tasks.iter().find(|t| &t.name == n) else {
            continue;
        };
        let probe = health.tasks.iter().find(|h| &h.task == n);
        let reason = row.reason.clone();
        let with_reason = |label: &str| match &reason {
            Some(r) => format!("{label}: {r}"),
            None => label.to_string(),
        };
        let v = match &row.detail {
            TaskState::Exited { .. } => Verdict::Dead(row.state.clone()),
            TaskState::Failed { .. } | TaskState::Skipped { .. } => {
                Verdict::Dead(with_reason(&row.state))
            }
            TaskState::Running { .. } | TaskState::Starting => match probe {
                Some(h) if h.running && h.healthy => Verdict::Healthy,
                Some(h) => match &h.probe {
                    Some(p) => {
                        Verdict::Waiting(format!("running, {} probe: {}", p.method, p.detail))
                    }
                    None => Verdict::Waiting(h.state.clone()),
                },
                None => Verdict::Waiting(row.state.clone()),
            },
            // Nothing makes these healthy by themselves: fail now, not at the timeout.
            TaskState::Stopped | TaskState::NotStarted if starting => {
                Verdict::Waiting("not started yet (another taskmux is starting it)".into())
            }
            TaskState::Stopped => Verdict::Dead(format!("stopped by hand (taskmux start {n})")),
            TaskState::NotStarted if !status.running => Verdict::Unstarted(format!(
                "not started: the session is not running (taskmux start {n})"
            )),
            TaskState::NotStarted if cfg.task(n).is_some_and(|t| !t.auto_start) => {
                Verdict::Unstarted(format!(
                    "not started: auto_start = false and nobody started it (taskmux start {n})"
                ))
            }
            TaskState::NotStarted => Verdict::Unstarted(format!(
                "not started and nobody is starting it (taskmux start {n})"
            )),
            _ => Verdict::Waiting(with_reason(&row.state)),
        };
        out.insert(n.clone(), v);
    }
    out
}

/// Tasks nobody started: still waited for within the grace period, dead after it.
fn settle_unstarted(
    verdicts: BTreeMap<String, Verdict>,
    in_grace: bool,
) -> BTreeMap<String, Verdict> {
    verdicts
        .into_iter()
        .map(|(n, v)| match v {
            Verdict::Unstarted(w) if in_grace => (n, Verdict::Waiting(w)),
            Verdict::Unstarted(w) => (n, Verdict::Dead(w)),
            other => (n, other),
        })
        .collect()
}

fn rows_of(
    names: &[String],
    verdicts: &BTreeMap<String, Verdict>,
    states: &BTreeMap<String, String>,
) -> Vec<WaitRow> {
    names
        .iter()
        .map(|n| {
            let (healthy, status, reason) = match verdicts.get(n) {
                Some(Verdict::Healthy) => (true, "met", None),
                Some(Verdict::Waiting(w)) => (false, "waiting", Some(w.clone())),
                Some(Verdict::Dead(w)) | Some(Verdict::Unstarted(w)) => {
                    (false, "failed", Some(w.clone()))
                }
                None => (false, "waiting", None),
            };
            WaitRow {
                task: n.clone(),
                healthy,
                status,
                state: states.get(n).cloned().unwrap_or_else(|| "stopped".into()),
                reason,
            }
        })
        .collect()
}
