//! The frames around a request: `{"id"?, "command", "params"?}` in,
//! `{"id"?, "ok": true, "command", "result", ...result's fields}` or
//! `{"id"?, "ok": false, "command"?, "error": {"code", "message"}}` out.

use super::{schema, Request, COMMANDS};
use crate::error::{Error, ErrorCode};
use serde_json::{json, Map, Value};

/// A request read from a frame, with the `id` to echo.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub id: Option<Value>,
    pub request: Request,
}

/// A frame that could not be read as a request: the error, and what of the
/// request could be read (to echo).
#[derive(Debug, Clone)]
pub struct Rejected {
    pub id: Option<Value>,
    pub command: Option<String>,
    pub error: Error,
}

impl Rejected {
    /// The error response to send.
    pub fn response(&self) -> String {
        error_response(self.id.as_ref(), self.command.as_deref(), &self.error)
    }
}

/// Read one text frame.
pub fn parse(text: &str) -> Result<Envelope, Box<Rejected>> {
    let reject = |id: Option<Value>, command: Option<String>, error: Error| {
        Box::new(Rejected { id, command, error })
    };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        reject(
            None,
            None,
            Error::bad_request(format!("malformed JSON: {e}")),
        )
    })?;
    let Value::Object(mut obj) = value else {
        return Err(reject(
            None,
            None,
            Error::bad_request("a request is a JSON object: {\"command\": ..., \"params\": {...}}"),
        ));
    };
    let id = obj.remove("id").filter(|v| !v.is_null());
    let command = match obj.remove("command") {
        Some(Value::String(c)) => c,
        Some(_) => {
            return Err(reject(
                id,
                None,
                Error::bad_request("'command' must be a string"),
            ));
        }
        None => {
            return Err(reject(
                id,
                None,
                Error::new(ErrorCode::MissingParam, "the request has no 'command'"),
            ));
        }
    };
    let params = match obj.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => {
            return Err(reject(
                id,
                Some(command),
                Error::bad_request("'params' must be an object"),
            ));
        }
    };
    match request(&command, params) {
        Ok(request) => Ok(Envelope { id, request }),
        Err(error) => Err(reject(id, Some(command), error)),
    }
}

/// The typed request for `command` with `params`.
pub fn request(command: &str, params: Map<String, Value>) -> Result<Request, Error> {
    if !COMMANDS.contains(&command) {
        return Err(unknown_command(command));
    }
    for required in schema::required_params(command) {
        if params.get(required).is_none_or(Value::is_null) {
            return Err(Error::new(
                ErrorCode::MissingParam,
                format!("'{command}' needs params.{required}"),
            ));
        }
    }
    let frame = json!({"command": command, "params": params});
    serde_path_to_error::deserialize(frame).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Error::bad_request(format!("{path}: {inner}"))
    })
}

/// The error for a command that does not exist.
pub fn unknown_command(command: &str) -> Error {
    let mut msg = format!("unknown command '{command}'");
    if let Some(s) = crate::suggest::closest(command, COMMANDS.iter().copied()) {
        msg.push_str(&format!(" (did you mean '{s}'?)"));
    }
    msg.push_str(&format!("; commands: {}", COMMANDS.join(", ")));
    Error::new(ErrorCode::UnknownCommand, msg)
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
pub fn error_response(id: Option<&Value>, command: Option<&str>, err: &Error) -> String {
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
pub fn respond(env: &Envelope, result: Result<Value, Error>) -> String {
    let command = env.request.name();
    match result {
        Ok(v) => ok_response(env.id.as_ref(), command, v),
        Err(e) => error_response(env.id.as_ref(), Some(command), &e),
    }
}

/// Turn a response into the result value or the error it carries (the CLI's client).
pub fn answer(mut v: Value) -> Result<Value, Error> {
    if v["ok"] == true {
        return Ok(v["result"].take());
    }
    let code = serde_json::from_value(v["error"]["code"].take()).unwrap_or(ErrorCode::Failed);
    let message = v["error"]["message"]
        .as_str()
        .unwrap_or("the daemon answered an error")
        .to_string();
    Err(Error::new(code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_code(text: &str) -> ErrorCode {
        parse(text).unwrap_err().error.code
    }

    #[test]
    fn parses_requests() {
        let r = parse(r#"{"command":"status"}"#).unwrap();
        assert!(matches!(r.request, Request::Status(_)) && r.id.is_none());
        let r = parse(r#"{"id":7,"command":"logs","params":{"task":"a","lines":5}}"#).unwrap();
        assert_eq!(r.id, Some(json!(7)));
        let Request::Logs(p) = r.request else {
            panic!()
        };
        assert_eq!(
            (p.line_count(), p.selection.names()),
            (5, vec!["a".to_string()])
        );
    }

    #[test]
    fn bad_requests() {
        use ErrorCode::*;
        assert_eq!(err_code("{nope"), BadRequest);
        assert_eq!(err_code("[1]"), BadRequest);
        assert_eq!(err_code(r#"{"command":3}"#), BadRequest);
        assert_eq!(err_code(r#"{"id":1}"#), MissingParam);
        assert_eq!(err_code(r#"{"command":"kill","params":{}}"#), MissingParam);
        assert_eq!(
            err_code(r#"{"command":"start","params":{"task":5}}"#),
            BadRequest
        );
        assert_eq!(
            err_code(r#"{"command":"logs","params":{"grep":"("}}"#),
            BadRequest
        );
        let e = parse(r#"{"id":"x","command":"status","params":[]}"#).unwrap_err();
        let v: Value = serde_json::from_str(&e.response()).unwrap();
        assert_eq!(
            (v["id"].as_str(), v["command"].as_str()),
            (Some("x"), Some("status"))
        );
        let e = parse(r#"{"command":"logs","params":{"lines":"many"}}"#).unwrap_err();
        assert_eq!(e.error.code, BadRequest);
        assert!(e.error.message.contains("lines"), "{}", e.error.message);
        let e = parse(r#"{"command":"stauts"}"#).unwrap_err().error;
        assert_eq!(e.code, UnknownCommand);
        assert!(e.message.contains("did you mean 'status'"), "{}", e.message);
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
    }

    #[test]
    fn answers() {
        let ok = answer(json!({"id":1,"ok":true,"command":"kill","result":{"task":"a"}})).unwrap();
        assert_eq!(ok["task"], "a");
        let e = answer(json!({"ok":false,"error":{"code":"unknown_task","message":"nope"}}))
            .unwrap_err();
        assert_eq!(
            (e.code, e.exit_code, e.message.as_str()),
            (ErrorCode::UnknownTask, 2, "nope")
        );
        let e = answer(json!({"ok":false,"error":{"code":"weird","message":"m"}})).unwrap_err();
        assert_eq!((e.code, e.exit_code), (ErrorCode::Failed, 1));
    }
}
