//! Ports as they are: what each task's processes listen on (status, inspect),
//! drift from the configured port, `port = "auto"` and `${tasks.NAME.port}`,
//! with two copies of one project side by side.

mod common;

use common::*;
use std::time::Duration;

fn listening(sb: &Sandbox, args: &[&str], task: &str) -> serde_json::Value {
    sb.wait_for("the task to listen", Duration::from_secs(15), || {
        let mut a = args.to_vec();
        a.push("status");
        let v = sb.json(&a);
        let row = v["tasks"]
            .as_array()?
            .iter()
            .find(|t| t["name"] == task)?
            .clone();
        (!row["listening"].as_array()?.is_empty()).then_some(row)
    })
}

#[test]
fn status_and_inspect_show_the_ports_listened_on_and_warn_on_drift() {
    let sb = Sandbox::new();
    let (configured, actual, child) = (free_port(), free_port(), free_port());
    sb.config(&format!(
        r#"name = "drift"

[tasks.web]
command = "exec python3 -m http.server {actual} --bind 127.0.0.1"
port = {configured}

[tasks.tree]
# Not exec'd: the listener is a child of the task's shell.
command = "python3 -m http.server {child} --bind 127.0.0.1 | cat"
"#
    ));
    sb.run(&["start"]).ok();
    let web = listening(&sb, &[], "web");
    assert_eq!(web["listening"], serde_json::json!([actual]), "{web}");
    let drift = web["port_drift"].as_str().unwrap();
    assert!(
        drift.contains(&configured.to_string()) && drift.contains(&actual.to_string()),
        "{drift}"
    );
    let text = sb.run(&["status"]).ok().stdout;
    assert!(
        text.contains(&format!(
            "configured port {configured}, listening on {actual}"
        )),
        "{text}"
    );
    let insp = sb.json(&["inspect", "web"]);
    assert_eq!(insp["listening"], serde_json::json!([actual]), "{insp}");
    assert!(insp["port_drift"].is_string(), "{insp}");

    let tree = listening(&sb, &[], "tree");
    assert_eq!(tree["listening"], serde_json::json!([child]), "{tree}");
    assert!(tree["port_drift"].is_null(), "{tree}");
    sb.run(&["stop"]).ok();
}

const AUTO: &str = r#"name = "auto"

[tasks.api]
command = "exec python3 -m http.server $PORT --bind 127.0.0.1"
port = "auto"

[tasks.web]
command = "echo api=${tasks.api.port}; exec sleep 300"
env = { API_URL = "http://127.0.0.1:${tasks.api.port}/" }
health_check = "test \"$API_URL\" = http://127.0.0.1:${tasks.api.port}/"
depends_on = ["api"]
"#;

#[test]
fn auto_ports_let_two_copies_of_one_project_run_side_by_side() {
    let sb = Sandbox::new();
    sb.config(AUTO);
    let mut ports = Vec::new();
    for copy in ["one", "two"] {
        let v = sb.json(&["--session", copy, "start", "--wait", "-t", "20s"]);
        assert_eq!(v["ok"], true, "{v}");
        let api = listening(&sb, &["--session", copy], "api");
        let port = api["port"].as_u64().unwrap() as u16;
        assert_eq!(api["port_auto"], true, "{api}");
        assert_eq!(api["listening"], serde_json::json!([port]), "{api}");
        assert!(api["port_drift"].is_null(), "{api}");
        // The dependent got this copy's port, in its command and its env.
        let logs = sb.wait_for("web's line", Duration::from_secs(10), || {
            let out = sb
                .run(&["--session", copy, "logs", "web", "-n", "5"])
                .stdout;
            out.contains("api=").then_some(out)
        });
        assert!(logs.contains(&format!("api={port}")), "{logs}");
        // Its env got it too: its health_check compares API_URL with the port.
        let w = sb.json(&["--session", copy, "wait", "web", "-t", "10s"]);
        assert_eq!(w["tasks"][0]["status"], "met", "{w}");
        ports.push(port);
    }
    assert_ne!(ports[0], ports[1], "each copy has its own port");
    // A restart keeps the port while it is free.
    sb.run(&["--session", "one", "restart", "api"]).ok();
    let api = listening(&sb, &["--session", "one"], "api");
    assert_eq!(api["port"].as_u64(), Some(ports[0] as u64), "{api}");
    for copy in ["one", "two"] {
        sb.run(&["--session", copy, "stop"]).ok();
    }
}

#[test]
fn references_are_checked_at_load_with_positions() {
    let sb = Sandbox::new();
    let cases = [
        (
            "[tasks.api]\ncommand = \"x\"\nport = 8000\n[tasks.web]\ncommand = \"curl localhost:${tasks.apx.port}\"\n",
            "taskmux.toml:5:27",
            "unknown task (did you mean 'api'?)",
        ),
        (
            "[tasks.api]\ncommand = \"x\"\n[tasks.web]\ncommand = \"y\"\nenv = { U = \"${tasks.api.port}\" }\n",
            "taskmux.toml:5:",
            "task 'api' has no port",
        ),
        (
            "[tasks.api]\ncommand = \"x\"\nport = 1\n[tasks.web]\ncommand = \"${tasks.api.host}\"\n",
            "taskmux.toml:5:12",
            "the form is ${tasks.NAME.port}",
        ),
        (
            "[tasks.api]\ncommand = \"x\"\nport = \"sometimes\"\n",
            "taskmux.toml:3:8",
            "an integer 1-65535 or \"auto\"",
        ),
    ];
    for (config, at, message) in cases {
        sb.config(config);
        let r = sb.run(&["check"]).code(2);
        assert!(
            r.stderr.contains(at) && r.stderr.contains(message),
            "{config}\n{}",
            r.stderr
        );
    }
    // An auto port named by a task that does not depend on its owner: a warning.
    sb.config("[tasks.api]\ncommand = \"x\"\nport = \"auto\"\n[tasks.web]\ncommand = \"curl localhost:${tasks.api.port}\"\n");
    let v = sb.json(&["check"]);
    let w = &v["warnings"];
    assert!(
        w.as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "TM009" && f["task"] == "web"),
        "{v}"
    );
    // A reference to a fixed port is the port from the start.
    sb.config("[tasks.api]\ncommand = \"x\"\nport = 8123\n[tasks.web]\ncommand = \"curl localhost:${tasks.api.port}\"\n");
    let v = sb.json(&["inspect", "web"]);
    assert_eq!(v["command"], "curl localhost:8123", "{v}");
}

#[test]
fn a_running_auto_port_dependency_is_probed_on_its_port() {
    let sb = Sandbox::new();
    sb.config(
        r#"name = "autodep"

[tasks.api]
command = "exec python3 -m http.server $PORT --bind 127.0.0.1"
port = "auto"
health_url = "http://127.0.0.1:${tasks.api.port}/"

[tasks.web]
command = "exec sleep 300"
depends_on = ["api"]
"#,
    );
    sb.run(&["start", "api", "--wait", "-t", "20s"]).ok();
    // This start did not launch api: it finds it running and probes it, on the
    // port api's window holds (not on the text `${tasks.api.port}`).
    let v = sb.json(&["start"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["started"][0]["task"], "web", "{v}");
    let h = sb.json(&["health"]);
    let api = h["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == "api")
        .unwrap()
        .clone();
    assert_eq!(api["healthy"], true, "{h}");
    sb.run(&["stop"]).ok();
}
