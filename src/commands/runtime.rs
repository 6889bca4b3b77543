//! Runs one supervisor request: through the session's daemon when one is running
//! (mutating commands, so its view stays true and subscribers see the change),
//! else in a brief actix System with a fresh supervisor.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::process;
use crate::supervisor::session_messages::{
    CheckHealth, KillTask, RestartTasks, StartTasks, StopTasks,
};
use crate::supervisor::status::{GetStatus, Inspect};
use crate::supervisor::{SessionSupervisor, TaskContext};
use crate::tmux::Tmux;
use actix::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The task context for a session started from this process.
pub fn task_context(cfg: &Config) -> TaskContext {
    TaskContext {
        session: cfg.name.clone(),
        shell: process::default_shell(cfg.shell.as_deref()),
        tmux: Tmux::from_env(),
        hook_timeout: cfg.hook_timeout,
        exe: std::env::current_exe().unwrap_or_else(|_| "taskmux".into()),
        base_env: std::env::vars().collect(),
    }
}

/// How a supervisor message travels to a running daemon.
pub trait Remote {
    /// The WebSocket command and params; None: always answered in-process.
    fn remote(&self) -> Option<(&'static str, Value)> {
        None
    }
}

impl Remote for StartTasks {
    fn remote(&self) -> Option<(&'static str, Value)> {
        Some(("start", json!({ "tasks": self.names })))
    }
}

impl Remote for StopTasks {
    fn remote(&self) -> Option<(&'static str, Value)> {
        Some((
            "stop",
            json!({ "tasks": self.names, "end_session": self.end_session }),
        ))
    }
}

impl Remote for RestartTasks {
    fn remote(&self) -> Option<(&'static str, Value)> {
        Some(("restart", json!({ "tasks": self.names })))
    }
}

impl Remote for KillTask {
    fn remote(&self) -> Option<(&'static str, Value)> {
        Some(("kill", json!({ "task": self.name })))
    }
}

// Reads stay local (fast path: one tmux call).
impl Remote for GetStatus {}
impl Remote for Inspect {}
impl Remote for CheckHealth {}

/// Answer one supervisor request: via the daemon when one runs for this session
/// and the request mutates, else in a brief actor system.
pub fn ask<M, T>(cfg: &Config, msg: M) -> Result<T>
where
    M: Message<Result = Result<T>> + Remote + Send + 'static,
    T: DeserializeOwned + Send + 'static,
    SessionSupervisor: Handler<M>,
{
    if let Some((command, params)) = msg.remote() {
        if let Some(answer) = crate::client::via_daemon(&cfg.name, command, params) {
            return serde_json::from_value(answer?).map_err(|e| {
                Error::failed(format!("internal error: unexpected daemon answer ({e})"))
            });
        }
    }
    let cfg = cfg.clone();
    let system = System::new();
    system.block_on(async move {
        let ctx = task_context(&cfg);
        let supervisor = SessionSupervisor::new(cfg, ctx).start();
        supervisor.send(msg).await.map_err(|e| {
            crate::error::Error::failed(format!("internal error: supervisor unavailable ({e})"))
        })?
    })
}
