//! Requests `{"id"?, "command", "params"?}`, responses
//! `{"id"?, "ok": true, "command", "result"}` and errors
//! `{"id"?, "ok": false, "command"?, "error": {"code", "message"}}`.

use super::logs_bridge;
use super::ApiState;
use crate::error::Error;
use crate::supervisor::session_messages::*;
use crate::supervisor::status::Inspect;
use actix::MailboxError;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Every command the API knows (for did-you-mean).
pub const COMMANDS: &[&str] = &[
    "status",
    "inspect",
    "health",
    "start",
    "stop",
    "restart",
    "kill",
    "logs",
    "subscribe",
    "unsubscribe",
];

/// Default and largest `lines` of a `logs` request.
pub const DEFAULT_LOG_LINES: usize = 100;
pub const MAX_LOG_LINES: usize = 10_000;

/// An error answered to the client (the connection stays open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new("bad_request", message)
    }
    pub fn missing_param(command: &str, param: &str) -> Self {
        Self::new("missing_param", format!("'{command}' needs params.{param}"))
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError {
            code: e.code.into(),
            message: e.message,
        }
    }
}

pub fn mailbox(e: MailboxError) -> Error {
    Error::failed(format!("internal error: supervisor unavailable ({e})"))
}

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: Option<Value>,
    pub command: String,
    pub params: Map<String, Value>,
}

/// Parse one text frame; on failure, the error response to send.
pub fn parse(text: &str) -> Result<Request, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        error_response(
            None,
            None,
            &ApiError::bad_request(format!("malformed JSON: {e}")),
        )
    })?;
    let Value::Object(mut obj) = value else {
        return Err(error_response(
            None,
            None,
            &ApiError::bad_request(
                "a request is a JSON object: {\"command\": ..., \"params\": {...}}",
            ),
        ));
    };
    let id = obj.remove("id").filter(|v| !v.is_null());
    let command = match obj.remove("command") {
        Some(Value::String(c)) => c,
        Some(_) => {
            return Err(error_response(
                id.as_ref(),
                None,
                &ApiError::bad_request("'command' must be a string"),
            ))
        }
        None => {
            return Err(error_response(
                id.as_ref(),
                None,
                &ApiError::new("missing_param", "the request has no 'command'"),
            ))
        }
    };
    let params = match obj.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => {
            return Err(error_response(
                id.as_ref(),
                Some(&command),
                &ApiError::bad_request("'params' must be an object"),
            ))
        }
    };
    Ok(Request {
        id,
        command,
        params,
    })
}

/// A success response.
pub fn ok_response(id: Option<&Value>, command: &str, result: Value) -> String {
    let mut m = Map::new();
    if let Some(id) = id {
        m.insert("id".into(), id.clone());
    }
    m.insert("ok".into(), Value::Bool(true));
    m.insert("command".into(), Value::String(command.into()));
    // The result's fields also stand at the top level, as in the CLI's `--json`
    // (`{"command":"status"}` answers with `tasks` right there).
    if let Value::Object(fields) = &result {
        for (k, v) in fields {
            if !m.contains_key(k) && k != "result" {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    m.insert("result".into(), result);
    Value::Object(m).to_string()
}

/// A success response whose result is JSON text already.
pub fn ok_raw_response(id: Option<&Value>, command: &str, result: &str) -> String {
    let mut out = String::with_capacity(result.len() + 64);
    out.push('{');
    if let Some(id) = id {
        out.push_str("\"id\":");
        out.push_str(&id.to_string());
        out.push(',');
    }
    out.push_str("\"ok\":true,\"command\":");
    out.push_str(&Value::String(command.into()).to_string());
    out.push_str(",\"result\":");
    out.push_str(result);
    // The fields again at the top level (see `ok_response`): splice the object's body.
    let body = result.trim();
    if let Some(inner) = body.strip_prefix('{').and_then(|b| b.strip_suffix('}')) {
        if !inner.trim().is_empty() {
            out.push(',');
            out.push_str(inner);
        }
    }
    out.push('}');
    out
}

/// An error response.
pub fn error_response(id: Option<&Value>, command: Option<&str>, err: &ApiError) -> String {
    let mut m = Map::new();
    if let Some(id) = id {
        m.insert("id".into(), id.clone());
    }
    m.insert("ok".into(), Value::Bool(false));
    if let Some(c) = command {
        m.insert("command".into(), Value::String(c.into()));
    }
    m.insert(
        "error".into(),
        json!({"code": err.code, "message": err.message}),
    );
    Value::Object(m).to_string()
}

/// The answer to a request, as response text.
pub fn respond(req: &Request, result: Result<Value, ApiError>) -> String {
    match result {
        Ok(v) => ok_response(req.id.as_ref(), &req.command, v),
        Err(e) => error_response(req.id.as_ref(), Some(&req.command), &e),
    }
}

/// The error for a command that does not exist.
pub fn unknown_command(command: &str) -> ApiError {
    let mut msg = format!("unknown command '{command}'");
    if let Some(s) = crate::suggest::closest(command, COMMANDS.iter().copied()) {
        msg.push_str(&format!(" (did you mean '{s}'?)"));
    }
    msg.push_str(&format!("; commands: {}", COMMANDS.join(", ")));
    ApiError::new("unknown_command", msg)
}

/// An optional string parameter.
pub fn opt_str(p: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!(
            "params.{key} must be a string"
        ))),
    }
}

/// An optional boolean parameter.
pub fn opt_bool(p: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::bad_request(format!(
            "params.{key} must be true or false"
        ))),
    }
}

/// An optional non-negative integer parameter.
pub fn opt_u64(p: &Map<String, Value>, key: &str) -> Result<Option<u64>, ApiError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            ApiError::bad_request(format!("params.{key} must be a non-negative integer"))
        }),
    }
}

/// An optional list of strings parameter.
pub fn opt_strings(p: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    ApiError::bad_request(format!("params.{key} must be a list of strings"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::bad_request(format!(
            "params.{key} must be a list of strings"
        ))),
    }
}

/// Check that every name is a task of the current config.
pub fn check_tasks(state: &ApiState, names: &[String]) -> Result<(), ApiError> {
    let cfg = state.config();
    for n in names {
        if cfg.task(n).is_none() {
            return Err(Error::unknown_task(n, &cfg.task_names()).into());
        }
    }
    Ok(())
}

/// `task` (one) or `tasks` (a list); neither = all.
fn task_names(state: &ApiState, p: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let mut names = opt_strings(p, "tasks")?.unwrap_or_default();
    if let Some(t) = opt_str(p, "task")? {
        names.insert(0, t);
    }
    check_tasks(state, &names)?;
    Ok(names)
}

/// The one task a command needs.
fn one_task(state: &ApiState, command: &str, p: &Map<String, Value>) -> Result<String, ApiError> {
    let name = opt_str(p, "task")?.ok_or_else(|| ApiError::missing_param(command, "task"))?;
    check_tasks(state, std::slice::from_ref(&name))?;
    Ok(name)
}

fn to_value<T: serde::Serialize>(r: T) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

/// Run every command except subscribe/unsubscribe (the connection handles those).
pub async fn execute(state: Arc<ApiState>, req: &Request) -> Result<Value, ApiError> {
    let p = &req.params;
    let sup = &state.supervisor;
    let command = req.command.as_str();
    let result = match command {
        "status" => return Ok(state.status().await?),
        "inspect" => {
            let name = one_task(&state, command, p)?;
            return Ok(to_value(
                sup.send(Inspect { name }).await.map_err(mailbox)??,
            ));
        }
        "health" => return Ok(to_value(sup.send(CheckHealth).await.map_err(mailbox)??)),
        "logs" => {
            // Reading log files is blocking I/O: keep it off the actor threads.
            let (state, p) = (state.clone(), p.clone());
            return tokio::task::spawn_blocking(move || logs(&state, &p))
                .await
                .map_err(|e| Error::failed(format!("log reader failed: {e}")))?;
        }
        "start" => {
            let names = task_names(&state, p)?;
            sup.send(StartTasks { names })
                .await
                .map(|r| r.map(to_value))
        }
        "stop" => {
            let names = task_names(&state, p)?;
            let end_session = opt_bool(p, "end_session")?.unwrap_or(names.is_empty());
            sup.send(StopTasks { names, end_session })
                .await
                .map(|r| r.map(to_value))
        }
        "restart" => {
            let names = task_names(&state, p)?;
            sup.send(RestartTasks { names })
                .await
                .map(|r| r.map(to_value))
        }
        "kill" => {
            let name = one_task(&state, command, p)?;
            sup.send(KillTask { name }).await.map(|r| r.map(to_value))
        }
        _ => return Err(unknown_command(command)),
    };
    // A mutating command: whatever happened, the cached status is stale.
    state.invalidate_status();
    Ok(result.map_err(mailbox)??)
}

/// `logs {task?, lines?, grep?, since?}`.
fn logs(state: &ApiState, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let tasks = match opt_str(p, "task")? {
        Some(t) => {
            check_tasks(state, std::slice::from_ref(&t))?;
            vec![t]
        }
        None => match opt_strings(p, "tasks")? {
            Some(ts) => {
                check_tasks(state, &ts)?;
                ts
            }
            None => state
                .config()
                .task_names()
                .into_iter()
                .map(str::to_string)
                .collect(),
        },
    };
    let lines = opt_u64(p, "lines")?
        .map_or(DEFAULT_LOG_LINES, |n| n as usize)
        .min(MAX_LOG_LINES);
    let grep = opt_str(p, "grep")?
        .map(|g| {
            crate::logs::grep_regex(&g).map_err(|e| {
                ApiError::bad_request(format!("params.grep is not valid: {}", e.message))
            })
        })
        .transpose()?;
    let since = opt_str(p, "since")?
        .map(|s| {
            crate::logs::parse_when(&s).map_err(|e| {
                ApiError::bad_request(format!("params.since is not valid: {}", e.message))
            })
        })
        .transpose()?;
    let lines = logs_bridge::query(&state.session, tasks, lines, grep, since)?;
    Ok(json!({ "lines": lines }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_code(resp: &str) -> String {
        let v: Value = serde_json::from_str(resp).unwrap();
        assert_eq!(v["ok"], false);
        v["error"]["code"].as_str().unwrap().to_string()
    }

    #[test]
    fn parses_requests() {
        let r = parse(r#"{"command":"status"}"#).unwrap();
        assert_eq!(r.command, "status");
        assert!(r.id.is_none() && r.params.is_empty());
        let r = parse(r#"{"id":7,"command":"logs","params":{"task":"a","lines":5}}"#).unwrap();
        assert_eq!(r.id, Some(json!(7)));
        assert_eq!(opt_u64(&r.params, "lines").unwrap(), Some(5));
    }

    #[test]
    fn bad_requests() {
        assert_eq!(err_code(&parse("{nope").unwrap_err()), "bad_request");
        assert_eq!(err_code(&parse("[1]").unwrap_err()), "bad_request");
        assert_eq!(
            err_code(&parse(r#"{"command":3}"#).unwrap_err()),
            "bad_request"
        );
        assert_eq!(
            err_code(&parse(r#"{"id":1}"#).unwrap_err()),
            "missing_param"
        );
        let e = parse(r#"{"id":"x","command":"status","params":[]}"#).unwrap_err();
        let v: Value = serde_json::from_str(&e).unwrap();
        assert_eq!(v["id"], "x");
        assert_eq!(v["command"], "status");
        let r = parse(r#"{"command":"logs","params":{"lines":"many"}}"#).unwrap();
        assert_eq!(opt_u64(&r.params, "lines").unwrap_err().code, "bad_request");
    }

    #[test]
    fn envelopes() {
        let ok: Value =
            serde_json::from_str(&ok_response(Some(&json!(1)), "status", json!({"a":1}))).unwrap();
        assert_eq!(
            ok,
            json!({"id":1,"ok":true,"command":"status","result":{"a":1},"a":1})
        );
        let raw: Value =
            serde_json::from_str(&ok_raw_response(Some(&json!("a")), "status", "{\"b\":2}"))
                .unwrap();
        assert_eq!(
            raw,
            json!({"id":"a","ok":true,"command":"status","result":{"b":2},"b":2})
        );
        let e = unknown_command("stauts");
        assert_eq!(e.code, "unknown_command");
        assert!(e.message.contains("did you mean 'status'"), "{}", e.message);
    }
}
