//! The `logs` command.

use super::follow::Follower;
use super::format::{strip_ansi, task_files};
use super::read::{parse_when, query_groups_in, LogLine, Query};
use crate::config::model::Config;
use crate::error::{Error, Result};
use regex::{Regex, RegexBuilder};
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Default number of lines shown.
pub const DEFAULT_LINES: usize = 100;
/// Default number of history lines shown before following.
pub const DEFAULT_FOLLOW_LINES: usize = 10;
/// How often `-f` looks for new lines.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(50);

/// `taskmux logs`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LogsArgs {
    /// Only this task (default: all tasks, interleaved by time).
    #[arg(add = crate::completion::task_names())]
    pub task: Option<String>,
    /// Show the last N lines (matching lines with -g) [default: 100; 10 with -f].
    #[arg(short = 'n', long, value_name = "N")]
    pub lines: Option<usize>,
    /// Only lines matching this regular expression (smart case: insensitive
    /// unless the pattern has a capital letter; exit 1 when nothing matches).
    #[arg(short = 'g', long, value_name = "PATTERN")]
    pub grep: Option<String>,
    /// With -g: always case-insensitive.
    #[arg(
        short = 'i',
        long,
        conflicts_with = "case_sensitive",
        requires = "grep"
    )]
    pub ignore_case: bool,
    /// With -g: always case-sensitive.
    #[arg(short = 's', long, requires = "grep")]
    pub case_sensitive: bool,
    /// With -g: show N lines of context around each match.
    #[arg(short = 'C', long, value_name = "N", default_value_t = 0)]
    pub context: usize,
    /// Follow new output live (no task, on a terminal: attach to the tmux session).
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only lines since this time: 5m, 1h30m, 2026-01-01T14:00 (local), RFC 3339.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only lines until this time (same forms as --since).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Show each line's stored timestamp.
    #[arg(long)]
    pub timestamps: bool,
    /// No colours; also strips the tasks' own ANSI codes.
    #[arg(long)]
    pub no_color: bool,
    /// Only the lines written after this cursor (from `taskmux mark`, or the
    /// last line of an earlier `logs --json`); ends with the next cursor.
    #[arg(long, value_name = "CURSOR", conflicts_with_all = ["follow", "clear", "context"])]
    pub after: Option<String>,
    /// Delete the logs (of TASK, or of every task), rotated files included.
    #[arg(long, conflicts_with_all = ["follow", "grep", "lines", "since", "until", "context"])]
    pub clear: bool,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

const PALETTE: [&str; 6] = ["36", "32", "33", "35", "34", "31"];

/// How lines are printed.
struct Printer {
    color: bool,
    timestamps: bool,
    prefix: bool,
    json: bool,
    /// Task names in config order (for colours).
    tasks: Vec<String>,
}

impl Printer {
    fn format(&self, l: &LogLine) -> String {
        if self.json {
            #[derive(serde::Serialize)]
            struct J<'a> {
                task: &'a str,
                ts: &'a str,
                line: &'a str,
            }
            let j = J {
                task: &l.task,
                ts: &l.ts,
                line: &l.text,
            };
            return serde_json::to_string(&j).unwrap_or_default();
        }
        let mut s = String::new();
        if self.timestamps && !l.ts.is_empty() {
            s.push_str(&l.ts);
            s.push(' ');
        }
        if self.prefix {
            if self.color {
                let i = self.tasks.iter().position(|t| *t == l.task).unwrap_or(0);
                s.push_str(&format!(
                    "\x1b[{}m[{}]\x1b[0m ",
                    PALETTE[i % PALETTE.len()],
                    l.task
                ));
            } else {
                s.push_str(&format!("[{}] ", l.task));
            }
        }
        if l.marker && self.color {
            s.push_str(&format!("\x1b[2m{}\x1b[0m", strip_ansi(&l.text)));
        } else if self.color {
            s.push_str(&l.text);
            if l.text.contains('\x1b') {
                s.push_str("\x1b[0m");
            }
        } else {
            s.push_str(&strip_ansi(&l.text));
        }
        s
    }
}

/// Run `taskmux logs`; returns the exit code.
pub fn run_logs(cfg: &Config, args: &LogsArgs, json: bool) -> Result<i32> {
    run_logs_in(cfg, &crate::paths::logs_dir(&cfg.name), args, json)
}

fn run_logs_in(cfg: &Config, dir: &Path, args: &LogsArgs, json: bool) -> Result<i32> {
    let known = cfg.task_names();
    if let Some(t) = &args.task {
        if cfg.task(t).is_none() {
            return Err(Error::unknown_task(t, &known));
        }
    }
    let tasks: Vec<String> = match &args.task {
        Some(t) => vec![t.clone()],
        None => known.iter().map(|s| s.to_string()).collect(),
    };
    let mut out = io::stdout().lock();
    if args.clear {
        return finish(clear(dir, &tasks, json, &mut out));
    }
    let case = if args.ignore_case {
        Case::Insensitive
    } else if args.case_sensitive {
        Case::Sensitive
    } else {
        Case::Smart
    };
    let grep = args
        .grep
        .as_deref()
        .map(|p| grep_regex_with(p, case))
        .transpose()?;
    let since = args.since.as_deref().map(parse_when).transpose()?;
    let until = args.until.as_deref().map(parse_when).transpose()?;
    let tty = io::stdout().is_terminal();
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let printer = Printer {
        color: tty && !no_color_env && !args.no_color && !json,
        timestamps: args.timestamps,
        prefix: args.task.is_none(),
        json,
        tasks: tasks.clone(),
    };

    if args.follow && args.task.is_none() && tty && !json {
        return Err(attach(&cfg.name));
    }

    let never_ran = |t: &str| !task_files(dir, t).iter().any(|p| p.exists());
    if !args.follow && args.after.is_none() && !json && tasks.iter().all(|t| never_ran(t)) {
        let msg = match &args.task {
            Some(t) => format!("task '{t}' has no logs yet (it has never run)"),
            None if tasks.is_empty() => "no tasks are configured".to_string(),
            None => "no logs yet (no task has run)".to_string(),
        };
        return finish(writeln!(out, "{msg}"));
    }

    if args.follow {
        // SAFETY: the handler only stores to an atomic.
        unsafe {
            libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
            libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        }
    }
    let follower = args
        .follow
        .then(|| Follower::in_dir(dir, tasks.clone(), grep.clone()));
    let default_lines = if args.follow {
        DEFAULT_FOLLOW_LINES
    } else {
        DEFAULT_LINES
    };
    let q = Query {
        tasks: tasks.clone(),
        lines: args.lines.unwrap_or(default_lines),
        grep,
        context: args.context,
        since,
        until,
    };
    if follower.is_none() && (args.after.is_some() || args.context == 0) {
        // One read that ends with a cursor (see since_cursor.rs).
        let q = Query {
            lines: if args.after.is_some() {
                args.lines.unwrap_or(10_000)
            } else {
                q.lines
            },
            ..q
        };
        let read = super::since_cursor::read(&cfg.name, &q, args.after.as_deref())?;
        let after = args.after.is_some();
        let res = super::cmd_after::print(&read, &mut out, json, after, |l| printer.format(l));
        // As grep: a search that found nothing exits 1 (with --after, nothing new is normal).
        let nothing = !after && q.grep.is_some() && read.lines.is_empty();
        return finish(res).map(|c| if c == 0 && nothing { 1 } else { c });
    }
    let caps = follower.as_ref().map(Follower::offsets);
    let groups = query_groups_in(dir, &q, caps.as_ref())?;
    let res = (|| -> io::Result<()> {
        for (i, g) in groups.iter().enumerate() {
            if i > 0 && !json {
                writeln!(out, "--")?;
            }
            for l in g {
                writeln!(out, "{}", printer.format(l))?;
            }
        }
        out.flush()
    })();
    if let Err(e) = res {
        return finish(Err(e));
    }
    let Some(mut follower) = follower else {
        // As grep: a search that found nothing exits 1.
        let nothing = q.grep.is_some() && groups.iter().all(|g| g.is_empty());
        return Ok(if nothing { 1 } else { 0 });
    };
    let res = follow_loop(&mut follower, &printer, &mut out, until);
    finish(res)
}

fn follow_loop(
    follower: &mut Follower,
    printer: &Printer,
    out: &mut impl Write,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> io::Result<()> {
    let until = until.map(super::format::format_ts);
    while !INTERRUPTED.load(Ordering::SeqCst) {
        let lines = follower.poll();
        for l in &lines {
            if until
                .as_deref()
                .is_some_and(|u| !l.ts.is_empty() && l.ts.as_str() > u)
            {
                return Ok(());
            }
            writeln!(out, "{}", printer.format(l))?;
        }
        if !lines.is_empty() {
            out.flush()?;
        }
        std::thread::sleep(FOLLOW_INTERVAL);
    }
    Ok(())
}

/// A closed stdout (SIGPIPE, `| head`) ends output cleanly.
fn finish(res: io::Result<()>) -> Result<i32> {
    match res {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::io("writing output", e)),
    }
}

fn clear(dir: &Path, tasks: &[String], json: bool, out: &mut impl Write) -> io::Result<()> {
    let mut removed = Vec::new();
    for t in tasks {
        for p in task_files(dir, t) {
            if std::fs::remove_file(&p).is_ok() {
                removed.push(p);
            }
        }
    }
    if json {
        let files: Vec<String> = removed.iter().map(|p| p.display().to_string()).collect();
        writeln!(out, "{}", serde_json::json!({"ok": true, "removed": files}))
    } else if removed.is_empty() {
        writeln!(out, "no logs to remove")
    } else {
        for p in &removed {
            writeln!(out, "removed {}", p.display())?;
        }
        Ok(())
    }
}

/// Replace this process with `tmux attach` (or `switch-client` inside tmux);
/// returns only on failure.
fn attach(session: &str) -> Error {
    use std::os::unix::process::CommandExt;
    // The same server every other command uses (TMUX_TMPDIR, -S or -L).
    let mut cmd = crate::tmux::Tmux::from_env().std_command();
    let target = format!("={session}");
    if let Some(inside) = std::env::var_os("TMUX").filter(|v| !v.is_empty()) {
        cmd.env("TMUX", inside)
            .args(["switch-client", "-t", &target]);
    } else {
        cmd.args(["attach", "-t", &target]);
    }
    let err = cmd.exec();
    Error::tmux(format!(
        "could not run tmux to attach to session '{session}': {err}"
    ))
}

/// Compile a `-g` pattern the way `logs` does (case-insensitive; compiled size
/// capped, as patterns also come from API clients).
/// How a grep pattern treats case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// ripgrep's smart case: insensitive unless the pattern has a capital letter.
    Smart,
    Insensitive,
    Sensitive,
}

/// True when `p` has a capital letter of its own (not an escape such as `\W`,
/// `\S`, `\P{..}`, whose letter is a class name, not text).
fn has_capital(p: &str) -> bool {
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                if matches!(escaped, 'p' | 'P') {
                    // \p{Lu}: skip the class name too.
                    if chars.clone().next() == Some('{') {
                        for n in chars.by_ref() {
                            if n == '}' {
                                break;
                            }
                        }
                    } else {
                        chars.next();
                    }
                }
            }
            continue;
        }
        if c.is_uppercase() {
            return true;
        }
    }
    false
}

/// A grep regex with smart case (see [`Case::Smart`]).
pub fn grep_regex(p: &str) -> Result<Regex> {
    grep_regex_with(p, Case::Smart)
}

/// A grep regex treating case as `case` says.
pub fn grep_regex_with(p: &str, case: Case) -> Result<Regex> {
    let insensitive = match case {
        Case::Smart => !has_capital(p),
        Case::Insensitive => true,
        Case::Sensitive => false,
    };
    RegexBuilder::new(p)
        .case_insensitive(insensitive)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| Error::usage(format!("invalid regular expression '{p}': {e}")))
}

#[cfg(test)]
#[path = "cmd_tests.rs"]
mod tests;
