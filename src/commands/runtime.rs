//! Runs one supervisor request: through the session's daemon when one is running
//! (mutating commands, so its view stays true and subscribers see the change),
//! else in a brief actix System with a fresh supervisor.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::protocol::{Request, StartParams, StopParams, TaskParam, TaskSelection};
use crate::supervisor::session::messages::{
    CheckHealth, KillTask, RestartTasks, StartTasks, StopTasks,
};
use crate::supervisor::status::{GetStatus, Inspect};
use crate::supervisor::{SessionSupervisor, TaskContext};
use actix::prelude::*;
use serde::de::DeserializeOwned;

/// How a supervisor message travels to a running daemon.
pub trait Remote {
    /// The API request; None: always answered in-process.
    fn remote(&self) -> Option<Request> {
        None
    }
}

impl Remote for StartTasks {
    fn remote(&self) -> Option<Request> {
        Some(Request::Start(StartParams::of(self.names.clone())))
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
        Some(Request::Restart(StartParams::of(self.names.clone())))
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
    let mutates = msg.remote();
    if let Some(request) = &mutates {
        if let Some(answer) = crate::client::via_daemon(&cfg.name, &cfg.path, request) {
            return serde_json::from_value(answer?).map_err(|e| {
                Error::failed(format!("internal error: unexpected daemon answer ({e})"))
            });
        }
    }
    // One mutating command at a time per session across taskmux processes (two
    // `start`s at once would each create the windows); the daemon serialises its
    // own. Taken before the supervisor reads the events file, so seqs stay unique.
    let _lock = match mutates {
        Some(_) => Some(crate::lockfile::LockFile::exclusive(
            &crate::paths::mutate_lock(&cfg.name),
        )?),
        None => None,
    };
    let cfg = cfg.clone();
    let system = System::new();
    system.block_on(async move {
        let ctx = TaskContext::for_config(&cfg);
        let supervisor = SessionSupervisor::new(cfg, ctx).start();
        supervisor.send(msg).await?
    })
}
