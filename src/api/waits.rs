//! `wait` for the API: healthy by default, or `for` port / log:RE / exit; and
//! `start`/`restart` with `wait`, which answer once what they started is healthy.

use crate::config::Config;
use crate::error::Result;
use crate::logs::cursor::Cursor;
use crate::protocol::{RestartResult, StartParams, StartResult, WaitParams};
use crate::supervisor::session::messages::{RestartTasks, StartTasks};
use crate::supervisor::wait::{wait_healthy, WaitReport};
use crate::supervisor::wait_for::{wait_for, Condition};
use crate::supervisor::SessionSupervisor;
use actix::Addr;

/// Run the wait `p` asks for on `names`.
pub async fn run(
    sup: &Addr<SessionSupervisor>,
    cfg: &Config,
    names: Vec<String>,
    p: &WaitParams,
) -> Result<WaitReport> {
    let after = p
        .after
        .as_deref()
        .map(|c| Cursor::decode(c, &cfg.name))
        .transpose()?;
    match p.condition.as_ref().map(|c| &c.value) {
        None | Some(Condition::Ready) => {
            wait_healthy(sup, cfg, names, p.deadline(), &mut |_, _, _, _| {}).await
        }
        Some(cond) => wait_for(sup, cfg, names, cond, after, p.deadline()).await,
    }
}

/// `start` `names`; with `wait`, also wait for what it started (or found running).
pub async fn start(
    sup: &Addr<SessionSupervisor>,
    state: &super::ApiState,
    names: Vec<String>,
    p: &StartParams,
) -> Result<StartResult> {
    let report = sup.send(StartTasks { names }).await;
    state.invalidate_status();
    let report = report??;
    let touched = report
        .started
        .iter()
        .map(|l| l.task.clone())
        .chain(report.already_running.iter().cloned())
        .collect();
    let wait = match p.wait_for(touched) {
        Some(w) => Some(run(sup, &state.config(), w.selection.names(), &w).await?),
        None => None,
    };
    Ok(StartResult { report, wait })
}

/// `restart` `names`; with `wait`, also wait for what it started.
pub async fn restart(
    sup: &Addr<SessionSupervisor>,
    state: &super::ApiState,
    names: Vec<String>,
    p: &StartParams,
) -> Result<RestartResult> {
    let report = sup.send(RestartTasks { names }).await;
    state.invalidate_status();
    let report = report??;
    let started = report
        .start
        .started
        .iter()
        .map(|l| l.task.clone())
        .collect();
    let wait = match p.wait_for(started) {
        Some(w) => Some(run(sup, &state.config(), w.selection.names(), &w).await?),
        None => None,
    };
    Ok(RestartResult { report, wait })
}
