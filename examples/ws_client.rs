//! Subscribe to a taskmux daemon's events and print them, one JSON line each.
//!
//!     cargo run --example ws_client -- --port 8765 [--host 127.0.0.1]
//!         [--since-seq N] [--logs web,api] [--token HEX]
//!
//! Same-user local clients need no token; others pass the one in
//! <state>/<session>/daemon.json.

use serde_json::{json, Value};
use tungstenite::Message;

fn main() {
    let mut host = "127.0.0.1".to_string();
    let mut port = 8765u16;
    let mut since: Option<u64> = None;
    let mut logs: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--port" => port = val().parse().unwrap_or_else(|_| usage("bad --port")),
            "--host" => host = val(),
            "--since-seq" => {
                since = Some(val().parse().unwrap_or_else(|_| usage("bad --since-seq")))
            }
            "--logs" => logs = val().split(',').map(str::to_string).collect(),
            "--token" => token = Some(val()),
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let mut url = format!("ws://{host}:{port}/");
    if let Some(t) = token {
        url.push_str(&format!("?token={t}"));
    }
    let (mut ws, _) = tungstenite::connect(&url).unwrap_or_else(|e| {
        eprintln!("cannot connect to {url}: {e} (is `taskmux daemon --port {port}` running?)");
        std::process::exit(1);
    });
    let mut params = json!({"events": true});
    if let Some(s) = since {
        params["since_seq"] = json!(s);
    }
    if !logs.is_empty() {
        params["logs"] = json!(logs);
    }
    let req = json!({"id": "sub", "command": "subscribe", "params": params});
    ws.send(Message::Text(req.to_string()))
        .expect("send subscribe");
    eprintln!("connected to {url}; waiting for events (Ctrl-C to quit)");
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => {
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::String(t.clone()));
                if v["ok"] == false {
                    eprintln!("error: {}", v["error"]["message"]);
                    std::process::exit(1);
                }
                println!("{v}");
            }
            Ok(Message::Close(c)) => {
                eprintln!("daemon closed the connection: {c:?}");
                break;
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("connection lost: {e}");
                std::process::exit(1);
            }
        }
    }
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("error: {msg}");
    }
    eprintln!(
        "usage: ws_client [--port 8765] [--host 127.0.0.1] [--since-seq N] [--logs a,b] [--token HEX]"
    );
    std::process::exit(2)
}
