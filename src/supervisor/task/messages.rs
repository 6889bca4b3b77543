//! Messages a [`TaskActor`](super::task::TaskActor) handles, and what it answers.

use crate::error::Result;
use crate::probe::ProbeResult;
use crate::process::Listener;
use crate::tmux::PaneInfo;
use actix::Message;
use serde::Serialize;

/// Start the task: port cleanup, task before_start hook, one tmux call, after_start hook.
#[derive(Message)]
#[rtype(result = "Result<Launched>")]
pub struct Launch {
    /// The task's pane as last seen (None: no window yet).
    pub pane: Option<PaneInfo>,
}

/// What a launch did.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Launched {
    pub task: String,
    /// The run's pid, the same for the whole run: the pane's process (a simple
    /// command is exec'd; a compound one is its shell; docs/cli.md, "pid").
    pub pid: u32,
    pub pane_pid: u32,
    pub window_id: String,
    pub pane_id: String,
    pub run: u32,
    /// The port the run was given (a fixed one, or the one picked for `auto`).
    #[serde(default)]
    pub port: Option<u16>,
    /// Processes that held the task's port and were stopped.
    pub freed_port: Vec<Listener>,
    /// The ports of the session's tasks this run was launched with (its own and
    /// those its `${tasks.NAME.port}` named): what its probes use.
    #[serde(skip)]
    pub ports: crate::config::Ports,
}

/// Probe quickly until the task is healthy, it dies, or the deadline passes.
#[derive(Message)]
#[rtype(result = "std::result::Result<(), String>")]
pub struct AwaitReady {
    /// The pane process launched (dead means the task ended).
    pub pane_pid: u32,
    /// When the run began, if the caller knows better than this actor (a run it
    /// did not launch): a task without a probe is up once alive MIN_UPTIME.
    pub since: Option<std::time::Instant>,
    pub deadline: std::time::Duration,
}

/// Stop the task with the full escalation (C-c, SIGTERM, SIGKILL); the window stays.
#[derive(Message)]
#[rtype(result = "Result<Stopped>")]
pub struct Stop {
    pub pane: Option<PaneInfo>,
    /// The stop is recorded and C-c sent already (a batched stop of several tasks).
    pub interrupted: bool,
}

/// How a stop ended.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Stopped {
    pub task: String,
    /// False when the task was not running.
    pub was_running: bool,
    /// The signal that ended it: "SIGINT", "SIGTERM", "SIGKILL", or "" when not running.
    pub stage: String,
    pub elapsed_ms: u64,
}

/// SIGKILL the process group and destroy the window.
#[derive(Message)]
#[rtype(result = "Result<bool>")]
pub struct Kill {
    pub pane: Option<PaneInfo>,
}

/// Run the task's health probe once.
#[derive(Message)]
#[rtype(result = "ProbeResult")]
pub struct Probe {
    pub pane: Option<PaneInfo>,
    /// The ports the session's tasks have now (`SessionSnapshot::ports`).
    pub ports: crate::config::Ports,
}

/// The task's pane in the latest session snapshot, checked against /proc
/// (`state::as_it_is`) before it is sent (None: no window).
#[derive(Message)]
#[rtype(result = "()")]
pub struct PaneObserved {
    pub pane: Option<PaneInfo>,
    /// The ports the session's live runs were given (for a run this actor adopts).
    pub ports: crate::config::Ports,
}

/// Stop supervising and end the actor (its task was removed from the config).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Retire;
