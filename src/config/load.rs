//! Find, load and validate taskmux.toml: the entry points. The file is parsed
//! with `toml_edit::ImDocument`, which keeps byte spans, and walked by hand
//! (`reader.rs`, `read_config.rs`) so that every error can say `path:line:column`;
//! `units.rs` and `dotenv.rs` parse sizes, durations and env files.

use super::reader::Ctx;
use crate::config::model::*;
use crate::error::{Error, Result};
use std::path::{Component, Path, PathBuf};
use toml_edit::ImDocument;

/// The config file's name.
pub const CONFIG_FILE: &str = "taskmux.toml";

/// Find the config: `explicit` if given, else taskmux.toml in the current
/// directory or the nearest parent directory that has one.
pub fn find_config(explicit: Option<&Path>) -> Result<PathBuf> {
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))?;
    if let Some(p) = explicit {
        let abs = absolute(p, &cwd);
        if abs.is_file() {
            return Ok(abs);
        }
        return Err(Error::new(
            crate::error::ErrorCode::NoConfig,
            format!("config file {} not found", p.display()),
        ));
    }
    find_config_from(&cwd)
}

/// Search `start` and its parents for taskmux.toml.
pub fn find_config_from(start: &Path) -> Result<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(Error::new(
            crate::error::ErrorCode::NoConfig,
        format!(
            "no {CONFIG_FILE} found in {} or any parent directory; run `taskmux init` to create one, or pass --config PATH",
            start.display()
        )))
}

/// Load and validate the config file at `path`.
pub fn load(path: &Path) -> Result<Config> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::new(
                crate::error::ErrorCode::NoConfig,
                format!("config file {} not found", path.display()),
            ))
        }
        Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
    };
    parse(&text, path)
}

/// Parse and validate config `text`; `path` (made absolute) is where it lives:
/// relative paths are resolved against its directory and errors name it.
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    let path = match std::env::current_dir() {
        Ok(cwd) => absolute(path, &cwd),
        Err(_) => path.to_path_buf(),
    };
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let cx = Ctx::new(&path, &dir, text);
    let doc = ImDocument::parse(text).map_err(|e| {
        let msg = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        cx.err(e.span(), format!("invalid TOML: {msg}"))
    })?;
    // Every problem of the file at once (reading went on past each; one that
    // stopped it is among them).
    match cx.config(doc.as_table()) {
        Ok(cfg) => cx.verdict().map(|()| cfg),
        Err(stopped) => {
            cx.problem(stopped);
            cx.verdict()
                .and(Err(Error::config("internal error: a problem was lost")))
        }
    }
}

/// True if `name` is a valid session or task name: `[A-Za-z0-9_-]+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Check a task name given on the command line (exit 2 if invalid).
pub fn check_task_name(name: &str) -> Result<()> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "invalid task name {name:?}: use only letters, digits, '_' and '-'"
        )))
    }
}

/// `p` made absolute against `base`, lexically normalised (`.`/`..` removed).
pub(super) fn absolute(p: &Path, base: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    normalize(&joined)
}

pub(super) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Expand `~` / `~/...` with $HOME, then resolve against `dir`.
pub(super) fn resolve_path(raw: &str, dir: &Path) -> PathBuf {
    let expanded = if raw == "~" {
        std::env::var_os("HOME").map(PathBuf::from)
    } else if let Some(rest) = raw.strip_prefix("~/") {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(rest))
    } else {
        None
    };
    absolute(&expanded.unwrap_or_else(|| PathBuf::from(raw)), dir)
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;

/// `cfg` with its session name replaced by `session`, when given.
pub fn with_session(mut cfg: Config, session: &Option<String>) -> Result<Config> {
    if let Some(name) = session {
        if !valid_name(name) {
            return Err(crate::error::Error::usage(format!(
                "invalid session name {name:?} (--session / TASKMUX_SESSION): use only letters, digits, '_' and '-'"
            )));
        }
        cfg.name = name.clone();
    }
    Ok(cfg)
}

/// The directory's name turned into a valid session name.
pub fn sanitize_name(raw: &str) -> String {
    let mut s = String::new();
    for c in raw.trim().chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            c
        } else {
            '-'
        };
        if c == '-' && s.ends_with('-') {
            continue;
        }
        s.push(c);
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        super::model::DEFAULT_SESSION.to_string()
    } else {
        s
    }
}
