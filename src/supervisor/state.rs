//! A task's life as an explicit state, derived from tmux and the supervisor's knowledge.

use crate::tmux::options::{Desired, HealthMark, Verdict};
use crate::tmux::panes::{PaneInfo, SessionSnapshot};
use serde::Serialize;

/// What is known of a task's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "health", content = "reason")]
pub enum Health {
    /// No probe result for the current run.
    Unknown,
    Healthy,
    Unhealthy(String),
}

/// The life of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum TaskState {
    /// Never started in this session (no window).
    NotStarted,
    /// Launched; the first probes have not passed yet.
    Starting,
    /// The process is alive.
    Running { health: Health },
    /// Stop escalation in progress.
    Stopping,
    /// Stopped on purpose (by a user or by `stop`).
    Stopped,
    /// Ended on its own.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// Waiting out the restart backoff.
    Backoff { attempt: u32, delay_ms: u64 },
    /// Alive but failing its probe because a dependency is not healthy: a
    /// supervisor holds its restart back until the dependency is healthy again.
    Waiting { reason: String },
    /// A job (`run = "once"`) that ran to completion: it exited 0 after `elapsed_ms`.
    Completed { elapsed_ms: Option<u64> },
    /// Gave up after max_restarts.
    Failed { reason: String },
    /// Not started because a dependency never became healthy.
    Skipped { reason: String },
}

impl TaskState {
    /// Short label for tables: running, healthy, unhealthy, stopped, exited (code 1) …
    pub fn label(&self) -> String {
        match self {
            TaskState::NotStarted => "stopped".into(),
            TaskState::Starting => "starting".into(),
            TaskState::Running { health } => match health {
                Health::Unknown => "running".into(),
                Health::Healthy => "healthy".into(),
                Health::Unhealthy(_) => "unhealthy".into(),
            },
            TaskState::Stopping => "stopping".into(),
            TaskState::Stopped => "stopped".into(),
            TaskState::Exited { code, signal } => match (code, signal) {
                (_, Some(sig)) => format!("exited (signal {sig})"),
                (Some(code), None) => format!("exited (code {code})"),
                (None, None) => "exited".into(),
            },
            TaskState::Backoff { .. } => "backoff".into(),
            TaskState::Waiting { .. } => "waiting".into(),
            TaskState::Completed { elapsed_ms } => match elapsed_ms {
                Some(ms) => format!("completed (exit 0, {:.1} s)", *ms as f64 / 1000.0),
                None => "completed (exit 0)".into(),
            },
            TaskState::Failed { .. } => "failed".into(),
            TaskState::Skipped { .. } => "skipped".into(),
        }
    }

    /// How the task ended (code, signal), when it exited on its own.
    pub fn exit(&self) -> (Option<i32>, Option<i32>) {
        match self {
            TaskState::Exited { code, signal } => (*code, *signal),
            _ => (None, None),
        }
    }

    /// True while the task's process is alive.
    pub fn is_running(&self) -> bool {
        matches!(
            self,
            TaskState::Running { .. } | TaskState::Starting | TaskState::Waiting { .. }
        )
    }

    /// True when the task is where it should be for its dependents: a job that
    /// completed (a service is judged by its probe instead).
    pub fn is_completed(&self) -> bool {
        matches!(self, TaskState::Completed { .. })
    }

    /// A job's exit 0 is its completion, not an exit (`run = "once"`).
    pub fn for_job(self, pane: Option<&PaneInfo>) -> TaskState {
        match self {
            TaskState::Exited {
                code: Some(0),
                signal: None,
            } => TaskState::Completed {
                elapsed_ms: pane.and_then(run_length_ms),
            },
            other => other,
        }
    }

    /// Why the task is not running, when there is something to say.
    pub fn reason(&self) -> Option<String> {
        match self {
            TaskState::Running {
                health: Health::Unhealthy(r),
            } => Some(r.clone()),
            TaskState::Failed { reason } | TaskState::Skipped { reason } => Some(reason.clone()),
            TaskState::Waiting { reason } => Some(format!(
                "{reason}: restarted once it is healthy again, if still failing"
            )),
            TaskState::Exited { code, signal } => {
                Some(super::policy::describe_exit(*code, *signal))
            }
            TaskState::Backoff { attempt, delay_ms } => Some(format!(
                "restart attempt {attempt} in {:.1}s",
                *delay_ms as f64 / 1000.0
            )),
            _ => None,
        }
    }
}

/// How long a pane's (ended) run lasted: from its start to the end a supervisor
/// saw (ms), else to tmux's pane_dead_time (whole seconds).
fn run_length_ms(pane: &PaneInfo) -> Option<u64> {
    let started = chrono::DateTime::parse_from_rfc3339(&pane.started_at).ok()?;
    let ended = match chrono::DateTime::parse_from_rfc3339(&pane.ended_at) {
        Ok(t) => t.with_timezone(&chrono::Utc),
        Err(_) => chrono::DateTime::from_timestamp(pane.dead_time?, 999_000_000)?,
    };
    Some(
        ended
            .signed_duration_since(started)
            .num_milliseconds()
            .max(0) as u64,
    )
}

/// The state of a task as it is, for its config: the pane checked against /proc
/// (see [`as_it_is`]), and a job's exit 0 shown as its completion.
pub fn of_task(task: &crate::config::TaskConfig, snap: &SessionSnapshot) -> TaskState {
    let pane = snap.pane(&task.name).map(|p| as_it_is(p.clone()));
    let state = match &pane {
        Some(p) => from_pane(p),
        None => from_snapshot(&task.name, snap),
    };
    if task.is_job() {
        state.for_job(pane.as_ref())
    } else {
        state
    }
}

/// The state of a task as tmux shows it (used by one-shot CLI commands).
pub fn from_snapshot(task: &str, snap: &SessionSnapshot) -> TaskState {
    match snap.pane(task) {
        Some(pane) => from_pane(pane),
        None => match snap.skipped.get(task) {
            Some(reason) => TaskState::Skipped {
                reason: reason.clone(),
            },
            None => TaskState::NotStarted,
        },
    }
}

/// The pane as it really is: tmux may not have noticed (or reaped) an ended
/// process yet, and marks a pane dead at the pty's EOF, a moment before it has the
/// exit status; then /proc tells whether it ended and, for a zombie, how.
pub fn as_it_is(mut pane: PaneInfo) -> PaneInfo {
    if pane.dead_status.is_none() && pane.dead_signal.is_none() {
        if let Some(st) = crate::process_exit::zombie_status(pane.pane_pid) {
            pane.dead = true;
            pane.dead_status = st.code;
            pane.dead_signal = st.signal;
            // An unreaped child of the tmux server (seen once in seven stops of a
            // Celery worker: the pane stayed dead without a status for minutes): tell
            // tmux to reap it, so its pane-died hook runs and the status sticks.
            crate::process_exit::nudge_reaper(pane.pane_pid);
        } else if !pane.dead && !crate::process::pid_alive(pane.pane_pid) {
            pane.dead = true;
        }
    }
    pane
}

/// The state of a task with a window.
pub fn from_pane(pane: &PaneInfo) -> TaskState {
    if let (Verdict::Failed(reason), true) = (&pane.verdict, pane.dead) {
        return TaskState::Failed {
            reason: reason.clone(),
        };
    }
    if pane.dead {
        if pane.desired == Desired::Stopped {
            return TaskState::Stopped;
        }
        if let Some(backoff) = backoff_from_verdict(&pane.verdict) {
            return backoff;
        }
        return TaskState::Exited {
            code: pane.dead_status,
            signal: pane.dead_signal,
        };
    }
    let health = match &pane.health {
        HealthMark::Healthy => Health::Healthy,
        HealthMark::Unhealthy(reason) => Health::Unhealthy(reason.clone()),
        HealthMark::Unknown => Health::Unknown,
    };
    TaskState::Running { health }
}

/// A supervisor's pending restart, as recorded in the window's verdict option;
/// the delay shown is what remains.
fn backoff_from_verdict(verdict: &Verdict) -> Option<TaskState> {
    let Verdict::Backoff { attempt, until, .. } = verdict else {
        return None;
    };
    let attempt = *attempt;
    let left = until
        .signed_duration_since(chrono::Utc::now())
        .num_milliseconds();
    if left < -5_000 {
        // Overdue: the supervisor that planned it is gone; the exit is what is true.
        return None;
    }
    let left = left.max(0) as u64;
    Some(TaskState::Backoff {
        attempt,
        delay_ms: left,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_verdict_shows_remaining_delay() {
        let until = chrono::Utc::now() + chrono::Duration::seconds(30);
        let pane = PaneInfo {
            dead: true,
            dead_status: Some(1),
            verdict: Verdict::Backoff {
                attempt: 2,
                delay_ms: 30_000,
                until,
            },
            ..Default::default()
        };
        match from_pane(&pane) {
            TaskState::Backoff { attempt, delay_ms } => {
                assert_eq!(attempt, 2);
                assert!((28_000..=30_000).contains(&delay_ms), "{delay_ms}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn labels() {
        let mut pane = PaneInfo {
            dead: true,
            dead_status: Some(3),
            ..Default::default()
        };
        assert_eq!(from_pane(&pane).label(), "exited (code 3)");
        pane.desired = Desired::Stopped;
        assert_eq!(from_pane(&pane).label(), "stopped");
        pane.dead = false;
        pane.health = HealthMark::Unhealthy("exit 1".into());
        assert_eq!(from_pane(&pane).label(), "unhealthy");
        assert_eq!(from_pane(&pane).reason().unwrap(), "exit 1");
    }
}
