//! Whether a pane's process is still in taskmux's own launch steps (`inspect`
//! right after `start` waits for it to be the task's program).

use super::procfs::*;
use std::fs;

/// Shells (a wrapper shell is one of them).
pub(super) const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "fish", "ksh", "ash", "busybox"];

pub(super) fn is_shell(pid: u32) -> bool {
    command_name(pid).is_some_and(|c| SHELLS.contains(&c.as_str()))
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

/// True when `args` are `PROGRAM -c script`.
pub(super) fn runs_script(args: &[String], script: &str) -> bool {
    matches!(args, [_, flag, s] if flag == "-c" && s == script)
}
