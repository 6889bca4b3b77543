//! `wait --for port|log:RE|exit`: rounds every 50 ms (so an answer comes within
//! 100 ms of the condition) on the task's state, its process tree's listening
//! ports, or its log read through a cursor (no line is missed between rounds).
//! `ready` is `wait::wait_healthy`.

use super::state::TaskState;
use super::status::{GetStatus, StatusRow};
use super::wait::{someone_is_starting, WaitFailure, WaitReport, WaitRow, WaitStatus, START_GRACE};
use super::SessionSupervisor;
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::logs::cursor::{self, Cursor};
use actix::Addr;
use regex::Regex;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What a wait waits for.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Healthy (the default).
    Ready,
    /// Its process tree listens on its port (or on any port when it has none).
    Port,
    /// A line of its log matches (after the cursor, or in its current run).
    Log(Regex),
    /// It exits (the answer says how).
    Exit,
}

impl Condition {
    /// `ready`, `port`, `exit` or `log:REGEX` (smart case).
    pub fn parse(text: &str) -> std::result::Result<Condition, String> {
        match text {
            "ready" | "healthy" => Ok(Condition::Ready),
            "port" => Ok(Condition::Port),
            "exit" => Ok(Condition::Exit),
            t => match t.strip_prefix("log:") {
                Some(re) if !re.is_empty() => crate::logs::grep_regex(re)
                    .map(Condition::Log)
                    .map_err(|e| format!("--for log:{re}: {}", e.message)),
                _ => Err(format!(
                    "unknown wait condition {t:?}: use ready, port, log:REGEX or exit"
                )),
            },
        }
    }
}

const ROUND: Duration = Duration::from_millis(50);

enum Verdict {
    Waiting(String),
    Met(String),
    Failed(String),
}

/// Wait for `cond` on every task of `names` (not `Ready`: see wait_healthy).
pub async fn wait_for(
    sup: &Addr<SessionSupervisor>,
    cfg: &Config,
    names: Vec<String>,
    cond: &Condition,
    after: Option<Cursor>,
    timeout: Duration,
) -> Result<WaitReport> {
    let started = Instant::now();
    let deadline = started + timeout;
    let session = cfg.name.clone();
    // Log mode: where each task's reading begins (a cursor, or the current run).
    let mut cursors: BTreeMap<String, Cursor> = BTreeMap::new();
    let mut done: BTreeMap<String, (WaitStatus, String, Option<String>)> = BTreeMap::new();
    let mut states: BTreeMap<String, String> = BTreeMap::new();
    let mut waiting: BTreeMap<String, String> = BTreeMap::new();
    let mut settled: BTreeMap<String, Duration> = BTreeMap::new();
    loop {
        let status = sup.send(GetStatus).await??;
        for n in &names {
            if done.contains_key(n) {
                continue;
            }
            let Some(row) = status.tasks.iter().find(|t| &t.name == n) else {
                continue;
            };
            states.insert(n.clone(), row.state.clone());
            let v = match cond {
                Condition::Ready => {
                    return Err(Error::failed("internal error: ready is wait_healthy"))
                }
                Condition::Exit => exit_verdict(row),
                Condition::Port => port_verdict(row).await,
                Condition::Log(re) => {
                    let (v, next) =
                        log_verdict(&session, row, re, cursors.remove(n), after.as_ref()).await?;
                    cursors.insert(n.clone(), next);
                    v
                }
            };
            let unstarted = matches!(row.detail, TaskState::NotStarted | TaskState::Stopped);
            let v = match v {
                Verdict::Failed(w)
                    if unstarted
                        && (started.elapsed() < START_GRACE || someone_is_starting(&session)) =>
                {
                    Verdict::Waiting(w)
                }
                v => v,
            };
            match v {
                Verdict::Met(m) => {
                    done.insert(n.clone(), (WaitStatus::Met, String::new(), Some(m)));
                    settled.insert(n.clone(), started.elapsed());
                }
                Verdict::Failed(w) => {
                    done.insert(n.clone(), (WaitStatus::Failed, w, None));
                    settled.insert(n.clone(), started.elapsed());
                }
                Verdict::Waiting(w) => {
                    waiting.insert(n.clone(), w);
                }
            }
        }
        let failed = done.iter().find(|(_, (s, _, _))| *s == WaitStatus::Failed);
        let all_met = names
            .iter()
            .all(|n| done.get(n).is_some_and(|d| d.0 == WaitStatus::Met));
        let timed_out = Instant::now() >= deadline;
        if all_met || failed.is_some() || timed_out {
            let error = if all_met {
                None
            } else if let Some((n, (_, w, _))) = failed {
                Some(WaitFailure {
                    code: ErrorCode::TaskNotRunning,
                    message: format!("task '{n}' will not get there: {w} (see: taskmux why {n})"),
                })
            } else {
                Some(WaitFailure {
                    code: ErrorCode::Timeout,
                    message: format!(
                        "timed out after {} waiting for {}",
                        crate::probe::fmt_duration(timeout),
                        names
                            .iter()
                            .filter(|n| !done.contains_key(*n))
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
            };
            let mut tasks: Vec<WaitRow> = names
                .iter()
                .map(|n| {
                    let (status, reason, matched) = done.get(n).cloned().unwrap_or_else(|| {
                        let w = waiting.get(n).cloned().unwrap_or_else(|| "not yet".into());
                        (WaitStatus::Waiting, w, None)
                    });
                    WaitRow {
                        task: n.clone(),
                        healthy: status == WaitStatus::Met,
                        status,
                        elapsed_ms: 0,
                        state: states.get(n).cloned().unwrap_or_else(|| "stopped".into()),
                        reason: (!reason.is_empty()).then_some(reason),
                        matched,
                        cause: None,
                        first_error: None,
                        last_lines: Vec::new(),
                    }
                })
                .collect();
            let details: BTreeMap<String, TaskState> = status
                .tasks
                .iter()
                .map(|t| (t.name.clone(), t.detail.clone()))
                .collect();
            let timed_out = !all_met && failed.is_none();
            super::wait::finish_rows(&mut tasks, &settled, started.elapsed(), timed_out);
            super::wait::explain(&session, &mut tasks, &details).await;
            return Ok(WaitReport {
                session,
                elapsed_ms: started.elapsed().as_millis() as u64,
                timeout_ms: timeout.as_millis() as u64,
                tasks,
                error,
            });
        }
        tokio::time::sleep(ROUND.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}

fn exit_verdict(row: &StatusRow) -> Verdict {
    match &row.detail {
        TaskState::Exited { code, signal } => Verdict::Met(match (code, signal) {
            (_, Some(s)) => format!("killed by signal {s}"),
            (Some(c), None) => format!("exited with code {c}"),
            _ => "exited".into(),
        }),
        TaskState::Completed { .. } => Verdict::Met("exited with code 0".into()),
        TaskState::Failed { reason } => Verdict::Met(format!("failed: {reason}")),
        TaskState::Stopped => Verdict::Met("stopped".into()),
        TaskState::NotStarted => Verdict::Failed("not started (taskmux start it first)".into()),
        _ => Verdict::Waiting(row.state.clone()),
    }
}

async fn port_verdict(row: &StatusRow) -> Verdict {
    let Some(pid) = row.pid.filter(|_| row.running) else {
        return match &row.detail {
            TaskState::Starting | TaskState::Backoff { .. } => Verdict::Waiting(row.state.clone()),
            _ => Verdict::Failed(row.state.clone()),
        };
    };
    let want = row.port;
    let ports = tokio::task::spawn_blocking(move || {
        crate::process::listening_by_tree(&[pid])
            .remove(&pid)
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    match want {
        Some(p) if ports.contains(&p) => Verdict::Met(format!("listening on {p}")),
        Some(p) if !ports.is_empty() => Verdict::Waiting(format!(
            "listening on {} but not on its port {p}",
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(p) => Verdict::Waiting(format!("not listening on {p} yet")),
        None if !ports.is_empty() => Verdict::Met(format!(
            "listening on {}",
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => Verdict::Waiting("not listening yet".into()),
    }
}

/// Read the task's new lines (the first round: after `after`, or its current
/// run) and look for `re`; returns the verdict and the cursor to go on from.
async fn log_verdict(
    session: &str,
    row: &StatusRow,
    re: &Regex,
    cursor: Option<Cursor>,
    after: Option<&Cursor>,
) -> Result<(Verdict, Cursor)> {
    let (s, task, re2) = (session.to_string(), row.name.clone(), re.clone());
    let from = cursor.or_else(|| after.cloned());
    let (matched, next) = crate::error::off_thread(move || -> Result<(Option<String>, Cursor)> {
        let tasks = vec![task.clone()];
        let (lines, next) = match from {
            Some(c) => {
                let (lines, next, _, _) = cursor::read_after(&c, &tasks, usize::MAX)?;
                (lines, next)
            }
            None => {
                // The current run: the lines after its start marker.
                let q = crate::logs::Query::new(tasks.clone(), 2000);
                let read = crate::logs::since_cursor::read(&s, &q, None)?;
                let next = Cursor::decode(&read.cursor, &s)?;
                (crate::logs::marker::current_run(&read.lines).to_vec(), next)
            }
        };
        let hit = lines
            .iter()
            .find(|l| !l.marker && re2.is_match(&l.text))
            .map(|l| l.text.clone());
        Ok((hit, next))
    })
    .await?;
    let v = match matched {
        Some(line) => Verdict::Met(line),
        None if row.running
            || matches!(row.detail, TaskState::Starting | TaskState::Backoff { .. }) =>
        {
            Verdict::Waiting(format!("no line matches /{re}/ yet"))
        }
        None => Verdict::Failed(format!("{} and no line matched /{re}/", row.state)),
    };
    Ok((v, next))
}
