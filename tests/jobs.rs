//! Jobs (`run = "once"`): a task that runs to completion. Its dependents start
//! when it exits 0 (never on a stale marker of an earlier run), are skipped when
//! it fails, it is never restarted for exiting 0, and `status` says
//! `completed (exit 0, N s)`.

mod common;

use common::*;
use std::process::Stdio;
use std::time::Duration;

/// The original README's migration pattern, as a job: every stack start runs
/// the migration again, and `api` starts only after this run of it finished.
const STACK: &str = r#"name = "jobs"

[tasks.migrate]
command = "sleep 0.4; echo run >> migrations.txt; echo migrated"
run = "once"

[tasks.api]
command = "wc -l < migrations.txt > seen.txt; exec sleep 300"
depends_on = ["migrate"]
"#;

fn lines_of(sb: &Sandbox, file: &str) -> usize {
    std::fs::read_to_string(sb.path(file))
        .unwrap_or_default()
        .lines()
        .count()
}

#[test]
fn a_job_releases_its_dependents_when_it_exits_0_on_every_start() {
    let sb = Sandbox::new();
    sb.config(STACK);
    for round in 1..=2usize {
        let v = sb.json(&["start"]);
        assert_eq!(v["ok"], true, "{v}");
        // api saw this round's migration, not the last one's.
        let seen = sb.wait_for("api to start", Duration::from_secs(10), || {
            std::fs::read_to_string(sb.path("seen.txt"))
                .ok()
                .filter(|s| !s.trim().is_empty())
        });
        assert_eq!(seen.trim(), round.to_string(), "round {round}");
        assert_eq!(lines_of(&sb, "migrations.txt"), round);

        let job = sb.task("migrate");
        assert_eq!(job["detail"]["state"], "completed", "{job}");
        let label = job["state"].as_str().unwrap();
        assert!(label.starts_with("completed (exit 0, "), "{label}");
        let ms = job["detail"]["elapsed_ms"].as_u64().unwrap();
        assert!((400..10_000).contains(&ms), "{job}");
        assert_eq!(job["running"], false);

        // A completed job is where it should be: wait, why and health agree.
        let w = sb.json(&["wait", "migrate", "-t", "5s"]);
        assert_eq!(w["tasks"][0]["status"], "met", "{w}");
        let why = sb.run(&["--json", "why", "migrate"]).code(0).json();
        assert_eq!(why["cause"], "completed", "{why}");
        // api has no probe: it is up once alive for a second.
        sb.run(&["wait", "-t", "10s"]).ok();
        sb.run(&["health"]).code(0);
        std::fs::remove_file(sb.path("seen.txt")).unwrap();
        sb.run(&["stop"]).ok();
    }
    // A named start of the dependent alone does not call the completed job missing.
    sb.run(&["start"]).ok();
    sb.wait_for("api to start", Duration::from_secs(10), || {
        sb.path("seen.txt").exists().then_some(())
    });
    sb.run(&["stop", "api"]).ok();
    let r = sb.run(&["start", "api"]).ok();
    assert!(!r.stderr.contains("not running"), "{}", r.stderr);
    sb.run(&["stop"]).ok();
}

#[test]
fn a_failed_job_skips_its_dependents_with_the_reason() {
    let sb = Sandbox::new();
    sb.config(
        r#"name = "jobfail"

[tasks.migrate]
command = "echo 'Error: relation does not exist' >&2; exit 3"
run = "once"

[tasks.api]
command = "touch api-started; exec sleep 300"
depends_on = ["migrate"]
"#,
    );
    let v = sb.run(&["--json", "start"]).code(1).json();
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["skipped"][0]["task"], "api", "{v}");
    let reason = v["skipped"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("migrate") && reason.contains("exited (code 3)"),
        "{reason}"
    );
    assert!(!sb.path("api-started").exists());
    assert_eq!(sb.task("migrate")["state"], "exited (code 3)");
    assert_eq!(sb.task("api")["state"], "skipped");
    let w = sb
        .run(&["--json", "wait", "migrate", "-t", "5s"])
        .code(1)
        .json();
    assert_eq!(w["tasks"][0]["status"], "failed", "{w}");
    assert_eq!(w["tasks"][0]["cause"], "exited", "{w}");
    sb.run(&["stop"]).ok();
}

#[test]
fn a_supervisor_never_restarts_a_job_for_exiting_0() {
    let sb = Sandbox::new();
    sb.config(
        r#"name = "jobsup"

[tasks.seed]
command = "echo seeded >> seeds.txt"
run = "once"

[tasks.flaky]
command = "echo try >> tries.txt; exit 1"
run = "once"
restart_policy = "on-failure"
max_restarts = 2
restart_backoff = 1.0

[tasks.web]
command = "sleep 300"
"#,
    );
    sb.run(&["start"]).ok();
    let log = std::fs::File::create(sb.dir.path().join("watch.log")).unwrap();
    let _w = Watch(
        sb.cmd(&["watch"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    // The flaky job is retried under its policy (exit 1 is a failure) …
    sb.wait_for("the flaky job to give up", Duration::from_secs(20), || {
        (sb.task("flaky")["state"] == "failed").then_some(())
    });
    assert_eq!(lines_of(&sb, "tries.txt"), 3);
    // … while the seed job, which exited 0, ran exactly once.
    assert_eq!(lines_of(&sb, "seeds.txt"), 1);
    let seed = sb.task("seed");
    assert_eq!(seed["detail"]["state"], "completed", "{seed}");
    assert_eq!(seed["run"], 1);
    let evs = events(&sb, "jobsup");
    assert!(
        !evs.iter()
            .any(|e| e["task"] == "seed" && e["event"] == "restarting"),
        "{evs:?}"
    );
    sb.run(&["stop"]).ok();
}

#[test]
fn a_job_cannot_restart_always_and_run_is_checked() {
    let sb = Sandbox::new();
    sb.config("[tasks.m]\ncommand = \"true\"\nrun = \"once\"\nrestart_policy = \"always\"\n");
    let r = sb.run(&["check"]).code(2);
    assert!(
        r.stderr.contains("taskmux.toml:4:")
            && r.stderr.contains("cannot have restart_policy = \"always\""),
        "{}",
        r.stderr
    );
    sb.config("[tasks.m]\ncommand = \"true\"\nrun = \"twice\"\n");
    let r = sb.run(&["status"]).code(2);
    assert!(
        r.stderr.contains("taskmux.toml:3:") && r.stderr.contains("\"service\" or \"once\""),
        "{}",
        r.stderr
    );
}
