//! The TCP ports each of several process trees listens on: one table of
//! listening sockets (netlink, else /proc/net/tcp), each tree read from its
//! root down (`/proc/PID/task/TID/children`), then their file descriptors.
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

/// Every live descendant of `root` (itself included): the children of each of
/// a process's threads, level by level (no walk of all of /proc).
fn tree_of(root: u32) -> Vec<u32> {
    let mut out = vec![root];
    let mut seen = BTreeSet::from([root]);
    let mut at = 0;
    while at < out.len() {
        let pid = out[at];
        at += 1;
        let threads = fs::read_dir(format!("/proc/{pid}/task"))
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for tid in threads {
            let Ok(text) = fs::read_to_string(format!("/proc/{pid}/task/{tid}/children")) else {
                continue;
            };
            for child in text
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                if seen.insert(child) {
                    out.push(child);
                }
            }
        }
        if out.len() > MAX_TREE {
            break;
        }
    }
    out
}

/// A task's process tree is read up to this many processes.
const MAX_TREE: usize = 4096;

/// For each pid in `roots` (a task's pane process), the ports its process tree
/// listens on, sorted. Roots whose trees listen on nothing are absent.
pub fn listening_by_tree(roots: &[u32]) -> BTreeMap<u32, Vec<u16>> {
    if roots.is_empty() {
        return BTreeMap::new();
    }
    let mut unseen = own_listeners();
    let mut out: BTreeMap<u32, BTreeSet<u16>> = BTreeMap::new();
    for &root in roots {
        if unseen.is_empty() {
            break;
        }
        for pid in tree_of(root) {
            let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
                continue;
            };
            for fd in fds.flatten() {
                let Ok(link) = fs::read_link(fd.path()) else {
                    continue;
                };
                // A socket shared by several processes (a forking server) counts once.
                if let Some(port) = link.to_str().and_then(|s| unseen.remove(s)) {
                    out.entry(root).or_default().insert(port);
                }
            }
        }
    }
    out.into_iter()
        .map(|(root, ports)| (root, ports.into_iter().collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_childs_listener_is_its_parents_tree() {
        // sh → python (not exec'd: a child), listening on a free port.
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        drop(probe);
        let script = format!(
            "python3 -c 'import socket,time; s=socket.socket(); s.bind((\"127.0.0.1\", {port})); s.listen(); time.sleep(30)'; true"
        );
        let mut child = std::process::Command::new("sh")
            .args(["-c", &script])
            .spawn()
            .unwrap();
        let root = child.id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let found = loop {
            let found = listening_by_tree(&[root]);
            if !found.is_empty() || std::time::Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        for pid in tree_of(root).into_iter().rev() {
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        let _ = child.wait();
        assert_eq!(found.get(&root), Some(&vec![port]), "{found:?}");
    }
}
