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

/// Where one task stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Healthy,
    /// Still worth waiting for; says why it is not healthy yet.
    Waiting(String),
    /// Exited, failed or skipped: it will not become healthy by itself.
    Dead(String),
}

#[derive(Debug, Serialize)]
struct WaitRow {
    task: String,
    healthy: bool,
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
    let sup = SessionSupervisor::new(cfg, ctx).start();
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
                judge(&names, &status, &health)
            }
            // A probe outlasted the deadline: keep the last verdicts.
            Err(_) => last.clone(),
        };
        let rows = rows_of(&names, &verdicts);
        // Progress: lines on change (no terminal) or a spinner (terminal).
        if tty {
            let pending: Vec<String> = names
                .iter()
                .filter_map(|n| match verdicts.get(n) {
                    Some(Verdict::Healthy) | None => None,
                    Some(Verdict::Waiting(w)) | Some(Verdict::Dead(w)) => {
                        Some(format!("{n} ({w})"))
                    }
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
                        Some(Verdict::Dead(w)) => eprintln!("{n}: {w}"),
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

fn judge(
    names: &[String],
    status: &StatusReport,
    health: &HealthReport,
) -> BTreeMap<String, Verdict> {
    let mut out = BTreeMap::new();
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
            TaskState::NotStarted | TaskState::Stopped => {
                if status.running {
                    Verdict::Waiting("not started".into())
                } else {
                    Verdict::Waiting(
                        "not started; the session is not running (taskmux start)".into(),
                    )
                }
            }
            _ => Verdict::Waiting(with_reason(&row.state)),
        };
        out.insert(n.clone(), v);
    }
    out
}

fn rows_of(names: &[String], verdicts: &BTreeMap<String, Verdict>) -> Vec<WaitRow> {
    names
        .iter()
        .map(|n| {
            let (healthy, state, reason) = match verdicts.get(n) {
                Some(Verdict::Healthy) => (true, "healthy", None),
                Some(Verdict::Waiting(w)) => (false, "waiting", Some(w.clone())),
                Some(Verdict::Dead(w)) => (false, "dead", Some(w.clone())),
                None => (false, "unknown", None),
            };
            WaitRow {
                task: n.clone(),
                healthy,
                state: state.to_string(),
                reason,
            }
        })
        .collect()
}
