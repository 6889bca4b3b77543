//! Unit tests of the process layer, against real child processes.
use super::*;
use nix::sys::signal::Signal;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills and reaps a child when dropped.
struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sh -c script` leading its own process group; the guard kills it.
fn sh_in_own_group(script: &str) -> (Guard, u32) {
    let child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .process_group(0)
        .spawn()
        .unwrap();
    let pid = child.id();
    (Guard(child), pid)
}

/// A python listener on an ephemeral port; returns it and the port.
fn python_listener(ignore_term: bool) -> (Guard, u16) {
    let script = format!(
        "import socket, signal, sys, time\n\
         {}\n\
         s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind(('127.0.0.1', 0)); s.listen(5)\n\
         print(s.getsockname()[1], flush=True)\n\
         conns = []\n\
         while True:\n    c, _ = s.accept(); conns.append(c)\n",
        if ignore_term {
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)"
        } else {
            ""
        }
    );
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().parse().expect("port");
    (Guard(child), port)
}

#[test]
fn parses_stat_with_odd_comm() {
    let s = "123 (a) b (c)) S 1 123 123 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 4242 0 0";
    let st = parse_stat(s).unwrap();
    assert_eq!(st.state, 'S');
    assert_eq!(st.ppid, 1);
    assert_eq!(st.pgrp, 123);
    assert_eq!(st.session, 123);
    assert_eq!(st.start_time, 4242);
}

#[test]
fn parses_tcp_lines() {
    let l = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 55555 1 0000000000000000 100 0 0 10 0";
    assert_eq!(parse_tcp_line(l, 8080), Some(55555));
    assert_eq!(parse_tcp_line(l, 8081), None);
    let est = l.replace(" 0A ", " 01 ");
    assert_eq!(parse_tcp_line(&est, 8080), None);
}

#[test]
fn own_process_facts() {
    let me = std::process::id();
    assert!(pid_alive(me));
    assert!(command_name(me).is_some());
    assert!(cmdline(me).is_some());
    assert!(read_stat(me).is_some_and(|s| s.start_time > 0));
    // Our own group and session ids read 0 when the session leader lives outside this
    // pid namespace (as in containerised CI); a process that calls setsid
    // leads a group and a session of its own that /proc shows in full.
    let leader = Guard(
        Command::new("setsid")
            .args(["sleep", "30"])
            .spawn()
            .expect("setsid sleep"),
    );
    let lpid = leader.0.id();
    let deadline = Instant::now() + Duration::from_secs(5);
    while sid_of(lpid) != Some(lpid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let members = session_processes(lpid);
    assert_eq!(pgid_of(lpid), Some(lpid));
    assert!(group_alive(lpid));
    drop(leader);
    assert!(members.contains(&lpid), "session {lpid} lists {members:?}");
    assert!(session_processes(0).is_empty());
    assert!(!signal_pid(me, Signal::SIGTERM), "must never signal itself");
    assert!(!pid_alive(0));
}

#[tokio::test]
async fn finds_and_frees_a_listener_but_not_its_clients() {
    let (mut listener, port) = python_listener(false);
    let lpid = listener.0.id();
    assert!(port_is_listening(port));

    // A client holding a connection to the port must not be listed.
    let mut client = Guard(
        Command::new("python3")
            .arg("-c")
            .arg(format!(
                "import socket, time\ns = socket.create_connection(('127.0.0.1', {port}))\nprint('ok', flush=True)\ntime.sleep(30)\n"
            ))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(client.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ok");

    let found = listeners_on_port_async(port).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].pid, lpid);
    assert!(found[0].command.contains("python3"), "{found:?}");

    let t = Instant::now();
    let stopped = free_port(port, Duration::from_secs(3)).await;
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].pid, lpid);
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(!pid_alive(lpid));
    assert!(!port_is_listening(port));
    assert!(listeners_on_port(port).is_empty());
    assert!(pid_alive(client.0.id()));
    let _ = listener.0.wait();
}

#[tokio::test]
async fn free_port_escalates_to_sigkill() {
    let (listener, port) = python_listener(true);
    let lpid = listener.0.id();
    let t = Instant::now();
    let stopped = free_port(port, Duration::from_millis(300)).await;
    assert_eq!(stopped.len(), 1);
    assert!(!pid_alive(lpid));
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(free_port(port, Duration::from_millis(300)).await.is_empty());
}

#[test]
fn a_shell_and_its_child_share_the_group() {
    let (guard, shpid) = sh_in_own_group("sleep 30; true");
    // Wait for sh to fork and exec sleep (a fresh fork is still named "sh").
    let t = Instant::now();
    let mut tp = shpid;
    while t.elapsed() < Duration::from_secs(3) {
        tp = children(shpid).first().copied().unwrap_or(shpid);
        if tp != shpid && command_name(tp).as_deref() == Some("sleep") {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_ne!(tp, shpid);
    assert_eq!(command_name(tp).as_deref(), Some("sleep"));
    assert_eq!(read_stat(tp).map(|s| s.ppid), Some(shpid));
    assert_eq!(pgid_of(tp), Some(shpid));
    assert!(group_alive(shpid));

    assert!(signal_group(shpid, Signal::SIGKILL));
    drop(guard); // reaps sh; sleep is reaped by init
    let t = Instant::now();
    while group_alive(shpid) && t.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!group_alive(shpid));
    assert!(!pid_alive(tp));
    // (killpg may still succeed while an unreaped zombie is left in the group.)
}

#[test]
fn launching_until_the_wrapper_has_exec_d() {
    // A wrapper whose `exec` script has not replaced the shell yet.
    let script = "exec 3>&1; sleep 30; true";
    let (_guard, shpid) = sh_in_own_group(script);
    let t = Instant::now();
    // Until the shell runs with its arguments readable (under load, /proc can show
    // the new comm a moment before the new argv).
    let exec_d = || {
        command_name(shpid).as_deref() == Some("sh")
            && cmdline(shpid).is_some_and(|c| c.contains("sleep 30"))
    };
    while !exec_d() && t.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(launching(shpid, script));
    // The same shell running a script that is not the wrapper's: the task.
    assert!(!launching(shpid, "exec sleep 30"));
    assert!(!launching(std::process::id(), script));
    assert!(!launching(u32::MAX - 1, script));
    signal_group(shpid, Signal::SIGKILL);
}

#[test]
fn default_shell_prefers_configured() {
    assert_eq!(default_shell(Some("/bin/zsh")), "/bin/zsh");
    let d = default_shell(None);
    assert!(Path::new(&d).is_file(), "{d}");
}

#[test]
fn tail_lines_keeps_the_end() {
    assert_eq!(tail_lines("a\n\nb\nc\n", 2, 100), "b\nc");
    let long = "x".repeat(300);
    let t = tail_lines(&long, 1, 200);
    assert_eq!(t.chars().count(), 200);
    assert!(t.starts_with('…'));
}

#[tokio::test]
async fn shell_runner_captures_both_streams() {
    let r = run_shell_captured(
        "/bin/sh",
        "echo out; echo err >&2; exit 3",
        Path::new("/"),
        &[],
        Duration::from_secs(5),
        true,
    )
    .await;
    assert_eq!(r.outcome, ShellOutcome::Exited(3));
    assert!(
        r.output.contains("out") && r.output.contains("err"),
        "{r:?}"
    );
}

#[tokio::test]
async fn shell_runner_does_not_wait_for_background_children() {
    let t = Instant::now();
    let r = run_shell_captured(
        "/bin/sh",
        "echo hi; sleep 30 &",
        Path::new("/"),
        &[],
        Duration::from_secs(5),
        true,
    )
    .await;
    assert_eq!(r.outcome, ShellOutcome::Exited(0));
    assert!(r.output.contains("hi"));
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn shell_runner_leaves_hook_daemons_running_and_writable() {
    let marker = format!("RUNNER_MARK=daemon-{}", std::process::id());
    let r = run_shell_captured(
        "/bin/sh",
        "echo hi; (sleep 0.3; echo later; echo more >&2; sleep 30) &",
        Path::new("/"),
        &[("RUNNER_MARK".into(), marker["RUNNER_MARK=".len()..].into())],
        Duration::from_secs(5),
        false,
    )
    .await;
    assert_eq!(r.outcome, ShellOutcome::Exited(0));
    assert_eq!(r.output, "hi\n");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let left = crate::probe::tests::procs_with_env(&marker);
    assert!(
        !left.is_empty(),
        "the background daemon died writing its output"
    );
    for p in left {
        if let Some(pg) = pgid_of(p) {
            signal_group(pg, Signal::SIGKILL);
        }
    }
}

#[tokio::test]
async fn shell_runner_keeps_the_tail_of_long_output() {
    let r = run_shell_captured(
        "/bin/sh",
        "i=0; while [ $i -lt 3000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; echo END",
        Path::new("/"),
        &[],
        Duration::from_secs(10),
        true,
    )
    .await;
    assert_eq!(r.outcome, ShellOutcome::Exited(0));
    assert!(r.output.len() as u64 <= MAX_CAPTURE);
    assert!(r.output.ends_with("END\n"));
    assert!(!r.output.contains("line-0-"));
}
