//! Marker lines: where a run starts, exits, restarts, is stopped or killed.
//!
//! A marker is an ordinary log line whose text starts with `::taskmux:: `:
//!
//! ```text
//! 2026-11-24T21:30:00.123Z ::taskmux:: start run=2 pid=1234
//! 2026-11-24T21:30:05.001Z ::taskmux:: exit code=1
//! 2026-11-24T21:30:05.001Z ::taskmux:: exit signal=9
//! 2026-11-24T21:30:07.010Z ::taskmux:: restart run=3
//! 2026-11-24T21:31:00.000Z ::taskmux:: stop by=user
//! 2026-11-24T21:31:00.000Z ::taskmux:: kill
//! ```
//!
//! Markers are appended (O_APPEND, under an flock) by whoever knows the fact:
//! the supervisor, or a tmux hook through the hidden `_log-mark` subcommand.

use super::format::{log_path, now_ts, split_line, MARKER_PREFIX};
use super::read::RevLines;
use crate::error::{Error, Result};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// A lifecycle fact recorded in a task's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    Start {
        run: u32,
        pid: u32,
    },
    Exit {
        code: Option<i32>,
        signal: Option<i32>,
    },
    Restart {
        run: u32,
    },
    Stop {
        by: String,
    },
    Kill,
}

/// Whether a stored line's text is the `start` marker that opens a run.
pub fn is_run_start(text: &str) -> bool {
    text.strip_prefix(super::format::MARKER_PREFIX)
        .is_some_and(|t| t.starts_with("start run="))
}

/// The lines of the current (or last) run: those after its start marker.
pub fn current_run(lines: &[super::read::LogLine]) -> &[super::read::LogLine] {
    let start = lines
        .iter()
        .rposition(|l| l.marker && is_run_start(&l.text))
        .map_or(0, |i| i + 1);
    &lines[start..]
}

impl Marker {
    /// The marker's text without the prefix, e.g. `start run=2 pid=1234`.
    pub fn text(&self) -> String {
        match self {
            Marker::Start { run, pid } => format!("start run={run} pid={pid}"),
            Marker::Exit { code, signal } => {
                let mut s = String::from("exit");
                if let Some(c) = code {
                    s.push_str(&format!(" code={c}"));
                }
                if let Some(sig) = signal {
                    s.push_str(&format!(" signal={sig}"));
                }
                s
            }
            Marker::Restart { run } => format!("restart run={run}"),
            Marker::Stop { by } => format!("stop by={}", by.replace(['\n', '\r'], " ")),
            Marker::Kill => "kill".to_string(),
        }
    }

    /// The whole stored text: `::taskmux:: <text>`.
    pub fn line_text(&self) -> String {
        format!("{MARKER_PREFIX}{}", self.text())
    }
}

/// Append a marker line to the task's log in the session's logs directory.
pub fn write_marker(session: &str, task: &str, marker: &Marker) -> Result<()> {
    write_marker_in(&crate::paths::logs_dir(session), task, marker)
}

/// Append a marker line off the async threads (for actors); await the handle where
/// the process may exit right after. Failures are ignored: a missing marker must
/// never stop a task action.
pub fn write_marker_soon(session: &str, task: &str, marker: Marker) -> tokio::task::JoinHandle<()> {
    let (session, task) = (session.to_string(), task.to_string());
    tokio::task::spawn_blocking(move || {
        write_marker(&session, &task, &marker).ok();
    })
}

/// Append a marker line to `<dir>/<task>.log`. An exit marker is not written
/// when the last marker of the log already is an exit (same run, told twice).
/// The log directory is never created here: a launch creates it, and a directory
/// that vanished since (the session's state removed) stays gone.
pub fn write_marker_in(dir: &Path, task: &str, marker: &Marker) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    let path = log_path(dir, task);
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    // SAFETY: flock on a valid open descriptor; released when `file` closes.
    unsafe {
        libc::flock(file.as_raw_fd(), libc::LOCK_EX);
    }
    if matches!(marker, Marker::Exit { .. }) && last_marker_is_exit(&path) {
        return Ok(());
    }
    let line = format!("{} {}\n", now_ts(), marker.line_text());
    file.write_all(line.as_bytes())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Whether the newest marker in the current file (looking back a bounded
/// number of lines) is an exit marker.
fn last_marker_is_exit(path: &Path) -> bool {
    let mut rev = RevLines::new(vec![(path.to_path_buf(), None)]);
    let mut line = Vec::new();
    for _ in 0..100_000 {
        match rev.next_line(&mut line) {
            Ok(true) => {}
            _ => return false,
        }
        let s = String::from_utf8_lossy(&line);
        let (_, text) = split_line(&s);
        if let Some(m) = text.strip_prefix(MARKER_PREFIX) {
            return m == "exit" || m.starts_with("exit ");
        }
    }
    false
}

/// Arguments of the hidden `_log-mark` subcommand (for tmux hooks).
#[derive(clap::Args, Debug, Clone)]
pub struct MarkArgs {
    /// Session name.
    #[arg(long)]
    pub session: String,
    /// Task name.
    #[arg(long)]
    pub task: String,
    /// Logs directory (default: the session's logs dir under the state dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[command(subcommand)]
    pub kind: MarkKind,
}

/// Which marker `_log-mark` writes.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum MarkKind {
    /// A run started.
    Start {
        #[arg(long)]
        run: u32,
        #[arg(long)]
        pid: u32,
    },
    /// The process ended. Empty values (unset tmux formats) are ignored.
    Exit {
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        signal: Option<String>,
    },
    /// The task is being restarted.
    Restart {
        #[arg(long)]
        run: u32,
    },
    /// The task was stopped.
    Stop {
        #[arg(long, default_value = "user")]
        by: String,
    },
    /// The task was killed.
    Kill,
}

/// Run `_log-mark`: append one marker.
pub fn run_mark(args: &MarkArgs) -> Result<()> {
    let marker = match &args.kind {
        MarkKind::Start { run, pid } => Marker::Start {
            run: *run,
            pid: *pid,
        },
        MarkKind::Exit { code, signal } => Marker::Exit {
            code: parse_opt_int(code.as_deref(), "--code")?,
            signal: parse_opt_int(signal.as_deref(), "--signal")?,
        },
        MarkKind::Restart { run } => Marker::Restart { run: *run },
        MarkKind::Stop { by } => Marker::Stop { by: by.clone() },
        MarkKind::Kill => Marker::Kill,
    };
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| crate::paths::logs_dir(&args.session));
    write_marker_in(&dir, &args.task, &marker)
}

fn parse_opt_int(v: Option<&str>, flag: &str) -> Result<Option<i32>> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| Error::usage(format!("{flag} expects an integer, got '{s}'"))),
    }
}

/// Command prefix for a tmux hook: `'<exe>' _log-mark --session S --task T --dir D`
/// (quoted for `/bin/sh`, `#` doubled for tmux formats). Append e.g.
/// ` exit --code '#{pane_dead_status}' --signal '#{pane_dead_signal}'`.
pub fn mark_command(exe: &Path, session: &str, task: &str) -> String {
    let dir = crate::paths::logs_dir(session);
    format!(
        "{} _log-mark --session {} --task {} --dir {}",
        crate::process::quote(&exe.to_string_lossy()),
        crate::process::quote(session),
        crate::process::quote(task),
        crate::process::quote(&dir.to_string_lossy()),
    )
    .replace('#', "##")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn texts(dir: &Path) -> Vec<String> {
        fs::read_to_string(dir.join("api.log"))
            .unwrap()
            .lines()
            .map(|l| {
                let (ts, text) = split_line(l);
                assert_eq!(ts.len(), 24);
                text.to_string()
            })
            .collect()
    }

    #[test]
    fn marker_format_and_exit_dedupe() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("logs");
        // A directory that does not exist (removed with the session's state) is
        // not recreated by a marker.
        write_marker_in(&dir, "api", &Marker::Kill).unwrap();
        assert!(!dir.exists());
        fs::create_dir_all(&dir).unwrap();
        write_marker_in(&dir, "api", &Marker::Start { run: 1, pid: 42 }).unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(dir.join("api.log"))
            .unwrap()
            .write_all(b"2026-01-01T00:00:00.000Z output\n")
            .unwrap();
        let exit = Marker::Exit {
            code: Some(1),
            signal: None,
        };
        write_marker_in(&dir, "api", &exit).unwrap();
        write_marker_in(&dir, "api", &exit).unwrap();
        write_marker_in(&dir, "api", &Marker::Restart { run: 2 }).unwrap();
        write_marker_in(
            &dir,
            "api",
            &Marker::Exit {
                code: None,
                signal: Some(9),
            },
        )
        .unwrap();
        write_marker_in(&dir, "api", &Marker::Stop { by: "user".into() }).unwrap();
        write_marker_in(&dir, "api", &Marker::Kill).unwrap();
        assert_eq!(
            texts(&dir),
            vec![
                "::taskmux:: start run=1 pid=42",
                "output",
                "::taskmux:: exit code=1",
                "::taskmux:: restart run=2",
                "::taskmux:: exit signal=9",
                "::taskmux:: stop by=user",
                "::taskmux:: kill",
            ]
        );
    }

    #[test]
    fn mark_args_lenient_ints() {
        assert_eq!(parse_opt_int(Some(""), "--code").unwrap(), None);
        assert_eq!(parse_opt_int(Some("3"), "--code").unwrap(), Some(3));
        assert!(parse_opt_int(Some("x"), "--code").is_err());
    }
}
