//! A small synchronous WebSocket client: the CLI sends mutating commands through
//! a running daemon so its view stays true and subscribers see every change.

use crate::daemon::record::DaemonRecord;
use crate::error::{Error, Result, EXIT_FAILED, EXIT_USAGE};
use serde_json::{json, Value};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;
use tungstenite::Message;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Send one request to the session's daemon. None: no daemon is running (or it
/// could not be reached before the request was sent) — do the work locally.
pub fn via_daemon(session: &str, command: &str, params: Value) -> Option<Result<Value>> {
    let rec = DaemonRecord::running(session)?;
    let mut ws = match connect(&rec) {
        Ok(ws) => ws,
        Err(e) => {
            crate::output::warn(&format!(
                "daemon (pid {}) unreachable on port {}: {e}; running locally",
                rec.pid, rec.port
            ));
            return None;
        }
    };
    Some(exchange(&mut ws, command, params))
}

type Ws = tungstenite::WebSocket<TcpStream>;

fn connect(rec: &DaemonRecord) -> std::result::Result<Ws, String> {
    let host = rec.connect_host();
    let addr = (host.trim_matches(|c| c == '[' || c == ']'), rec.port)
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("no address")?;
    let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    stream
        .set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(|e| e.to_string())?;
    let url = format!("ws://{host}:{}/?token={}", rec.port, rec.token);
    let (ws, _) = tungstenite::client(url, stream).map_err(|e| e.to_string())?;
    // Requests such as restart may take as long as the tasks' stop grace periods.
    ws.get_ref()
        .set_read_timeout(None)
        .map_err(|e| e.to_string())?;
    Ok(ws)
}

fn exchange(ws: &mut Ws, command: &str, params: Value) -> Result<Value> {
    let lost = |e: tungstenite::Error| Error::failed(format!("lost the daemon connection: {e}"));
    let req = json!({"id": 1, "command": command, "params": params});
    ws.send(Message::Text(req.to_string())).map_err(lost)?;
    loop {
        let text = match ws.read().map_err(lost)? {
            Message::Text(t) => t,
            Message::Close(_) => return Err(Error::failed("the daemon closed the connection")),
            _ => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if v["id"] != json!(1) {
            continue;
        }
        let _ = ws.close(None);
        return answer(v);
    }
}

/// Turn a response into the result value or the error it carries.
pub fn answer(mut v: Value) -> Result<Value> {
    if v["ok"] == true {
        return Ok(v["result"].take());
    }
    let code = v["error"]["code"].as_str().unwrap_or("failed");
    let message = v["error"]["message"]
        .as_str()
        .unwrap_or("the daemon answered an error")
        .to_string();
    let (code, exit) = static_code(code);
    Err(Error::new(code, message, exit))
}

/// Error codes as the static strings of [`Error`], with their exit codes.
fn static_code(code: &str) -> (&'static str, i32) {
    const USAGE: &[&str] = &[
        "unknown_task",
        "bad_usage",
        "invalid_config",
        "missing_param",
        "bad_request",
        "unknown_command",
    ];
    const FAILED: &[&str] = &[
        "failed",
        "tmux_error",
        "io_error",
        "hook_failed",
        "rate_limited",
        "busy",
    ];
    if let Some(c) = USAGE.iter().find(|c| **c == code) {
        return (c, EXIT_USAGE);
    }
    if let Some(c) = FAILED.iter().find(|c| **c == code) {
        return (c, EXIT_FAILED);
    }
    ("failed", EXIT_FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let ok = answer(json!({"id":1,"ok":true,"command":"kill","result":{"task":"a"}})).unwrap();
        assert_eq!(ok["task"], "a");
        let e = answer(json!({"ok":false,"error":{"code":"unknown_task","message":"nope"}}))
            .unwrap_err();
        assert_eq!(
            (e.code, e.exit_code, e.message.as_str()),
            ("unknown_task", 2, "nope")
        );
        let e = answer(json!({"ok":false,"error":{"code":"weird","message":"m"}})).unwrap_err();
        assert_eq!((e.code, e.exit_code), ("failed", 1));
    }
}
