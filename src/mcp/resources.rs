//! The MCP resources: `taskmux://status`, `taskmux://events` (what happened
//! since this reader's last read; `?since_seq=N` to resume after a reconnect)
//! and `taskmux://logs/{task}` (its last lines).

use super::backend::Backend;
use super::push::{EVENTS_URI, LOGS_PREFIX, STATUS_URI};
use crate::error::{Error, Result};
use crate::protocol::{EventsParams, LogsParams, Request, StatusParams, TaskSelection};
use rmcp::model::{Resource, ResourceTemplate};
use std::sync::Mutex;

/// Lines a log resource holds.
const LOG_RESOURCE_LINES: u64 = 50;
/// Most events one read of `taskmux://events` returns.
const EVENTS_PER_READ: u64 = 500;

/// The fixed resources and one log resource per task.
pub fn list(tasks: &[&str]) -> Vec<Resource> {
    let json = "application/json";
    let mut out = vec![
        raw(STATUS_URI, "status", "Every task's state (the status tool's document)", json),
        raw(
            EVENTS_URI,
            "events",
            "Task events since your last read of this resource (first read: the last 50); add ?since_seq=N to resume after N",
            json,
        ),
    ];
    for t in tasks {
        out.push(raw(
            &format!("{LOGS_PREFIX}{t}"),
            &format!("logs/{t}"),
            &format!("The last {LOG_RESOURCE_LINES} log lines of task {t}"),
            "text/plain",
        ));
    }
    out
}

fn raw(uri: &str, name: &str, description: &str, mime: &str) -> Resource {
    Resource::new(uri, name)
        .with_description(description)
        .with_mime_type(mime)
}

/// The log resource template.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(format!("{LOGS_PREFIX}{{task}}"), "logs")
            .with_description(format!(
                "The last {LOG_RESOURCE_LINES} log lines of one task"
            ))
            .with_mime_type("text/plain"),
    ]
}

/// Whether `uri` names a resource of this server.
pub fn known(uri: &str) -> bool {
    uri == STATUS_URI
        || uri == EVENTS_URI
        || uri.starts_with(EVENTS_URI)
        || logs_task(uri).is_some()
}

fn logs_task(uri: &str) -> Option<&str> {
    uri.strip_prefix(LOGS_PREFIX).filter(|t| !t.is_empty())
}

/// The text of a resource and its MIME type. `cursor` is this reader's last
/// event seq.
pub async fn read(
    backend: &Backend,
    uri: &str,
    cursor: &Mutex<Option<u64>>,
) -> Result<(String, &'static str)> {
    if uri == STATUS_URI {
        let v = backend.execute(Request::Status(StatusParams {})).await?;
        return Ok((v.to_string(), "application/json"));
    }
    if let Some(rest) = uri.strip_prefix(EVENTS_URI) {
        let explicit = match rest {
            "" => None,
            q => Some(
                q.strip_prefix("?since_seq=")
                    .and_then(|n| n.parse::<u64>().ok())
                    .ok_or_else(|| {
                        Error::bad_request(format!(
                            "unknown resource {uri}: use {EVENTS_URI} or {EVENTS_URI}?since_seq=N"
                        ))
                    })?,
            ),
        };
        let held = *cursor.lock().unwrap_or_else(|e| e.into_inner());
        let since_seq = explicit.or(held);
        let params = EventsParams {
            since_seq,
            lines: Some(if since_seq.is_some() {
                EVENTS_PER_READ
            } else {
                50
            }),
            ..EventsParams::default()
        };
        let v = backend.execute(Request::Events(params)).await?;
        let last = v["last_seq"].as_u64().filter(|n| *n > 0);
        if let Some(last) = last {
            *cursor.lock().unwrap_or_else(|e| e.into_inner()) = Some(last);
        } else if held.is_none() {
            // Nothing yet: later reads return what happens from now on.
            *cursor.lock().unwrap_or_else(|e| e.into_inner()) = Some(since_seq.unwrap_or(0));
        }
        return Ok((v.to_string(), "application/json"));
    }
    let Some(task) = logs_task(uri) else {
        return Err(Error::bad_request(format!(
            "unknown resource {uri}: this server has {STATUS_URI}, {EVENTS_URI} and {LOGS_PREFIX}{{task}}"
        )));
    };
    let params = LogsParams {
        selection: TaskSelection::of(vec![task.to_string()]),
        lines: Some(LOG_RESOURCE_LINES),
        ..LogsParams::default()
    };
    let v = backend.execute(Request::Logs(params)).await?;
    let text = super::summary::summary("logs", &v);
    Ok((text, "text/plain"))
}
