//! A small synchronous WebSocket client: the CLI sends mutating commands through
//! a running daemon so its view stays true and subscribers see every change.

use crate::daemon::record::DaemonRecord;
use crate::error::{Error, Result};
use crate::protocol::{envelope, Request};
use serde_json::{json, Value};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;
use tungstenite::Message;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Send one request to the session's daemon. None: no daemon is running (or it
/// could not be reached before the request was sent) — do the work locally.
pub fn via_daemon(session: &str, config: &Path, request: &Request) -> Option<Result<Value>> {
    let rec = DaemonRecord::running(session)?;
    if let Some(owner) = rec.config.as_deref().filter(|o| Path::new(o) != config) {
        // That daemon supervises another project's session of the same name.
        let e = crate::supervisor::session::owner::conflict(session, owner, config, None);
        return Some(Err(e));
    }
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
    Some(exchange(&mut ws, request))
}

/// Follow the events of the daemon `rec` after `since_seq` (the daemon replays
/// what its ring holds): `on_event` sees each until it returns false or the
/// connection ends. Blocking: run it on a thread of its own.
pub fn stream_events(
    rec: &DaemonRecord,
    since_seq: u64,
    mut on_event: impl FnMut(crate::supervisor::events::Event) -> bool,
) -> Result<()> {
    let lost = |e: tungstenite::Error| Error::failed(format!("lost the daemon connection: {e}"));
    let mut ws = connect(rec).map_err(Error::failed)?;
    let subscribe = json!({"id": 1, "command": "subscribe", "params": {"events": true, "since_seq": since_seq}});
    ws.send(Message::Text(subscribe.to_string()))
        .map_err(lost)?;
    loop {
        let text = match ws.read().map_err(lost)? {
            Message::Text(t) => t,
            Message::Close(_) => return Ok(()),
            _ => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if v["type"] != json!("event") {
            continue;
        }
        if let Ok(ev) = serde_json::from_value(v) {
            if !on_event(ev) {
                close(&mut ws);
                return Ok(());
            }
        }
    }
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

fn exchange(ws: &mut Ws, request: &Request) -> Result<Value> {
    let lost = |e: tungstenite::Error| Error::failed(format!("lost the daemon connection: {e}"));
    let mut req = serde_json::to_value(request)
        .map_err(|e| Error::failed(format!("internal error: cannot encode request ({e})")))?;
    req["id"] = json!(1);
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
        close(ws);
        return envelope::answer(v);
    }
}

/// A clean close: send ours, read until the daemon's reply (it closes at once; a
/// second at most), so the daemon sees a closed WebSocket, not a cut connection.
fn close(ws: &mut Ws) {
    let _ = ws.get_ref().set_read_timeout(Some(Duration::from_secs(1)));
    if ws.close(None).is_ok() {
        while ws.read().is_ok() {}
    }
}
