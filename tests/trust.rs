//! Nothing silently wrong: one project, one session.

mod common;
use common::*;
use std::process::Command;

const PROJECT: &str = r#"
name = "same"
[tasks.web]
command = "sleep 300"
"#;

/// A second project directory in the sandbox with the same config name.
fn second_project(sb: &Sandbox) -> std::path::PathBuf {
    let other = sb.dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("taskmux.toml"), PROJECT).unwrap();
    other
}

fn in_dir(sb: &Sandbox, dir: &std::path::Path, args: &[&str]) -> Run {
    let mut c: Command = sb.cmd(args);
    c.current_dir(dir);
    c.output().unwrap().into()
}

#[test]
fn two_projects_with_one_name_do_not_share_a_session() {
    let sb = Sandbox::new();
    sb.config(PROJECT);
    sb.run(&["start"]).ok();
    let first_pid = sb.task("web")["pid"].as_u64().expect("web runs");
    let other = second_project(&sb);

    // Every command of the other project refuses, naming both configs and the way out.
    for args in [
        vec!["status"],
        vec!["start"],
        vec!["stop", "web"],
        vec!["restart", "web"],
        vec!["inspect", "web"],
    ] {
        let r = in_dir(&sb, &other, &args).code(2);
        let err = r.all();
        assert!(
            err.contains(&sb.work.join("taskmux.toml").display().to_string())
                && err.contains(&other.join("taskmux.toml").display().to_string()),
            "{args:?}: {err}"
        );
        assert!(err.contains("--session"), "{args:?}: {err}");
    }
    let mut a = vec!["status", "--json"];
    let v = in_dir(&sb, &other, &a).code(2).json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["code"], "session_conflict");
    // The first project's task was not touched.
    assert_eq!(sb.task("web")["pid"].as_u64(), Some(first_pid));
    assert!(pid_alive(first_pid as u32));

    // With its own session name, the second copy runs beside the first.
    a = vec!["--session", "same-2", "start"];
    in_dir(&sb, &other, &a).ok();
    let v = in_dir(&sb, &other, &["--session", "same-2", "status", "--json"])
        .ok()
        .json();
    assert_eq!(v["session"], "same-2");
    let second_pid = v["tasks"][0]["pid"].as_u64().expect("second web runs");
    assert_ne!(second_pid, first_pid);
    // TASKMUX_SESSION works the same way.
    let mut c = sb.cmd(&["status", "--json"]);
    c.current_dir(&other).env("TASKMUX_SESSION", "same-2");
    let v = Run::from(c.output().unwrap()).ok().json();
    assert_eq!(v["tasks"][0]["pid"].as_u64(), Some(second_pid));
    assert_eq!(sb.task("web")["pid"].as_u64(), Some(first_pid));
    // A bad session name is a usage error.
    in_dir(&sb, &other, &["--session", "no/slash", "status"]).code(2);
}

#[test]
fn a_linked_worktree_is_told_to_use_session() {
    let sb = Sandbox::new();
    sb.config(PROJECT);
    sb.run(&["start"]).ok();
    let other = second_project(&sb);
    std::fs::write(other.join(".git"), "gitdir: /repo/.git/worktrees/other\n").unwrap();
    let r = in_dir(&sb, &other, &["status"]).code(2);
    assert!(r.all().contains("--session same-other"), "{}", r.all());
    assert!(r.all().contains("worktree"), "{}", r.all());
}

#[test]
fn a_task_runs_where_it_says_or_not_at_all() {
    let sb = Sandbox::new();
    let marker = sb.path("hook-ran");
    sb.config(&format!(
        r#"
name = "cwd"
[tasks.api]
command = "sleep 300"
cwd = "apps/api"
hooks = {{ before_start = "touch {}" }}
[tasks.web]
command = "sleep 300"
"#,
        marker.display()
    ));
    let missing = sb.path("apps/api").display().to_string();
    // One task by name.
    let r = sb.run(&["start", "api"]).code(1);
    assert!(r.all().contains(&missing), "{}", r.all());
    let v = sb.json(&["start", "api"]);
    assert_eq!(v["ok"], false);
    assert_eq!(v["failed"][0]["code"], "missing_cwd");
    // The whole stack: the others start, the start is still a failure.
    let r = sb.run(&["start"]).code(1);
    assert!(r.all().contains(&missing), "{}", r.all());
    assert_eq!(sb.task("web")["running"], true);
    // restart too.
    let r = sb.run(&["restart", "api"]).code(1);
    assert!(r.all().contains(&missing), "{}", r.all());
    // It never ran anywhere, and none of its hooks ran.
    assert_eq!(sb.task("api")["running"], false);
    assert!(sb.task("api")["pid"].is_null());
    assert!(!marker.exists(), "the before_start hook ran");
}

#[test]
fn start_fails_when_a_requested_task_is_skipped() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "skipx"
[tasks.db]
command = "sleep 300"
health_check = "false"
health_interval = 0.1
health_retries = 2
[tasks.api]
command = "sleep 300"
depends_on = ["db"]
"#,
    );
    let v = sb.run(&["start", "--json"]).code(1).json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["skipped"][0]["task"], "api");
    // What did start is still named.
    assert_eq!(v["started"][0]["task"], "db");
}

#[test]
fn concurrent_starts_make_one_window_and_one_process_per_task() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "race"
[tasks.a]
command = "sleep 300"
[tasks.b]
command = "sleep 300"
[tasks.c]
command = "sleep 300"
depends_on = ["a"]
"#,
    );
    for round in 0..4 {
        let quiet = |args: &[&str]| {
            sb.cmd(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let first = quiet(&["start"]);
        let second = quiet(&["start"]);
        for child in [first, second] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.code().is_some(),
                "round {round}: a start died of a signal"
            );
        }
        let windows = sb.tmux(&["list-windows", "-t", "=race:", "-F", "#{window_name}"]);
        let mut names: Vec<&str> = windows.stdout.lines().collect();
        names.sort();
        assert_eq!(
            names,
            vec!["a", "b", "c"],
            "round {round}: {}",
            windows.all()
        );
        let panes = sb.pane_pids();
        assert_eq!(panes.len(), 3, "round {round}: {panes:?}");
        assert!(panes.iter().all(|p| pid_alive(*p)), "round {round}");
        // Events of both processes keep unique, increasing seqs.
        let text = std::fs::read_to_string(sb.state_dir.join("race/events.jsonl")).unwrap();
        let seqs: Vec<u64> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "round {round}: {seqs:?}"
        );
        sb.run(&["stop"]).ok();
    }
}

#[test]
fn check_does_not_blame_the_user_for_a_default() {
    let sb = Sandbox::new();
    // The original README's own example: health_interval = 3, health_timeout unset (5 s).
    sb.config(
        r#"
name = "dflt"
[tasks.db]
command = "sleep 100"
health_check = "true"
health_interval = 3
"#,
    );
    let v = sb.json(&["check"]);
    let codes: Vec<&str> = v["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert!(!codes.contains(&"TM007"), "{v}");
}

#[test]
fn health_fails_when_a_task_that_should_run_has_exited() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "hx"
[tasks.up]
command = "sleep 300"
[tasks.crashed]
command = "sleep 0.2; exit 3"
"#,
    );
    sb.run(&["start"]).ok();
    sb.wait_for(
        "crashed to exit",
        std::time::Duration::from_secs(10),
        || (sb.task("crashed")["running"] == false).then_some(()),
    );
    let r = sb.run(&["health", "--json"]).code(1);
    let v = r.json();
    assert_eq!(v["ok"], false, "{v}");
    let row = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == "crashed")
        .unwrap();
    assert_eq!(row["down"], true, "{v}");
    // Stopped by hand is not down (and `up`, without a probe, is healthy once
    // it has been alive for a second).
    sb.run(&["stop", "crashed"]).ok();
    sb.run(&["wait", "up", "-t", "10s"]).ok();
    sb.run(&["health"]).ok();
}

#[test]
fn status_says_when_nothing_will_restart_a_crash() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "hint"
[tasks.crashed]
command = "sleep 0.2; exit 3"
restart_policy = "on-failure"
[tasks.done]
command = "true"
restart_policy = "no"
"#,
    );
    sb.run(&["start"]).ok();
    sb.wait_for(
        "crashed to exit",
        std::time::Duration::from_secs(10),
        || (sb.task("crashed")["running"] == false).then_some(()),
    );
    let r = sb.run(&["status"]).ok();
    assert!(
        r.stderr.contains("crashed exited and no supervisor runs"),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("taskmux daemon"), "{}", r.all());
    assert!(!r.stderr.contains("done"), "{}", r.all());
}

#[test]
fn one_run_one_pid_for_every_command_shape() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "pids"
[tasks.loop]
command = "while true; do echo tick; sleep 0.1; done"
restart_policy = "no"
[tasks.cdexec]
command = "cd / && exec sleep 300"
restart_policy = "no"
[tasks.pipe]
command = "sleep 300 | cat"
restart_policy = "no"
"#,
    );
    sb.run(&["start"]).ok();
    let tasks = ["loop", "cdexec", "pipe"];
    let started: Vec<u64> = tasks
        .iter()
        .map(|t| {
            let evs = events(&sb, "pids");
            let e = evs
                .iter()
                .find(|e| e["event"] == "started" && e["task"] == *t)
                .unwrap_or_else(|| panic!("no started event for {t}: {evs:?}"));
            e["pid"].as_u64().unwrap()
        })
        .collect();
    // The pid never changes during the run (the loop forks a new `sleep` every
    // 0.1 s): status, status --json and inspect all say the started event's pid.
    for _ in 0..4 {
        for (t, pid) in tasks.iter().zip(&started) {
            assert_eq!(sb.task(t)["pid"].as_u64(), Some(*pid), "{t}");
            let inspect: serde_json::Value =
                serde_json::from_str(&sb.run(&["inspect", t]).ok().stdout).unwrap();
            assert_eq!(
                inspect["pid"].as_str(),
                Some(pid.to_string().as_str()),
                "{t}"
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    // The exited event of the run names the same pid.
    let _w = Watch(
        sb.cmd(&["watch"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    sb.wait_for(
        "the watch to adopt",
        std::time::Duration::from_secs(10),
        || {
            crate::pid_alive(started[0] as u32).then_some(())?;
            std::path::Path::new(&sb.state_dir.join("pids/daemon.lock"))
                .exists()
                .then_some(())
        },
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    for pid in &started {
        unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
    }
    sb.wait_for(
        "three exited events",
        std::time::Duration::from_secs(10),
        || {
            let evs = events(&sb, "pids");
            let exited: Vec<(String, u64)> = evs
                .iter()
                .filter(|e| e["event"] == "exited")
                .map(|e| {
                    (
                        e["task"].as_str().unwrap().to_string(),
                        e["pid"].as_u64().unwrap(),
                    )
                })
                .collect();
            (exited.len() >= 3).then_some(exited)
        },
    )
    .into_iter()
    .for_each(|(task, pid)| {
        let i = tasks.iter().position(|t| *t == task).unwrap();
        assert_eq!(pid, started[i], "{task}");
    });
}

#[test]
fn wait_fails_fast_when_nothing_will_make_a_task_healthy() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "wf"
[tasks.up]
command = "sleep 300"
[tasks.hand]
command = "sleep 300"
[tasks.manual]
command = "sleep 300"
auto_start = false
"#,
    );
    let fast = |args: &[&str], why: &str| {
        let t0 = std::time::Instant::now();
        let mut a = args.to_vec();
        a.extend(["--timeout", "30s", "--json"]);
        let v = sb.run(&a).code(1).json();
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(2),
            "{args:?} took {:?}",
            t0.elapsed()
        );
        let msg = v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(msg.contains(why), "{args:?}: {v}");
        assert_eq!(v["tasks"][0]["status"], "failed", "{v}");
        v
    };
    // The session is not running.
    fast(&["wait", "up"], "session is not running");
    sb.run(&["start"]).ok();
    sb.run(&["wait", "up", "--timeout", "10s"]).ok();
    // Stopped by hand.
    sb.run(&["stop", "hand"]).ok();
    let v = fast(&["wait", "hand"], "stopped by hand");
    assert_eq!(
        v["tasks"][0]["state"], "stopped",
        "one vocabulary with status: {v}"
    );
    // A manual task nobody started.
    fast(&["wait", "manual"], "auto_start = false");
}

#[test]
fn start_and_wait_side_by_side_still_works() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "sw"
[tasks.slow]
command = "sleep 0.4; touch ready; exec sleep 300"
health_check = "test -f ready"
health_interval = "100ms"
health_retries = 30
"#,
    );
    let start = sb
        .cmd(&["start"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let r = sb.run(&["wait", "--timeout", "20s", "--json"]).ok();
    assert_eq!(r.json()["tasks"][0]["status"], "met");
    assert!(start.wait_with_output().unwrap().status.success());
}

#[test]
fn status_does_not_show_a_stale_verdict_as_current() {
    let sb = Sandbox::new();
    let up = sb.path("up");
    std::fs::write(&up, "").unwrap();
    sb.config(&format!(
        r#"
name = "stale"
[tasks.api]
command = "sleep 300"
health_check = "test -f {}"
health_interval = 1
"#,
        up.display()
    ));
    sb.run(&["start"]).ok();
    sb.run(&["health"]).ok();
    assert_eq!(sb.task("api")["state"], "healthy");
    // It turns unhealthy; no supervisor probes it. After two rounds the old verdict
    // is no longer shown as current.
    std::fs::remove_file(&up).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2600));
    let api = sb.task("api");
    assert_eq!(api["state"], "running", "{api}");
    assert!(api["healthy"].is_null(), "{api}");
    let reason = api["reason"].as_str().unwrap();
    assert!(
        reason.contains("healthy") && reason.contains("no supervisor"),
        "{reason}"
    );
    // A fresh probe tells the truth, and status shows it again.
    sb.run(&["health"]).code(1);
    assert_eq!(sb.task("api")["state"], "unhealthy");
}

#[test]
fn named_tasks_start_in_dependency_order() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "named"
[tasks.api]
command = "test -f dbready && exec sleep 300 || exit 9"
depends_on = ["db"]
[tasks.db]
command = "sleep 0.4; touch dbready; exec sleep 300"
health_check = "test -f dbready"
health_interval = "100ms"
health_retries = 30
"#,
    );
    // api is named first but depends on db: db starts first and api waits for its health.
    let v = sb.run(&["start", "api", "db", "--json"]).ok().json();
    assert!(v["warnings"].as_array().unwrap().is_empty(), "{v}");
    let api = sb.wait_for("api to settle", std::time::Duration::from_secs(5), || {
        let t = sb.task("api");
        (t["state"] != "starting").then_some(t)
    });
    assert_eq!(
        api["running"], true,
        "api started before db was healthy: {api}"
    );
}

#[test]
fn start_daemon_gives_supervision_without_another_terminal() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "bg"
daemon = true
[tasks.svc]
command = "sleep 300"
restart_backoff = 1.0
"#,
    );
    let r = sb.run(&["start"]).ok();
    assert!(r.stderr.contains("in the background"), "{}", r.all());
    let st = sb.json(&["daemon", "status"]);
    assert_eq!(st["running"], true, "{st}");
    let rec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.state_dir.join("bg/daemon.json")).unwrap(),
    )
    .unwrap();
    assert!(rec["port"].as_u64().unwrap() > 0);
    // It supervises: a crash is restarted.
    let pid = sb.task("svc")["pid"].as_u64().unwrap() as u32;
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    sb.wait_for(
        "svc to be restarted",
        std::time::Duration::from_secs(15),
        || {
            let t = sb.task("svc");
            (t["running"] == true && t["pid"].as_u64() != Some(pid as u64)).then_some(())
        },
    );
    // A second start does not start a second daemon; a foreground one refuses.
    sb.run(&["start"]).ok();
    let r = sb
        .run(&["daemon", "--port", &free_port().to_string()])
        .code(1);
    assert!(r.all().contains("already running"), "{}", r.all());
    sb.run(&["daemon", "stop"]).ok();
}

#[test]
fn status_with_a_broken_config_still_shows_what_runs() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "mid"
[tasks.api]
command = "sleep 300"
"#,
    );
    sb.run(&["start"]).ok();
    // An edit in progress: the file no longer loads.
    sb.config("name = \"mid\"\n[tasks.api]\ncommand = \"sleep 300\"\nbogus_key = 1\n");
    let r = sb.run(&["status"]).code(2);
    assert!(
        r.stdout.contains("api") && r.stdout.contains("running"),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("bogus_key"), "{}", r.all());
    let v = sb.run(&["status", "--json"]).code(2).json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["code"], "invalid_config");
    assert_eq!(v["tasks"][0]["name"], "api");
    assert_eq!(v["tasks"][0]["state"], "running");
}

#[test]
fn a_task_without_a_probe_is_up_only_after_a_second_alive() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "uptime"
[tasks.flaky]
command = "sleep 0.5; exit 2"
[tasks.needs]
command = "touch needs-started; exec sleep 300"
depends_on = ["flaky"]
[tasks.steady]
command = "sleep 300"
auto_start = false
"#,
    );
    // The crash half a second in is seen before flaky counts as up: its
    // dependent is skipped, and nothing called flaky healthy.
    let v = sb.run(&["--json", "start"]).code(1).json();
    assert_eq!(v["skipped"][0]["task"], "needs", "{v}");
    assert!(!sb.path("needs-started").exists());
    let w = sb
        .run(&["--json", "wait", "flaky", "-t", "5s"])
        .code(1)
        .json();
    assert_eq!(w["tasks"][0]["status"], "failed", "{w}");
    let evs = events(&sb, "uptime");
    assert!(
        !evs.iter().any(|e| e["task"] == "flaky"
            && e["event"] == "health_changed"
            && e["data"]["healthy"] == true),
        "{evs:?}"
    );
    // A steady one is met once it has been alive for the minimum uptime.
    sb.run(&["start", "steady"]).ok();
    let w = sb.json(&["wait", "steady", "-t", "5s"]);
    assert_eq!(w["tasks"][0]["status"], "met", "{w}");
    let ms = w["tasks"][0]["elapsed_ms"].as_u64().unwrap();
    assert!(ms >= 500, "met only after ~1 s of uptime: {w}");
    sb.run(&["stop"]).ok();
}

#[test]
fn the_start_spinner_says_what_it_waits_for() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "spin"
[tasks.db]
command = "sleep 1; touch ready; exec sleep 300"
health_check = "test -f ready"
[tasks.api]
command = "sleep 300"
depends_on = ["db"]
"#,
    );
    // A terminal (script(1) gives the command a pty): the spinner is drawn.
    let line = format!("{} start", common::bin());
    let mut script = std::process::Command::new("script");
    script
        .args(["-qec", &line, "/dev/null"])
        .current_dir(&sb.work);
    sb.env(&mut script);
    let r: Run = script.output().unwrap().into();
    assert_eq!(r.code, 0, "{}", r.all());
    let text = r.stdout.replace('\r', "\n");
    assert!(
        text.contains("waiting for db: shell: exit 1,") && text.contains("s left"),
        "{text}"
    );
    sb.run(&["stop"]).ok();
}
