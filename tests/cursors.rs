//! Log cursors: `mark`, then `logs --after` returns exactly what was written
//! since — no line lost or repeated over 100 reads, across log rotation and
//! task restarts; a foreign or malformed cursor is a clear error.

mod common;

use common::Sandbox;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// `logs --after` as (lines, next cursor).
fn after(sb: &Sandbox, cursor: &str) -> (Vec<String>, String) {
    let out = sb.run(&["logs", "--json", "--after", cursor]).ok().stdout;
    let mut lines = Vec::new();
    let mut next = String::new();
    for l in out.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        match v["cursor"].as_str() {
            Some(c) => next = c.to_string(),
            None => lines.push(v["line"].as_str().unwrap().to_string()),
        }
    }
    assert!(!next.is_empty(), "no cursor line: {out}");
    (lines, next)
}

#[test]
fn no_line_is_lost_or_repeated_across_rotation_and_restarts() {
    let sb = Sandbox::new();
    // Lines `run-PID n`: consecutive per run; a tiny log_max_size rotates often.
    sb.config(
        "name = \"cur\"\nlog_max_size = \"4KB\"\nlog_max_files = 50\n\n[tasks.talk]\ncommand = \"i=0; while true; do i=$((i+1)); echo run-$$ $i; sleep 0.002; done\"\n",
    );
    let mut cursor = sb.run(&["mark"]).ok().stdout.trim().to_string();
    assert!(cursor.starts_with("tmc1."), "{cursor}");
    sb.run(&["start"]).ok();
    let mut seen: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for cycle in 0..100 {
        if cycle % 25 == 24 {
            sb.run(&["restart", "talk"]).ok();
        }
        std::thread::sleep(Duration::from_millis(15));
        let (lines, next) = after(&sb, &cursor);
        cursor = next;
        for l in lines {
            if let Some((run, n)) = l.split_once(' ').filter(|(r, _)| r.starts_with("run-")) {
                seen.entry(run.to_string())
                    .or_default()
                    .push(n.parse().unwrap());
            }
        }
    }
    sb.run(&["stop"]).ok();
    let (lines, _) = after(&sb, &cursor);
    for l in lines {
        if let Some((run, n)) = l.split_once(' ').filter(|(r, _)| r.starts_with("run-")) {
            seen.entry(run.to_string())
                .or_default()
                .push(n.parse().unwrap());
        }
    }
    assert!(
        seen.len() >= 4,
        "the restarts gave new runs: {:?}",
        seen.keys()
    );
    let rotated = std::fs::read_dir(sb.state_dir.join("cur/logs"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".log.")
        })
        .count();
    assert!(rotated >= 2, "the log rotated ({rotated} rotated files)");
    for (run, ns) in &seen {
        let want: Vec<u64> = (1..=ns.len() as u64).collect();
        assert_eq!(ns, &want, "run {run}: lines lost or repeated");
    }
}

#[test]
fn cursors_of_another_session_or_malformed_are_errors() {
    let sb = Sandbox::new();
    sb.config("name = \"one\"\n[tasks.a]\ncommand = \"echo hi; sleep 60\"\n");
    let c = sb.run(&["mark"]).ok().stdout.trim().to_string();
    let bad = sb.run(&["logs", "--after", "garbage"]).code(2);
    assert!(
        bad.stderr.contains("malformed log cursor"),
        "{}",
        bad.stderr
    );
    let other = sb.run(&["--session", "two", "logs", "--after", &c]).code(2);
    assert!(
        other.stderr.contains("belongs to session 'one'"),
        "{}",
        other.stderr
    );
    // Every plain `logs --json` ends with its cursor; mark --json too.
    sb.run(&["start"]).ok();
    sb.wait_for("a line", Duration::from_secs(10), || {
        sb.run(&["logs", "a"]).stdout.contains("hi").then_some(())
    });
    let out = sb.run(&["logs", "--json"]).ok().stdout;
    let last: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    let (lines, _) = after(&sb, last["cursor"].as_str().unwrap());
    assert!(
        lines.is_empty(),
        "nothing new after the cursor of the last read: {lines:?}"
    );
    let (lines, _) = after(&sb, &c);
    assert!(lines.iter().any(|l| l == "hi"), "{lines:?}");
    assert!(sb.json(&["mark", "a"])["cursor"]
        .as_str()
        .unwrap()
        .starts_with("tmc1."));
    let unknown = sb.run(&["mark", "nope"]).code(2);
    assert!(
        unknown.stderr.contains("unknown task"),
        "{}",
        unknown.stderr
    );
}
