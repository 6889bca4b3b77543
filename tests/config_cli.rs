//! Config rejections through the binary, add/remove edits, and --json for every command.

mod common;
use common::*;

fn rejected(sb: &Sandbox, toml: &str, needles: &[&str]) {
    sb.config(toml);
    let r = sb.run(&["status"]).code(2);
    for n in needles {
        assert!(r.stderr.contains(n), "expected {n:?} in:\n{}", r.stderr);
    }
    let j = sb.run(&["status", "--json"]).code(2).json();
    assert_eq!(j["ok"], false);
    assert_eq!(j["error"]["code"], "invalid_config");
}

#[test]
fn config_rejections_exit_2_with_position() {
    let sb = Sandbox::new();
    rejected(
        &sb,
        "name = \"x\"\n[tasks.a]\ncommand = \"sleep 1\n",
        &["taskmux.toml:3:"],
    );
    rejected(
        &sb,
        "[tasks.a]\ncommand = \"x\"\nport = \"abc\"\n",
        &["taskmux.toml:3:", "port"],
    );
    rejected(
        &sb,
        "[tasks.a]\ncommand = \"x\"\nheath_check = \"true\"\n",
        &[
            "taskmux.toml:3:",
            "heath_check",
            "did you mean 'health_check'",
        ],
    );
    rejected(&sb, "naem = \"x\"\n", &["did you mean 'name'"]);
    rejected(
        &sb,
        "[tasks.a]\ncommand = \"x\"\ndepends_on = [\"nope\"]\n",
        &["'nope'", "'a'"],
    );
    rejected(
        &sb,
        "[tasks.a]\ncommand = \"x\"\ndepends_on = [\"a\"]\n",
        &["itself"],
    );
    rejected(
        &sb,
        "[tasks.a]\ncommand = \"x\"\ndepends_on = [\"b\"]\n[tasks.b]\ncommand = \"x\"\ndepends_on = [\"a\"]\n",
        &["cycle", "a -> b -> a"],
    );
    rejected(
        &sb,
        "name = \"my app\"\n[tasks.a]\ncommand = \"x\"\n",
        &["\"my app\""],
    );
    rejected(&sb, "[tasks.\"we.b\"]\ncommand = \"x\"\n", &["we.b"]);
    rejected(
        &sb,
        "[tasks.a]\ncommand = \"x\"\nhealth_interval = \"soon\"\n",
        &["health_interval"],
    );
}

#[test]
fn missing_config_is_a_clear_error() {
    let sb = Sandbox::new();
    let r = sb.run(&["status"]).code(2);
    assert!(r.stderr.contains("taskmux init"), "{}", r.stderr);
}

#[test]
fn bare_string_tasks_and_relative_cwd() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.path("sub/dir")).unwrap();
    sb.config(
        "name = \"bare\"\n[tasks]\nweb = \"pwd > where.txt; sleep 300\"\n[tasks.in_sub]\ncommand = \"pwd > where.txt; sleep 300\"\ncwd = \"sub/dir\"\n",
    );
    // Run from another directory with --config: cwd stays relative to the file.
    let cfg = sb.path("taskmux.toml");
    let mut cmd = sb.cmd(&["start", "--config", cfg.to_str().unwrap()]);
    cmd.current_dir(&sb.home);
    let out: Run = cmd.output().unwrap().into();
    let out = out.ok();
    let here = sb.wait_file_contains(
        &sb.path("where.txt"),
        "\n",
        std::time::Duration::from_secs(10),
    );
    assert_eq!(here.trim(), sb.work.to_str().unwrap(), "{}", out.all());
    let sub = sb.wait_file_contains(
        &sb.path("sub/dir/where.txt"),
        "\n",
        std::time::Duration::from_secs(10),
    );
    assert!(sub.trim().ends_with("sub/dir"));
}

#[test]
fn add_and_remove_keep_comments() {
    let sb = Sandbox::new();
    let original = "# my stack\nname = \"edit\" # session\n\n# the api server\n[tasks.api]\ncommand = \"sleep 300\" # keep me\n";
    sb.config(original);
    let v = sb.json(&[
        "add",
        "worker",
        "sleep 100",
        "--depends-on",
        "api",
        "--port",
        "18999",
    ]);
    assert_eq!(v["ok"], true, "{v}");
    let text = std::fs::read_to_string(sb.path("taskmux.toml")).unwrap();
    assert!(text.starts_with(original), "{text}");
    assert!(text.contains("[tasks.worker]") && text.contains("18999"));
    // add refuses an existing name unless --force.
    sb.run(&["add", "worker", "x"]).code(2);
    sb.run(&["add", "worker", "sleep 5", "--force"]).ok();
    // remove refuses a task others depend on, naming them.
    sb.run(&["add", "web", "sleep 100", "--depends-on", "worker"])
        .ok();
    let r = sb.run(&["remove", "worker"]).code(2);
    assert!(r.stderr.contains("web"), "{}", r.stderr);
    sb.run(&["remove", "web"]).ok();
    let v = sb.json(&["remove", "worker"]);
    assert_eq!(v["ok"], true, "{v}");
    let text = std::fs::read_to_string(sb.path("taskmux.toml")).unwrap();
    assert_eq!(
        text.trim_end(),
        original.trim_end(),
        "comments and layout must survive"
    );
    // An invalid add writes nothing.
    sb.run(&["add", "x", "y", "--depends-on", "ghost"]).code(2);
    assert_eq!(
        std::fs::read_to_string(sb.path("taskmux.toml"))
            .unwrap()
            .trim_end(),
        original.trim_end()
    );
}

#[test]
fn remove_stops_a_running_task_first() {
    let sb = Sandbox::new();
    sb.config(
        "name = \"rm\"\n[tasks.a]\ncommand = \"sleep 300\"\n[tasks.b]\ncommand = \"sleep 300\"\n",
    );
    sb.run(&["start"]).ok();
    let pid = sb.task("a")["pid"].as_u64().unwrap();
    let v = sb.json(&["remove", "a"]);
    assert_eq!(v["stopped"], true, "{v}");
    assert!(!pid_alive(pid as u32));
    let w = sb
        .tmux(&["list-windows", "-t", "=rm", "-F", "#{window_name}"])
        .stdout;
    assert!(!w.lines().any(|l| l == "a"), "{w}");
}

#[test]
fn every_command_speaks_json() {
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&format!("name = \"js\"\n[tasks.a]\ncommand = \"sleep 300\"\n[tasks.b]\ncommand = \"sleep 300\"\nport = {port}\n"));
    for args in [
        vec!["start"],
        vec!["status"],
        vec!["list"],
        vec!["ls"],
        vec!["inspect", "a"],
        vec!["health"],
        vec!["restart", "a"],
        vec!["stop", "a"],
        vec!["kill", "a"],
        vec!["add", "c", "sleep 1", "--no-auto-start"],
        vec!["remove", "c"],
        vec!["stop"],
    ] {
        let mut a = args.clone();
        a.push("--json");
        let r = sb.run(&a);
        let v = r.json();
        assert!(v["ok"].is_boolean(), "{args:?}: {v}");
    }
    let err = sb.run(&["inspect", "nope", "--json"]).code(2).json();
    assert_eq!(err["ok"], false);
    assert_eq!(err["error"]["code"], "unknown_task");
}

#[test]
fn inspect_has_the_original_fields() {
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&format!("name = \"insp\"\n[tasks.api]\ncommand = \"sleep 300\"\nhealth_check = \"true\"\nport = {port}\n"));
    sb.run(&["start"]).ok();
    let v = sb.run(&["inspect", "api"]).ok().json();
    for key in [
        "name",
        "command",
        "auto_start",
        "cwd",
        "health_check",
        "depends_on",
        "running",
        "healthy",
        "pid",
        "pane_current_command",
        "pane_current_path",
        "window_id",
        "pane_id",
        "state",
        "exit_code",
        "started_at",
        "restart_policy",
        "port",
    ] {
        assert!(v.get(key).is_some(), "inspect lacks {key}: {v}");
    }
    assert_eq!(v["running"], true);
    assert_eq!(v["pane_current_command"], "sleep");
    assert!(v["window_id"].as_str().unwrap().starts_with('@'));
    assert!(v["pane_id"].as_str().unwrap().starts_with('%'));
    let pid: u32 = v["pid"].as_str().unwrap().parse().unwrap();
    assert!(pid_alive(pid));
}

#[test]
fn health_exits_1_when_a_running_task_is_unhealthy() {
    let sb = Sandbox::new();
    sb.config("name = \"hl\"\n[tasks.good]\ncommand = \"sleep 300\"\nhealth_check = \"true\"\n[tasks.bad]\ncommand = \"sleep 300\"\nhealth_check = \"echo broken-db; exit 1\"\n");
    sb.run(&["start"]).ok();
    let r = sb.run(&["health"]).code(1);
    assert!(r.stdout.contains("broken-db"), "{}", r.stdout);
    let v = sb.run(&["health", "--json"]).code(1).json();
    let bad = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == "bad")
        .unwrap();
    assert_eq!(bad["healthy"], false);
    assert_eq!(bad["probe"]["method"], "shell");
    sb.run(&["stop", "bad"]).ok();
    sb.run(&["health"]).ok();
}

#[test]
fn add_without_config_creates_one() {
    let sb = Sandbox::new();
    let v = sb.json(&["add", "server", "sleep 300"]);
    assert_eq!(v["created_config"], true, "{v}");
    let text = std::fs::read_to_string(sb.path("taskmux.toml")).unwrap();
    assert!(
        text.contains("name = \"work\"") && text.contains("[tasks.server]"),
        "{text}"
    );
    sb.run(&["start"]).ok();
    assert_eq!(sb.task("server")["running"], true);
}

#[test]
fn inspect_probes_health_fresh() {
    let sb = Sandbox::new();
    sb.config(
        "name = \"fresh\"\n[tasks.api]\ncommand = \"sleep 300\"\nhealth_check = \"test -f ok\"\n",
    );
    sb.run(&["start"]).ok();
    let v = sb.run(&["inspect", "api"]).ok().json();
    assert_eq!(v["healthy"], false, "{v}");
    assert_eq!(v["state"], "unhealthy");
    std::fs::write(sb.path("ok"), "").unwrap();
    let v = sb.run(&["inspect", "api"]).ok().json();
    assert_eq!(v["healthy"], true, "{v}");
    assert_eq!(v["state"], "healthy");
    // The verdict is kept for status.
    assert_eq!(sb.task("api")["state"], "healthy");
}

#[test]
fn check_reports_every_problem_at_once() {
    let sb = Sandbox::new();
    sb.config(concat!(
        "name = \"many\"\n",
        "[tasks.api]\n",
        "command = \"x\"\n",
        "prot = 8000\n",
        "[tasks.web]\n",
        "command = \"y\"\n",
        "depends_on = [\"apx\", \"db\"]\n",
        "restart_policy = \"sometimes\"\n",
    ));
    let r = sb.run(&["check"]).code(2);
    assert!(r.stderr.contains("4 problems in"), "{}", r.stderr);
    for want in [
        "taskmux.toml:4:1: unknown key 'prot' in task 'api' (did you mean 'port'?)",
        "taskmux.toml:7:15: task 'web' depends on unknown task 'apx'",
        "taskmux.toml:7:22: task 'web' depends on unknown task 'db'",
        "taskmux.toml:8:18: tasks.web.restart_policy: expected",
    ] {
        assert!(r.stderr.contains(want), "{want}\n{}", r.stderr);
    }
    // --json carries them all in the message, with ok: false.
    let v = sb.run(&["--json", "check"]).code(2).json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["code"], "invalid_config");
    assert_eq!(
        v["error"]["message"].as_str().unwrap().lines().count(),
        5,
        "{v}"
    );
    // status still shows the stack, with the problems under it.
    let r = sb.run(&["status"]).code(2);
    assert!(r.stderr.contains("4 problems in"), "{}", r.stderr);
}

#[test]
fn add_validates_the_new_task_as_load_does_in_its_own_terms() {
    let sb = Sandbox::new();
    let original =
        "# my stack\nname = \"addv\"\n\n[tasks.web]\ncommand = \"npm run dev\"\nport = 5173\n";
    sb.config(original);
    // A port another task has: refused at add, not left for check to find.
    let r = sb
        .run(&["add", "docs", "mkdocs serve", "--port", "5173"])
        .code(2);
    assert!(
        r.stderr
            .contains("port 5173 is already the port of task 'web'"),
        "{}",
        r.stderr
    );
    // A problem of the new task is said without positions in a file never written.
    let r = sb.run(&["add", "api", "x", "--depends-on", "wbe"]).code(2);
    assert!(
        r.stderr.contains(
            "task 'api' was not added: task 'api' depends on unknown task 'wbe'; known tasks: web"
        ),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("taskmux.toml:"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(sb.path("taskmux.toml")).unwrap(),
        original
    );
    // A file that does not load is not edited; its own problems keep their positions.
    sb.config("name = \"addv\"\n[tasks.web]\ncommand = \"x\"\nbogus = 1\n");
    let r = sb.run(&["add", "api", "y"]).code(2);
    assert!(
        r.stderr.contains("does not load, so nothing was added")
            && r.stderr.contains("taskmux.toml:4:1: unknown key 'bogus'"),
        "{}",
        r.stderr
    );
}
