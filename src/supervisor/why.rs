//! `why TASK`: why a task is not up, or why it restarted, in one answer — its
//! state and since when, the cause in a fixed vocabulary, the last exits and
//! probe results (from the recorded events), whoever holds its port, the first
//! error-looking line and the last lines of its current (or last) run, and the
//! one command most likely to fix it.

use super::recorded::{self, EventFilter};
use super::state::{Health, TaskState};
use super::status::{GetStatus, StatusRow};
use super::SessionSupervisor;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::supervisor::events::EventKind;
use actix::Addr;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a task is where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    Healthy,
    /// A job (`run = "once"`) that ran to completion (exit 0).
    Completed,
    Starting,
    ProbeFailed,
    Exited,
    Restarting,
    GaveUp,
    DependencyFailed,
    StoppedByHand,
    NotStarted,
    Stopping,
}

/// One exit of the task.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Exit {
    pub ts: String,
    pub code: Option<i64>,
    pub signal: Option<i64>,
}

/// One probe verdict change.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ProbeResult {
    pub ts: String,
    pub healthy: bool,
    pub reason: Option<String>,
}

/// A line of the task's log.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Line {
    pub ts: String,
    pub line: String,
}

/// A process listening on the task's port that is not the task.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PortHolder {
    pub pid: u32,
    pub command: String,
}

/// The answer to `why`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WhyReport {
    pub task: String,
    pub healthy: bool,
    /// The state in the words `status` uses.
    pub state: String,
    pub cause: Cause,
    /// One sentence: what is going on.
    pub explanation: String,
    /// When the task got into this state (its last event, or its start).
    pub since: Option<String>,
    pub restart_policy: String,
    pub restarts: u32,
    /// The last exits, newest first.
    pub last_exits: Vec<Exit>,
    /// The last probe verdict changes, newest first.
    pub probes: Vec<ProbeResult>,
    pub port: Option<u16>,
    pub port_holders: Vec<PortHolder>,
    /// The first line that looks like an error in the current (or last) run.
    pub first_error: Option<Line>,
    /// The last lines of the current (or last) run.
    pub last_lines: Vec<Line>,
    /// The command most likely to help next.
    pub fix: Option<String>,
}

const LAST_LINES: usize = 15;

fn looks_like_error(text: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(error|exception|traceback|fatal|panic(ked)?|failed|refused|EADDRINUSE|address already in use|no such file|not found|permission denied|segmentation fault)\b")
            .expect("valid")
    })
    .is_match(text)
}

/// Answer `why` for `task`, asking `sup` for its status.
pub async fn why(sup: &Addr<SessionSupervisor>, cfg: &Config, task: &str) -> Result<WhyReport> {
    cfg.check_names(&[task.to_string()])?;
    let status = sup.send(GetStatus).await??;
    let row = status
        .tasks
        .iter()
        .find(|t| t.name == task)
        .cloned()
        .ok_or_else(|| Error::unknown_task(task, &cfg.task_names()))?;
    let unhealthy_deps: Vec<String> = row
        .depends_on
        .iter()
        .filter(|d| {
            status
                .tasks
                .iter()
                .any(|t| &t.name == *d && t.healthy != Some(true))
        })
        .cloned()
        .collect();
    let (session, name, port, pid) = (cfg.name.clone(), task.to_string(), row.port, row.pid);
    let facts = crate::error::off_thread(move || gather(&session, &name, port, pid)).await?;
    let policy = cfg
        .task(task)
        .map(|t| t.restart_policy.as_str().to_string())
        .unwrap_or_default();
    Ok(judge(task, &row, facts, &unhealthy_deps, policy))
}

/// The first error-looking line and the last lines of `task`'s current (or
/// last) run. Blocking file reads.
pub fn run_lines(session: &str, task: &str) -> Result<(Option<Line>, Vec<Line>)> {
    // The current (or last) run: the lines after its start marker.
    let q = crate::logs::Query::new(vec![task.to_string()], 400);
    let lines = crate::logs::query(session, &q)?;
    let run: Vec<Line> = crate::logs::marker::current_run(&lines)
        .iter()
        .filter(|l| !l.marker)
        .map(|l| Line {
            ts: l.ts.clone(),
            line: crate::logs::format::strip_ansi(&l.text),
        })
        .collect();
    let first_error = run.iter().find(|l| looks_like_error(&l.line)).cloned();
    let last_lines = run[run.len().saturating_sub(LAST_LINES)..].to_vec();
    Ok((first_error, last_lines))
}

/// What the files and /proc say.
struct Facts {
    last_exits: Vec<Exit>,
    probes: Vec<ProbeResult>,
    since: Option<String>,
    port_holders: Vec<PortHolder>,
    first_error: Option<Line>,
    last_lines: Vec<Line>,
}

fn gather(session: &str, task: &str, port: Option<u16>, pid: Option<u32>) -> Result<Facts> {
    let filter = EventFilter {
        task: Some(task.to_string()),
        last: Some(200),
        ..EventFilter::default()
    };
    let events: Vec<_> = recorded::read(session, &filter)?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let num =
        |e: &crate::supervisor::events::Event, k: &str| e.data.get(k).and_then(|v| v.as_i64());
    let last_exits = events
        .iter()
        .rev()
        .filter(|e| e.event == EventKind::Exited)
        .take(5)
        .map(|e| Exit {
            ts: e.ts.clone(),
            code: num(e, "code"),
            signal: num(e, "signal"),
        })
        .collect();
    let probes = events
        .iter()
        .rev()
        .filter(|e| e.event == EventKind::HealthChanged)
        .take(5)
        .map(|e| ProbeResult {
            ts: e.ts.clone(),
            healthy: e
                .data
                .get("healthy")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            reason: e
                .data
                .get("reason")
                .and_then(|v| v.as_str())
                .map(str::to_string),
        })
        .collect();
    let since = events.last().map(|e| e.ts.clone());
    let own_sid = pid.and_then(crate::process::sid_of);
    let port_holders = port
        .map(crate::process::listeners_on_port)
        .unwrap_or_default()
        .into_iter()
        .filter(|l| own_sid.is_none() || crate::process::sid_of(l.pid) != own_sid)
        .map(|l| PortHolder {
            pid: l.pid,
            command: l.command,
        })
        .collect();
    let (first_error, last_lines) = run_lines(session, task)?;
    Ok(Facts {
        last_exits,
        probes,
        since,
        port_holders,
        first_error,
        last_lines,
    })
}

fn judge(
    task: &str,
    row: &StatusRow,
    f: Facts,
    unhealthy_deps: &[String],
    restart_policy: String,
) -> WhyReport {
    let logs = format!("taskmux logs {task} -n 50");
    let restart = format!("taskmux restart {task} --wait");
    let held = f.port_holders.first().map(|h| {
        (
            format!(
                "port {} is held by pid {} ({})",
                row.port.unwrap_or(0),
                h.pid,
                h.command
            ),
            format!("kill {}   # or give {task} another port", h.pid),
        )
    });
    let mut f = f;
    if f.last_exits.is_empty() && (row.exit_code.is_some() || row.exit_signal.is_some()) {
        // No supervisor saw it end (no event): the pane still holds the exit.
        f.last_exits.push(Exit {
            ts: f.since.clone().unwrap_or_default(),
            code: row.exit_code.map(i64::from),
            signal: row.exit_signal.map(i64::from),
        });
    }
    let ended = match (row.exit_code, row.exit_signal) {
        (_, Some(sig)) => format!("it was killed by signal {sig}"),
        (Some(code), None) => format!("it exited with code {code}"),
        _ => "it exited".to_string(),
    };
    let err = f
        .first_error
        .as_ref()
        .map(|l| format!(": first error: {}", l.line))
        .unwrap_or_default();
    let (cause, explanation, fix) = match &row.detail {
        TaskState::Running {
            health: Health::Unhealthy(reason),
        } => (
            Cause::ProbeFailed,
            format!("running, but its {} probe fails: {reason}", probe_name(row)),
            Some(held.as_ref().map_or(logs.clone(), |h| h.1.clone())),
        ),
        TaskState::Running { .. } if row.healthy != Some(false) => {
            (Cause::Healthy, "running and healthy".to_string(), None)
        }
        TaskState::Running { .. } => (
            Cause::ProbeFailed,
            "running, not healthy".into(),
            Some(logs.clone()),
        ),
        TaskState::Starting => (
            Cause::Starting,
            "started; its first probes have not passed yet".into(),
            Some(format!("taskmux wait {task}")),
        ),
        TaskState::Backoff { attempt, delay_ms } => (
            Cause::Restarting,
            format!(
                "it ended and restarts in {:.1}s (automatic restart {attempt}){err}",
                *delay_ms as f64 / 1000.0
            ),
            Some(held.as_ref().map_or(logs.clone(), |h| h.1.clone())),
        ),
        TaskState::Exited { .. } => match &held {
            Some((h, fix)) => (Cause::Exited, format!("{ended}; {h}"), Some(fix.clone())),
            None => (
                Cause::Exited,
                format!("{ended}{err}"),
                Some(if f.first_error.is_some() {
                    format!("fix that, then: {restart}")
                } else {
                    logs.clone()
                }),
            ),
        },
        TaskState::Failed { reason } => (
            Cause::GaveUp,
            format!("the supervisor gave up: {reason}{err}"),
            Some(format!("fix the error, then: {restart}")),
        ),
        TaskState::Skipped { reason } => (
            Cause::DependencyFailed,
            format!("not started: {reason}"),
            Some(match unhealthy_deps.first() {
                Some(d) => format!("taskmux why {d}"),
                None => format!("taskmux start {task} --wait"),
            }),
        ),
        TaskState::Stopped => (
            Cause::StoppedByHand,
            "stopped by hand (stop or kill); nothing restarts it".into(),
            Some(format!("taskmux start {task} --wait")),
        ),
        TaskState::NotStarted if !row.auto_start => (
            Cause::NotStarted,
            "not started: auto_start = false, so only `taskmux start` of it starts it".into(),
            Some(format!("taskmux start {task} --wait")),
        ),
        TaskState::NotStarted => (
            Cause::NotStarted,
            "not started (the stack was not started, or it was removed)".into(),
            Some("taskmux start --wait".to_string()),
        ),
        TaskState::Stopping => (Cause::Stopping, "being stopped".into(), None),
        TaskState::Waiting { reason } => (
            Cause::DependencyFailed,
            format!("running, but failing its probe while {reason}; the supervisor restarts it once that dependency is healthy"),
            Some(match unhealthy_deps.first() {
                Some(d) => format!("taskmux why {d}"),
                None => logs.clone(),
            }),
        ),
        TaskState::Completed { .. } => (
            Cause::Completed,
            "a job (run = \"once\") that ran to completion: it exited 0".into(),
            None,
        ),
    };
    WhyReport {
        task: task.to_string(),
        healthy: matches!(cause, Cause::Healthy | Cause::Completed),
        state: row.state.clone(),
        cause,
        explanation,
        since: f.since.or_else(|| row.started_at.clone()),
        restart_policy,
        restarts: row.restarts,
        last_exits: f.last_exits,
        probes: f.probes,
        port: row.port,
        port_holders: f.port_holders,
        first_error: f.first_error,
        last_lines: f.last_lines,
        fix,
    }
}

fn probe_name(row: &StatusRow) -> &'static str {
    use crate::config::model::ProbeKind::*;
    match row.probe {
        Log => "ready_log",
        Http => "http",
        Shell => "health_check",
        Tcp => "tcp",
        Process => "process",
    }
}
