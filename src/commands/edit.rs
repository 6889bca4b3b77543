//! add and remove: comment-preserving edits of taskmux.toml.

use crate::cli::AddArgs;
use crate::config::{self, edit};
use crate::error::Result;
use crate::output::emit;
use serde_json::json;
use std::path::Path;

pub fn add(explicit: Option<&Path>, a: AddArgs, json_mode: bool) -> Result<i32> {
    let (path, created) = config_or_new(explicit)?;
    let task = edit::NewTask {
        name: a.task.clone(),
        command: a.command.clone(),
        cwd: a.cwd,
        port: a.port,
        health_check: a.health_check,
        health_url: a.health_url,
        depends_on: a.depends_on,
        auto_start: !a.no_auto_start,
    };
    edit::add_task(&path, &task, a.force)?;
    crate::agents::refresh_after_edit(&path);
    let report =
        json!({ "task": a.task, "command": a.command, "config": path, "created_config": created });
    emit(json_mode, true, &report, || {
        if created {
            format!("created {} with task '{}'", path.display(), a.task)
        } else {
            format!("added task '{}' to {}", a.task, path.display())
        }
    });
    Ok(0)
}

/// The config to edit; when there is none, a new minimal taskmux.toml (named after
/// its directory) is created, so `taskmux add` works before `taskmux init`.
fn config_or_new(explicit: Option<&Path>) -> Result<(std::path::PathBuf, bool)> {
    match config::find_config(explicit) {
        Ok(path) => Ok((path, false)),
        Err(e) if e.code == crate::error::ErrorCode::NoConfig => {
            let path = match explicit {
                Some(p) => p.to_path_buf(),
                None => std::env::current_dir()
                    .map_err(|e| crate::error::Error::io("reading the current directory", e))?
                    .join(config::load::CONFIG_FILE),
            };
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            let dir_name = dir
                .and_then(|d| std::fs::canonicalize(d).ok())
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "taskmux".into());
            let name = crate::config::load::sanitize_name(&dir_name);
            let text = format!(
                "# taskmux configuration (created by `taskmux add`). Every key: `taskmux help config`.\nname = \"{name}\"\n"
            );
            config::edit::write_atomic(&path, &text)?;
            Ok((path, true))
        }
        Err(e) => Err(e),
    }
}

pub fn remove(
    explicit: Option<&Path>,
    session: &Option<String>,
    name: String,
    json_mode: bool,
) -> Result<i32> {
    let path = config::find_config(explicit)?;
    let cfg = super::with_session(config::load(&path)?, session)?;
    cfg.check_names(std::slice::from_ref(&name))?;
    crate::config::graph::check_removable(&cfg, &name)?;
    let snap_running = {
        let report = super::runtime::ask(&cfg, crate::supervisor::status::GetStatus)?;
        report.tasks.iter().any(|t| t.name == name && t.running)
    };
    if snap_running {
        // Quietly stop it first; its window goes with the task.
        let code = lifecycle_stop_quiet(&cfg, &name)?;
        if code != 0 {
            return Ok(code);
        }
    }
    edit::remove_task(&path, &name)?;
    crate::agents::refresh_after_edit(&path);
    let report = json!({ "task": name, "config": path, "stopped": snap_running });
    emit(json_mode, true, &report, || {
        let mut s = format!("removed task '{name}' from {}", path.display());
        if snap_running {
            s = format!("stopped {name}\n{s}");
        }
        s
    });
    Ok(0)
}

fn lifecycle_stop_quiet(cfg: &config::Config, name: &str) -> Result<i32> {
    let report = super::runtime::ask(
        cfg,
        crate::supervisor::session::messages::StopTasks {
            names: vec![name.to_string()],
            end_session: false,
        },
    )?;
    if let Some(f) = report.failed.first() {
        return Err(crate::error::Error::failed(format!(
            "could not stop '{}' before removing it: {}",
            f.task, f.message
        )));
    }
    super::runtime::ask(
        cfg,
        crate::supervisor::session::messages::KillTask {
            name: name.to_string(),
        },
    )?;
    Ok(0)
}
