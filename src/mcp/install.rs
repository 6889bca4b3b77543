//! `taskmux mcp install`: register `taskmux mcp` in each coding agent's own MCP
//! config file, project or user scope. Every other byte of those files is kept
//! (JSON: only the `taskmux` member is written, see json_edit.rs; TOML:
//! toml_edit). Idempotent: an entry that is already right is left alone.

use super::json_edit;
use crate::cli::{McpClient, McpScope};
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// What one client's file got.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub client: &'static str,
    pub file: String,
    /// created | added | updated | unchanged
    pub action: &'static str,
    /// The file's text after the change (what --dry-run would write).
    #[serde(skip)]
    pub text: String,
}

/// One client's MCP config file format.
#[derive(Debug, Clone, Copy)]
enum Format {
    /// `{"<container>": {"taskmux": {"command", "args"}}}`.
    McpServers(&'static str),
    /// OpenCode: `{"mcp": {"taskmux": {"type": "local", "command": [...]}}}`.
    OpenCode,
    /// Codex: `[mcp_servers.taskmux]` in TOML.
    CodexToml,
}

struct Target {
    client: &'static str,
    /// Relative to the project (project scope) or HOME (user scope).
    project: &'static str,
    user: &'static str,
    format: Format,
    /// Signs in a project that the agent is used there.
    signs: &'static [&'static str],
    binary: &'static str,
}

const TARGETS: &[Target] = &[
    Target {
        client: "claude",
        project: ".mcp.json",
        user: ".claude.json",
        format: Format::McpServers("mcpServers"),
        signs: &[".mcp.json", ".claude", "CLAUDE.md"],
        binary: "claude",
    },
    Target {
        client: "codex",
        project: ".codex/config.toml",
        user: ".codex/config.toml",
        format: Format::CodexToml,
        signs: &[".codex"],
        binary: "codex",
    },
    Target {
        client: "cursor",
        project: ".cursor/mcp.json",
        user: ".cursor/mcp.json",
        format: Format::McpServers("mcpServers"),
        signs: &[".cursor", ".cursorrules"],
        binary: "cursor-agent",
    },
    Target {
        client: "opencode",
        project: "opencode.json",
        user: ".config/opencode/opencode.json",
        format: Format::OpenCode,
        signs: &["opencode.json", "opencode.jsonc", ".opencode"],
        binary: "opencode",
    },
    Target {
        client: "gemini",
        project: ".gemini/settings.json",
        user: ".gemini/settings.json",
        format: Format::McpServers("mcpServers"),
        signs: &[".gemini", "GEMINI.md"],
        binary: "gemini",
    },
];

fn name_of(c: McpClient) -> Option<&'static str> {
    Some(match c {
        McpClient::Claude => "claude",
        McpClient::Codex => "codex",
        McpClient::Cursor => "cursor",
        McpClient::Opencode => "opencode",
        McpClient::Gemini => "gemini",
        McpClient::All => return None,
    })
}

/// The clients to install for: the one asked, all, or those detected in
/// `project` or on PATH (none detected: claude).
fn chosen(client: Option<McpClient>, project: &Path) -> Vec<&'static Target> {
    match client {
        Some(McpClient::All) => TARGETS.iter().collect(),
        Some(c) => TARGETS
            .iter()
            .filter(|t| Some(t.client) == name_of(c))
            .collect(),
        None => {
            let found: Vec<&Target> = TARGETS
                .iter()
                .filter(|t| {
                    t.signs.iter().any(|s| project.join(s).exists())
                        || crate::agents::find_on_path(t.binary).is_some()
                })
                .collect();
            if found.is_empty() {
                TARGETS.iter().take(1).collect()
            } else {
                found
            }
        }
    }
}

/// How agents start the server: `taskmux` when that is this binary on PATH,
/// else this binary's full path.
pub fn server_command() -> String {
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let on_path = crate::agents::find_on_path("taskmux").and_then(|p| p.canonicalize().ok());
    match (me, on_path) {
        (Some(me), Some(found)) if me == found => "taskmux".into(),
        (Some(me), _) => me.to_string_lossy().into_owned(),
        _ => "taskmux".into(),
    }
}

/// Plan (and unless `dry_run`, write) the registration for each chosen client.
pub fn install(
    client: Option<McpClient>,
    scope: McpScope,
    project: &Path,
    home: &Path,
    dry_run: bool,
) -> Result<Vec<Change>> {
    let command = server_command();
    let mut out = Vec::new();
    for t in chosen(client, project) {
        let path = match scope {
            McpScope::Project => project.join(t.project),
            McpScope::User => home.join(t.user),
        };
        let before = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(path.display(), e)),
        };
        let (text, action) = edit(t.format, before.as_deref(), &command)
            .map_err(|e| Error::new(e.code, format!("{}: {}", path.display(), e.message)))?;
        if !dry_run && action != "unchanged" {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
            }
            crate::config::edit::write_atomic(&path, &text)?;
        }
        out.push(Change {
            client: t.client,
            file: path.to_string_lossy().into_owned(),
            action,
            text,
        });
    }
    Ok(out)
}

/// The entry a client's file gets.
fn entry(format: Format, command: &str) -> Value {
    match format {
        Format::McpServers(_) | Format::CodexToml => json!({"command": command, "args": ["mcp"]}),
        Format::OpenCode => json!({"type": "local", "command": [command, "mcp"], "enabled": true}),
    }
}

/// The new text of one file and what changed.
fn edit(format: Format, before: Option<&str>, command: &str) -> Result<(String, &'static str)> {
    let want = entry(format, command);
    if let Format::CodexToml = format {
        return edit_toml(before, &want);
    }
    let container = match format {
        Format::McpServers(c) => c,
        _ => "mcp",
    };
    let Some(text) = before.filter(|t| !t.trim().is_empty()) else {
        let mut doc = serde_json::Map::new();
        if let Format::OpenCode = format {
            doc.insert("$schema".into(), json!("https://opencode.ai/config.json"));
        }
        doc.insert(container.into(), json!({"taskmux": want}));
        let text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default() + "\n";
        return Ok((text, "created"));
    };
    let parsed: Value = serde_json::from_str(&json_edit::without_comments(text)).map_err(|e| {
        Error::config(format!(
            "not valid JSON ({e}); fix it or move it aside first"
        ))
    })?;
    let root = json_edit::root(text)?;
    let (members, _) = json_edit::members(text, root)?;
    match members.iter().find(|(k, _)| k == container) {
        None => Ok((
            json_edit::set_member(text, root, container, &json!({"taskmux": want}))?,
            "added",
        )),
        Some((_, m)) => {
            if !parsed[container].is_object() {
                return Err(Error::config(format!("\"{container}\" is not an object")));
            }
            match parsed[container].get("taskmux") {
                Some(v) if *v == want => Ok((text.to_string(), "unchanged")),
                existing => {
                    let action = if existing.is_some() {
                        "updated"
                    } else {
                        "added"
                    };
                    Ok((
                        json_edit::set_member(text, m.value_start, "taskmux", &want)?,
                        action,
                    ))
                }
            }
        }
    }
}

/// Codex's `[mcp_servers.taskmux]`.
fn edit_toml(before: Option<&str>, want: &Value) -> Result<(String, &'static str)> {
    use toml_edit::{value, Array, DocumentMut, Item, Table};
    let text = before.unwrap_or("");
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| Error::config(format!("not valid TOML: {e}")))?;
    let command = want["command"].as_str().unwrap_or("taskmux");
    let existing = doc.get("mcp_servers").and_then(|s| s.get("taskmux"));
    let same = existing.is_some_and(|t| {
        t.get("command").and_then(|c| c.as_str()) == Some(command)
            && t.get("args")
                .and_then(|a| a.as_array())
                .is_some_and(|a| a.iter().map(|v| v.as_str()).eq([Some("mcp")]))
    });
    if same {
        return Ok((text.to_string(), "unchanged"));
    }
    let action = match (before.is_some(), existing.is_some()) {
        (false, _) => "created",
        (true, true) => "updated",
        (true, false) => "added",
    };
    let servers = doc.entry("mcp_servers").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let servers = servers
        .as_table_like_mut()
        .ok_or_else(|| Error::config("mcp_servers is not a table"))?;
    if servers.get("taskmux").is_none() {
        servers.insert("taskmux", Item::Table(Table::new()));
    }
    let entry = servers
        .get_mut("taskmux")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| Error::config("mcp_servers.taskmux is not a table"))?;
    entry.insert("command", value(command));
    let mut args = Array::new();
    args.push("mcp");
    entry.insert("args", value(args));
    Ok((doc.to_string(), action))
}

/// The project directory `install` works in: the config's, else the cwd.
pub fn project_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Ok(path) = crate::config::find_config(explicit) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            return Ok(dir.to_path_buf());
        }
    }
    std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))
}

#[cfg(test)]
#[path = "install_tests.rs"]
mod tests;
