//! The shell that runs commands, quoting for it, and running a command with its
//! output captured.

use super::signals::signal_group;
use nix::sys::signal::Signal;
use std::fs;
use std::path::Path;
use std::time::Duration;

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

/// Quote `s` for a POSIX shell.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

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

pub(super) const MAX_CAPTURE: u64 = 64 * 1024;

/// An anonymous file (O_TMPFILE, else created and unlinked at once) that collects
/// a command's output. A file rather than a pipe: a process the command leaves in
/// the background may keep writing to it without blocking or dying of SIGPIPE,
/// and nobody has to wait for its EOF.
pub(super) fn capture_file() -> std::io::Result<fs::File> {
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
pub(super) async fn read_capture(file: fs::File) -> String {
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
