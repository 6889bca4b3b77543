//! The daemon and its WebSocket API, against a private tmux server.

mod common;
use common::*;
use serde_json::{json, Value};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::Message;

type Ws = tungstenite::WebSocket<MaybeTlsStream<TcpStream>>;

const CONFIG: &str = r#"
name = "dapi"
allowed_origins = ["http://localhost:5173"]
[tasks.web]
command = "echo web-up; sleep 300"
[tasks.api]
command = "sleep 300"
"#;

/// A daemon child process of a sandbox (SIGKILLed on drop).
struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    fn start(sb: &Sandbox) -> Daemon {
        Self::start_on(sb, free_port())
    }

    fn start_on(sb: &Sandbox, port: u16) -> Daemon {
        let log = std::fs::File::create(sb.dir.path().join(format!("daemon-{port}.out"))).unwrap();
        let child = sb
            .cmd(&["daemon", "--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let pid = child.id();
        let record = sb.state_dir.join("dapi/daemon.json");
        sb.wait_for("the daemon to listen", Duration::from_secs(20), || {
            let rec: Value = serde_json::from_str(&std::fs::read_to_string(&record).ok()?).ok()?;
            (rec["pid"] == pid && TcpStream::connect(("127.0.0.1", port)).is_ok()).then_some(())
        });
        Daemon { child, port }
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    fn connect(&self) -> Ws {
        tungstenite::connect(self.url())
            .expect("WebSocket handshake")
            .0
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn send(ws: &mut Ws, v: &Value) {
    ws.send(Message::Text(v.to_string())).unwrap();
}

/// Read the next message that is JSON (events included).
fn next(ws: &mut Ws) -> Value {
    loop {
        match ws.read().expect("read from the daemon") {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Close(c) => panic!("connection closed: {c:?}"),
            _ => continue,
        }
    }
}

/// Send a request and read its response (pushed events are skipped).
fn call(ws: &mut Ws, v: Value) -> Value {
    send(ws, &v);
    loop {
        let m = next(ws);
        if m.get("ok").is_some() {
            return m;
        }
    }
}

fn assert_ok(r: &Value) -> &Value {
    assert_eq!(r["ok"], true, "{r}");
    &r["result"]
}

fn assert_err(r: &Value, code: &str) {
    assert_eq!(r["ok"], false, "{r}");
    assert_eq!(r["error"]["code"], code, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{r}"
    );
}

/// Wait for a pushed event matching `f`.
fn wait_event(ws: &mut Ws, f: impl Fn(&Value) -> bool) -> Value {
    ws.get_mut()
        .get_mut_stream()
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    loop {
        let m = next(ws);
        if m["type"] == "event" && f(&m) {
            return m;
        }
    }
}

trait StreamExt {
    fn get_mut_stream(&mut self) -> &mut TcpStream;
}
impl StreamExt for MaybeTlsStream<TcpStream> {
    fn get_mut_stream(&mut self) -> &mut TcpStream {
        match self {
            MaybeTlsStream::Plain(s) => s,
            _ => unreachable!("plain TCP only"),
        }
    }
}

#[test]
fn every_command_and_error_code_on_one_connection() {
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let d = Daemon::start(&sb);
    let mut ws = d.connect();

    // The seed protocol.
    let st = call(&mut ws, json!({"command": "status"}));
    assert_eq!(st["command"], "status");
    assert_eq!(assert_ok(&st)["tasks"].as_array().unwrap().len(), 2);
    let started = call(&mut ws, json!({"id": 1, "command": "start"}));
    assert_eq!(started["id"], 1);
    let r = assert_ok(&started);
    let n = r["started"].as_array().unwrap().len() + r["already_running"].as_array().unwrap().len();
    assert_eq!(n, 2, "{started}");
    let restarted = call(
        &mut ws,
        json!({"command": "restart", "params": {"task": "web"}}),
    );
    let r = assert_ok(&restarted);
    assert_eq!(r["start"]["started"][0]["task"], "web", "{restarted}");
    assert!(
        r.get("wait").is_none(),
        "a plain restart does not wait: {r}"
    );
    // With `wait`, one call answers once what it started is up, with the wait's rows.
    let restarted = call(
        &mut ws,
        json!({"command": "restart", "params": {"task": "web", "wait": true, "timeout": "20s"}}),
    );
    let w = &assert_ok(&restarted)["wait"];
    assert_eq!(w["tasks"][0]["task"], "web", "{restarted}");
    assert_eq!(w["tasks"][0]["status"], "met", "{restarted}");
    assert!(w["tasks"][0]["elapsed_ms"].is_u64(), "{restarted}");
    assert!(w["error"].is_null(), "{restarted}");
    let started = call(
        &mut ws,
        json!({"command": "start", "params": {"wait": true}}),
    );
    let w = &assert_ok(&started)["wait"];
    assert_eq!(w["tasks"].as_array().map(Vec::len), Some(2), "{started}");
    let logs = call(
        &mut ws,
        json!({"command": "logs", "params": {"task": "web", "lines": 50}}),
    );
    assert!(assert_ok(&logs)["lines"].is_array(), "{logs}");

    // The other commands.
    let insp = call(
        &mut ws,
        json!({"id": "i", "command": "inspect", "params": {"task": "web"}}),
    );
    assert_eq!(insp["id"], "i");
    assert_eq!(assert_ok(&insp)["name"], "web");
    assert_eq!(insp["result"]["running"], true);
    let health = call(&mut ws, json!({"command": "health"}));
    assert_eq!(assert_ok(&health)["tasks"].as_array().unwrap().len(), 2);
    let stop = call(
        &mut ws,
        json!({"command": "stop", "params": {"tasks": ["api"]}}),
    );
    assert_eq!(assert_ok(&stop)["stopped"][0]["task"], "api", "{stop}");
    let kill = call(
        &mut ws,
        json!({"command": "kill", "params": {"task": "api"}}),
    );
    assert_eq!(assert_ok(&kill)["task"], "api");
    let start = call(
        &mut ws,
        json!({"command": "start", "params": {"task": "api"}}),
    );
    assert_eq!(assert_ok(&start)["started"][0]["task"], "api", "{start}");
    let logs = call(
        &mut ws,
        json!({"command": "logs", "params": {"grep": "up", "since": "5m"}}),
    );
    assert!(assert_ok(&logs)["lines"].is_array());
    let sub = call(
        &mut ws,
        json!({"command": "subscribe", "params": {"events": true, "logs": ["web"]}}),
    );
    assert_eq!(assert_ok(&sub)["events"], true);
    let unsub = call(&mut ws, json!({"command": "unsubscribe"}));
    assert_eq!(assert_ok(&unsub)["unsubscribed"], true);

    // Every error code; the connection stays open after each.
    let cases = [
        (json!({"command": "stauts"}), "unknown_command"),
        (
            json!({"command": "inspect", "params": {"task": "wbe"}}),
            "unknown_task",
        ),
        (
            json!({"command": "restart", "params": {"tasks": ["web", "nope"]}}),
            "unknown_task",
        ),
        (
            json!({"command": "logs", "params": {"task": "nope"}}),
            "unknown_task",
        ),
        (json!({"command": "inspect"}), "missing_param"),
        (json!({"command": "kill", "params": {}}), "missing_param"),
        (json!({"params": {}}), "missing_param"),
        (
            json!({"command": "logs", "params": {"lines": "many"}}),
            "bad_request",
        ),
        (
            json!({"command": "start", "params": {"task": 5}}),
            "bad_request",
        ),
        (
            json!({"command": "start", "params": {"wait": true, "timeout": "soon"}}),
            "bad_request",
        ),
        (json!({"command": "status", "params": [1]}), "bad_request"),
        (json!({"command": 7}), "bad_request"),
        (
            json!({"command": "logs", "params": {"since": "last tuesday"}}),
            "bad_request",
        ),
        (
            json!({"command": "logs", "params": {"grep": "("}}),
            "bad_request",
        ),
    ];
    for (req, code) in cases {
        let r = call(&mut ws, req.clone());
        assert_err(&r, code);
        assert_ok(&call(&mut ws, json!({"command": "status"})));
    }
    let unknown = call(&mut ws, json!({"id": 9, "command": "stauts"}));
    assert_eq!(unknown["id"], 9);
    assert!(unknown["error"]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean 'status'"));
    for garbage in ["not json", "[1,2]", "", "{\"command\":"] {
        ws.send(Message::Text(garbage.into())).unwrap();
        assert_err(&next(&mut ws), "bad_request");
    }
    ws.send(Message::Binary(b"{\"command\":\"status\"}".to_vec()))
        .unwrap();
    assert_ok(&next(&mut ws));
    ws.send(Message::Binary(vec![0xff, 0xfe])).unwrap();
    assert_err(&next(&mut ws), "bad_request");
    assert_ok(&call(&mut ws, json!({"command": "status"})));
}

#[test]
fn events_are_pushed_and_resumable_and_the_cli_goes_through_the_daemon() {
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let d = Daemon::start(&sb);
    let mut sub = d.connect();
    let r = call(
        &mut sub,
        json!({"id": "s", "command": "subscribe", "params": {"events": true}}),
    );
    assert_eq!(assert_ok(&r)["events"], true);

    let mut ctl = d.connect();
    assert_ok(&call(&mut ctl, json!({"command": "start"})));
    assert_ok(&call(
        &mut ctl,
        json!({"command": "restart", "params": {"task": "web"}}),
    ));
    let started = wait_event(&mut sub, |e| e["event"] == "started" && e["task"] == "web");
    let seq = started["seq"].as_u64().unwrap();
    assert!(started["ts"].as_str().is_some(), "{started}");

    // Resume from a seq: the missed events come first, in order, after the response.
    let mut late = d.connect();
    let r = call(
        &mut late,
        json!({"command": "subscribe", "params": {"since_seq": seq - 1}}),
    );
    assert!(assert_ok(&r)["replayed"].as_u64().unwrap() >= 1, "{r}");
    let first = wait_event(&mut late, |_| true);
    assert_eq!(first["seq"], seq, "{first}");

    // A CLI stop goes through the daemon: subscribers see it, the event log has it.
    let out = sb.run(&["stop", "web"]).ok();
    assert!(out.stdout.contains("stopped web"), "{}", out.all());
    let ev = wait_event(&mut sub, |e| e["event"] == "stopped" && e["task"] == "web");
    assert!(ev["seq"].as_u64().unwrap() > seq);
    let events = sb.state_dir.join("dapi/events.jsonl");
    let text = sb.wait_file_contains(&events, "\"stopped\"", Duration::from_secs(5));
    assert!(
        text.lines().any(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["event"] == "stopped" && v["task"] == "web"
        }),
        "{text}"
    );
    // The JSON output of a routed command is the same report as a local one.
    let killed = sb.json(&["kill", "api"]);
    assert_eq!(killed["ok"], true, "{killed}");
    assert_eq!(killed["task"], "api");
    // Unknown names are still refused locally with exit 2.
    sb.run(&["stop", "nope"]).code(2);
}

fn handshake(d: &Daemon, query: &str, headers: &[(&'static str, &str)]) -> Result<Ws, u16> {
    let mut req = format!("{}{query}", d.url()).into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut()
            .insert(*k, tungstenite::http::HeaderValue::from_str(v).unwrap());
    }
    match tungstenite::connect(req) {
        Ok((ws, _)) => Ok(ws),
        Err(tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("handshake failed oddly: {e}"),
    }
}

#[test]
fn origins_tokens_frames_and_floods() {
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let d = Daemon::start(&sb);
    let rec: Value = serde_json::from_str(
        &std::fs::read_to_string(sb.state_dir.join("dapi/daemon.json")).unwrap(),
    )
    .unwrap();
    let token = rec["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 32);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(sb.state_dir.join("dapi/daemon.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // Origin: refused unless allow-listed (own origins and allowed_origins).
    assert_eq!(
        handshake(&d, "", &[("Origin", "http://evil.example")]).err(),
        Some(403)
    );
    assert_eq!(
        handshake(&d, "", &[("Origin", "http://localhost:1")]).err(),
        Some(403)
    );
    let own = format!("http://localhost:{}", d.port);
    assert!(handshake(&d, "", &[("Origin", &own)]).is_ok());
    let own = format!("http://127.0.0.1:{}", d.port);
    assert!(handshake(&d, "", &[("Origin", &own)]).is_ok());
    assert!(handshake(&d, "", &[("Origin", "http://localhost:5173")]).is_ok());

    // Tokens: a same-user local client needs none; a presented token must be right.
    // (A client of another user, or not on loopback, gets 401 without the token: see
    // api::peer for the /proc/net/tcp uid lookup and its unit tests.)
    assert!(handshake(&d, "", &[]).is_ok());
    assert!(handshake(&d, &format!("?token={token}"), &[]).is_ok());
    let bearer = format!("Bearer {token}");
    assert!(handshake(&d, "", &[("Authorization", &bearer)]).is_ok());
    assert_eq!(handshake(&d, "?token=0123", &[]).err(), Some(401));
    assert_eq!(
        handshake(&d, "", &[("Authorization", "Bearer wrong")]).err(),
        Some(401)
    );

    // An oversized frame closes that connection only.
    let mut other = d.connect();
    let mut big = d.connect();
    let huge = format!(
        "{{\"command\":\"status\",\"pad\":\"{}\"}}",
        "x".repeat(100 * 1024)
    );
    let _ = big.send(Message::Text(huge));
    let closed = loop {
        match big.read() {
            Ok(Message::Close(c)) => break c.map(|c| u16::from(c.code)),
            Ok(_) => continue,
            Err(_) => break None,
        }
    };
    if let Some(code) = closed {
        assert_eq!(code, 1009);
    }
    assert_ok(&call(&mut other, json!({"command": "status"})));

    // A flood of garbage: the flooder gets errors (or is dropped); others are served.
    let mut flood = d.connect();
    for _ in 0..3000 {
        if flood.send(Message::Text("garbage".into())).is_err() {
            break;
        }
    }
    assert_ok(&call(&mut other, json!({"command": "status"})));

    // Plain HTTP on the same port.
    let info: Value = {
        use std::io::{Read, Write};
        let mut s = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
        write!(
            s,
            "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap()
    };
    assert_eq!(info["pid"], d.child.id());
    assert_eq!(info["session"], "dapi");
}

/// One plain HTTP GET; the body as JSON.
fn http_get_json(port: u16, path: &str) -> Value {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The schema the daemon serves at GET /schema and docs/websocket-api.md's command
/// table name the same commands with the same params, so the doc cannot drift.
#[test]
fn api_schema_matches_the_docs() {
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let d = Daemon::start(&sb);
    let schema = http_get_json(d.port, "/schema");
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/websocket-api.md"
    ))
    .unwrap();
    // The rows of the command table: | `name` | params | result |
    let rows: Vec<(String, String)> = doc
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            (cells.len() == 5 && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .then(|| (name.to_string(), cells[2].to_string()))
        })
        .collect();
    let resolve = |v: &Value| -> Value {
        match v["$ref"].as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
            Some(name) => schema["$defs"][name].clone(),
            None => v.clone(),
        }
    };
    let mut commands = Vec::new();
    let requests = resolve(&schema["requests"]);
    for variant in requests["oneOf"].as_array().expect("requests.oneOf") {
        let variant = resolve(variant);
        let name = variant["properties"]["command"]["const"]
            .as_str()
            .expect("command const")
            .to_string();
        let params = resolve(&variant["properties"]["params"]);
        let (_, cell) = rows
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("docs/websocket-api.md has no row for '{name}'"));
        for param in params["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|p| p.0)
        {
            assert!(
                cell.contains(&format!("`{param}`")),
                "the doc row of '{name}' does not name params.{param}: {cell}"
            );
        }
        assert!(
            schema["results"].get(&name).is_some(),
            "no result schema for {name}"
        );
        commands.push(name);
    }
    for (name, _) in &rows {
        assert!(
            commands.contains(name),
            "the doc lists '{name}', the API does not"
        );
    }
    assert_eq!(commands.len(), 17, "{commands:?}");
}

#[test]
fn one_daemon_per_session_stale_record_and_daemon_stop() {
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let mut first = Daemon::start(&sb);
    let pid = first.child.id();

    // A second daemon is refused and names the first.
    let second = sb
        .run(&["daemon", "--port", &free_port().to_string()])
        .code(1);
    assert!(
        second.stderr.contains(&format!("pid {pid}")),
        "{}",
        second.all()
    );
    assert!(
        second.stderr.contains(&format!("port {}", first.port)),
        "{}",
        second.all()
    );
    let st = sb.json(&["daemon", "status"]);
    assert_eq!(st["running"], true);
    assert_eq!(st["pid"], pid);

    // SIGKILL leaves a stale record: status says not running, a new daemon replaces it.
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    assert!(sb.state_dir.join("dapi/daemon.json").exists());
    let st = sb.json(&["daemon", "status"]);
    assert_eq!(st["running"], false, "{st}");
    // The CLI falls back to running locally.
    sb.run(&["start", "api"]).ok();
    let mut again = Daemon::start(&sb);
    let rec: Value = serde_json::from_str(
        &std::fs::read_to_string(sb.state_dir.join("dapi/daemon.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(rec["pid"], again.child.id());
    assert_eq!(rec["port"], again.port);
    let log = std::fs::read_to_string(sb.state_dir.join("dapi/daemon.log")).unwrap();
    assert!(
        log.contains(&format!("stale daemon record of pid {pid}")),
        "{log}"
    );

    // daemon stop: the daemon exits, its record goes, the tasks keep running.
    let t0 = Instant::now();
    let out = sb.run(&["daemon", "stop"]).ok();
    assert!(out.stdout.contains("stopped the daemon"), "{}", out.all());
    let status = again.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert!(!sb.state_dir.join("dapi/daemon.json").exists());
    assert_eq!(sb.task("api")["running"], true);
    let st = sb.json(&["daemon", "stop"]);
    assert_eq!(st["was_running"], false);
}

/// Budget check (run by hand: `cargo test --release --test daemon_api -- --ignored`):
/// WebSocket `status` with 20 tasks, 1,000 sequential requests; prints p50/p99 and RSS.
#[test]
#[ignore]
fn status_latency_with_20_tasks() {
    let sb = Sandbox::new();
    let mut cfg = String::from("name = \"dapi\"\n");
    for i in 0..20 {
        cfg.push_str(&format!("[tasks.t{i}]\ncommand = \"sleep 300\"\n"));
    }
    sb.config(&cfg);
    let d = Daemon::start(&sb);
    let mut ws = d.connect();
    assert_ok(&call(&mut ws, json!({"command": "start"})));
    let mut times = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let t = Instant::now();
        let r = call(&mut ws, json!({"command": "status"}));
        times.push(t.elapsed());
        assert_eq!(r["result"]["tasks"].as_array().unwrap().len(), 20);
    }
    times.sort();
    let rss = std::fs::read_to_string(format!("/proc/{}/status", d.child.id()))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap()
        .to_string();
    eprintln!(
        "status p50 {:?} p99 {:?} max {:?}; daemon {rss}",
        times[500], times[990], times[999]
    );
    assert!(
        times[990] < Duration::from_millis(5),
        "p99 {:?}",
        times[990]
    );
}

#[test]
fn connections_beyond_the_cap_get_503() {
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let d = Daemon::start(&sb);
    let mut open: Vec<Ws> = (0..256).map(|_| d.connect()).collect();
    assert_eq!(handshake(&d, "", &[]).err(), Some(503));
    // Everyone already connected is still served.
    assert_ok(&call(&mut open[0], json!({"command": "status"})));
    assert_ok(&call(&mut open[255], json!({"command": "status"})));
    // A closed connection frees its slot.
    let mut gone = open.pop().unwrap();
    gone.close(None).unwrap();
    while gone.read().is_ok() {}
    sb.wait_for("a free slot", Duration::from_secs(5), || {
        handshake(&d, "", &[]).ok()
    });
}
