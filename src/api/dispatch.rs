//! Runs a typed [`Request`] against the session: names are checked against the
//! current config, then the request becomes a supervisor message (or a log read).
//! `subscribe`/`unsubscribe` belong to the connection (see `ws`).

use super::logs_bridge;
use super::ApiState;
use crate::error::{off_thread, Error, Result};
use crate::lint::CheckReport;
use crate::protocol::{EventsResult, LogsParams, Request, TaskParam, TaskSelection};
use crate::supervisor::recorded::{self, EventFilter};
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

/// The tasks selected, or every task of the config when none is.
fn selected_or_all(state: &ApiState, sel: &TaskSelection) -> Result<Vec<String>> {
    let names = selected(state, sel)?;
    if !names.is_empty() {
        return Ok(names);
    }
    Ok(state
        .config()
        .task_names()
        .into_iter()
        .map(str::to_string)
        .collect())
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
            return off_thread(move || logs(&state, &p)).await;
        }
        Request::Subscribe(_) | Request::Unsubscribe(_) => {
            return Err(Error::bad_request(format!(
                "'{}' is answered by the connection",
                request.name()
            )))
        }
        Request::Wait(p) => {
            let names = selected(&state, &p.selection)?;
            let cfg = state.config();
            let names = crate::supervisor::wait::waited_for(&cfg, names);
            let report = super::waits::run(sup, &cfg, names, p).await?;
            return Ok(to_value(report));
        }
        Request::Events(p) => {
            check_tasks(&state, p.task.as_slice())?;
            let filter = EventFilter {
                task: p.task.clone(),
                since: p.since.as_ref().map(|w| w.value),
                after_seq: p.since_seq,
                last: Some(p.count()),
            };
            let session = state.session.clone();
            return off_thread(move || {
                let events: Vec<_> = recorded::read(&session, &filter)?
                    .into_iter()
                    .map(|(_, ev)| ev)
                    .collect();
                let last_seq = events.last().map_or(0, |e| e.seq);
                Ok(to_value(EventsResult { events, last_seq }))
            })
            .await;
        }
        Request::Why(p) => {
            let name = one(&state, p)?;
            let cfg = state.config();
            return Ok(to_value(
                crate::supervisor::why::why(sup, &cfg, &name).await?,
            ));
        }
        Request::Mark(p) => {
            let tasks = selected_or_all(&state, &p.selection)?;
            let session = state.session.clone();
            return off_thread(move || {
                let cursor = crate::logs::cursor::now(&session, &tasks)?.encode();
                Ok(to_value(crate::protocol::MarkResult { cursor }))
            })
            .await;
        }
        Request::Check(_) => {
            let status: crate::supervisor::status::StatusReport =
                serde_json::from_value(state.status().await?)
                    .map_err(|e| Error::failed(e.to_string()))?;
            let pids: Vec<(String, u32)> = status
                .tasks
                .iter()
                .filter_map(|t| t.pid.map(|pid| (t.name.clone(), pid)))
                .collect();
            let cfg = state.config();
            return off_thread(move || Ok(to_value(CheckReport::of(&cfg, || pids)))).await;
        }
        Request::AddTask(p) => Ok(super::edits::add(state.clone(), p).await.map(to_value)),
        Request::RemoveTask(p) => Ok(super::edits::remove(state.clone(), p).await.map(to_value)),
        Request::Start(p) => {
            let names = selected(&state, &p.selection)?;
            Ok(super::waits::start(sup, &state, names, p)
                .await
                .map(to_value))
        }
        Request::Stop(p) => {
            let names = selected(&state, &p.selection)?;
            let end_session = p.end_session.unwrap_or(names.is_empty());
            sup.send(StopTasks { names, end_session })
                .await
                .map(|r| r.map(to_value))
        }
        Request::Restart(p) => {
            let names = selected(&state, &p.selection)?;
            Ok(super::waits::restart(sup, &state, names, p)
                .await
                .map(to_value))
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
    let tasks = selected_or_all(state, &p.selection)?;
    Ok(to_value(logs_bridge::query(&state.session, tasks, p)?))
}
