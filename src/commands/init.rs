//! init: write a self-explaining taskmux.toml and the agents' context blocks.

use crate::agents::{self, ContextFile};
use crate::config::{self, load::sanitize_name, load::CONFIG_FILE};
use crate::error::{Error, Result};
use crate::output::{emit, paint, Style};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// Options of `taskmux init`.
pub struct InitOptions {
    pub defaults: bool,
    pub force: bool,
    pub agents_only: bool,
}

/// A task proposed from a project file (written commented out).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Proposal {
    pub name: String,
    pub command: String,
    /// The project file it came from.
    pub source: String,
}

#[derive(Debug, Serialize)]
struct ConfigOutcome {
    path: String,
    /// created | overwritten | exists | untouched
    action: String,
}

#[derive(Debug, Serialize)]
struct InitReport {
    config: ConfigOutcome,
    session: Option<String>,
    proposed: Vec<Proposal>,
    /// Agents whose binary is on PATH.
    agents: Vec<String>,
    /// Context files written or refreshed.
    context_files: Vec<ContextFile>,
}

pub fn init(explicit: Option<&Path>, opts: InitOptions, json: bool) -> Result<i32> {
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))?;
    let path = match explicit {
        Some(p) if p.is_absolute() => p.to_path_buf(),
        Some(p) => cwd.join(p),
        None => cwd.join(CONFIG_FILE),
    };
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.clone());

    let exists = path.exists();
    let mut session = None;
    let mut proposed = Vec::new();
    let action = if opts.agents_only {
        "untouched"
    } else if exists && !opts.force {
        "exists"
    } else {
        let name = super::init_prompt::ask_name(&dir, opts.defaults || json)?;
        proposed = detect_tasks(&dir);
        let text = render(&name, &proposed);
        // Never write a file that taskmux itself would reject.
        config::load::parse(&text, &path)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        }
        config::edit::write_atomic(&path, &text)?;
        session = Some(name);
        if exists {
            "overwritten"
        } else {
            "created"
        }
    };

    // Agent blocks: detected agents plus any file that already has the markers.
    let cfg = config::load(&path).ok();
    if session.is_none() {
        session = cfg.as_ref().map(|c| c.name.clone());
    }
    let detected = agents::detect();
    let mut targets = detected.clone();
    for a in agents::AGENTS {
        let marked = std::fs::read_to_string(dir.join(a.file)).is_ok_and(|t| agents::has_block(&t));
        if marked && !targets.iter().any(|t| t.file == a.file) {
            targets.push(*a);
        }
    }
    let context_files = agents::write_for(&dir, &targets, cfg.as_ref())?;

    let refused = action == "exists";
    let report = InitReport {
        config: ConfigOutcome {
            path: path.to_string_lossy().into_owned(),
            action: action.to_string(),
        },
        session,
        proposed,
        agents: detected.iter().map(|a| a.name.to_string()).collect(),
        context_files,
    };
    emit(json, !refused, &report, || human(&report, &path));
    if refused && !json {
        eprintln!(
            "{} {} already exists; nothing changed (use --force to overwrite it, or --agents-only)",
            paint(Style::Red, "error:"),
            path.display()
        );
    }
    Ok(if refused { 1 } else { 0 })
}

fn human(r: &InitReport, path: &Path) -> String {
    let mut out = String::new();
    match r.config.action.as_str() {
        "created" | "overwritten" => {
            let _ = writeln!(
                out,
                "{} {} (session '{}')",
                paint(Style::Green, &r.config.action),
                path.display(),
                r.session.as_deref().unwrap_or("")
            );
            if r.proposed.is_empty() {
                let _ = writeln!(
                    out,
                    "no tasks detected; add one with: taskmux add NAME \"COMMAND\""
                );
            } else {
                let _ = writeln!(
                    out,
                    "proposed {} task(s), commented out (uncomment them in {CONFIG_FILE} to use):",
                    r.proposed.len()
                );
                for p in &r.proposed {
                    let _ = writeln!(out, "  {}: {}  (from {})", p.name, p.command, p.source);
                }
            }
        }
        "exists" => {}
        _ => {}
    }
    if r.agents.is_empty() && r.context_files.is_empty() {
        let _ = writeln!(
            out,
            "no coding agent found on PATH (claude, codex, opencode, gemini); no context file written"
        );
    }
    for f in &r.context_files {
        let _ = writeln!(out, "{} {} ({})", f.action, f.file, f.agents.join(", "));
    }
    if !r.agents.is_empty() {
        let hint = "registers taskmux's MCP server (tools, crash notices) with";
        let _ = writeln!(
            out,
            "MCP: `taskmux mcp install` {hint} {}",
            r.agents.join(", ")
        );
    }
    if matches!(r.config.action.as_str(), "created" | "overwritten") {
        let _ = writeln!(out, "next: taskmux check, then taskmux start");
    }
    out
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

/// The text of a new taskmux.toml.
pub fn render(name: &str, proposed: &[Proposal]) -> String {
    let mut s = String::new();
    s.push_str(
        "# taskmux.toml: the long-running processes of this project, run by taskmux in tmux.\n\
         #\n\
         #   taskmux check    validate this file      taskmux start   start the auto_start tasks\n\
         #   taskmux status   state of every task     taskmux wait    block until all are healthy\n\
         #   taskmux logs -n 50 TASK                  taskmux add NAME \"COMMAND\"\n\
         #\n\
         # Every key is described by `taskmux help config`.\n\n",
    );
    let _ = writeln!(s, "name = {}", quote(name));
    s.push_str(
        "# `taskmux start` also starts this session's daemon in the background, which\n\
         # restarts crashed tasks (without it, nothing does).\n\
         daemon = true\n\n",
    );
    s.push_str(
        "# An example task (uncomment and edit). Only `command` is required.\n\
         # [tasks.api]\n\
         # command = \"python3 -m http.server 8000\"\n\
         # cwd = \"backend\"                       # relative to this file\n\
         # port = 8000                           # freed before start, exported as PORT\n\
         # health_url = \"http://127.0.0.1:8000/\" # or health_check = \"shell command\"\n\
         # depends_on = [\"db\"]                   # start after db is healthy\n\
         # auto_start = true                     # false: start by hand (taskmux start api)\n",
    );
    if !proposed.is_empty() {
        s.push_str(
            "\n# Tasks proposed from the project's files. Uncomment the ones you want\n\
             # (remove the leading \"# \"); nothing here is started until you do.\n",
        );
        for p in proposed {
            let _ = write!(
                s,
                "\n# from {}\n# [tasks.{}]\n# command = {}\n",
                p.source,
                p.name,
                quote(&p.command)
            );
        }
    }
    s
}

/// Propose tasks from common project files in `dir`.
pub fn detect_tasks(dir: &Path) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = Vec::new();
    let mut push = |name: &str, command: String, source: &str| {
        let mut name = sanitize_name(name);
        if out.iter().any(|p| p.name == name) {
            let base = name.clone();
            let mut i = 2;
            while out.iter().any(|p| p.name == name) {
                name = format!("{base}-{i}");
                i += 1;
            }
        }
        out.push(Proposal {
            name,
            command,
            source: source.to_string(),
        });
    };

    // package.json scripts
    if let Ok(text) = std::fs::read_to_string(dir.join("package.json")) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            let pm = package_manager(dir);
            for script in ["dev", "start"] {
                if v["scripts"][script].is_string() {
                    push(script, format!("{pm} run {script}"), "package.json");
                }
            }
        }
    }
    // Procfile
    if let Ok(text) = std::fs::read_to_string(dir.join("Procfile")) {
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            if let Some((name, cmd)) = line.split_once(':') {
                if config::load::valid_name(name.trim()) && !cmd.trim().is_empty() {
                    push(name.trim(), cmd.trim().to_string(), "Procfile");
                }
            }
        }
    }
    // docker compose
    for file in [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
    ] {
        if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
            for svc in compose_services(&text) {
                // `docker compose` finds all four file names by itself.
                let cmd = format!("docker compose up {svc}");
                push(&svc, cmd, file);
            }
            break;
        }
    }
    // Cargo
    if let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) {
        let is_package = text
            .parse::<toml_edit::DocumentMut>()
            .ok()
            .is_some_and(|d| d.get("package").is_some());
        if is_package {
            push("app", "cargo run".to_string(), "Cargo.toml");
        }
    }
    // Makefile
    for file in ["Makefile", "makefile", "GNUmakefile"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
            for target in ["dev", "run", "serve"] {
                let found = text.lines().any(|l| {
                    l.strip_prefix(target)
                        .is_some_and(|rest| rest.starts_with(':') && !rest.starts_with(":="))
                });
                if found {
                    push(target, format!("make {target}"), file);
                }
            }
            break;
        }
    }
    out
}

/// npm, bun, pnpm or yarn, by lockfile.
fn package_manager(dir: &Path) -> &'static str {
    let has = |f: &str| dir.join(f).exists();
    if has("bun.lockb") || has("bun.lock") {
        "bun"
    } else if has("pnpm-lock.yaml") {
        "pnpm"
    } else if has("yarn.lock") {
        "yarn"
    } else {
        "npm"
    }
}

/// The service names of a compose file (the keys one level under `services:`).
fn compose_services(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_services = false;
    let mut indent: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_end();
        let content = trimmed.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let level = trimmed.len() - content.len();
        if level == 0 {
            in_services = content.starts_with("services:");
            indent = None;
            continue;
        }
        if !in_services {
            continue;
        }
        let want = *indent.get_or_insert(level);
        if level == want {
            if let Some(key) = content.strip_suffix(':').or_else(|| {
                content
                    .split_once(':')
                    .filter(|(_, rest)| rest.trim().is_empty() || rest.trim().starts_with('#'))
                    .map(|(k, _)| k)
            }) {
                let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
                if !key.is_empty() {
                    out.push(key.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "init_tests.rs"]
mod tests;
