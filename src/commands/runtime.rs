//! Runs one supervisor request: through the session's daemon when one is running
//! (mutating commands, so its view stays true and subscribers see the change),
//! else in a brief actix System with a fresh supervisor.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::process;
use crate::protocol::{Request, StopParams, TaskParam, TaskSelection};
use crate::supervisor::session_messages::{
    CheckHealth, KillTask, RestartTasks, StartTasks, StopTasks,
};
use crate::supervisor::status::{GetStatus, Inspect};
use crate::supervisor::{SessionSupervisor, TaskContext};
use crate::tmux::Tmux;
use actix::prelude::*;
use serde::de::DeserializeOwned;

/// The task context for a session started from this process.
pub fn task_context(cfg: &Config) -> TaskContext {
    TaskContext {
        session: cfg.name.clone(),
        shell: process::default_shell(cfg.shell.as_deref()),
        tmux: Tmux::from_env(),
        hook_timeout: cfg.hook_timeout,
        exe: own_exe(),
        base_env: std::env::vars().collect(),
    }
}

/// This executable's path, for the commands tmux runs (log sink, hooks, `_exec`).
/// A binary replaced while it runs (an upgrade under a running daemon) reads as
/// "PATH (deleted)": the path itself is what new launches must use.
fn own_exe() -> std::path::PathBuf {
    match std::env::current_exe() {
        Ok(p) => {
            let s = p.to_string_lossy();
            match s.strip_suffix(" (deleted)") {
                Some(live) => live.into(),
                None => p,
            }
        }
        Err(_) => "taskmux".into(),
    }
}

/// How a supervisor message travels to a running daemon.
pub trait Remote {
    /// The API request; None: always answered in-process.
    fn remote(&self) -> Option<Request> {
        None
    }
}

impl Remote for StartTasks {
    fn remote(&self) -> Option<Request> {
        Some(Request::Start(TaskSelection::of(self.names.clone())))
    }
}

impl Remote for StopTasks {
    fn remote(&self) -> Option<Request> {
        Some(Request::Stop(StopParams {
            selection: TaskSelection::of(self.names.clone()),
            end_session: Some(self.end_session),
        }))
    }
}

impl Remote for RestartTasks {
    fn remote(&self) -> Option<Request> {
        Some(Request::Restart(TaskSelection::of(self.names.clone())))
    }
}

impl Remote for KillTask {
    fn remote(&self) -> Option<Request> {
        Some(Request::Kill(TaskParam {
            task: self.name.clone(),
        }))
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
    if let Some(request) = msg.remote() {
        if let Some(answer) = crate::client::via_daemon(&cfg.name, &request) {
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
        supervisor.send(msg).await?
    })
}
