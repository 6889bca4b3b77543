//! `add_task` and `remove_task`: comment-preserving edits of taskmux.toml (on the
//! blocking pool), applied to the supervisor at once instead of at the config
//! watch's next poll.

use super::ApiState;
use crate::config::{self, edit::NewTask, Config};
use crate::error::{off_thread, Error, Result};
use crate::protocol::{AddTaskParams, AddTaskResult, RemoveTaskResult, TaskParam};
use crate::supervisor::session::messages::{KillTask, StopTasks};
use crate::supervisor::session::resident_messages::ReloadConfig;
use std::path::PathBuf;
use std::sync::Arc;

impl From<&AddTaskParams> for NewTask {
    fn from(p: &AddTaskParams) -> Self {
        NewTask {
            name: p.task.clone(),
            command: p.command.clone(),
            cwd: p.cwd.clone(),
            port: p.port,
            health_check: p.health_check.clone(),
            health_url: p.health_url.clone(),
            depends_on: p.depends_on.clone(),
            auto_start: p.auto_start,
        }
    }
}

/// Load the edited file and hand it to the supervisor and the API.
async fn apply(state: &ApiState, path: PathBuf) -> Result<()> {
    let session = state.session.clone();
    let cfg = off_thread(move || {
        let cfg = config::load(&path)?;
        crate::agents::refresh_after_edit(&path);
        Ok(cfg)
    })
    .await?;
    // The session name may come from --session: keep the running one.
    let cfg = Config {
        name: session,
        ..cfg
    };
    if state.resident {
        state
            .supervisor
            .send(ReloadConfig { cfg: cfg.clone() })
            .await??;
    }
    state.set_config(cfg);
    Ok(())
}

/// `add_task`.
pub async fn add(state: Arc<ApiState>, p: &AddTaskParams) -> Result<AddTaskResult> {
    let path = state.config().path.clone();
    let (task, force, edited) = (NewTask::from(p), p.force, path.clone());
    off_thread(move || config::edit::add_task(&edited, &task, force)).await?;
    apply(&state, path.clone()).await?;
    Ok(AddTaskResult {
        task: p.task.clone(),
        command: p.command.clone(),
        config: path.to_string_lossy().into_owned(),
        created_config: false,
    })
}

/// `remove_task`: refused while others depend on it; a running task is stopped
/// (and its window closed) first.
pub async fn remove(state: Arc<ApiState>, p: &TaskParam) -> Result<RemoveTaskResult> {
    let cfg = state.config();
    cfg.check_names(std::slice::from_ref(&p.task))?;
    config::graph::check_removable(&cfg, &p.task)?;
    let status = state
        .supervisor
        .send(crate::supervisor::status::GetStatus)
        .await??;
    let running = status.tasks.iter().any(|t| t.name == p.task && t.running);
    if running {
        let names = vec![p.task.clone()];
        let report = state
            .supervisor
            .send(StopTasks {
                names,
                end_session: false,
            })
            .await??;
        if let Some(f) = report.failed.first() {
            return Err(Error::failed(format!(
                "could not stop '{}' before removing it: {}",
                f.task, f.message
            )));
        }
    }
    state
        .supervisor
        .send(KillTask {
            name: p.task.clone(),
        })
        .await??;
    let (path, name) = (cfg.path.clone(), p.task.clone());
    off_thread(move || config::edit::remove_task(&path, &name)).await?;
    apply(&state, cfg.path.clone()).await?;
    Ok(RemoveTaskResult {
        task: p.task.clone(),
        config: cfg.path.to_string_lossy().into_owned(),
        stopped: running,
    })
}
