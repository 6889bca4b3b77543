//! Comment-preserving edits of taskmux.toml (add/remove tasks).
//!
//! Edits go through `toml_edit::DocumentMut`, so comments and formatting of
//! everything not touched survive. The new text is validated before it is
//! written, and written atomically (temp file in the same directory + rename).

use crate::config::load;
use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;
use toml_edit::{value, Array, DocumentMut, InlineTable, Item, Table};

/// A task to add, as given to `taskmux add`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub name: String,
    pub command: String,
    pub cwd: Option<String>,
    pub port: Option<u16>,
    pub health_check: Option<String>,
    pub health_url: Option<String>,
    pub depends_on: Vec<String>,
    pub auto_start: bool,
}

impl NewTask {
    /// A task with just a name and a command (auto-started).
    #[cfg(test)]
    pub fn new(name: &str, command: &str) -> Self {
        NewTask {
            name: name.to_string(),
            command: command.to_string(),
            cwd: None,
            port: None,
            health_check: None,
            health_url: None,
            depends_on: Vec::new(),
            auto_start: true,
        }
    }

    /// The task's table: only keys that differ from the defaults.
    fn to_table(&self) -> Table {
        let mut t = Table::new();
        t.insert("command", value(self.command.as_str()));
        if let Some(cwd) = &self.cwd {
            t.insert("cwd", value(cwd.as_str()));
        }
        if let Some(port) = self.port {
            t.insert("port", value(i64::from(port)));
        }
        if let Some(hc) = &self.health_check {
            t.insert("health_check", value(hc.as_str()));
        }
        if let Some(url) = &self.health_url {
            t.insert("health_url", value(url.as_str()));
        }
        if !self.depends_on.is_empty() {
            let arr: Array = self.depends_on.iter().map(String::as_str).collect();
            t.insert("depends_on", value(arr));
        }
        if !self.auto_start {
            t.insert("auto_start", value(false));
        }
        t
    }
}

/// Append `[tasks.NAME]` to the config at `path` (or, with `force`, replace an
/// existing task of that name in place). Nothing is written unless the edited
/// file still validates.
pub fn add_task(path: &Path, task: &NewTask, force: bool) -> Result<()> {
    load::check_task_name(&task.name)?;
    if task.command.trim().is_empty() {
        return Err(Error::usage("the task command must not be empty"));
    }
    let text = read(path)?;
    // The file as it is must load: then whatever the edited one gets wrong is
    // the new task's, and is said in its terms (positions in a file nobody has
    // seen would mislead).
    let before = load::parse(&text, path).map_err(|e| {
        Error::config(format!(
            "{} does not load, so nothing was added; fix it first:\n{}",
            path.display(),
            e.message
        ))
    })?;
    let mut doc = parse_doc(&text, path)?;
    let root = doc.as_table_mut();

    if !root.contains_key("tasks") {
        let mut tasks = Table::new();
        tasks.set_implicit(true);
        root.insert("tasks", Item::Table(tasks));
    }
    let tasks_item = root.get_mut("tasks").expect("just inserted");
    let mut new_table = task.to_table();
    match tasks_item {
        Item::Table(tasks) => {
            if let Some(existing) = tasks.get_mut(&task.name) {
                if !force {
                    return Err(exists(&task.name));
                }
                match existing {
                    Item::Table(old) => {
                        // Keep its place in the file and the comments above it.
                        if let Some(pos) = old.position() {
                            new_table.set_position(pos);
                        }
                        *new_table.decor_mut() = old.decor().clone();
                        // `tasks.web.command = ...` style stays dotted.
                        new_table.set_dotted(old.is_dotted());
                        *existing = Item::Table(new_table);
                    }
                    Item::Value(v) if v.is_inline_table() || v.is_str() => {
                        // `name = "cmd"` or `name = { ... }` in [tasks]: stay inline.
                        let mut inline: InlineTable = new_table.into_inline_table();
                        inline.fmt();
                        let decor = v.decor().clone();
                        *v = toml_edit::Value::InlineTable(inline);
                        *v.decor_mut() = decor;
                    }
                    _ => *existing = Item::Table(new_table),
                }
            } else if tasks.is_dotted() {
                // `tasks.x.command = ...` at the top level: keep the style.
                let mut inline = new_table.into_inline_table();
                inline.fmt();
                tasks.insert(&task.name, value(inline));
            } else {
                if !text.trim().is_empty() {
                    new_table.decor_mut().set_prefix("\n");
                }
                tasks.insert(&task.name, Item::Table(new_table));
            }
        }
        Item::Value(toml_edit::Value::InlineTable(tasks)) => {
            if tasks.contains_key(&task.name) && !force {
                return Err(exists(&task.name));
            }
            let mut inline = new_table.into_inline_table();
            inline.fmt();
            tasks.insert(&task.name, toml_edit::Value::InlineTable(inline));
        }
        _ => {
            return Err(Error::config(format!(
                "{}: 'tasks' is not a table; fix the file first",
                path.display()
            )))
        }
    }

    let new_text = ensure_trailing_newline(doc.to_string());
    let after = load::parse(&new_text, path).map_err(|e| {
        Error::config(format!(
            "task '{}' was not added: {}",
            task.name,
            without_positions(&e.message, path)
        ))
    })?;
    clashes(&before, &after, &task.name)?;
    write_atomic(path, &new_text)
}

/// A problem `load` allows but `check` reports, refused at once for a new task:
/// a port another task has.
fn clashes(
    before: &crate::config::Config,
    after: &crate::config::Config,
    name: &str,
) -> Result<()> {
    let Some(port) = after.task(name).and_then(|t| t.port) else {
        return Ok(());
    };
    match before.tasks.iter().find(|t| t.name != name && t.port == Some(port)) {
        Some(other) => Err(Error::config(format!(
            "task '{name}' was not added: port {port} is already the port of task '{}' (give it another --port, or none)",
            other.name
        ))),
        None => Ok(()),
    }
}

/// `message` without the `PATH:LINE:COL: ` of each problem (they point into the
/// edited text, which was not written).
fn without_positions(message: &str, path: &Path) -> String {
    let prefix = format!("{}:", path.display());
    let lines: Vec<String> = message
        .lines()
        .filter(|l| !l.ends_with(':') || !l.contains("problems in"))
        .map(|l| {
            let l = l.trim_start();
            match l.strip_prefix(&prefix) {
                // "LINE:COL: message"
                Some(rest) => rest
                    .splitn(3, ':')
                    .nth(2)
                    .unwrap_or(rest)
                    .trim_start()
                    .to_string(),
                None => l.to_string(),
            }
        })
        .collect();
    lines.join("; ")
}

/// Remove task `name` (its table, dotted keys or bare string, and its
/// subtables) from the config at `path`. Refuses if other tasks depend on it.
pub fn remove_task(path: &Path, name: &str) -> Result<()> {
    let text = read(path)?;
    let mut doc = parse_doc(&text, path)?;
    let root = doc.as_table_mut();
    let Some(tasks) = root.get_mut("tasks").and_then(Item::as_table_like_mut) else {
        return Err(Error::unknown_task(name, &[]));
    };
    let names: Vec<String> = tasks.iter().map(|(k, _)| k.to_string()).collect();
    if !tasks.contains_key(name) {
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        return Err(Error::unknown_task(name, &known));
    }
    let dependents: Vec<String> = tasks
        .iter()
        .filter(|(k, _)| *k != name)
        .filter(|(_, item)| {
            item.as_table_like()
                .and_then(|t| t.get("depends_on"))
                .and_then(Item::as_array)
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(name)))
        })
        .map(|(k, _)| k.to_string())
        .collect();
    if !dependents.is_empty() {
        let quoted: Vec<String> = dependents.iter().map(|d| format!("'{d}'")).collect();
        return Err(Error::new(
            crate::error::ErrorCode::HasDependents,
            format!(
                "cannot remove task '{name}': {} depend{} on it; remove {} or edit depends_on first",
                quoted.join(", "),
                if dependents.len() == 1 { "s" } else { "" },
                if dependents.len() == 1 { "it" } else { "them" },
            )));
    }
    tasks.remove(name);
    write_atomic(path, &ensure_trailing_newline(doc.to_string()))
}

fn exists(name: &str) -> Error {
    Error::new(
        crate::error::ErrorCode::TaskExists,
        format!("task '{name}' already exists; use --force to replace it"),
    )
}

fn read(path: &Path) -> Result<String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::new(
            crate::error::ErrorCode::NoConfig,
            format!(
                "config file {} not found; run `taskmux init` to create one",
                path.display()
            ),
        )),
        Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
    }
}

fn parse_doc(text: &str, path: &Path) -> Result<DocumentMut> {
    match text.parse::<DocumentMut>() {
        Ok(d) => Ok(d),
        // Let the loader produce its positioned message.
        Err(e) => Err(load::parse(text, path)
            .err()
            .unwrap_or_else(|| Error::config(format!("{}: invalid TOML: {e}", path.display())))),
    }
}

fn ensure_trailing_newline(mut s: String) -> String {
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Write `text` to `path` via a temp file in the same directory and a rename,
/// keeping the original file's permissions.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "taskmux.toml".into());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("cannot write {}", path.display()), e)
    })
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
