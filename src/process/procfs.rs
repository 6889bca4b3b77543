//! `/proc/PID/stat`, argv and the process tree.

use std::fs;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The fields of `/proc/PID/stat` we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stat {
    pub(super) state: char,
    pub(super) ppid: u32,
    pub(super) pgrp: u32,
    pub(super) session: u32,
    /// Clock ticks after boot.
    pub(super) start_time: u64,
    /// CPU time in user and kernel mode, clock ticks.
    pub(super) utime: u64,
    pub(super) stime: u64,
}

pub(super) fn parse_stat(text: &str) -> Option<Stat> {
    // The comm field is in parentheses and may itself hold spaces or ')'.
    let close = text.rfind(')')?;
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // rest[0] is field 3 (state); field N is rest[N - 3].
    Some(Stat {
        state: rest.first()?.chars().next()?,
        ppid: rest.get(1)?.parse().ok()?,
        pgrp: rest.get(2)?.parse().ok()?,
        session: rest.get(3)?.parse().ok()?,
        start_time: rest.get(19)?.parse().ok()?,
        utime: rest.get(11)?.parse().ok()?,
        stime: rest.get(12)?.parse().ok()?,
    })
}

pub(super) fn read_stat(pid: u32) -> Option<Stat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Every numeric entry of /proc.
pub(super) fn all_pids() -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

pub(super) fn live_stats() -> impl Iterator<Item = (u32, Stat)> {
    all_pids()
        .into_iter()
        .filter_map(|pid| read_stat(pid).map(|s| (pid, s)))
        .filter(|(_, s)| s.state != 'Z' && s.state != 'X')
}

/// Every live process whose session id is `sid` (the session leader included).
pub fn session_processes(sid: u32) -> Vec<u32> {
    if sid == 0 {
        return Vec::new();
    }
    let mut pids: Vec<u32> = live_stats()
        .filter(|(_, s)| s.session == sid)
        .map(|(p, _)| p)
        .collect();
    pids.sort_unstable();
    pids
}

/// CPU time (user + kernel) `pid` has used, in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    read_stat(pid).map(|s| s.utime + s.stime)
}

/// A memory figure of `pid` in KiB from /proc/PID/status (`key` such as "VmRSS:").
pub fn status_kib(pid: u32, key: &str) -> Option<u64> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// How old a shared process table may be for [`group_or_session_alive`].
const TABLE_MAX_AGE: Duration = Duration::from_millis(5);

/// The (group, session) of every live process, from a pass over /proc at most
/// [`TABLE_MAX_AGE`] old: many stops waiting at once (a stop of 200 tasks) share
/// one pass instead of making one each. Callers during a pass wait for it.
/// (process group, session) of every live process.
type GroupsAndSessions = Arc<Vec<(u32, u32)>>;

fn shared_table() -> GroupsAndSessions {
    static TABLE: Mutex<Option<(Instant, GroupsAndSessions)>> = Mutex::new(None);
    let mut guard = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((at, table)) = &*guard {
        if at.elapsed() < TABLE_MAX_AGE {
            return table.clone();
        }
    }
    let table: GroupsAndSessions =
        Arc::new(live_stats().map(|(_, s)| (s.pgrp, s.session)).collect());
    *guard = Some((Instant::now(), table.clone()));
    table
}

/// True while any live (not zombie) process is in the process group or the session
/// that `leader` leads (from a shared pass over /proc, see [`shared_table`]).
pub fn group_or_session_alive(leader: u32) -> bool {
    leader > 1
        && shared_table()
            .iter()
            .any(|&(pgrp, session)| pgrp == leader || session == leader)
}

/// The parent of `pid`.
pub fn ppid_of(pid: u32) -> Option<u32> {
    read_stat(pid).map(|s| s.ppid)
}

/// The process group of `pid`.
pub fn pgid_of(pid: u32) -> Option<u32> {
    read_stat(pid).map(|s| s.pgrp)
}

/// The session id of `pid`.
pub fn sid_of(pid: u32) -> Option<u32> {
    read_stat(pid).map(|s| s.session)
}

/// `/proc/PID/comm`.
pub fn command_name(pid: u32) -> Option<String> {
    let s = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let s = s.trim_end_matches('\n').to_string();
    (!s.is_empty()).then_some(s)
}

/// `/proc/PID/cmdline` with arguments joined by spaces (None for kernel threads
/// and zombies, whose cmdline is empty).
pub fn cmdline(pid: u32) -> Option<String> {
    let parts: Vec<String> = argv(pid)?.into_iter().filter(|p| !p.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// `/proc/PID/cmdline` split into its arguments (empty for kernel threads and
/// zombies).
pub(super) fn argv(pid: u32) -> Option<Vec<String>> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let raw = raw.strip_suffix(&[0]).unwrap_or(&raw);
    if raw.is_empty() {
        return Some(Vec::new());
    }
    Some(
        raw.split(|b| *b == 0)
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect(),
    )
}

/// The command line of `pid`, else its comm, else "?".
pub fn describe(pid: u32) -> String {
    cmdline(pid)
        .or_else(|| command_name(pid))
        .unwrap_or_else(|| "?".to_string())
}

/// Live children of `pid`.
pub fn children(pid: u32) -> Vec<u32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    let mut kids: Vec<u32> = match fs::read_to_string(&path) {
        Ok(s) => s
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect(),
        // Kernel without CONFIG_PROC_CHILDREN: scan everything.
        Err(_) => live_stats()
            .filter(|(_, s)| s.ppid == pid)
            .map(|(p, _)| p)
            .collect(),
    };
    // children only lists children of the main thread; a zombie is not interesting.
    kids.retain(|&k| read_stat(k).is_some_and(|s| s.state != 'Z' && s.state != 'X'));
    kids.sort_unstable();
    kids
}
