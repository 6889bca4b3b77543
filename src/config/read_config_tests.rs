//! Tests of reading configs: types, positions, unknown keys, dependencies.

use super::*;
use crate::config::load::parse;
use crate::config::units::parse_size;
use crate::error::EXIT_USAGE;
use std::path::Path;
use std::time::Duration;

pub(crate) const P: &str = "/proj/taskmux.toml";

pub(crate) fn ok(text: &str) -> Config {
    match parse(text, Path::new(P)) {
        Ok(c) => c,
        Err(e) => panic!("unexpected error: {}", e.message),
    }
}

/// Parse, expect an invalid-config error, return its message.
pub(crate) fn bad(text: &str) -> String {
    let e = parse(text, Path::new(P)).expect_err("config should be rejected");
    assert_eq!(e.exit_code, EXIT_USAGE, "{}", e.message);
    assert_eq!(
        e.code,
        crate::error::ErrorCode::InvalidConfig,
        "{}",
        e.message
    );
    e.message
}

#[test]
fn full_config() {
    let c = ok(r#"
name = "my-app_2"
auto_start = false
strategy = "rest_for_one"
allowed_origins = ["http://localhost:5173"]
shell = "/bin/bash"
hook_timeout = "2m"
log_max_size = "512KB"
log_max_files = 5

[hooks]
before_start = "echo hi"
after_stop = "echo bye"

[tasks.db]
command = "postgres"
health_check = "pg_isready"
health_interval = 3
health_timeout = 0.5
health_retries = 10
stop_grace_period = "1m30s"
max_restarts = 0
restart_backoff = 3
restart_policy = "on_failure"
log_max_size = 2048
log_max_files = 1

[tasks.api]
command = "cargo run"
cwd = "backend"
port = 8000
depends_on = ["db"]
auto_start = false
health_url = "http://localhost:8000/health"
health_expect_status = 200
health_expect_body = "ok"
health_expect_body_regex = "^o.$"
restart_policy = "always"
env = { RUST_LOG = "debug", WORKERS = 4, DEBUG = true, RATIO = 1.5 }

[tasks.api.hooks]
before_start = "make build"
"#);
    assert_eq!(c.name, "my-app_2");
    assert!(!c.auto_start);
    assert_eq!(c.strategy, Strategy::RestForOne);
    assert_eq!(c.allowed_origins, vec!["http://localhost:5173".to_string()]);
    assert_eq!(c.shell.as_deref(), Some("/bin/bash"));
    assert_eq!(c.hook_timeout, Duration::from_secs(120));
    assert_eq!(c.log_max_size, 512 * 1024);
    assert_eq!(c.log_max_files, 5);
    assert_eq!(c.hooks.before_start.as_deref(), Some("echo hi"));
    assert_eq!(c.hooks.after_stop.as_deref(), Some("echo bye"));
    assert_eq!(c.hooks.after_start, None);
    assert_eq!(c.task_names(), vec!["db", "api"]);

    let db = c.task("db").unwrap();
    assert_eq!(db.health_check.as_deref(), Some("pg_isready"));
    assert_eq!(db.health_interval, Duration::from_secs(3));
    assert_eq!(db.health_timeout, Duration::from_millis(500));
    assert_eq!(db.health_retries, 10);
    assert_eq!(db.stop_grace_period, Duration::from_secs(90));
    assert_eq!(db.max_restarts, 0);
    assert_eq!(db.restart_backoff, 3.0);
    assert_eq!(db.restart_policy, RestartPolicy::OnFailure);
    assert_eq!(db.log_max_size, 2048);
    assert_eq!(db.log_max_files, 1);
    assert_eq!(db.cwd, Path::new("/proj"));

    let api = c.task("api").unwrap();
    assert_eq!(api.cwd, Path::new("/proj/backend"));
    assert_eq!(api.cwd_raw.as_deref(), Some("backend"));
    assert_eq!(api.port, Some(8000));
    assert_eq!(api.depends_on, vec!["db".to_string()]);
    assert!(!api.auto_start);
    assert_eq!(api.restart_policy, RestartPolicy::Always);
    // inherits session log rotation
    assert_eq!(api.log_max_size, 512 * 1024);
    assert_eq!(api.log_max_files, 5);
    let h = api.health_url.as_ref().unwrap();
    assert_eq!(h.url, "http://localhost:8000/health");
    assert_eq!(h.expect_status, Some(200));
    assert_eq!(h.expect_body.as_deref(), Some("ok"));
    assert_eq!(h.expect_body_regex.as_deref(), Some("^o.$"));
    assert_eq!(api.env["RUST_LOG"], "debug");
    assert_eq!(api.env["WORKERS"], "4");
    assert_eq!(api.env["DEBUG"], "true");
    assert_eq!(api.env["RATIO"], "1.5");
    assert_eq!(api.hooks.before_start.as_deref(), Some("make build"));
}

#[test]
fn invalid_toml_has_position() {
    let m = bad("name = \"x\"\n[tasks.a]\ncommand = \n");
    assert!(m.starts_with("/proj/taskmux.toml:3:"), "{m}");
    assert!(m.contains("invalid TOML"), "{m}");
    assert!(!m.contains('\n'), "one line: {m}");
    let m = bad("name = \"x\"\nname = \"y\"\n");
    assert!(m.contains("invalid TOML"), "{m}");
    assert!(m.starts_with("/proj/taskmux.toml:2:"), "{m}");
}

#[test]
fn wrong_type_names_field_and_position() {
    let m = bad("[tasks.api]\ncommand = \"x\"\nport = \"abc\"\n");
    assert_eq!(
        m,
        "/proj/taskmux.toml:3:8: tasks.api.port: expected an integer 1-65535 or \"auto\", found string \"abc\""
    );
    let m = bad("[tasks.api]\ncommand = \"x\"\nport = 70000\n");
    assert!(m.contains("found integer 70000"), "{m}");
    let m = bad("[tasks.api]\ncommand = \"x\"\nport = 0\n");
    assert!(m.contains("expected an integer 1-65535"), "{m}");
    let m = bad("auto_start = \"yes\"\n");
    assert!(m.contains("1:14: auto_start: expected a boolean"), "{m}");
    let m = bad("[tasks.a]\ncommand = 5\n");
    assert!(
        m.contains("2:11: tasks.a.command: expected a string, found integer 5"),
        "{m}"
    );
    let m = bad("[tasks]\na = 5\n");
    assert!(
        m.contains("tasks.a: expected a command string or a table, found integer 5"),
        "{m}"
    );
    let m = bad("tasks = 3\n");
    assert!(m.contains("tasks: expected a table"), "{m}");
    let m = bad("[tasks.a]\ncommand = \"x\"\ndepends_on = \"b\"\n");
    assert!(
        m.contains("depends_on: expected an array of strings"),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\ndepends_on = [1]\n");
    assert!(
        m.contains("tasks.a.depends_on[0]: expected a string, found integer 1"),
        "{m}"
    );
    let m = bad("strategy = \"one_for_all\"\n");
    assert!(
        m.contains("strategy: expected \"one_for_one\" or \"rest_for_one\""),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\nrestart_policy = \"sometimes\"\n");
    assert!(
        m.contains("restart_policy: expected \"no\", \"on-failure\" or \"always\""),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\nrestart_backoff = 0.5\n");
    assert!(
        m.contains("restart_backoff: expected a number >= 1.0, found float 0.5"),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_retries = 0\n");
    assert!(
        m.contains("health_retries: expected an integer >= 1"),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\nenv = { A = [1] }\n");
    assert!(m.contains("tasks.a.env.A: expected a string"), "{m}");
    let m = bad("[tasks.a]\ncommand = \"x\"\nhooks = \"echo\"\n");
    assert!(m.contains("tasks.a.hooks: expected a table"), "{m}");
}

#[test]
fn unknown_keys_with_suggestions_and_positions() {
    let m = bad("[tasks.api]\ncommand = \"x\"\nheath_check = \"true\"\n");
    assert_eq!(
        m,
        "/proj/taskmux.toml:3:1: unknown key 'heath_check' in task 'api' (did you mean 'health_check'?)"
    );
    let m = bad("nmae = \"x\"\n");
    assert!(
        m.contains("1:1: unknown key 'nmae' at the top level (did you mean 'name'?)"),
        "{m}"
    );
    let m = bad("[task.web]\ncommand = \"x\"\n");
    assert!(
        m.contains("unknown key 'task' at the top level (did you mean 'tasks'?)"),
        "{m}"
    );
    let m = bad("[hooks]\nbefore_strat = \"x\"\n");
    assert!(
        m.contains("2:1: unknown key 'before_strat' in [hooks] (did you mean 'before_start'?)"),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\n[tasks.a.hooks]\nafter_stpo = \"x\"\n");
    assert!(
        m.contains(
            "4:1: unknown key 'after_stpo' in hooks of task 'a' (did you mean 'after_stop'?)"
        ),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\nzzzzqqq = 1\n");
    assert!(
        m.contains("unknown key 'zzzzqqq' in task 'a'; allowed keys: command,"),
        "{m}"
    );
}

#[test]
fn missing_or_empty_command() {
    let m = bad("[tasks.api]\nport = 3000\n");
    assert!(m.contains("task 'api' has no command"), "{m}");
    assert!(m.starts_with("/proj/taskmux.toml:1:"), "{m}");
    let m = bad("[tasks]\nweb = \"  \"\n");
    assert!(m.contains("tasks.web: command must not be empty"), "{m}");
    let m = bad("[tasks.web]\ncommand = \"\"\n");
    assert!(m.contains("tasks.web.command: must not be empty"), "{m}");
}

#[test]
fn dependency_errors() {
    let m =
        bad("[tasks.db]\ncommand = \"x\"\n[tasks.api]\ncommand = \"x\"\ndepends_on = [\"dbb\"]\n");
    assert!(
        m.contains("5:15: task 'api' depends on unknown task 'dbb' (did you mean 'db'?)"),
        "{m}"
    );
    let m = bad("[tasks.api]\ncommand = \"x\"\ndepends_on = [\"api\"]\n");
    assert!(m.contains("3:15: task 'api' depends on itself"), "{m}");
    let m =
        bad("[tasks.db]\ncommand = \"x\"\n[tasks.api]\ncommand = \"x\"\ndepends_on = [\"zzz\"]\n");
    assert!(
        m.contains("task 'api' depends on unknown task 'zzz'; known tasks: db"),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\nenv = { \"A=B\" = \"1\" }\n");
    assert!(
        m.contains("tasks.a.env: invalid environment variable name \"A=B\""),
        "{m}"
    );
    let m = bad("[tasks.db]\ncommand = \"x\"\n[tasks.api]\ncommand = \"x\"\ndepends_on = [\"db\", \"db\"]\n");
    assert!(
        m.contains("5:21: task 'api' lists 'db' more than once in depends_on"),
        "{m}"
    );
    let m = bad(r#"
[tasks.a]
command = "x"
depends_on = ["b"]
[tasks.b]
command = "x"
depends_on = ["c"]
[tasks.c]
command = "x"
depends_on = ["a"]
"#);
    assert!(m.contains("dependency cycle: a -> b -> c -> a"), "{m}");
    assert!(m.starts_with("/proj/taskmux.toml:2:"), "{m}");
}

#[test]
fn health_url_rules() {
    let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_expect_status = 200\n");
    assert!(
        m.contains("3:24: task 'a': health_expect_* needs health_url"),
        "{m}"
    );
    let m =
        bad("[tasks.a]\ncommand = \"x\"\nhealth_url = \"http://x\"\nhealth_expect_status = 42\n");
    assert!(
        m.contains("health_expect_status: expected an HTTP status 100-599"),
        "{m}"
    );
    let m = bad(
        "[tasks.a]\ncommand = \"x\"\nhealth_url = \"http://x\"\nhealth_expect_body_regex = \"(\"\n",
    );
    assert!(
        m.contains("health_expect_body_regex: invalid regular expression"),
        "{m}"
    );
    let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_url = \"localhost:80\"\n");
    assert!(
        m.contains("health_url: expected a URL starting with http://"),
        "{m}"
    );
    let c = ok("[tasks.a]\ncommand = \"x\"\nhealth_url = \"http://localhost:1/\"\n");
    let h = c.tasks[0].health_url.as_ref().unwrap();
    assert_eq!(h.expect_status, None);
    assert_eq!(h.expect_body, None);
}

#[test]
fn dotted_and_inline_task_forms() {
    let c = ok("tasks.web.command = \"a\"\n[tasks.api]\ncommand = \"b\"\n");
    assert_eq!(c.task_names(), vec!["web", "api"]);
    let c = ok("[tasks]\nweb = { command = \"a\", port = 3000 }\n");
    assert_eq!(c.tasks[0].port, Some(3000));
}

#[test]
fn durations() {
    let d = |v: &str| {
        ok(&format!(
            "[tasks.a]\ncommand = \"x\"\nhealth_interval = {v}\n"
        ))
        .tasks[0]
            .health_interval
    };
    assert_eq!(d("\"500ms\""), Duration::from_millis(500));
    assert_eq!(d("0.5"), Duration::from_millis(500));
    assert_eq!(d("\"1m30s\""), Duration::from_secs(90));
    assert_eq!(d("2"), Duration::from_secs(2));
    assert_eq!(d("\"2s\""), Duration::from_secs(2));
    assert_eq!(d("\"1.5\""), Duration::from_millis(1500));

    let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_interval = 0\n");
    assert!(
        m.contains("tasks.a.health_interval: expected a duration > 0"),
        "{m}"
    );
    assert!(m.contains(":3:19:"), "{m}");
    let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_timeout = \"soon\"\n");
    assert!(
        m.contains("tasks.a.health_timeout: expected a duration"),
        "{m}"
    );
    assert!(m.contains("found string \"soon\""), "{m}");
    let m = bad("[tasks.a]\ncommand = \"x\"\nstop_grace_period = -1\n");
    assert!(m.contains("stop_grace_period: expected a duration"), "{m}");
    // zero grace is allowed
    let c = ok("[tasks.a]\ncommand = \"x\"\nstop_grace_period = 0\n");
    assert_eq!(c.tasks[0].stop_grace_period, Duration::ZERO);
}

#[test]
fn sizes() {
    assert_eq!(parse_size("10MB"), Some(10 * 1024 * 1024));
    assert_eq!(parse_size("512KB"), Some(512 * 1024));
    assert_eq!(parse_size("1GiB"), Some(1 << 30));
    assert_eq!(parse_size("100"), Some(100));
    assert_eq!(parse_size("1.5k"), Some(1536));
    assert_eq!(parse_size("10 mb"), Some(10 << 20));
    assert_eq!(parse_size("ten"), None);
    assert_eq!(parse_size("10XB"), None);
    let m = bad("log_max_size = \"huge\"\n");
    assert!(m.contains("log_max_size: expected a size"), "{m}");
    let m = bad("log_max_files = 0\n");
    assert!(
        m.contains("log_max_files: expected an integer >= 1, found integer 0"),
        "{m}"
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let m = bad(concat!(
        "nmae = \"x\"\n",               // 1: unknown key
        "[tasks.api]\n",                // 2
        "command = \"x\"\n",            // 3
        "port = \"eighty\"\n",          // 4: wrong type
        "helth_check = \"true\"\n",     // 5: unknown key
        "[tasks.web]\n",                // 6
        "depends_on = [\"apx\"]\n",     // 7: unknown dependency
        "health_interval = \"soon\"\n", // 8: bad duration (and no command)
    ));
    assert!(m.starts_with("6 problems in /proj/taskmux.toml:\n"), "{m}");
    let lines: Vec<&str> = m.lines().skip(1).collect();
    assert_eq!(lines.len(), 6, "{m}");
    for (line, want) in [
        (
            0,
            ":1:1: unknown key 'nmae' at the top level (did you mean 'name'?)",
        ),
        (
            1,
            ":4:8: tasks.api.port: expected an integer 1-65535 or \"auto\"",
        ),
        (
            2,
            ":5:1: unknown key 'helth_check' in task 'api' (did you mean 'health_check'?)",
        ),
        (3, ":6:1: task 'web' has no command"),
        (
            4,
            ":7:15: task 'web' depends on unknown task 'apx' (did you mean 'api'?)",
        ),
        (
            5,
            ":8:19: tasks.web.health_interval: expected a duration > 0",
        ),
    ] {
        assert!(
            lines[line].contains(want),
            "line {line}: {}\nwant {want}",
            lines[line]
        );
    }
}
