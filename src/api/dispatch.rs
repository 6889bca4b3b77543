//! Runs a typed [`Request`] against the session: names are checked against the
//! current config, then the request becomes a supervisor message (or a log read).
//! `subscribe`/`unsubscribe` belong to the connection (see `ws`).

use super::logs_bridge;
use super::ApiState;
use crate::error::{Error, Result};
use crate::protocol::{LogsParams, LogsResult, Request, TaskParam, TaskSelection};
use crate::supervisor::session::messages::*;
use crate::supervisor::status::Inspect;
use serde_json::Value;
use std::sync::Arc;

/// Check that every name is a task of the current config.
pub fn check_tasks(state: &ApiState, names: &[String]) -> Result<()> {
    state.config().check_names(names)
}

fn selected(state: &ApiState, sel: &TaskSelection) -> Result<Vec<String>> {
    let names = sel.names();
    check_tasks(state, &names)?;
    Ok(names)
}

fn one(state: &ApiState, p: &TaskParam) -> Result<String> {
    check_tasks(state, std::slice::from_ref(&p.task))?;
    Ok(p.task.clone())
}

fn to_value<T: serde::Serialize>(r: T) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

/// Run every command except subscribe/unsubscribe (the connection handles those).
pub async fn execute(state: Arc<ApiState>, request: &Request) -> Result<Value> {
    let sup = &state.supervisor;
    let result = match request {
        Request::Status(_) => return state.status().await,
        Request::Inspect(p) => {
            let name = one(&state, p)?;
            return Ok(to_value(sup.send(Inspect { name }).await??));
        }
        Request::Health(_) => return Ok(to_value(sup.send(CheckHealth).await??)),
        Request::Logs(p) => {
            // Reading log files is blocking I/O: keep it off the actor threads.
            let (state, p) = (state.clone(), p.clone());
            return tokio::task::spawn_blocking(move || logs(&state, &p))
                .await
                .map_err(|e| Error::failed(format!("log reader failed: {e}")))?;
        }
        Request::Subscribe(_) | Request::Unsubscribe(_) => {
            return Err(Error::bad_request(format!(
                "'{}' is answered by the connection",
                request.name()
            )))
        }
        Request::Start(sel) => {
            let names = selected(&state, sel)?;
            sup.send(StartTasks { names })
                .await
                .map(|r| r.map(to_value))
        }
        Request::Stop(p) => {
            let names = selected(&state, &p.selection)?;
            let end_session = p.end_session.unwrap_or(names.is_empty());
            sup.send(StopTasks { names, end_session })
                .await
                .map(|r| r.map(to_value))
        }
        Request::Restart(sel) => {
            let names = selected(&state, sel)?;
            sup.send(RestartTasks { names })
                .await
                .map(|r| r.map(to_value))
        }
        Request::Kill(p) => {
            let name = one(&state, p)?;
            sup.send(KillTask { name }).await.map(|r| r.map(to_value))
        }
    };
    // A mutating command: whatever happened, the cached status is stale.
    state.invalidate_status();
    result?
}

/// `logs {task?, tasks?, lines?, grep?, since?}`.
fn logs(state: &ApiState, p: &LogsParams) -> Result<Value> {
    let mut tasks = selected(state, &p.selection)?;
    if tasks.is_empty() {
        tasks = state
            .config()
            .task_names()
            .into_iter()
            .map(str::to_string)
            .collect();
    }
    let grep = p.grep.as_ref().map(|g| g.value.clone());
    let since = p.since.as_ref().map(|w| w.value);
    let lines = logs_bridge::query(&state.session, tasks, p.line_count(), grep, since)?;
    Ok(to_value(LogsResult { lines }))
}
