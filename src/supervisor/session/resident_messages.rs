//! Messages a resident (supervising) [`SessionSupervisor`](super::session::SessionSupervisor)
//! handles: event subscriptions, config reloads, and its internal wake-ups.

use crate::config::Config;
use crate::error::Result;
use crate::supervisor::events::Event;
use actix::prelude::*;
use serde::Serialize;

/// Subscribe to the session's events; answers (subscriber id, events after `since_seq` still held).
#[derive(Message)]
#[rtype(result = "(u64, Vec<Event>)")]
pub struct Subscribe {
    pub who: Recipient<Event>,
    pub since_seq: Option<u64>,
}

/// Stop sending events to the subscriber `id`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    pub id: u64,
}

/// Apply a new, validated config: start added auto_start tasks, stop removed ones, restart changed ones.
#[derive(Message)]
#[rtype(result = "Result<ReloadReport>")]
pub struct ReloadConfig {
    pub cfg: Config,
}

/// What a reload changed.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ReloadReport {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: Vec<String>,
    /// Tasks (re)started by the reload.
    pub started: Vec<String>,
    /// Tasks stopped by the reload (removed, or changed and about to restart).
    pub stopped: Vec<String>,
    pub warnings: Vec<String>,
}

/// The config file changed but does not load: publish config_error, keep the old config.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ConfigError {
    pub message: String,
}

/// Publish an event on the session's bus (task actors and orchestration use it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Publish {
    pub event: crate::supervisor::events::EventKind,
    pub task: Option<String>,
    pub data: serde_json::Value,
}

/// Take one list-panes snapshot and hand each task actor its pane.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Observe;

/// A task restarted by the supervisor is healthy again (rest_for_one restarts its dependents).
#[derive(Message)]
#[rtype(result = "()")]
pub struct TaskRecovered {
    pub task: String,
}

/// Are `task`'s dependencies healthy? None: yes; else why not (which one, how).
#[derive(Message)]
#[rtype(result = "Option<String>")]
pub struct DependenciesReady {
    pub task: String,
}
