//! Event-driven process exit: a pidfd (Linux ≥ 5.3) becomes readable the moment a
//! process ends — before its parent (the tmux server) has reaped it — and a zombie's
//! exit status can be read from /proc while it waits to be reaped.

use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;
use tokio::io::unix::AsyncFd;

/// How a process ended: `code` for a normal exit, `signal` for a kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

/// Resolve when `pid` has ended (immediately if it is already gone). Falls back to
/// polling /proc every 100 ms where pidfds are unavailable.
// `AsyncFd::new` is deprecated in this tokio for fds that are not owned; ours is an
// `OwnedFd` moved into the AsyncFd, so the fd cannot be closed under it.
#[allow(deprecated)]
pub async fn wait_exit(pid: u32) {
    match pidfd(pid) {
        Some(fd) => match AsyncFd::new(fd) {
            Ok(afd) => {
                let _ = afd.readable().await;
            }
            Err(_) => poll_exit(pid).await,
        },
        None => {
            if crate::process::pid_alive(pid) {
                poll_exit(pid).await
            }
        }
    }
}

async fn poll_exit(pid: u32) {
    while crate::process::pid_alive(pid) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn pidfd(pid: u32) -> Option<OwnedFd> {
    if pid == 0 || pid > i32::MAX as u32 {
        return None;
    }
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the kernel just gave us this fd; nobody else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// The exit status of a zombie (ended, not yet reaped), from /proc/PID/stat's
/// `exit_code` field (field 52, in waitpid's encoding). None when the process is not
/// a zombie (alive, or already reaped).
pub fn zombie_status(pid: u32) -> Option<ExitStatus> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_zombie_status(&stat)
}

/// Send SIGCHLD to the parent of the zombie `pid` when that parent is a tmux
/// server, so it reaps it now.
pub fn nudge_reaper(pid: u32) {
    let Some(ppid) = crate::process::ppid_of(pid).filter(|p| *p > 1) else {
        return;
    };
    if crate::process::command_name(ppid).is_some_and(|c| c.starts_with("tmux")) {
        crate::process::signal_pid(ppid, nix::sys::signal::Signal::SIGCHLD);
    }
}

fn parse_zombie_status(stat: &str) -> Option<ExitStatus> {
    // Fields after the command name (which may hold spaces and parentheses).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); field 52 is fields[49].
    if fields.first() != Some(&"Z") {
        return None;
    }
    let raw: i32 = fields.get(49)?.parse().ok()?;
    let signal = raw & 0x7f;
    Some(if signal == 0 {
        ExitStatus {
            code: Some((raw >> 8) & 0xff),
            signal: None,
        }
    } else {
        ExitStatus {
            code: None,
            signal: Some(signal),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat_with(state: &str, exit_code: i32) -> String {
        let mut fields = vec!["0"; 50];
        fields[0] = state;
        let code = exit_code.to_string();
        fields[49] = &code;
        format!("123 (sh (x)) {}", fields.join(" "))
    }

    #[test]
    fn decodes_zombie_exit_codes_and_signals() {
        assert_eq!(
            parse_zombie_status(&stat_with("Z", 4 << 8)),
            Some(ExitStatus {
                code: Some(4),
                signal: None
            })
        );
        assert_eq!(
            parse_zombie_status(&stat_with("Z", 9)),
            Some(ExitStatus {
                code: None,
                signal: Some(9)
            })
        );
        assert_eq!(parse_zombie_status(&stat_with("S", 0)), None);
    }

    #[tokio::test]
    async fn wait_exit_returns_when_the_process_ends_before_reaping() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 0.2; exit 3"])
            .spawn()
            .unwrap();
        let pid = child.id();
        let started = std::time::Instant::now();
        tokio::time::timeout(Duration::from_secs(5), wait_exit(pid))
            .await
            .expect("wait_exit returned");
        assert!(started.elapsed() >= Duration::from_millis(150));
        // Not reaped yet: the zombie's status is readable.
        assert_eq!(
            zombie_status(pid),
            Some(ExitStatus {
                code: Some(3),
                signal: None
            })
        );
        assert_eq!(child.wait().unwrap().code(), Some(3));
        assert_eq!(zombie_status(pid), None);
    }
}
