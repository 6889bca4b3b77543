//! Messages the [`SessionSupervisor`](super::session::SessionSupervisor) handles,
//! and the reports it answers with.

use crate::error::Result;
use crate::probe::ProbeResult;
use crate::supervisor::task::messages::{Launched, Stopped};
use actix::Message;
use serde::Serialize;

/// Start tasks: none named = every auto_start task in dependency order.
#[derive(Message)]
#[rtype(result = "Result<StartReport>")]
pub struct StartTasks {
    pub names: Vec<String>,
}

/// What a start did, task by task.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct StartReport {
    pub session: String,
    pub session_created: bool,
    pub started: Vec<Launched>,
    pub already_running: Vec<String>,
    pub skipped: Vec<Skip>,
    pub failed: Vec<TaskError>,
    pub warnings: Vec<String>,
}

/// A task that was not started, and why.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Skip {
    pub task: String,
    pub reason: String,
}

/// A task whose action failed, and the error.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct TaskError {
    pub task: String,
    pub code: String,
    pub message: String,
}

/// Stop tasks: none named = all, in reverse dependency order, then end the session.
#[derive(Message)]
#[rtype(result = "Result<StopReport>")]
pub struct StopTasks {
    pub names: Vec<String>,
    /// End the tmux session afterwards (stop with no names).
    pub end_session: bool,
}

/// What a stop did.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct StopReport {
    pub session: String,
    pub stopped: Vec<Stopped>,
    pub failed: Vec<TaskError>,
    pub session_ended: bool,
}

/// Restart tasks (none named = all): full stop escalation, then start again.
#[derive(Message)]
#[rtype(result = "Result<RestartReport>")]
pub struct RestartTasks {
    pub names: Vec<String>,
}

/// What a restart did.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RestartReport {
    pub stop: StopReport,
    pub start: StartReport,
}

/// SIGKILL a task's process group and destroy its window.
#[derive(Message)]
#[rtype(result = "Result<KillReport>")]
pub struct KillTask {
    pub name: String,
}

/// What a kill did.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct KillReport {
    pub task: String,
    pub was_running: bool,
    pub window_destroyed: bool,
}

/// Keep this snapshot as the latest (taken by a request's sequence, off the actor).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Remember(pub std::sync::Arc<crate::tmux::SessionSnapshot>);

/// Probe every task once, concurrently.
#[derive(Message)]
#[rtype(result = "Result<HealthReport>")]
pub struct CheckHealth;

/// One task's probe result.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct HealthRow {
    pub task: String,
    pub state: String,
    pub running: bool,
    pub healthy: bool,
    /// It should be running and is not: it exited, failed, or waits for a restart.
    pub down: bool,
    /// Alive, without a probe, for less than the minimum uptime (1 s): not
    /// healthy yet, not unhealthy either.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub starting: bool,
    pub probe: Option<ProbeResult>,
}

/// The health table.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct HealthReport {
    pub session: String,
    pub tasks: Vec<HealthRow>,
}
