//! start / stop / restart / kill against a private tmux server.

mod common;
use common::*;
use std::time::Duration;

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
"#,
    );
    let started = sb.json(&["start"]);
    assert_eq!(started["ok"], true, "{started}");
    assert_eq!(started["started"].as_array().unwrap().len(), 2);
    let windows = sb
        .tmux(&["list-windows", "-t", "=rt", "-F", "#{window_name}"])
        .stdout;
    assert!(windows.lines().any(|w| w == "one"), "{windows}");
    assert!(windows.lines().any(|w| w == "two"), "{windows}");
    let one = sb.task("one");
    assert_eq!(one["running"], true);
    let pid = one["pid"].as_u64().unwrap() as u32;
    assert!(pid_alive(pid));
    let stopped = sb.json(&["stop"]);
    assert_eq!(stopped["session_ended"], true, "{stopped}");
    assert!(!pid_alive(pid));
    assert_ne!(sb.tmux(&["has-session", "-t", "=rt"]).code, 0);
    let _ = Duration::from_secs(1);
}
