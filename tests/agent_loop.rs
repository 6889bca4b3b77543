//! The agent's loop in one call: `start --wait` / `restart --wait` return once
//! what they started is healthy, or say why not.

mod common;

use common::{free_port, Sandbox};

#[test]
fn start_and_restart_wait_until_healthy_or_say_why() {
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&format!(
        "name = \"loop\"\n\n[tasks.web]\ncommand = \"sleep 0.3; exec python3 -m http.server {port} --bind 127.0.0.1\"\nport = {port}\nhealth_url = \"http://127.0.0.1:{port}/\"\n\n[tasks.bad]\ncommand = \"echo Error: boom >&2; exit 3\"\nauto_start = false\n"
    ));
    let v = sb.json(&["start", "--wait", "--timeout", "20s"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["started"][0]["task"], "web");
    assert_eq!(v["wait"]["tasks"][0]["status"], "met", "{v}");
    // Healthy right when it returns: the probe answers.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());

    let r = sb
        .run(&["start", "bad", "--wait", "--timeout", "20s"])
        .code(1);
    assert!(
        r.stderr.contains("will not become healthy") && r.stderr.contains("exited (code 3)"),
        "{}",
        r.stderr
    );
    // The JSON says why in a fixed vocabulary, with the run's first error.
    let v = sb
        .run(&["--json", "wait", "bad", "-t", "5s"])
        .code(1)
        .json();
    let row = &v["tasks"][0];
    assert_eq!(row["cause"], "exited", "{v}");
    assert_eq!(row["first_error"]["line"], "Error: boom", "{v}");
    assert!(
        row["last_lines"].as_array().is_some_and(|l| !l.is_empty()),
        "{v}"
    );

    let v = sb.json(&["restart", "web", "--wait"]);
    assert_eq!(v["wait"]["tasks"][0]["status"], "met", "{v}");
    assert_eq!(v["start"]["started"][0]["task"], "web");
    // Without --wait, --timeout is refused (it would mean nothing).
    sb.run(&["restart", "web", "--timeout", "5s"]).code(2);
}

#[test]
fn why_names_the_cause_and_the_fix() {
    let sb = Sandbox::new();
    let port = free_port();
    let held = free_port();
    sb.config(&format!(
        r#"name = "why"

[tasks.web]
command = "python3 -m http.server {port} --bind 127.0.0.1"
port = {port}
health_url = "http://127.0.0.1:{port}/"

[tasks.crash]
command = "echo starting; echo 'Error: cannot open config.yml' >&2; exit 4"
# Never healthy (a process that is alive for a moment would count as healthy,
# and let its dependent start): the dependent is skipped for certain.
health_check = "false"
health_interval = 0.2
health_retries = 2

[tasks.needs]
command = "sleep 600"
depends_on = ["crash"]

[tasks.clash]
command = "python3 -c 'import socket,sys; s=socket.socket(); s.bind((\"127.0.0.1\", {held})); print(\"bound\")'"
port = {held}
auto_start = false

[tasks.manual]
command = "sleep 600"
auto_start = false
"#
    ));
    sb.run(&["start"]);
    sb.run(&["wait", "web", "--timeout", "20s"]).ok();
    let web = sb.json(&["why", "web"]);
    assert_eq!(
        (web["cause"].as_str(), web["healthy"].as_bool()),
        (Some("healthy"), Some(true)),
        "{web}"
    );
    sb.run(&["why", "web"]).ok();

    let crash = sb.run(&["--json", "why", "crash"]).code(1).json();
    assert_eq!(crash["cause"], "exited", "{crash}");
    assert_eq!(crash["last_exits"][0]["code"], 4, "{crash}");
    assert_eq!(
        crash["first_error"]["line"], "Error: cannot open config.yml",
        "{crash}"
    );
    assert!(crash["last_lines"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["line"] == "starting"));
    assert!(
        crash["fix"]
            .as_str()
            .unwrap()
            .contains("taskmux restart crash"),
        "{crash}"
    );

    let needs = sb.run(&["--json", "why", "needs"]).code(1).json();
    assert_eq!(needs["cause"], "dependency_failed", "{needs}");
    assert_eq!(needs["fix"], "taskmux why crash");

    let manual = sb.run(&["--json", "why", "manual"]).code(1).json();
    assert_eq!(manual["cause"], "not_started");
    assert_eq!(manual["fix"], "taskmux start manual --wait");
    sb.run(&["start", "manual"]).ok();
    sb.run(&["stop", "manual"]).ok();
    let stopped = sb.run(&["--json", "why", "manual"]).code(1).json();
    assert_eq!(stopped["cause"], "stopped_by_hand", "{stopped}");

    // Someone else took the port after the task ended: why names the holder.
    // (A start frees the port first, so the holder comes after it.)
    sb.run(&["start", "clash"]);
    sb.wait_for("clash to end", std::time::Duration::from_secs(10), || {
        let v = sb.run(&["--json", "why", "clash"]).json();
        (v["cause"] == "exited").then_some(v)
    });
    let _holder = std::net::TcpListener::bind(("127.0.0.1", held)).unwrap();
    let clash = sb.run(&["--json", "why", "clash"]).code(1).json();
    assert_eq!(
        clash["port_holders"][0]["pid"],
        std::process::id(),
        "{clash}"
    );
    assert!(
        clash["fix"]
            .as_str()
            .unwrap()
            .starts_with(&format!("kill {}", std::process::id())),
        "{clash}"
    );
    let human = sb.run(&["why", "clash"]).code(1).stdout;
    assert!(
        human.contains("held by pid") && human.contains("fix: kill"),
        "{human}"
    );
    sb.run(&["why", "nope"]).code(2);
}

#[test]
fn wait_for_port_log_and_exit() {
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&format!(
        r#"name = "wfor"

[tasks.srv]
command = "sleep 0.4; echo 'Local: http://127.0.0.1:{port}/'; exec python3 -m http.server {port} --bind 127.0.0.1"
port = {port}

[tasks.job]
command = "sleep 0.3; echo done; exit 5"
auto_start = false
"#
    ));
    let mark = sb.run(&["mark"]).ok().stdout.trim().to_string();
    sb.run(&["start", "srv"]).ok();
    let v = sb.json(&[
        "wait",
        "srv",
        "--for",
        "log:^Local:",
        "--after",
        &mark,
        "-t",
        "10s",
    ]);
    assert_eq!(v["tasks"][0]["status"], "met", "{v}");
    assert!(
        v["tasks"][0]["matched"]
            .as_str()
            .unwrap()
            .starts_with("Local: http"),
        "{v}"
    );
    let v = sb.json(&["wait", "srv", "--for", "port", "-t", "10s"]);
    assert_eq!(
        v["tasks"][0]["matched"],
        format!("listening on {port}"),
        "{v}"
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    // A line that never comes: a timeout naming what it waited for.
    let r = sb
        .run(&[
            "--json",
            "wait",
            "srv",
            "--for",
            "log:never-printed",
            "-t",
            "300ms",
        ])
        .code(1);
    assert_eq!(r.json()["error"]["code"], "timeout", "{}", r.stdout);
    assert_eq!(r.json()["tasks"][0]["cause"], "timeout", "{}", r.stdout);

    sb.run(&["start", "job"]).ok();
    let v = sb.json(&["wait", "job", "--for", "exit", "-t", "10s"]);
    assert_eq!(v["tasks"][0]["matched"], "exited with code 5", "{v}");
    // The job is gone: a log wait on it fails at once instead of timing out.
    let t0 = std::time::Instant::now();
    let r = sb
        .run(&["--json", "wait", "job", "--for", "log:nothing", "-t", "20s"])
        .code(1);
    assert_eq!(
        r.json()["error"]["code"],
        "task_not_running",
        "{}",
        r.stdout
    );
    assert!(t0.elapsed() < std::time::Duration::from_secs(5));
    sb.run(&["wait", "--for", "sideways"]).code(2);
}

#[test]
fn projects_lists_every_taskmux_session() {
    let sb = Sandbox::new();
    sb.config("name = \"proj\"\n[tasks.a]\ncommand = \"sleep 600\"\n[tasks.b]\ncommand = \"sleep 600\"\nauto_start = false\n");
    assert!(sb
        .run(&["projects"])
        .ok()
        .stdout
        .contains("no taskmux session"));
    sb.run(&["start"]).ok();
    sb.run(&["--session", "proj-copy", "start", "a", "b"]).ok();
    // A session of the user's own is not listed.
    sb.tmux(&["new-session", "-d", "-s", "mine", "sleep 600"]);
    let v = sb.json(&["projects"]);
    let list = v["projects"].as_array().unwrap();
    let names: Vec<&str> = list
        .iter()
        .map(|p| p["session"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["proj", "proj-copy"], "{v}");
    assert_eq!(
        (list[0]["running"].as_u64(), list[0]["tasks"].as_u64()),
        (Some(1), Some(2)),
        "{v}"
    );
    assert_eq!(list[1]["running"], 2);
    assert!(list[0]["config"]
        .as_str()
        .unwrap()
        .ends_with("taskmux.toml"));
    assert_eq!(sb.json(&["status", "--all"])["projects"], v["projects"]);
}

#[test]
fn ready_log_gates_dependents_and_shows_as_a_log_probe() {
    let sb = Sandbox::new();
    sb.config(
        r#"name = "rlog"

[tasks.vite]
command = "echo compiling; sleep 0.6; echo '  VITE ready in 300 ms'; echo '  Local:   http://localhost:5173/'; exec sleep 600"
ready_log = "Local:\\s+http"

[tasks.e2e]
command = "exec sleep 600"
depends_on = ["vite"]
"#,
    );
    let t0 = std::time::Instant::now();
    let v = sb.json(&["start"]);
    assert_eq!(v["ok"], true, "{v}");
    // The dependent was started only after the line: at least the 0.6 s of the build.
    assert!(
        t0.elapsed() >= std::time::Duration::from_millis(600),
        "{:?}",
        t0.elapsed()
    );
    let names: Vec<&str> = v["started"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["vite", "e2e"]);
    let h = sb.json(&["health"]);
    let vite = h["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == "vite")
        .unwrap()
        .clone();
    assert_eq!(vite["probe"]["method"], "log", "{vite}");
    assert!(
        vite["probe"]["detail"].as_str().unwrap().contains("Local:"),
        "{vite}"
    );
    assert_eq!(sb.task("vite")["probe"], "log");
    // A bad regex is a load error with its position.
    sb.config("name = \"rlog\"\n[tasks.a]\ncommand = \"true\"\nready_log = \"(\"\n");
    let bad = sb.run(&["check"]).code(2);
    assert!(
        bad.stderr.contains("ready_log: invalid regular expression") && bad.stderr.contains(":4"),
        "{}",
        bad.stderr
    );
}

#[test]
fn wait_says_why_not_in_a_fixed_vocabulary() {
    let sb = Sandbox::new();
    sb.config(
        r#"name = "causes"

[tasks.sick]
command = "sleep 300"
health_check = "echo 'db refused'; false"
health_interval = "200ms"

[tasks.never]
command = "sleep 300"
health_check = "false"
health_interval = "200ms"
health_retries = 1

[tasks.needs]
command = "sleep 300"
depends_on = ["never"]

[tasks.manual]
command = "sleep 300"
auto_start = false

[tasks.halted]
command = "sleep 300"
"#,
    );
    sb.run(&["start"]).code(1);
    sb.run(&["stop", "halted"]).ok();
    let row = |task: &str, timeout: &str| {
        let v = sb
            .run(&["--json", "wait", task, "-t", timeout])
            .code(1)
            .json();
        assert_eq!(v["ok"], false, "{v}");
        v["tasks"][0].clone()
    };
    let sick = row("sick", "1s");
    assert_eq!(
        (sick["status"].as_str(), sick["cause"].as_str()),
        (Some("timeout"), Some("probe_failed")),
        "{sick}"
    );
    assert!(sick["reason"].as_str().unwrap().contains("shell"), "{sick}");
    assert!(sick["elapsed_ms"].as_u64().unwrap() >= 1000, "{sick}");
    for (task, cause) in [
        ("needs", "dependency_failed"),
        ("manual", "not_started"),
        ("halted", "stopped_by_hand"),
    ] {
        let r = row(task, "10s");
        assert_eq!(r["status"], "failed", "{r}");
        assert_eq!(r["cause"], cause, "{r}");
        // Failing fast: well within the timeout.
        assert!(r["elapsed_ms"].as_u64().unwrap() < 3000, "{r}");
    }
    sb.run(&["stop"]).ok();
}
