//! `wait`: poll status and probes until tasks are healthy; fail fast when one
//! cannot become healthy (exited, failed, stopped, nobody starts it).

use super::session::messages::{CheckHealth, HealthReport};
use super::state::TaskState;
use super::status::{GetStatus, StatusReport};
use super::SessionSupervisor;
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::probe::fmt_duration;
use actix::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Pause between two rounds of probes.
const ROUND: Duration = Duration::from_millis(200);
/// How long a task nobody started is waited for before the wait fails (a
/// `taskmux start &` beside it may not have taken the session's lock yet).
pub const START_GRACE: Duration = Duration::from_millis(700);

/// Where one task stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Healthy,
    /// Still worth waiting for; says why it is not healthy yet.
    Waiting(String),
    /// Exited, failed or skipped: it will not become healthy by itself.
    Dead(String),
    /// Not started and nobody is starting it (final after [`START_GRACE`]).
    Unstarted(String),
}

/// Whether one waited-for task met the condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitStatus {
    /// The condition holds.
    Met,
    /// Still on its way (the wait ended because another task failed).
    Waiting,
    /// It will not get there by itself (`cause` says why).
    Failed,
    /// The deadline passed while it was still on its way.
    Timeout,
}

/// One task of a wait.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WaitRow {
    pub task: String,
    pub healthy: bool,
    pub status: WaitStatus,
    /// When this task's answer was known, counted from the start of the wait (the
    /// whole wait for a task still on its way).
    #[serde(default)]
    pub elapsed_ms: u64,
    /// The task's state in the words `status` uses (`healthy`, `exited (code 3)` …).
    pub state: String,
    /// Why the task is not healthy (last probe output, exit code, skipped dependency).
    pub reason: Option<String>,
    /// `--for log:RE`: the line that matched; `--for port`: the ports listened on;
    /// `--for exit`: how it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// Not met: why, in a fixed vocabulary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<WaitCause>,
    /// Not met: the first error-looking line of its current (or last) run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_error: Option<super::why::Line>,
    /// Not met: the last lines of that run (at most 15).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_lines: Vec<super::why::Line>,
}

/// Why a waited-for task did not get there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitCause {
    /// It ended (code or signal in `reason`).
    Exited,
    /// It runs, but its probe fails (the probe's message in `reason`).
    ProbeFailed,
    /// It was skipped: a dependency never became healthy.
    DependencyFailed,
    /// Nobody started it.
    NotStarted,
    /// It was stopped by hand.
    StoppedByHand,
    /// The supervisor gave up restarting it.
    GaveUp,
    /// The deadline passed while it was still getting there.
    Timeout,
}

impl WaitCause {
    /// The cause for a task in `detail` that did not meet the wait.
    pub fn of(detail: &TaskState) -> WaitCause {
        match detail {
            TaskState::Exited { .. } | TaskState::Backoff { .. } => WaitCause::Exited,
            TaskState::Failed { .. } => WaitCause::GaveUp,
            TaskState::Skipped { .. } => WaitCause::DependencyFailed,
            TaskState::Stopped | TaskState::Stopping => WaitCause::StoppedByHand,
            TaskState::NotStarted => WaitCause::NotStarted,
            TaskState::Running {
                health: super::state::Health::Unhealthy(_),
            } => WaitCause::ProbeFailed,
            _ => WaitCause::Timeout,
        }
    }
}

/// Give every row that was not met its cause and the lines of its run.
pub async fn explain(session: &str, rows: &mut [WaitRow], details: &BTreeMap<String, TaskState>) {
    for row in rows.iter_mut().filter(|r| r.status != WaitStatus::Met) {
        row.cause = Some(
            details
                .get(&row.task)
                .map_or(WaitCause::NotStarted, WaitCause::of),
        );
        let (s, t) = (session.to_string(), row.task.clone());
        if let Ok(Ok((first, last))) =
            tokio::task::spawn_blocking(move || super::why::run_lines(&s, &t)).await
        {
            row.first_error = first;
            row.last_lines = last;
        }
    }
}

/// Close a wait's rows: each gets the moment its answer was known (`settled`,
/// else `elapsed`), and when the deadline passed, what was still on its way
/// timed out.
pub fn finish_rows(
    rows: &mut [WaitRow],
    settled: &BTreeMap<String, Duration>,
    elapsed: Duration,
    timed_out: bool,
) {
    for row in rows {
        row.elapsed_ms = settled.get(&row.task).unwrap_or(&elapsed).as_millis() as u64;
        if timed_out && row.status == WaitStatus::Waiting {
            row.status = WaitStatus::Timeout;
        }
    }
}

/// Why a wait failed: a stable code and the message.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WaitFailure {
    pub code: ErrorCode,
    pub message: String,
}

/// The answer to `wait`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WaitReport {
    pub session: String,
    pub elapsed_ms: u64,
    pub timeout_ms: u64,
    pub tasks: Vec<WaitRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WaitFailure>,
}

/// The tasks a wait names, or every auto_start task.
pub fn waited_for(cfg: &Config, names: Vec<String>) -> Vec<String> {
    if !names.is_empty() {
        return names;
    }
    cfg.tasks
        .iter()
        .filter(|t| t.auto_start)
        .map(|t| t.name.clone())
        .collect()
}

/// What one round saw: the names waited for, this round's verdicts, the last
/// round's, and the time since the wait began.
pub type Progress<'a> = dyn FnMut(&[String], &BTreeMap<String, Verdict>, &BTreeMap<String, Verdict>, Duration)
    + Send
    + 'a;

/// Wait until every task of `names` is healthy, one of them cannot become
/// healthy, or `timeout` passes. `progress` hears of every round.
pub async fn wait_healthy(
    sup: &Addr<SessionSupervisor>,
    cfg: &Config,
    names: Vec<String>,
    timeout: Duration,
    progress: &mut Progress<'_>,
) -> Result<WaitReport> {
    let session = cfg.name.clone();
    let mut details: BTreeMap<String, TaskState> = BTreeMap::new();
    let deadline = Instant::now() + timeout;
    let mut last: BTreeMap<String, Verdict> = BTreeMap::new();
    let started = Instant::now();
    let mut settled: BTreeMap<String, Duration> = BTreeMap::new();
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
                details = status
                    .tasks
                    .iter()
                    .map(|t| (t.name.clone(), t.detail.clone()))
                    .collect();
                judge(cfg, &names, &status, &health)
            }
            // A probe outlasted the deadline: keep the last verdicts.
            Err(_) => last.clone(),
        };
        // `taskmux start & taskmux wait`: the start may not have begun yet, so what
        // nobody started is final only after a moment.
        let verdicts = settle_unstarted(verdicts, started.elapsed() < START_GRACE);
        for (n, v) in &verdicts {
            if matches!(v, Verdict::Healthy | Verdict::Dead(_)) {
                settled
                    .entry(n.clone())
                    .or_insert_with(|| started.elapsed());
            } else {
                // Healthy, then not (a crash): its answer is not known yet after all.
                settled.remove(n);
            }
        }
        let rows = rows_of(&names, &verdicts, &details);
        progress(&names, &verdicts, &last, started.elapsed());
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
            Some(Some((ErrorCode::TaskNotRunning, msg)))
        } else if Instant::now() >= deadline {
            let waiting: Vec<String> = names
                .iter()
                .filter_map(|n| match verdicts.get(n) {
                    Some(Verdict::Waiting(w)) => Some(format!("'{n}' is {w}")),
                    _ => None,
                })
                .collect();
            Some(Some((
                ErrorCode::Timeout,
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
        if let Some(failure) = failure {
            let mut rows = rows;
            let timed_out = matches!(&failure, Some((ErrorCode::Timeout, _)));
            finish_rows(&mut rows, &settled, started.elapsed(), timed_out);
            explain(&session, &mut rows, &details).await;
            return Ok(WaitReport {
                session,
                elapsed_ms: started.elapsed().as_millis() as u64,
                timeout_ms: timeout.as_millis() as u64,
                tasks: rows,
                error: failure.map(|(code, message)| WaitFailure { code, message }),
            });
        }
        tokio::time::sleep(ROUND.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}

/// Whether another taskmux process is starting or supervising the session (a
/// one-shot command holding its lock, or a daemon/watch): then a task not started
/// yet may still start.
pub fn someone_is_starting(session: &str) -> bool {
    crate::lockfile::LockFile::held(&crate::paths::mutate_lock(session))
        || crate::lockfile::LockFile::held(&crate::paths::daemon_lock(session))
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
            TaskState::Completed { .. } => Verdict::Healthy,
            TaskState::Running { .. } | TaskState::Starting
                if cfg.task(n).is_some_and(|t| t.is_job()) =>
            {
                Verdict::Waiting("running (a job: ready once it exits 0)".into())
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
    details: &BTreeMap<String, TaskState>,
) -> Vec<WaitRow> {
    names
        .iter()
        .map(|n| {
            let (healthy, status, reason) = match verdicts.get(n) {
                Some(Verdict::Healthy) => (true, WaitStatus::Met, None),
                Some(Verdict::Waiting(w)) => (false, WaitStatus::Waiting, Some(w.clone())),
                Some(Verdict::Dead(w)) | Some(Verdict::Unstarted(w)) => {
                    (false, WaitStatus::Failed, Some(w.clone()))
                }
                None => (false, WaitStatus::Waiting, None),
            };
            WaitRow {
                task: n.clone(),
                healthy,
                status,
                elapsed_ms: 0,
                state: match (status, details.get(n)) {
                    // This round's probe passed: the verdict status read before it is old.
                    (WaitStatus::Met, Some(TaskState::Running { .. })) => "healthy".into(),
                    (_, Some(detail)) => detail.label(),
                    (_, None) => "stopped".into(),
                },
                reason,
                matched: None,
                cause: None,
                first_error: None,
                last_lines: Vec::new(),
            }
        })
        .collect()
}
