//! Who listens on a TCP port (the kernel's socket table, and the processes'
//! fds), and freeing a port for a task.

use super::procfs::*;
use super::signals::*;
use nix::sys::signal::Signal;
use std::collections::BTreeSet;
use std::collections::HashSet;
use std::fs;
use std::time::{Duration, Instant};

/// A process listening on a TCP port.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Listener {
    pub pid: u32,
    /// `/proc/PID/cmdline` joined with spaces, or the comm name.
    pub command: String,
}

/// Socket inodes in LISTEN state on local `port`: from the kernel over netlink
/// (microseconds), else from /proc/net/tcp and tcp6 (milliseconds: 10 ms a read
/// on some hosts, and a launch of a task with a port asks first).
pub(super) fn listening_inodes(port: u16) -> BTreeSet<u64> {
    if let Some(all) = super::sock_diag::listening_sockets() {
        return all
            .into_iter()
            .filter(|l| l.port == port)
            .map(|l| l.inode)
            .collect();
    }
    let mut inodes = BTreeSet::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            if let Some(inode) = parse_tcp_line(line, port) {
                inodes.insert(inode);
            }
        }
    }
    inodes
}

/// The inode of a `/proc/net/tcp*` line that is a listener on `port`.
pub(super) fn parse_tcp_line(line: &str, port: u16) -> Option<u64> {
    super::tcp_table::parse_row(line)
        .filter(|row| row.state == super::tcp_table::LISTEN && row.local.port() == port)
        .map(|row| row.inode)
}

/// Something listens on `port` (reads only the socket table).
pub fn port_is_listening(port: u16) -> bool {
    !listening_inodes(port).is_empty()
}

/// The processes holding a listening socket on `port` (never its clients).
/// Scans every process's fds: may take a while on a busy machine; from async code
/// use [`listeners_on_port_async`].
pub fn listeners_on_port(port: u16) -> Vec<Listener> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return Vec::new();
    }
    let targets: HashSet<String> = inodes
        .iter()
        .filter(|&&i| i != 0)
        .map(|i| format!("socket:[{i}]"))
        .collect();
    let mut found = Vec::new();
    for pid in all_pids() {
        let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        let holds = fds.filter_map(|e| e.ok()).any(|e| {
            fs::read_link(e.path())
                .ok()
                .and_then(|l| l.to_str().map(|s| targets.contains(s)))
                .unwrap_or(false)
        });
        if holds {
            found.push(Listener {
                pid,
                command: describe(pid),
            });
        }
    }
    found.sort_by_key(|l| l.pid);
    found.dedup_by_key(|l| l.pid);
    found
}

/// [`listeners_on_port`] on the blocking pool.
pub async fn listeners_on_port_async(port: u16) -> Vec<Listener> {
    tokio::task::spawn_blocking(move || listeners_on_port(port))
        .await
        .unwrap_or_default()
}

/// Stop whatever listens on `port`: SIGTERM, wait up to `grace` (polling every
/// 20 ms), SIGKILL the rest and wait up to 1 s more. Returns the listeners found.
/// Never signals this process.
pub async fn free_port(port: u16, grace: Duration) -> Vec<Listener> {
    if !port_is_listening(port) {
        return Vec::new();
    }
    let me = std::process::id();
    let listeners: Vec<Listener> = listeners_on_port_async(port)
        .await
        .into_iter()
        .filter(|l| l.pid != me)
        .collect();
    if listeners.is_empty() {
        return listeners;
    }
    for l in &listeners {
        signal_pid(l.pid, Signal::SIGTERM);
    }
    let alive = |ls: &[Listener]| ls.iter().any(|l| pid_alive(l.pid));
    if !wait_until(grace, || !alive(&listeners)).await {
        for l in &listeners {
            if pid_alive(l.pid) {
                tracing::debug!(pid = l.pid, port, "listener ignored SIGTERM; SIGKILL");
                signal_pid(l.pid, Signal::SIGKILL);
            }
        }
        wait_until(Duration::from_secs(1), || !alive(&listeners)).await;
    }
    listeners
}

/// Poll `done` every 20 ms until it holds (true) or `limit` elapses (false).
pub async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        tokio::time::sleep((deadline - now).min(Duration::from_millis(20))).await;
    }
}
