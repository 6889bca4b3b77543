//! Which process is the task: the pane's process, or (for a compound command) the
//! wrapper shell's child.

use super::procfs::*;
use std::collections::HashSet;
use std::fs;

/// Shells that `task_pid` looks through.
pub(super) const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "fish", "ksh", "ash", "busybox"];

pub(super) fn is_shell(pid: u32) -> bool {
    command_name(pid).is_some_and(|c| SHELLS.contains(&c.as_str()))
}

/// The task's real process under a pane. A simple command is exec'd, so the
/// pane's process is the task. A command with shell syntax runs under the
/// wrapper shell `SHELL -c SCRIPT`: while the process is that wrapper (or a
/// fresh fork of it, not yet exec'd) with exactly one child, descend to the
/// child. Any other shell (a user's `sh -c 'while …'` loop, a pyenv shim) is the
/// task itself, so its short-lived children are never reported as the task.
pub fn task_pid(pane_pid: u32, script: &str) -> u32 {
    // `exec CMD` replaces the wrapper shell: the pane's pid is the task (no /proc
    // read needed, which `status` of 200 tasks would do 200 times).
    if script.starts_with("exec ") {
        return pane_pid;
    }
    let mut pid = pane_pid;
    let mut seen = HashSet::new();
    while seen.insert(pid) && is_wrapper(pid, script) {
        match children(pid).as_slice() {
            [only] => pid = *only,
            _ => break,
        }
    }
    pid
}

/// True while `pid` is still in the launch steps before the task's program: a
/// fork of its parent (the tmux server) that has not exec'd, a process in the
/// middle of an exec, `taskmux _exec`, or the wrapper shell of an `exec CMD`
/// script that has not exec'd yet.
pub fn launching(pid: u32, script: &str) -> bool {
    let Some(args) = argv(pid) else {
        return false;
    };
    if args.is_empty() {
        // Mid-exec (the new program's arguments are not readable yet), or a zombie.
        return read_stat(pid).is_some_and(|s| !matches!(s.state, 'Z' | 'X'));
    }
    let exe = |p: u32| fs::read_link(format!("/proc/{p}/exe")).ok();
    let unexeced_fork = || {
        args.first()
            .is_some_and(|a| a.starts_with("tmux") || a.ends_with("/tmux"))
            && read_stat(pid)
                .and_then(|s| Some(exe(pid)? == exe(s.ppid)?))
                .unwrap_or(false)
    };
    unexeced_fork()
        || args.get(1).is_some_and(|a| a == "_exec")
        || (script.starts_with("exec ") && runs_script(&args, script) && is_shell(pid))
}

/// True when `pid` is a shell running `-c script`.
pub(super) fn is_wrapper(pid: u32, script: &str) -> bool {
    is_shell(pid) && argv(pid).is_some_and(|a| runs_script(&a, script))
}

/// True when `args` are `PROGRAM -c script`.
pub(super) fn runs_script(args: &[String], script: &str) -> bool {
    matches!(args, [_, flag, s] if flag == "-c" && s == script)
}
