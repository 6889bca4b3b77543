//! The TCP ports each of several process sessions listens on, in one pass: one
//! table of listening sockets (netlink, else /proc/net/tcp), one walk of /proc
//! for the sessions' processes, then their file descriptors.
//!
//! Only sockets this user created can be held by this user's tasks, so when it
//! has none listening the walk is skipped, and it stops as soon as every one is
//! found.

use super::sock_diag::Listener;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;

/// This user's listening sockets, by the link their fds show (`socket:[INODE]`).
fn own_listeners() -> HashMap<String, u16> {
    let sockets = super::sock_diag::listening_sockets().unwrap_or_else(|| {
        let mut rows = Vec::new();
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let Ok(text) = fs::read_to_string(file) else {
                continue;
            };
            rows.extend(
                text.lines()
                    .skip(1)
                    .filter_map(super::tcp_table::parse_row)
                    .filter(|r| r.state == super::tcp_table::LISTEN && r.inode != 0)
                    .map(|r| Listener {
                        inode: r.inode,
                        port: r.local.port(),
                        uid: r.uid,
                    }),
            );
        }
        rows
    });
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    sockets
        .into_iter()
        .filter(|l| l.uid == me)
        .map(|l| (format!("socket:[{}]", l.inode), l.port))
        .collect()
}

/// For each session id in `sids` (a task's pane process leads its own session),
/// the ports its processes listen on, sorted. Sessions that listen on nothing
/// are absent.
pub fn listening_by_session(sids: &[u32]) -> BTreeMap<u32, Vec<u16>> {
    if sids.is_empty() {
        return BTreeMap::new();
    }
    let mut unseen = own_listeners();
    if unseen.is_empty() {
        return BTreeMap::new();
    }
    let wanted: BTreeSet<u32> = sids.iter().copied().collect();
    let mut out: BTreeMap<u32, BTreeSet<u16>> = BTreeMap::new();
    for (pid, stat) in super::procfs::live_stats() {
        if unseen.is_empty() {
            break;
        }
        if !wanted.contains(&stat.session) {
            continue;
        }
        let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(link) = fs::read_link(fd.path()) else {
                continue;
            };
            // A socket shared by several processes (a forking server) counts once.
            if let Some(port) = link.to_str().and_then(|s| unseen.remove(s)) {
                out.entry(stat.session).or_default().insert(port);
            }
        }
    }
    out.into_iter()
        .map(|(sid, ports)| (sid, ports.into_iter().collect()))
        .collect()
}
