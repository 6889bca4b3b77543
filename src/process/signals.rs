//! Signals to processes and process groups, and whether they are alive.

use super::procfs::*;
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;
use std::path::Path;

/// The process exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    if pid == 0 || pid > i32::MAX as u32 {
        return false;
    }
    match kill(Pid::from_raw(pid as i32), None) {
        Ok(()) | Err(nix::errno::Errno::EPERM) => {}
        Err(_) => return false,
    }
    match read_stat(pid) {
        Some(s) => s.state != 'Z' && s.state != 'X',
        // Raced with its exit, or /proc is unreadable: trust kill().
        None => Path::new(&format!("/proc/{pid}")).exists(),
    }
}

/// The process group exists and has at least one member that is not a zombie.
pub fn group_alive(pgid: u32) -> bool {
    if pgid <= 1 || pgid > i32::MAX as u32 {
        return false;
    }
    match killpg(Pid::from_raw(pgid as i32), None) {
        Ok(()) | Err(nix::errno::Errno::EPERM) => {}
        Err(_) => return false,
    }
    live_stats().any(|(_, s)| s.pgrp == pgid)
}

/// Send `sig` to a process group; false when it does not exist (or on any error).
pub fn signal_group(pgid: u32, sig: Signal) -> bool {
    // pgid 0/1 would mean "our own group" / init: never.
    if pgid <= 1 || pgid > i32::MAX as u32 {
        return false;
    }
    if pgid == std::process::id() || Some(pgid) == pgid_of(std::process::id()) {
        return false;
    }
    killpg(Pid::from_raw(pgid as i32), sig).is_ok()
}

/// Send `sig` to one process; false when it does not exist (or on any error).
pub fn signal_pid(pid: u32, sig: Signal) -> bool {
    if pid <= 1 || pid > i32::MAX as u32 || pid == std::process::id() {
        return false;
    }
    kill(Pid::from_raw(pid as i32), sig).is_ok()
}

/// Live processes (not this one) whose command line contains `text`: what a
/// test or bench sandbox started, found by the sandbox's path in its arguments.
pub fn processes_naming(text: &str) -> Vec<u32> {
    super::procfs::all_pids()
        .into_iter()
        .filter(|pid| *pid != std::process::id())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(text))
        })
        .filter(|pid| pid_alive(*pid))
        .collect()
}

/// End (SIGKILL) every process that names the folder `dir` in its arguments and
/// remove the folder, again while something still writes into it, for at most
/// `within`: how a test or bench sandbox leaves nothing behind.
pub fn clear_sandbox(dir: &Path, within: std::time::Duration) {
    let root = dir.to_string_lossy().into_owned();
    let deadline = std::time::Instant::now() + within;
    loop {
        let left = processes_naming(&root);
        for pid in &left {
            signal_pid(*pid, Signal::SIGKILL);
        }
        let removed = std::fs::remove_dir_all(dir).is_ok() || !dir.exists();
        if (left.is_empty() && removed) || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
