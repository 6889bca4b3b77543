//! Coding-agent context files: detect installed agents and keep a short taskmux
//! usage block between markers in each agent's context file.
//!
//! Only the text between `<!-- taskmux:start -->` and `<!-- taskmux:end -->` is
//! ever rewritten; a file without markers gets the block appended.

use crate::config::Config;
use crate::error::Result;
use serde::Serialize;
use std::path::{Path, PathBuf};

pub const START_MARKER: &str = "<!-- taskmux:start -->";
pub const END_MARKER: &str = "<!-- taskmux:end -->";

/// A coding agent: the binary that reveals it and its context file.
#[derive(Debug, Clone, Copy)]
pub struct Agent {
    pub name: &'static str,
    pub binary: &'static str,
    /// Relative to the project directory.
    pub file: &'static str,
}

/// Every agent taskmux knows about.
pub const AGENTS: &[Agent] = &[
    Agent {
        name: "claude",
        binary: "claude",
        file: ".claude/rules/taskmux.md",
    },
    Agent {
        name: "codex",
        binary: "codex",
        file: "AGENTS.md",
    },
    Agent {
        name: "opencode",
        binary: "opencode",
        file: "AGENTS.md",
    },
    Agent {
        name: "gemini",
        binary: "gemini",
        file: "GEMINI.md",
    },
];

/// What happened to one context file.
#[derive(Debug, Clone, Serialize)]
pub struct ContextFile {
    /// Path relative to the project directory.
    pub file: String,
    /// Agents that read this file.
    pub agents: Vec<String>,
    /// created | appended | updated | unchanged
    pub action: String,
}

/// The full path of an executable called `name` on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Agents whose binary is on PATH.
pub fn detect() -> Vec<Agent> {
    AGENTS
        .iter()
        .copied()
        .filter(|a| find_on_path(a.binary).is_some())
        .collect()
}

/// The usage block (markers included, trailing newline).
pub fn block(cfg: Option<&Config>) -> String {
    let mut s = String::new();
    s.push_str(START_MARKER);
    s.push('\n');
    s.push_str(
        "## taskmux: long-running processes\n\
         \n\
         This project runs its dev servers, watchers and other long-running processes with\n\
         taskmux (config: `taskmux.toml`). Never start them with `&`, `nohup` or a second\n\
         terminal; use taskmux so they keep running, log to files and can be inspected.\n\
         \n\
         - `taskmux start` / `taskmux start TASK`: start everything (dependency order) or one task\n\
         - `taskmux wait --timeout 60s`: block until the tasks are healthy (exit 1 says why not)\n\
         - `taskmux status --json`: state, pid, port and reason of every task\n\
         - `taskmux health`: probe every task now\n\
         - `taskmux logs TASK -n 50`: last lines of a task's log\n\
         - `c=$(taskmux mark)` before an edit, then `taskmux logs --after \"$c\"`: only what\n\
         \x20 the tasks printed since (no re-reading whole logs)\n\
         - `taskmux wait TASK --for 'log:ready in' --after \"$c\"`: wait for the line that says\n\
         \x20 your edit was picked up (also `--for port`, `--for exit`), not a fixed sleep\n\
         - `taskmux why TASK`: why it is down, its first error and the command that fixes it\n\
         - `taskmux logs -g PATTERN`: search all logs; `taskmux logs --since 5m`: recent lines\n\
         - `taskmux restart TASK --wait`: restart after changing code or config, return once healthy\n\
         - `taskmux inspect TASK`: one task's full state as JSON\n\
         - `taskmux add NAME \"COMMAND\"` / `taskmux remove NAME`: edit the task list\n\
         - `taskmux check`: validate taskmux.toml without starting anything\n\
         \n\
         With the taskmux MCP server (`taskmux mcp`; register it with `taskmux mcp install`)\n\
         prefer its tools over the CLI: `status`, `start`, `wait`, `logs` (with `after`), `mark`,\n\
         `why`, `inspect`, `health`, `restart`, `stop`, `kill`, `events`, `check`, `add_task`,\n\
         `remove_task` answer with structured JSON, and subscribing to `taskmux://status`\n\
         tells you when a task crashes instead of you polling for it.\n",
    );
    if let Some(cfg) = cfg {
        s.push('\n');
        if cfg.tasks.is_empty() {
            s.push_str("Tasks: none yet (add one with `taskmux add`).\n");
        } else {
            s.push_str("Tasks:\n");
            for t in &cfg.tasks {
                s.push_str(&format!("- `{}`: `{}`", t.name, t.command.trim()));
                if let Some(p) = t.port {
                    s.push_str(&format!(" (port {p})"));
                }
                if t.port_auto {
                    s.push_str(&format!(
                        " (port picked per start: `taskmux status` shows it; others say `${{tasks.{}.port}}`)",
                        t.name
                    ));
                }
                if t.is_job() {
                    s.push_str(" (a job: runs to completion, its dependents start after exit 0)");
                }
                if !t.auto_start {
                    s.push_str(" (manual: `taskmux start ");
                    s.push_str(&t.name);
                    s.push_str("`)");
                }
                s.push('\n');
            }
        }
    }
    s.push_str(END_MARKER);
    s.push('\n');
    s
}

/// `text` with the block put in place: replaced between the markers, or appended.
/// Returns the new text and whether markers were found.
pub fn splice(text: &str, block: &str) -> (String, bool) {
    if let Some(start) = text.find(START_MARKER) {
        if let Some(rel_end) = text[start..].find(END_MARKER) {
            let mut end = start + rel_end + END_MARKER.len();
            // The block carries its own trailing newline: swallow the old one.
            if text[end..].starts_with('\n') {
                end += 1;
            }
            let mut out = String::with_capacity(text.len() + block.len());
            out.push_str(&text[..start]);
            out.push_str(block);
            out.push_str(&text[end..]);
            return (out, true);
        }
    }
    let mut out = text.to_string();
    if !out.is_empty() {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(block);
    (out, false)
}

/// True if `text` holds a complete block.
pub fn has_block(text: &str) -> bool {
    text.find(START_MARKER)
        .is_some_and(|s| text[s..].contains(END_MARKER))
}

/// Put the block into `dir/rel` (create, append or replace in place).
pub fn inject(dir: &Path, rel: &str, block: &str) -> Result<String> {
    let path = dir.join(rel);
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(crate::error::Error::io(
                format!("cannot read {}", path.display()),
                e,
            ))
        }
    };
    let (new, had) = splice(old.as_deref().unwrap_or(""), block);
    let action = match (&old, had) {
        (Some(o), _) if *o == new => return Ok("unchanged".into()),
        (None, _) => "created",
        (Some(_), true) => "updated",
        (Some(_), false) => "appended",
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            crate::error::Error::io(format!("cannot create {}", parent.display()), e)
        })?;
    }
    crate::config::edit::write_atomic(&path, &new)?;
    Ok(action.into())
}

/// Inject the block into the context file of each agent in `agents` (files shared
/// by several agents are written once).
pub fn write_for(dir: &Path, agents: &[Agent], cfg: Option<&Config>) -> Result<Vec<ContextFile>> {
    let block = block(cfg);
    let mut out: Vec<ContextFile> = Vec::new();
    for a in agents {
        if let Some(cf) = out.iter_mut().find(|c| c.file == a.file) {
            cf.agents.push(a.name.to_string());
            continue;
        }
        let action = inject(dir, a.file, &block)?;
        out.push(ContextFile {
            file: a.file.to_string(),
            agents: vec![a.name.to_string()],
            action,
        });
    }
    Ok(out)
}

/// Refresh the block in every known context file under `dir` that already has
/// the markers (files without markers are left alone).
pub fn refresh_existing(dir: &Path, cfg: Option<&Config>) -> Result<Vec<ContextFile>> {
    let with_markers: Vec<Agent> = AGENTS
        .iter()
        .copied()
        .filter(|a| std::fs::read_to_string(dir.join(a.file)).is_ok_and(|t| has_block(&t)))
        .collect();
    write_for(dir, &with_markers, cfg)
}

/// Refresh blocks after the config at `path` changed; problems become a warning
/// (the config edit itself succeeded).
pub fn refresh_after_edit(path: &Path) -> Vec<ContextFile> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let cfg = crate::config::load(path).ok();
    match refresh_existing(dir, cfg.as_ref()) {
        Ok(v) => v,
        Err(e) => {
            crate::output::warn(&format!("could not refresh agent context: {e}"));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_in_place_and_keeps_outside() {
        let b1 = format!("{START_MARKER}\none\n{END_MARKER}\n");
        let b2 = format!("{START_MARKER}\ntwo\n{END_MARKER}\n");
        let (t, had) = splice("# Title\n\nmine", &b1);
        assert!(!had);
        assert_eq!(t, format!("# Title\n\nmine\n\n{b1}"));
        let t2 = format!("before\n{b1}after\n");
        let (t3, had) = splice(&t2, &b2);
        assert!(had);
        assert_eq!(t3, format!("before\n{b2}after\n"));
        assert_eq!(splice(&t3, &b2).0, t3);
        assert_eq!(splice("", &b1).0, b1);
    }
}
