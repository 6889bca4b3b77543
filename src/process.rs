//! Processes, process groups, sessions and listening ports, read from Linux `/proc`
//! (no lsof, no ps). Also the captured shell runner shared by probes and hooks.
//!
//! Everything sync here is a cheap `/proc` read unless documented otherwise; the
//! functions that scan every process's file descriptors have async wrappers that
//! run them on the blocking pool.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;

/// A process listening on a TCP port.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Listener {
    pub pid: u32,
    /// `/proc/PID/cmdline` joined with spaces, or the comm name.
    pub command: String,
}

/// Shells that `task_pid` looks through.
const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "fish", "ksh", "ash", "busybox"];

/// The shell that runs commands and hooks: the configured one, else `$SHELL` if it
/// is an existing file, else `/bin/sh`.
pub fn default_shell(configured: Option<&str>) -> String {
    if let Some(s) = configured.filter(|s| !s.trim().is_empty()) {
        return s.to_string();
    }
    if let Ok(s) = std::env::var("SHELL") {
        if !s.is_empty() && Path::new(&s).is_file() {
            return s;
        }
    }
    "/bin/sh".to_string()
}

// ---------------------------------------------------------------------------
// /proc/PID/stat

/// The fields of `/proc/PID/stat` we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    state: char,
    ppid: u32,
    pgrp: u32,
    session: u32,
    /// Clock ticks after boot.
    start_time: u64,
}

fn parse_stat(text: &str) -> Option<Stat> {
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
    })
}

fn read_stat(pid: u32) -> Option<Stat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Every numeric entry of /proc.
fn all_pids() -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

fn live_stats() -> impl Iterator<Item = (u32, Stat)> {
    all_pids()
        .into_iter()
        .filter_map(|pid| read_stat(pid).map(|s| (pid, s)))
        .filter(|(_, s)| s.state != 'Z' && s.state != 'X')
}

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
fn argv(pid: u32) -> Option<Vec<String>> {
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

fn is_shell(pid: u32) -> bool {
    command_name(pid).is_some_and(|c| SHELLS.contains(&c.as_str()))
}

/// The task's real process under a pane. A simple command is exec'd, so the
/// pane's process is the task. A command with shell syntax runs under the
/// wrapper shell `SHELL -c SCRIPT`: while the process is that wrapper (or a
/// fresh fork of it, not yet exec'd) with exactly one child, descend to the
/// child. Any other shell (a user's `sh -c 'while …'` loop, a pyenv shim) is the
/// task itself, so its short-lived children are never reported as the task.
pub fn task_pid(pane_pid: u32, script: &str) -> u32 {
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
fn is_wrapper(pid: u32, script: &str) -> bool {
    is_shell(pid) && argv(pid).is_some_and(|a| runs_script(&a, script))
}

/// True when `args` are `PROGRAM -c script`.
fn runs_script(args: &[String], script: &str) -> bool {
    matches!(args, [_, flag, s] if flag == "-c" && s == script)
}

// ---------------------------------------------------------------------------
// Ports

/// Socket inodes in LISTEN state on local `port`, from /proc/net/tcp and tcp6.
fn listening_inodes(port: u16) -> BTreeSet<u64> {
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
fn parse_tcp_line(line: &str, port: u16) -> Option<u64> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let local = f.get(1)?;
    let st = f.get(3)?;
    if *st != "0A" {
        return None;
    }
    let (_, port_hex) = local.rsplit_once(':')?;
    if u16::from_str_radix(port_hex, 16).ok()? != port {
        return None;
    }
    // The inode is 0 for sockets of another network namespace: still listening.
    f.get(9)?.parse().ok()
}

/// Something listens on `port` (reads only /proc/net/tcp and tcp6).
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

// ---------------------------------------------------------------------------
// Running a shell command with captured output

/// How a captured shell command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellOutcome {
    /// Exited with this code (128 + N for a signal N).
    Exited(i32),
    /// Did not finish within the timeout; its process group was killed.
    TimedOut,
    /// Could not be started.
    SpawnFailed(String),
}

/// Output of [`run_shell_captured`].
#[derive(Debug, Clone)]
pub struct ShellRun {
    pub outcome: ShellOutcome,
    /// stdout and stderr interleaved (the last 64 KiB), lossily decoded.
    pub output: String,
}

const MAX_CAPTURE: u64 = 64 * 1024;

/// An anonymous file (O_TMPFILE, else created and unlinked at once) that collects
/// a command's output. A file rather than a pipe: a process the command leaves in
/// the background may keep writing to it without blocking or dying of SIGPIPE,
/// and nobody has to wait for its EOF.
fn capture_file() -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = std::env::temp_dir();
    if let Ok(f) = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE | libc::O_CLOEXEC)
        .open(&dir)
    {
        return Ok(f);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut attempt = 0;
    loop {
        let path = dir.join(format!(
            ".taskmux-out-{}-{nanos}-{attempt}",
            std::process::id()
        ));
        match fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
        {
            Ok(f) => {
                let _ = fs::remove_file(&path);
                return Ok(f);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The last 64 KiB written to `file`, read on the blocking pool.
async fn read_capture(file: fs::File) -> String {
    tokio::task::spawn_blocking(move || {
        use std::os::unix::fs::FileExt;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let start = len.saturating_sub(MAX_CAPTURE);
        let mut buf = vec![0u8; (len - start) as usize];
        let mut got = 0;
        while got < buf.len() {
            match file.read_at(&mut buf[got..], start + got as u64) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        buf.truncate(got);
        String::from_utf8_lossy(&buf).into_owned()
    })
    .await
    .unwrap_or_default()
}

/// Run `shell -c command` in its own process group with `cwd`, extra `env` and
/// stdin from /dev/null, capturing stdout and stderr together. On timeout the whole
/// group is SIGKILLed. With `kill_leftovers`, processes the command left running in
/// its group are SIGKILLed after it exits too (probes); otherwise they are left
/// alone (hooks may start daemons). Never blocks the thread.
pub async fn run_shell_captured(
    shell: &str,
    command: &str,
    cwd: &Path,
    env: &[(String, String)],
    timeout: Duration,
    kill_leftovers: bool,
) -> ShellRun {
    let fail = |msg: String| ShellRun {
        outcome: ShellOutcome::SpawnFailed(msg),
        output: String::new(),
    };

    let files = capture_file().and_then(|f| {
        let out = f.try_clone()?;
        let err = f.try_clone()?;
        Ok((f, out, err))
    });
    let (file, out, err) = match files {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot create a temporary file for output: {e}")),
    };

    let spawned = tokio::process::Command::new(shell)
        .arg("-c")
        .arg(command)
        .current_dir(cwd)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(out))
        .stderr(std::process::Stdio::from(err))
        .process_group(0)
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let what = if cwd.is_dir() {
                format!("cannot run {shell}: {e}")
            } else {
                format!("cannot run {shell} in {}: {e}", cwd.display())
            };
            return fail(what);
        }
    };
    let pgid = child.id();

    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(s) => s,
        Err(_) => {
            if let Some(pg) = pgid {
                signal_group(pg, Signal::SIGKILL);
            }
            let _ = child.kill().await;
            return ShellRun {
                outcome: ShellOutcome::TimedOut,
                output: read_capture(file).await,
            };
        }
    };
    if kill_leftovers {
        if let Some(pg) = pgid {
            signal_group(pg, Signal::SIGKILL);
        }
    }
    let output = read_capture(file).await;
    let code = match status {
        Ok(st) => {
            use std::os::unix::process::ExitStatusExt;
            st.code()
                .or_else(|| st.signal().map(|s| 128 + s))
                .unwrap_or(-1)
        }
        Err(e) => return fail(format!("waiting for {shell}: {e}")),
    };
    ShellRun {
        outcome: ShellOutcome::Exited(code),
        output,
    }
}

/// The last non-empty lines of `output` (at most `lines` of them, at most
/// `max_chars` characters in all, keeping the end).
pub fn tail_lines(output: &str, lines: usize, max_chars: usize) -> String {
    let kept: Vec<&str> = output
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let start = kept.len().saturating_sub(lines);
    let s = kept[start..].join("\n");
    let n = s.chars().count();
    if n <= max_chars {
        s
    } else {
        let skip = n - max_chars + 1;
        format!("…{}", s.chars().skip(skip).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};

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
    fn task_pid_descends_through_wrapper_shells() {
        let (guard, shpid) = sh_in_own_group("sleep 30; true");
        // Wait for sh to fork and exec sleep (a fresh fork is still named "sh").
        let t = Instant::now();
        let mut tp = shpid;
        while t.elapsed() < Duration::from_secs(3) {
            tp = task_pid(shpid, "sleep 30; true");
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
    fn task_pid_stops_at_a_shell_with_two_children() {
        let (_guard, shpid) = sh_in_own_group("sleep 30 & sleep 30 & wait");
        let t = Instant::now();
        while children(shpid).len() < 2 && t.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(task_pid(shpid, "sleep 30 & sleep 30 & wait"), shpid);
        signal_group(shpid, Signal::SIGKILL);
    }

    #[test]
    fn launching_until_the_wrapper_has_exec_d() {
        // A wrapper whose `exec` script has not replaced the shell yet.
        let script = "exec 3>&1; sleep 30; true";
        let (_guard, shpid) = sh_in_own_group(script);
        let t = Instant::now();
        while command_name(shpid).as_deref() != Some("sh") && t.elapsed() < Duration::from_secs(3) {
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
    fn a_shell_that_is_not_the_wrapper_is_the_task() {
        // A user's own loop (`sh -c 'while …'` exec'd by the wrapper) forks short-lived
        // children: the loop's shell is the task, not whichever child is running now.
        let (_guard, shpid) = sh_in_own_group("sleep 30; true");
        let t = Instant::now();
        while children(shpid).is_empty() && t.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(children(shpid).len(), 1);
        assert_eq!(task_pid(shpid, "exec sh -c 'sleep 30; true'"), shpid);
        signal_group(shpid, Signal::SIGKILL);
    }

    #[test]
    fn task_pid_of_a_non_shell_is_itself() {
        let me = std::process::id();
        assert_eq!(task_pid(me, "anything"), me);
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
}
