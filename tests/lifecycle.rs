//! start / stop / restart / kill against a private tmux server.

mod common;
use common::*;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(15);

fn windows(sb: &Sandbox, session: &str) -> Vec<String> {
    sb.tmux(&[
        "list-windows",
        "-t",
        &format!("={session}"),
        "-F",
        "#{window_name}",
    ])
    .stdout
    .lines()
    .map(str::to_string)
    .collect()
}

#[test]
fn start_status_stop_roundtrip() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "rt"
[tasks.one]
command = "echo one-started; sleep 300"
[tasks.two]
command = "sleep 300"
[tasks.manual]
command = "sleep 300"
auto_start = false
"#,
    );
    let started = sb.json(&["start"]);
    assert_eq!(started["ok"], true, "{started}");
    assert_eq!(started["started"].as_array().unwrap().len(), 2);
    let w = windows(&sb, "rt");
    assert!(
        w.contains(&"one".into()) && w.contains(&"two".into()),
        "{w:?}"
    );
    assert!(
        !w.contains(&"manual".into()),
        "manual task must not start: {w:?}"
    );
    let one = sb.task("one");
    assert_eq!(one["running"], true);
    assert_eq!(sb.task("manual")["manual"], true);
    let pid = one["pid"].as_u64().unwrap() as u32;
    assert!(pid_alive(pid));
    // The pid is the task's process, not a wrapper shell.
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "sleep");
    let stopped = sb.json(&["stop"]);
    assert_eq!(stopped["session_ended"], true, "{stopped}");
    assert!(!pid_alive(pid));
    assert_ne!(sb.tmux(&["has-session", "-t", "=rt"]).code, 0);
}

#[test]
fn dependency_order_waits_for_health() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "deps"
[tasks.db]
command = "date +%s%N > db.start; sleep 0.4; touch db.ready; date +%s%N > db.readyt; sleep 300"
health_check = "test -f db.ready"
health_interval = 0.2
health_retries = 20
[tasks.api]
command = "date +%s%N > api.start; sleep 300"
depends_on = ["db"]
# Without a health check, api is ready once its process runs, which may be
# before its first line has written api.start.
health_check = "test -s api.start"
health_interval = 0.2
health_retries = 20
[tasks.web]
command = "date +%s%N > web.start; sleep 300"
depends_on = ["api"]
[tasks.solo]
command = "date +%s%N > solo.start; sleep 300"
"#,
    );
    let r = sb.run(&["start"]).ok();
    let read = |f: &str| -> u128 {
        let p = sb.path(f);
        let text = sb.wait_file_contains(&p, "\n", LONG);
        text.trim().parse().unwrap()
    };
    let (db, db_ready, api, web, solo) = (
        read("db.start"),
        read("db.readyt"),
        read("api.start"),
        read("web.start"),
        read("solo.start"),
    );
    assert!(
        api >= db_ready,
        "api started before db was healthy\n{}",
        r.all()
    );
    assert!(web >= api, "web started before api");
    // Independent tasks start together: solo does not wait for db's health.
    assert!(solo < db_ready, "solo waited for db");
    assert!(db < db_ready);
    // A dependent starts promptly once its dependency is healthy (probe cadence ≤ 250 ms).
    assert!(
        api - db_ready < 600_000_000,
        "api started {} ms after db was ready",
        (api - db_ready) / 1_000_000
    );
}

#[test]
fn unhealthy_dependency_skips_dependents() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "skip"
[tasks.db]
command = "sleep 300"
health_check = "false"
health_interval = 0.2
health_retries = 2
[tasks.api]
command = "sleep 300"
depends_on = ["db"]
[tasks.web]
command = "sleep 300"
depends_on = ["api"]
"#,
    );
    let r = sb.run(&["start", "--json"]);
    let v = r.json();
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task"].as_str().unwrap())
        .collect();
    assert!(skipped.contains(&"api") && skipped.contains(&"web"), "{v}");
    let reason = v["skipped"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("db"),
        "reason must name the dependency: {reason}"
    );
    let w = windows(&sb, "skip");
    assert!(!w.contains(&"api".into()), "{w:?}");
    let api = sb.task("api");
    assert_eq!(api["state"], "skipped");
    assert!(api["reason"].as_str().unwrap().contains("db"), "{api}");
    // Again, in human form: db is left alone, its dependents are skipped again,
    // and a start that skipped what it was asked for fails (exit 1).
    let human = sb.run(&["start"]).code(1);
    assert!(
        human.stdout.contains("db is already running"),
        "{}",
        human.all()
    );
    assert!(
        human.stdout.contains("skipped api") && human.stdout.contains("'db'"),
        "{}",
        human.all()
    );
}

#[test]
fn named_start_warns_about_missing_dependency() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "named"
[tasks.db]
command = "sleep 300"
[tasks.api]
command = "sleep 300"
depends_on = ["db"]
"#,
    );
    let r = sb.run(&["start", "api"]).ok();
    assert!(r.stderr.contains("'db'"), "{}", r.all());
    let w = windows(&sb, "named");
    assert!(
        w.contains(&"api".into()) && !w.contains(&"db".into()),
        "{w:?}"
    );
    // Starting it again says so and changes nothing.
    let pid = sb.task("api")["pid"].as_u64().unwrap();
    let again = sb.json(&["start", "api"]);
    assert_eq!(again["already_running"][0], "api", "{again}");
    assert_eq!(sb.task("api")["pid"].as_u64().unwrap(), pid);
}

#[test]
fn stop_escalates_to_sigterm_then_sigkill() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "esc"
[tasks.polite]
command = "sleep 300"
stop_grace_period = 2
[tasks.noint]
command = "trap '' INT; while :; do sleep 0.05; done"
stop_grace_period = 0.3
[tasks.stubborn]
command = "trap '' INT TERM; while :; do sleep 0.05; done"
stop_grace_period = 0.2
"#,
    );
    sb.run(&["start"]).ok();
    let pids: Vec<u64> = ["polite", "noint", "stubborn"]
        .iter()
        .map(|t| sb.task(t)["pid"].as_u64().unwrap())
        .collect();
    let stage = |task: &str| {
        let v = sb.json(&["stop", task]);
        assert_eq!(v["ok"], true, "{v}");
        let s = &v["stopped"][0];
        (
            s["stage"].as_str().unwrap().to_string(),
            s["elapsed_ms"].as_u64().unwrap(),
        )
    };
    let (s, ms) = stage("polite");
    assert_eq!(s, "SIGINT");
    assert!(
        ms < 1000,
        "a task that exits on C-c must not wait the grace period ({ms} ms)"
    );
    let (s, ms) = stage("noint");
    assert_eq!(s, "SIGTERM");
    assert!((300..2500).contains(&ms), "{ms}");
    let (s, ms) = stage("stubborn");
    assert_eq!(s, "SIGKILL");
    assert!((3000..5500).contains(&ms), "{ms}");
    for pid in pids {
        assert!(!pid_alive(pid as u32), "pid {pid} survived stop");
    }
    // Windows stay after a stop, showing the last output.
    let w = windows(&sb, "esc");
    assert!(
        w.contains(&"polite".into()) && w.contains(&"stubborn".into()),
        "{w:?}"
    );
    assert_eq!(sb.task("polite")["state"], "stopped");
}

#[test]
fn kill_destroys_window_and_restart_gives_new_pid() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "kr"
[tasks.a]
command = "sleep 300"
[tasks.b]
command = "trap '' INT TERM; sleep 300"
"#,
    );
    sb.run(&["start"]).ok();
    let a1 = sb.task("a")["pid"].as_u64().unwrap();
    let r = sb.json(&["restart", "a"]);
    assert_eq!(r["ok"], true, "{r}");
    let a2 = sb.task("a")["pid"].as_u64().unwrap();
    assert_ne!(a1, a2);
    assert!(!pid_alive(a1 as u32));
    assert!(pid_alive(a2 as u32));
    let b = sb.task("b")["pid"].as_u64().unwrap();
    let k = sb.json(&["kill", "b"]);
    assert_eq!(k["was_running"], true, "{k}");
    assert!(!pid_alive(b as u32));
    assert!(!windows(&sb, "kr").contains(&"b".into()));
    assert_eq!(sb.task("b")["state"], "stopped");
    // Unknown task: exit 2 with a suggestion.
    let bad = sb.run(&["kill", "aa"]).code(2);
    assert!(bad.stderr.contains("unknown task 'aa'"), "{}", bad.stderr);
}

#[test]
fn exited_task_shows_exit_code_and_restarts_in_place() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "ex"
[tasks.quick]
command = "echo bye; exit 7"
"#,
    );
    sb.run(&["start"]).ok();
    let t = sb.wait_for("quick to exit", LONG, || {
        let t = sb.task("quick");
        (t["state"] != "running").then_some(t)
    });
    assert_eq!(t["state"], "exited (code 7)", "{t}");
    assert_eq!(t["exit_code"], 7);
    let i = sb.run(&["inspect", "quick"]).ok().json();
    assert_eq!(i["running"], false);
    assert_eq!(i["exit_code"], 7);
    // Starting an exited task respawns it in the same window.
    let window_id = i["window_id"].as_str().unwrap().to_string();
    sb.run(&["start", "quick"]).ok();
    let i2 = sb.run(&["inspect", "quick"]).ok().json();
    assert_eq!(i2["window_id"].as_str().unwrap(), window_id);
    assert_eq!(i2["run"], 2);
}

#[test]
fn hooks_run_in_order_and_before_hook_aborts() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "hk"
[hooks]
before_start = "echo global-before-start >> hooks.log"
after_start = "echo global-after-start >> hooks.log"
before_stop = "echo global-before-stop >> hooks.log"
after_stop = "echo global-after-stop >> hooks.log"
[tasks.a]
command = "echo cmd-$TASKMUX_TASK >> hooks.log; sleep 300"
[tasks.a.hooks]
before_start = "echo task-before-start-$TASKMUX_TASK-$TASKMUX_SESSION >> hooks.log"
after_start = "echo task-after-start >> hooks.log"
before_stop = "echo task-before-stop >> hooks.log"
after_stop = "echo task-after-stop >> hooks.log"
[tasks.blocked]
command = "sleep 300"
auto_start = false
[tasks.blocked.hooks]
before_start = "echo nope >&2; exit 3"
"#,
    );
    sb.run(&["start"]).ok();
    sb.wait_file_contains(&sb.path("hooks.log"), "cmd-a", LONG);
    sb.run(&["stop"]).ok();
    let log = std::fs::read_to_string(sb.path("hooks.log")).unwrap();
    let hooks: Vec<&str> = log.lines().filter(|l| !l.starts_with("cmd-")).collect();
    assert_eq!(
        hooks,
        [
            "global-before-start",
            "task-before-start-a-hk",
            "task-after-start",
            "global-after-start",
            "global-before-stop",
            "task-before-stop",
            "task-after-stop",
            "global-after-stop"
        ],
        "{log}"
    );
    let r = sb.run(&["start", "blocked"]).code(1);
    assert!(
        r.all().contains("exit code 3") && r.all().contains("nope"),
        "{}",
        r.all()
    );
    assert!(!windows(&sb, "hk").contains(&"blocked".into()));
}

#[test]
fn port_cleanup_frees_orphans_but_not_running_tasks() {
    let sb = Sandbox::new();
    let port = free_port();
    let mut orphan = std::process::Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(&sb.work)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    sb.wait_for("orphan to listen", LONG, || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    sb.config(&format!(
        r#"
name = "port"
[tasks.web]
command = "python3 -m http.server {port} --bind 127.0.0.1"
port = {port}
"#
    ));
    let r = sb.run(&["start"]).ok();
    assert!(
        r.stdout.contains(&orphan.id().to_string()) && r.stdout.contains("http.server"),
        "output must name the pid and command that held the port:\n{}",
        r.all()
    );
    let status = sb.wait_for("orphan to be reaped", LONG, || orphan.try_wait().unwrap());
    assert!(!status.success() || status.code().is_none());
    let pid = sb.wait_for("web to listen", LONG, || {
        let t = sb.task("web");
        std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .and(t["pid"].as_u64())
    });
    // Starting again must not touch the running task's port.
    let again = sb.json(&["start"]);
    assert_eq!(again["already_running"][0], "web", "{again}");
    assert!(pid_alive(pid as u32));
    assert_eq!(sb.task("web")["pid"].as_u64().unwrap(), pid);
    // The task got PORT in its environment.
    let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    assert!(String::from_utf8_lossy(&env).contains(&format!("PORT={port}")));
}

#[test]
fn restart_all_restarts_running_manual_tasks_in_order() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "ra"
[tasks.db]
command = "sleep 300"
[tasks.api]
command = "sleep 300"
depends_on = ["db"]
[tasks.tool]
command = "sleep 300"
auto_start = false
[tasks.idle]
command = "sleep 300"
auto_start = false
"#,
    );
    sb.run(&["start"]).ok();
    sb.run(&["start", "tool"]).ok();
    let before: Vec<u64> = ["db", "api", "tool"]
        .iter()
        .map(|t| sb.task(t)["pid"].as_u64().unwrap())
        .collect();
    let r = sb.json(&["restart"]);
    assert_eq!(r["ok"], true, "{r}");
    for (t, old) in ["db", "api", "tool"].iter().zip(before) {
        let now = sb.task(t);
        assert_eq!(now["running"], true, "{t} not running after restart: {now}");
        assert_ne!(now["pid"].as_u64().unwrap(), old, "{t} kept its pid");
    }
    assert_eq!(
        sb.task("idle")["running"],
        false,
        "restart must not start idle manual tasks"
    );
    let stopped: Vec<&str> = r["stop"]["stopped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task"].as_str().unwrap())
        .collect();
    assert!(!stopped.contains(&"idle"), "{stopped:?}");
    let pos = |t: &str| stopped.iter().position(|s| *s == t).unwrap();
    assert!(
        pos("api") < pos("db"),
        "stop must go in reverse dependency order: {stopped:?}"
    );
}

#[test]
fn tasks_get_the_callers_environment_even_a_huge_one() {
    let sb = Sandbox::new();
    std::fs::write(sb.path(".env"), "FROM_FILE=file\nOVERRIDDEN=file\n").unwrap();
    sb.config(
        r#"
name = "envs"
[tasks.a]
command = "sleep 300"
env_file = ".env"
env = { FROM_TABLE = "table", OVERRIDDEN = "table" }
"#,
    );
    let big = "x".repeat(40_000);
    let out: Run = sb
        .cmd(&["start"])
        .env("BIG_VAR", &big)
        .env("CALLER_VAR", "caller")
        .output()
        .unwrap()
        .into();
    out.ok();
    let pid = sb.task("a")["pid"].as_u64().unwrap();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let vars: Vec<String> = environ
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    for want in [
        "CALLER_VAR=caller",
        "FROM_FILE=file",
        "FROM_TABLE=table",
        "OVERRIDDEN=table",
        "TASKMUX_TASK=a",
        "TASKMUX_SESSION=envs",
    ] {
        assert!(vars.iter().any(|v| v == want), "missing {want}");
    }
    assert!(vars
        .iter()
        .any(|v| v.len() == 40_000 + "BIG_VAR=".len() && v.starts_with("BIG_VAR=")));
}

#[test]
fn hook_output_is_shown_on_stderr() {
    let sb = Sandbox::new();
    sb.config("name = \"hko\"\n[hooks]\nbefore_start = \"echo starting stack\"\n[tasks.a]\ncommand = \"sleep 300\"\n");
    let r = sb.run(&["start", "--json"]).ok();
    assert!(r.stderr.contains("starting stack"), "{}", r.stderr);
    assert_eq!(r.json()["ok"], true, "stdout stays one JSON document");
}
