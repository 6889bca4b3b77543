//! The findings of `check`: taskmux.toml linted without starting anything.
//!
//! Codes (E = error, makes `check` exit 1; W = warning):
//! - TM001 E  cwd does not exist
//! - TM002 W  the command's program is not on PATH (a warning: PATH may differ when
//!   the task runs, e.g. a venv or a before_start hook provides it)
//! - TM003 E  the command starts with a path (./run.sh, bin/x) that does not exist
//! - TM004 W  depends on a task that is not auto_start (`start` will skip this task)
//! - TM005 E  the same port is used by two tasks
//! - TM006 W  the port is held by a process that is not this task
//! - TM007 W  health_timeout >= health_interval (a probe can outlast its round)
//! - TM008 W  the health_check's program is not on PATH
//! - TM009 W  names `${tasks.X.port}` of an auto-port task it does not depend on

use crate::agents::find_on_path;
use crate::config::{Config, TaskConfig};
use crate::probe::fmt_duration;
use crate::process;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The config cannot work as written (exit 2).
    Error,
    /// Works, but probably not as meant.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found by `check`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub severity: Severity,
    /// A stable code (TM001 …).
    pub code: String,
    pub task: Option<String>,
    pub message: String,
    pub fix: String,
}

/// The answer to `check`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CheckReport {
    /// The config file checked.
    pub config: String,
    pub session: String,
    /// How many tasks it defines.
    pub tasks: usize,
    /// Problems that keep the config from working (`check` exits 1).
    pub errors: Vec<Finding>,
    /// Works, but probably not as meant.
    pub warnings: Vec<Finding>,
}

impl CheckReport {
    /// Lint `cfg`: errors and warnings apart.
    pub fn of(cfg: &Config, task_pids: impl FnOnce() -> Vec<(String, u32)>) -> CheckReport {
        let (errors, warnings): (Vec<_>, Vec<_>) = lint(cfg, task_pids)
            .into_iter()
            .partition(|f| f.severity == Severity::Error);
        CheckReport {
            config: cfg.path.to_string_lossy().into_owned(),
            session: cfg.name.clone(),
            tasks: cfg.tasks.len(),
            errors,
            warnings,
        }
    }
}

/// Shell builtins and keywords: never looked up on PATH.
const BUILTINS: &[&str] = &[
    ".", ":", "[", "[[", "!", "{", "(", "alias", "bg", "break", "builtin", "case", "cd", "command",
    "continue", "declare", "echo", "eval", "exec", "exit", "export", "false", "fg", "for",
    "function", "if", "jobs", "let", "local", "printf", "pwd", "read", "readonly", "return",
    "select", "set", "shift", "source", "test", "time", "trap", "true", "type", "typeset",
    "ulimit", "umask", "unset", "until", "wait", "while",
];

fn finding(sev: Severity, code: &'static str, task: &str, message: String, fix: String) -> Finding {
    Finding {
        severity: sev,
        code: code.to_string(),
        task: Some(task.to_string()),
        message,
        fix,
    }
}

/// Every finding for `cfg`, errors first in file order.
///
/// `task_pids` (asked only when a port is held) names each running task's pid, so
/// a port held by the task itself is not reported.
pub fn lint(cfg: &Config, task_pids: impl FnOnce() -> Vec<(String, u32)>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &cfg.tasks {
        if !t.cwd.is_dir() {
            out.push(finding(
                Severity::Error,
                "TM001",
                &t.name,
                format!("cwd {} does not exist", t.cwd.display()),
                format!(
                    "create it (mkdir -p {}) or fix cwd in taskmux.toml",
                    t.cwd.display()
                ),
            ));
        } else {
            lint_program(t, &t.command, false, &mut out);
        }
        if let Some(hc) = &t.health_check {
            if t.cwd.is_dir() {
                lint_program(t, hc, true, &mut out);
            }
        }
        for d in &t.depends_on {
            if cfg.task(d).is_some_and(|dt| !dt.auto_start) && t.auto_start {
                out.push(finding(
                    Severity::Warning,
                    "TM004",
                    &t.name,
                    format!("depends on '{d}', which is auto_start = false: `taskmux start` will skip '{}' unless '{d}' is already running", t.name),
                    format!("set auto_start = true on '{d}', or start it first (taskmux start {d})"),
                ));
            }
        }
        // References left after load name auto ports: known only once X runs.
        for x in t.port_references() {
            if x != t.name && !t.depends_on.contains(&x) {
                out.push(finding(
                    Severity::Warning,
                    "TM009",
                    &t.name,
                    format!("refers to ${{tasks.{x}.port}}, an auto port, but does not depend on '{x}': it may start before '{x}' has its port, and then does not start"),
                    format!("add \"{x}\" to depends_on of '{}'", t.name),
                ));
            }
        }
        // Only what the user wrote: the default timeout beside a short interval (the
        // original README's own example) is not their mistake.
        if t.health_timeout_written && t.health_timeout >= t.health_interval && t.has_probe() {
            out.push(finding(
                Severity::Warning,
                "TM007",
                &t.name,
                format!(
                    "health_timeout ({}) >= health_interval ({}): a slow probe outlasts its round",
                    fmt_duration(t.health_timeout),
                    fmt_duration(t.health_interval)
                ),
                "make health_timeout shorter than health_interval".into(),
            ));
        }
    }
    // Ports: duplicates, then listeners that are not the task itself.
    let mut held_by_other: Vec<(&TaskConfig, Vec<process::Listener>)> = Vec::new();
    for (i, t) in cfg.tasks.iter().enumerate() {
        let Some(port) = t.port else { continue };
        if let Some(first) = cfg.tasks[..i].iter().find(|o| o.port == Some(port)) {
            out.push(finding(
                Severity::Error,
                "TM005",
                &t.name,
                format!("port {port} is also used by task '{}'", first.name),
                format!("give '{}' or '{}' another port", t.name, first.name),
            ));
            continue;
        }
        if process::port_is_listening(port) {
            held_by_other.push((t, process::listeners_on_port(port)));
        }
    }
    if !held_by_other.is_empty() {
        // Only now ask tmux which of these ports belong to the task's own pane.
        let own_sids: Vec<(String, u32)> = task_pids()
            .into_iter()
            .filter_map(|(name, pid)| process::sid_of(pid).map(|sid| (name, sid)))
            .collect();
        for (t, listeners) in held_by_other {
            let own = |pid: u32| {
                process::sid_of(pid)
                    .is_some_and(|sid| own_sids.iter().any(|(n, s)| *n == t.name && *s == sid))
            };
            let others: Vec<_> = listeners.iter().filter(|l| !own(l.pid)).collect();
            let port = t.port.expect("has a port");
            if others.is_empty() && !listeners.is_empty() {
                continue;
            }
            let who = if others.is_empty() {
                "another process (not visible to this user)".to_string()
            } else {
                others
                    .iter()
                    .map(|l| format!("pid {} ({})", l.pid, l.command))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(finding(
                Severity::Warning,
                "TM006",
                &t.name,
                format!("port {port} is already held by {who}"),
                format!("stop that process, or let `taskmux start {}` free the port (it stops the listener)", t.name),
            ));
        }
    }
    out.sort_by_key(|f| f.severity != Severity::Error);
    out
}

/// The program a shell command runs first: the first word after `VAR=value`
/// assignments (and after `exec`/`env`/`nohup`); None when it cannot be known
/// statically (a builtin, keyword, expansion or subshell).
pub fn program_of(command: &str) -> Option<String> {
    let mut words = command
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']));
    loop {
        let w = words.next()?;
        if w.is_empty() {
            continue;
        }
        let is_assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if is_assignment || matches!(w, "exec" | "env" | "nohup" | "command") {
            continue;
        }
        if w.contains([
            '$', '`', '(', ')', '{', '}', ';', '|', '&', '<', '>', '*', '?', '~',
        ]) || BUILTINS.contains(&w)
            || ["if", "then", "do", "case", "for", "while", "until"].contains(&w)
        {
            return None;
        }
        return Some(w.to_string());
    }
}

fn lint_program(t: &TaskConfig, command: &str, probe: bool, out: &mut Vec<Finding>) {
    let Some(prog) = program_of(command) else {
        return;
    };
    let what = if probe { "health_check" } else { "command" };
    if prog.contains('/') {
        let p = Path::new(&prog);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            t.cwd.join(p)
        };
        if !abs.exists() {
            out.push(finding(
                Severity::Error,
                "TM003",
                &t.name,
                format!(
                    "{what} runs {prog}, which does not exist in {}",
                    t.cwd.display()
                ),
                "fix the path (relative paths start from the task's cwd)".into(),
            ));
        }
        return;
    }
    // The task's own PATH (env / env_file) wins over ours.
    let found = match t.env.get("PATH") {
        Some(path) => std::env::split_paths(path).any(|d| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(d.join(&prog))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }),
        None => find_on_path(&prog).is_some(),
    };
    if !found {
        out.push(finding(
            Severity::Warning,
            if probe { "TM008" } else { "TM002" },
            &t.name,
            format!("{what} runs '{prog}', which is not on PATH"),
            format!("install {prog}, or fix the {what} (PATH is taken from the shell that runs taskmux)"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs() {
        assert_eq!(
            program_of("FOO=1 BAR=x npm run dev").as_deref(),
            Some("npm")
        );
        assert_eq!(program_of("exec python3 -m x").as_deref(), Some("python3"));
        assert_eq!(program_of("cd web && npm start"), None);
        assert_eq!(program_of("$HOME/bin/x"), None);
        assert_eq!(program_of("./run.sh").as_deref(), Some("./run.sh"));
    }
}
