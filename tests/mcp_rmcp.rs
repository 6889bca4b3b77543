//! `taskmux mcp` driven over stdio by the official Rust SDK's client (rmcp):
//! handshakes at each revision, tools with schemas, every tool's happy and
//! error path, notifications after `kill -9`, resource subscriptions.

mod common;

use common::{free_port, Sandbox};
use rmcp::model::*;
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ClientLifecycleMode, ClientServiceExt, RoleClient};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A client that records what the server pushes.
#[derive(Clone)]
struct Recorder {
    version: ProtocolVersion,
    pushed: mpsc::UnboundedSender<ServerNotification>,
}

impl ClientHandler for Recorder {
    fn get_info(&self) -> ClientConfig {
        let mut info = ClientConfig::default();
        info.protocol_version = self.version.clone();
        info
    }
    #[allow(deprecated)]
    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _c: NotificationContext<RoleClient>,
    ) {
        let _ = self
            .pushed
            .send(ServerNotification::LoggingMessageNotification(
                LoggingMessageNotification::new(params),
            ));
    }
    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _c: NotificationContext<RoleClient>,
    ) {
        let _ = self
            .pushed
            .send(ServerNotification::ResourceUpdatedNotification(
                ResourceUpdatedNotification::new(params),
            ));
    }
}

type Client = RunningService<RoleClient, Recorder>;

fn server(sb: &Sandbox) -> TokioChildProcess {
    let cmd = tokio::process::Command::from(sb.cmd(&["mcp"]));
    TokioChildProcess::new(cmd).expect("spawn taskmux mcp")
}

async fn connect(
    sb: &Sandbox,
    version: ProtocolVersion,
) -> (Client, mpsc::UnboundedReceiver<ServerNotification>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let recorder = Recorder {
        version: version.clone(),
        pushed: tx,
    };
    let mode = if version == ProtocolVersion::V_2026_07_28 {
        ClientLifecycleMode::Discover {
            preferred_versions: vec![version],
        }
    } else {
        ClientLifecycleMode::Initialize
    };
    let client = recorder
        .serve_with_lifecycle(server(sb), mode)
        .await
        .expect("MCP handshake");
    (client, rx)
}

async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("args")
    };
    let params = CallToolRequestParams::new(tool.to_string()).with_arguments(args);
    client
        .call_tool(params)
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// A successful call's structured document.
async fn ok(client: &Client, tool: &str, args: Value) -> Value {
    let r = call(client, tool, args.clone()).await;
    let doc = r.structured_content.clone().unwrap_or(Value::Null);
    assert_eq!(r.is_error, Some(false), "{tool} {args}: {doc}");
    assert_eq!(doc["ok"], true, "{tool}: {doc}");
    let text = text_of(&r);
    assert!(!text.is_empty(), "{tool} has a text summary");
    doc
}

/// A failed call's error code (the message is checked by the caller).
async fn err(client: &Client, tool: &str, args: Value) -> (String, String) {
    let r = call(client, tool, args.clone()).await;
    let doc = r.structured_content.clone().unwrap_or(Value::Null);
    assert_eq!(r.is_error, Some(true), "{tool} {args} should fail: {doc}");
    assert_eq!(doc["ok"], false, "{doc}");
    let text = text_of(&r);
    let message = doc["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains(&message),
        "text {text:?} carries the message {message:?}"
    );
    (
        doc["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        message,
    )
}

fn text_of(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn stack(port: u16, daemon: bool) -> String {
    format!(
        r#"# a comment that must survive edits
name = "mcpstack"
{daemon_line}

[tasks.web]
command = "python3 -m http.server {port} --bind 127.0.0.1"
port = {port}
health_url = "http://127.0.0.1:{port}/"

[tasks.worker]
command = "while true; do echo tick $(date +%s%N); sleep 0.2; done"
depends_on = ["web"]
restart_policy = "always"
"#,
        daemon_line = if daemon { "" } else { "daemon = false" }
    )
}

#[tokio::test]
async fn handshake_at_each_revision_and_tools_with_schemas() {
    let sb = Sandbox::new();
    sb.config(&stack(free_port(), false));
    for version in [
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
        ProtocolVersion::V_2026_07_28,
    ] {
        let (client, _rx) = connect(&sb, version.clone()).await;
        if version != ProtocolVersion::V_2026_07_28 {
            let info = client.peer_info().expect("initialize answered");
            assert_eq!(info.protocol_version, version);
            assert_eq!(
                info.server_info.as_ref().map(|s| s.name.as_str()),
                Some("taskmux")
            );
        }
        let tools = client.list_all_tools().await.expect("tools/list");
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        for want in [
            "status",
            "inspect",
            "health",
            "start",
            "stop",
            "restart",
            "kill",
            "logs",
            "wait",
            "events",
            "check",
            "add_task",
            "remove_task",
        ] {
            assert!(names.contains(&want), "{version}: {want} not in {names:?}");
        }
        for t in &tools {
            assert_eq!(t.input_schema["type"], "object", "{}", t.name);
            let out = t.output_schema.as_ref().expect("output schema");
            assert_eq!(out["type"], "object");
            assert!(out["properties"]["ok"].is_object());
        }
        let hints = |n: &str| {
            tools
                .iter()
                .find(|t| t.name == n)
                .unwrap()
                .annotations
                .clone()
                .unwrap()
        };
        assert_eq!(hints("status").read_only_hint, Some(true));
        assert_eq!(hints("kill").destructive_hint, Some(true));
        assert_eq!(hints("remove_task").destructive_hint, Some(true));
        assert_eq!(hints("start").read_only_hint, Some(false));
        // A call works at this revision too.
        let status = ok(&client, "status", json!({})).await;
        assert_eq!(status["session"], "mcpstack");
        client.cancel().await.ok();
    }
}

#[tokio::test]
async fn every_tool_answers_and_fails_as_the_cli_does() {
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&stack(port, false));
    let (client, _rx) = connect(&sb, ProtocolVersion::V_2025_11_25).await;

    // check: the same document as `taskmux check --json`.
    let check = ok(&client, "check", json!({})).await;
    assert_eq!(check, sb.json(&["check"]));

    let started = ok(&client, "start", json!({})).await;
    let names: Vec<&str> = started["started"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web", "worker"], "{started}");
    // daemon = false: no daemon was started.
    assert!(!sb.state_dir.join("mcpstack/daemon.json").exists());
    let waited = ok(&client, "wait", json!({"timeout": "20s"})).await;
    assert!(
        waited["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "met"),
        "{waited}"
    );

    let status = ok(&client, "status", json!({})).await;
    let cli = sb.json(&["status"]);
    for (mcp_row, cli_row) in status["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(cli["tasks"].as_array().unwrap())
    {
        assert_eq!(mcp_row["name"], cli_row["name"]);
        assert_eq!(mcp_row["pid"], cli_row["pid"]);
        assert_eq!(mcp_row["state"], cli_row["state"]);
    }
    let inspect = ok(&client, "inspect", json!({"task": "web"})).await;
    assert_eq!(inspect["name"], "web");
    assert_eq!(inspect["running"], true);
    let health = ok(&client, "health", json!({})).await;
    assert!(
        health["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["healthy"] == true),
        "{health}"
    );

    // logs: 50 lines unless asked, grep filters.
    sb.wait_for("60 worker lines", Duration::from_secs(20), || {
        let n = std::fs::read_to_string(sb.state_dir.join("mcpstack/logs/worker.log"))
            .ok()?
            .lines()
            .count();
        (n > 60).then_some(())
    });
    let logs = ok(&client, "logs", json!({"task": "worker"})).await;
    assert_eq!(logs["lines"].as_array().unwrap().len(), 50);
    let few = ok(
        &client,
        "logs",
        json!({"task": "worker", "lines": 3, "grep": "^tick [0-9]+$"}),
    )
    .await;
    let lines = few["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|l| l["line"].as_str().unwrap().starts_with("tick")),
        "{few}"
    );

    let events = ok(&client, "events", json!({})).await;
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"started"), "{kinds:?}");
    let last = events["last_seq"].as_u64().unwrap();
    let none = ok(&client, "events", json!({"since_seq": last})).await;
    assert_eq!(none["events"], json!([]));

    let restarted = ok(&client, "restart", json!({"task": "worker"})).await;
    assert_eq!(
        restarted["start"]["started"][0]["task"], "worker",
        "{restarted}"
    );

    // Config edits keep the comment.
    let added = ok(
        &client,
        "add_task",
        json!({"task": "extra", "command": "sleep 600", "auto_start": false}),
    )
    .await;
    assert_eq!(added["task"], "extra");
    let text = std::fs::read_to_string(sb.path("taskmux.toml")).unwrap();
    assert!(
        text.starts_with("# a comment that must survive edits\n") && text.contains("[tasks.extra]"),
        "{text}"
    );
    let (code, _) = err(
        &client,
        "add_task",
        json!({"task": "extra", "command": "true"}),
    )
    .await;
    assert_eq!(code, "task_exists");
    ok(&client, "start", json!({"task": "extra"})).await;
    let removed = ok(&client, "remove_task", json!({"task": "extra"})).await;
    assert_eq!(removed["stopped"], true, "{removed}");
    assert!(!std::fs::read_to_string(sb.path("taskmux.toml"))
        .unwrap()
        .contains("extra"));
    let (code, message) = err(&client, "remove_task", json!({"task": "web"})).await;
    assert_eq!(code, "has_dependents");
    assert!(message.contains("worker"), "{message}");

    // Unknown tasks: the CLI's message with its did-you-mean, for every tool taking one.
    for (tool, args) in [
        ("inspect", json!({"task": "wbe"})),
        ("kill", json!({"task": "wbe"})),
        ("start", json!({"task": "wbe"})),
        ("stop", json!({"task": "wbe"})),
        ("restart", json!({"tasks": ["wbe"]})),
        ("logs", json!({"task": "wbe"})),
        ("wait", json!({"task": "wbe"})),
        ("events", json!({"task": "wbe"})),
        ("remove_task", json!({"task": "wbe"})),
    ] {
        let (code, message) = err(&client, tool, args).await;
        assert_eq!(code, "unknown_task", "{tool}");
        assert!(message.contains("web"), "{tool}: {message}");
    }
    // Bad arguments are tool errors naming the param; a missing one too.
    let (code, message) = err(&client, "logs", json!({"lines": "many"})).await;
    assert_eq!(code, "bad_request");
    assert!(message.contains("lines"), "{message}");
    let (code, _) = err(&client, "kill", json!({})).await;
    assert_eq!(code, "missing_param");
    // An unknown tool is a protocol error, and the server still answers after it.
    let params = CallToolRequestParams::new("stauts".to_string());
    let e = client.call_tool(params).await.expect_err("unknown tool");
    assert!(e.to_string().contains("status"), "{e}");

    // wait fails fast on a dead task; stop and kill do what they say.
    let stopped = ok(&client, "stop", json!({"task": "worker"})).await;
    assert_eq!(stopped["stopped"][0]["task"], "worker");
    let t0 = Instant::now();
    let (code, message) = err(&client, "wait", json!({"task": "worker", "timeout": "20s"})).await;
    assert_eq!(code, "task_not_running", "{message}");
    assert!(t0.elapsed() < Duration::from_secs(5));
    let killed = ok(&client, "kill", json!({"task": "web"})).await;
    assert_eq!(killed["window_destroyed"], true, "{killed}");
    let (code, _) = err(&client, "wait", json!({"task": "web", "timeout": "300ms"})).await;
    assert!(code == "task_not_running" || code == "timeout", "{code}");
    client.cancel().await.ok();
}

async fn next_matching(
    rx: &mut mpsc::UnboundedReceiver<ServerNotification>,
    within: Duration,
    mut want: impl FnMut(&ServerNotification) -> bool,
) -> Option<ServerNotification> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let n = tokio::time::timeout_at(deadline, rx.recv()).await.ok()??;
        if want(&n) {
            return Some(n);
        }
    }
}

fn log_event(n: &ServerNotification) -> Option<(String, Value)> {
    #[allow(deprecated)]
    match n {
        ServerNotification::LoggingMessageNotification(m) => Some((
            format!("{:?}", m.params.level).to_lowercase(),
            m.params.data.clone(),
        )),
        _ => None,
    }
}

fn updated(n: &ServerNotification, uri: &str) -> bool {
    matches!(n, ServerNotification::ResourceUpdatedNotification(u) if u.params.uri == uri)
}

#[tokio::test]
async fn a_kill_9_is_pushed_within_a_second_and_so_is_the_restart() {
    let sb = Sandbox::new();
    sb.config(&stack(free_port(), true));
    let (client, mut rx) = connect(&sb, ProtocolVersion::V_2025_06_18).await;
    #[allow(deprecated)]
    client
        .subscribe(SubscribeRequestParams::new("taskmux://status"))
        .await
        .expect("resources/subscribe");
    ok(&client, "start", json!({})).await;
    // start through MCP brought up the session's daemon: crash supervision.
    let rec: Value = sb.wait_for("daemon record", Duration::from_secs(10), || {
        serde_json::from_str(
            &std::fs::read_to_string(sb.state_dir.join("mcpstack/daemon.json")).ok()?,
        )
        .ok()
    });
    assert!(common::pid_alive(rec["pid"].as_u64().unwrap() as u32));
    ok(&client, "wait", json!({"timeout": "20s"})).await;
    let pid = sb.task("worker")["pid"].as_u64().expect("worker pid") as i32;
    // Drain what came so far, then kill -9.
    while rx.try_recv().is_ok() {}
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let t0 = Instant::now();
    let exited = next_matching(&mut rx, Duration::from_secs(1), |n| {
        log_event(n).is_some_and(|(_, d)| d["event"] == "exited" && d["task"] == "worker")
    })
    .await
    .expect("an exited notification within 1 s of kill -9");
    let (level, data) = log_event(&exited).unwrap();
    assert!(level == "warning" || level == "error", "{level}");
    assert_eq!(data["signal"], 9, "{data}");
    assert!(
        data["last_lines"].as_array().is_some_and(|l| !l.is_empty()),
        "{data}"
    );
    assert!(t0.elapsed() < Duration::from_secs(1));
    next_matching(&mut rx, Duration::from_secs(1), |n| {
        updated(n, "taskmux://status")
    })
    .await
    .expect("taskmux://status updated");
    // The daemon restarts it (policy always) and that is pushed too.
    next_matching(&mut rx, Duration::from_secs(10), |n| {
        log_event(n).is_some_and(|(_, d)| {
            d["event"] == "started" && d["task"] == "worker" && d["automatic"] == true
        })
    })
    .await
    .expect("the automatic restart is pushed");
    client.cancel().await.ok();
}

#[tokio::test]
async fn listen_streams_resource_updates_and_events_resume_by_seq() {
    let sb = Sandbox::new();
    sb.config(&stack(free_port(), true));
    let (client, _rx) = connect(&sb, ProtocolVersion::V_2026_07_28).await;
    let resources = client.list_all_resources().await.expect("resources/list");
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    for want in [
        "taskmux://status",
        "taskmux://events",
        "taskmux://logs/web",
        "taskmux://logs/worker",
    ] {
        assert!(uris.contains(&want), "{uris:?}");
    }
    let templates = client
        .list_all_resource_templates()
        .await
        .expect("templates");
    assert_eq!(templates[0].uri_template, "taskmux://logs/{task}");

    let mut sub = client
        .listen(
            SubscriptionFilter::builder()
                .resource_subscription("taskmux://status")
                .resource_subscription("taskmux://logs/worker")
                .build(),
        )
        .await
        .expect("subscriptions/listen");
    assert_eq!(
        sub.acknowledged()
            .resource_subscriptions
            .as_ref()
            .map(Vec::len),
        Some(2)
    );
    ok(&client, "start", json!({})).await;
    let mut seen = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.len() < 2 {
        let n = tokio::time::timeout_at(deadline, sub.next())
            .await
            .expect("updates for both resources")
            .expect("subscription")
            .expect("open");
        if let ServerNotification::ResourceUpdatedNotification(u) = n {
            seen.insert(u.params.uri);
        }
    }

    // taskmux://events: the first read returns the history, the next only what is new.
    let read = |uri: &'static str| {
        let client = &client;
        async move {
            let r = client
                .read_resource(ReadResourceRequestParams::new(uri))
                .await
                .expect("read");
            match &r.contents[0] {
                ResourceContents::TextResourceContents { text, .. } => {
                    serde_json::from_str::<Value>(text).unwrap()
                }
                other => panic!("{other:?}"),
            }
        }
    };
    let first = read("taskmux://events").await;
    let last = first["last_seq"].as_u64().unwrap();
    assert!(last > 0, "{first}");
    ok(&client, "restart", json!({"task": "worker"})).await;
    let second = read("taskmux://events").await;
    let evs = second["events"].as_array().unwrap();
    assert!(
        !evs.is_empty() && evs.iter().all(|e| e["seq"].as_u64().unwrap() > last),
        "{second}"
    );
    // A reader that reconnects resumes after the seq it saw.
    let resumed = read("taskmux://events?since_seq=0").await;
    assert!(resumed["events"].as_array().unwrap().len() >= evs.len());
    let status = read("taskmux://status").await;
    assert_eq!(status["session"], "mcpstack");
    let e = client
        .read_resource(ReadResourceRequestParams::new("taskmux://logs/nope"))
        .await
        .expect_err("unknown task");
    assert!(e.to_string().contains("nope"), "{e}");
    client.cancel().await.ok();
}
