//! Task logs through real tmux: capture, markers, rotation, reading and following.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

fn log_lines(sb: &Sandbox, session: &str, task: &str) -> Vec<String> {
    let dir = sb.state_dir.join(session).join("logs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| {
        p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&format!("{task}.log"))
    });
    // Oldest first: task.log.N … task.log.1, task.log.
    files.sort_by_key(|p| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        std::cmp::Reverse(name.rsplit('.').next().unwrap().parse::<u32>().unwrap_or(0))
    });
    files
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn text_of(line: &str) -> &str {
    line.split_once(' ').map(|(_, t)| t).unwrap_or("")
}

#[test]
fn lines_are_timestamped_interleaved_and_filtered() {
    let sb = Sandbox::new();
    sb.config(
        r#"
name = "lg"
[tasks.a]
command = "for i in 1 2 3 4 5; do echo a-$i; touch a-$i.done; sleep 0.1; done; echo ERROR in a; sleep 300"
[tasks.b]
command = "while [ ! -f a-1.done ]; do sleep 0.01; done; sleep 0.05; for i in 1 2 3 4 5; do echo b-$i; sleep 0.1; done; sleep 300"
"#,
    );
    sb.run(&["start"]).ok();
    sb.wait_for("both tasks to log", LONG, || {
        let all = sb.run(&["logs"]).stdout;
        (all.contains("ERROR in a") && all.contains("b-5")).then_some(())
    });
    let raw = log_lines(&sb, "lg", "a");
    let mut last = String::new();
    for l in &raw {
        let ts = l.split(' ').next().unwrap();
        assert!(
            ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
            "not RFC 3339 UTC ms: {l}"
        );
        assert!(ts >= last.as_str(), "timestamps out of order");
        last = ts.to_string();
    }
    // Interleaved by time across tasks, with [task] prefixes.
    let all = sb.run(&["logs"]).ok().stdout;
    let order: Vec<&str> = all.lines().filter(|l| !l.contains("::taskmux::")).collect();
    let pos = |needle: &str| order.iter().position(|l| l.ends_with(needle)).unwrap();
    assert!(
        pos("[a] a-1") < pos("[b] b-1") && pos("[b] b-1") < pos("[a] a-3"),
        "{all}"
    );
    assert!(pos("[b] b-4") < pos("[a] a-5") || pos("[a] a-4") < pos("[b] b-5"));
    // -n, -g (case-insensitive), -C with separators, --json.
    let tail = sb.run(&["logs", "a", "-n", "2"]).ok().stdout;
    assert_eq!(tail.lines().count(), 2, "{tail}");
    assert!(tail.contains("ERROR in a"));
    let grep = sb.run(&["logs", "-g", "error"]).ok().stdout;
    assert_eq!(grep.lines().count(), 1, "{grep}");
    let ctx = sb
        .run(&["logs", "a", "-g", "a-(1|5)", "-C", "1"])
        .ok()
        .stdout;
    assert!(
        ctx.contains("--") && ctx.contains("a-2") && ctx.contains("a-4"),
        "{ctx}"
    );
    let json = sb.run(&["logs", "b", "-n", "1", "--json"]).ok().stdout;
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(v["task"], "b");
    assert_eq!(v["line"], "b-5");
    // --since in the future: nothing; in the past: everything.
    assert_eq!(
        sb.run(&["logs", "--since", "2099-01-01T00:00"])
            .ok()
            .stdout
            .trim(),
        ""
    );
    assert!(sb
        .run(&["logs", "--since", "10m"])
        .ok()
        .stdout
        .contains("a-1"));
    // Smart case: a capital makes it case-sensitive; -i / -s force either.
    assert_eq!(
        sb.run(&["logs", "-g", "ERROR"]).ok().stdout.lines().count(),
        1
    );
    assert_eq!(sb.run(&["logs", "-g", "Error"]).code(1).stdout.trim(), "");
    assert_eq!(
        sb.run(&["logs", "-g", "Error", "-i"])
            .ok()
            .stdout
            .lines()
            .count(),
        1
    );
    sb.run(&["logs", "-g", "error", "-s"]).code(1);
    // No match exits 1, as grep does.
    sb.run(&["logs", "-g", "no-such-line"]).code(1);
    // Bad regex and unknown task: exit 2.
    sb.run(&["logs", "-g", "("]).code(2);
    sb.run(&["logs", "nope"]).code(2);
}

#[test]
fn markers_survive_kill_and_restart() {
    let sb = Sandbox::new();
    sb.config("name = \"mk\"\n[tasks.a]\ncommand = \"echo run-output; sleep 300\"\n");
    sb.run(&["start"]).ok();
    sb.wait_file_contains(&sb.state_dir.join("mk/logs/a.log"), "run-output", LONG);
    sb.run(&["restart", "a"]).ok();
    sb.wait_for("second run output", LONG, || {
        (log_lines(&sb, "mk", "a")
            .iter()
            .filter(|l| l.ends_with("run-output"))
            .count()
            == 2)
            .then_some(())
    });
    sb.run(&["kill", "a"]).ok();
    sb.run(&["stop"]).ok();
    let lines = log_lines(&sb, "mk", "a");
    let markers: Vec<&str> = lines
        .iter()
        .map(|l| text_of(l))
        .filter(|t| t.starts_with("::taskmux::"))
        .collect();
    assert!(
        markers[0].starts_with("::taskmux:: start run=1 pid="),
        "{markers:?}"
    );
    assert!(
        markers
            .iter()
            .any(|m| m.starts_with("::taskmux:: start run=2")),
        "{markers:?}"
    );
    assert!(markers.contains(&"::taskmux:: kill"), "{markers:?}");
    // Logs outlive the session.
    let out = sb.run(&["logs", "a"]).ok().stdout;
    assert_eq!(out.matches("run-output").count(), 2, "{out}");
}

#[test]
fn rotation_loses_and_duplicates_nothing() {
    let sb = Sandbox::new();
    sb.config(
        "name = \"rot\"\nlog_max_size = 20000\nlog_max_files = 50\n[tasks.a]\ncommand = \"seq 1 5000; sleep 300\"\n",
    );
    sb.run(&["start"]).ok();
    let got = sb.wait_for("5000 lines", LONG, || {
        let nums: Vec<u64> = log_lines(&sb, "rot", "a")
            .iter()
            .filter_map(|l| text_of(l).parse().ok())
            .collect();
        (nums.len() >= 5000).then_some(nums)
    });
    assert_eq!(got, (1..=5000).collect::<Vec<u64>>());
    let files = std::fs::read_dir(sb.state_dir.join("rot/logs"))
        .unwrap()
        .count();
    assert!(files > 5, "expected rotation, got {files} files");
    // A small log_max_files keeps only that many rotated files.
    let sb2 = Sandbox::new();
    sb2.config("name = \"rot2\"\nlog_max_size = 20000\nlog_max_files = 2\n[tasks.a]\ncommand = \"seq 1 5000; sleep 300\"\n");
    sb2.run(&["start"]).ok();
    sb2.wait_for("last line", LONG, || {
        log_lines(&sb2, "rot2", "a")
            .last()
            .filter(|l| l.ends_with(" 5000"))
            .map(|_| ())
    });
    let names: Vec<String> = std::fs::read_dir(sb2.state_dir.join("rot2/logs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "live file + 2 rotated: {names:?}");
}

#[test]
fn a_million_lines_flood_loses_nothing() {
    let sb = Sandbox::new();
    // The short pause after the flood keeps this test about the sink (nothing
    // lost while flooding, rotation included), not about tmux discarding output
    // still in the kernel's tty buffer when a process exits at once (docs/logs.md).
    sb.config("name = \"flood\"\n[tasks.f]\ncommand = \"seq 1 1000000; sleep 0.2\"\n");
    sb.run(&["start"]).ok();
    let count = || {
        log_lines(&sb, "flood", "f")
            .iter()
            .filter(|l| !text_of(l).starts_with("::taskmux::"))
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut seen = 0;
    while seen < 1_000_000 {
        seen = count();
        if std::time::Instant::now() > deadline {
            let dir = sb.state_dir.join("flood/logs");
            let files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .map(|e| format!("{:?} {}", e.file_name(), e.metadata().unwrap().len()))
                .collect();
            let panes = sb.tmux(&[
                "list-panes",
                "-a",
                "-F",
                "#{pane_dead} #{pane_dead_status} #{pane_pipe}",
            ]);
            panic!(
                "timed out with {seen} lines; files {files:?}; panes {}; last lines {:?}",
                panes.stdout,
                log_lines(&sb, "flood", "f")
                    .iter()
                    .rev()
                    .take(3)
                    .collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(count(), 1_000_000);
    let last = sb.run(&["logs", "f", "-n", "2"]).ok().stdout;
    assert!(last.contains("1000000"), "{last}");
}

#[test]
fn follow_sees_new_lines() {
    let sb = Sandbox::new();
    sb.config(
        "name = \"fol\"\n[tasks.a]\ncommand = \"echo first; while read l; do echo got-$l; done\"\n",
    );
    sb.run(&["start"]).ok();
    sb.wait_file_contains(&sb.state_dir.join("fol/logs/a.log"), "first", LONG);
    let mut child = sb
        .cmd(&["logs", "-f", "a"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    sb.tmux(&["send-keys", "-t", "=fol:=a", "hello-follow", "Enter"]);
    let deadline = std::time::Instant::now() + LONG;
    let mut seen = false;
    while std::time::Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if line.contains("got-hello-follow") {
            seen = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen, "logs -f did not show the new line");
}

#[test]
fn logs_clear_and_never_run() {
    let sb = Sandbox::new();
    sb.config("name = \"clr\"\n[tasks.a]\ncommand = \"echo hi; sleep 300\"\n[tasks.b]\ncommand = \"sleep 1\"\nauto_start = false\n");
    let never = sb.run(&["logs", "b"]).ok();
    assert!(never.all().contains("never"), "{}", never.all());
    sb.run(&["start"]).ok();
    sb.wait_file_contains(&sb.state_dir.join("clr/logs/a.log"), "hi", LONG);
    sb.run(&["logs", "--clear", "a"]).ok();
    assert!(!sb.run(&["logs", "a"]).stdout.contains("hi"));
}
