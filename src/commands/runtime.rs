//! Runs a brief actix System around one supervisor request.

use crate::config::Config;
use crate::error::Result;
use crate::process;
use crate::supervisor::{SessionSupervisor, TaskContext};
use crate::tmux::Tmux;
use actix::prelude::*;

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

/// Start the actor system, send one message to a fresh SessionSupervisor, return its answer.
pub fn ask<M, T>(cfg: &Config, msg: M) -> Result<T>
where
    M: Message<Result = Result<T>> + Send + 'static,
    T: Send + 'static,
    SessionSupervisor: Handler<M>,
{
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
