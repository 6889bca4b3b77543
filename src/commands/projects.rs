//! projects (status --all): every taskmux session on the tmux server in one
//! call — name, config, tasks running/total, unhealthy, daemon URL.

use crate::daemon::record::DaemonRecord;
use crate::error::Result;
use crate::output::{cell, emit, table};
use crate::supervisor::state::{self, Health, TaskState};
use crate::tmux::Tmux;
use serde::Serialize;

/// One taskmux session.
#[derive(Debug, Serialize)]
struct Project {
    session: String,
    config: Option<String>,
    running: usize,
    tasks: usize,
    unhealthy: usize,
    /// The daemon's WebSocket and dashboard, when one runs.
    daemon: Option<String>,
    dashboard: Option<String>,
}

pub fn projects(json: bool) -> Result<i32> {
    let tmux = Tmux::from_env();
    let list = actix::System::new().block_on(async move {
        let names = tmux
            .try_run(&["list-sessions", "-F", "#{session_name}"])
            .await?
            .unwrap_or_default();
        let mut out = Vec::new();
        for name in names.lines().filter(|n| !n.is_empty()) {
            let snap = crate::tmux::panes::snapshot(&tmux, name).await?;
            // A taskmux session says which config it belongs to, or has task windows.
            if snap.config.is_none() && snap.panes.is_empty() {
                continue;
            }
            let states: Vec<TaskState> = snap
                .panes
                .values()
                .map(|p| state::from_pane(&state::as_it_is(p.clone())))
                .collect();
            let tasks = snap
                .config
                .as_deref()
                .and_then(|c| crate::config::load(std::path::Path::new(c)).ok())
                .map_or(states.len(), |c| c.tasks.len());
            let rec = DaemonRecord::running(name);
            out.push(Project {
                session: name.to_string(),
                config: snap.config.clone(),
                running: states.iter().filter(|s| s.is_running()).count(),
                tasks,
                unhealthy: states
                    .iter()
                    .filter(|s| {
                        matches!(
                            s,
                            TaskState::Running {
                                health: Health::Unhealthy(_)
                            }
                        )
                    })
                    .count(),
                daemon: rec
                    .as_ref()
                    .map(|r| format!("ws://{}:{}/", r.connect_host(), r.port)),
                dashboard: rec.map(|r| format!("http://{}:{}/ui", r.connect_host(), r.port)),
            });
        }
        Ok::<_, crate::error::Error>(out)
    })?;
    let report = serde_json::json!({ "projects": list });
    emit(json, true, &report, || {
        if list.is_empty() {
            return "no taskmux session runs on this tmux server".into();
        }
        let rows: Vec<_> = list
            .iter()
            .map(|p| {
                vec![
                    cell(&p.session),
                    cell(format!("{}/{}", p.running, p.tasks)),
                    cell(p.unhealthy.to_string()),
                    cell(p.dashboard.clone().unwrap_or_else(|| "-".into())),
                    cell(p.config.clone().unwrap_or_else(|| "-".into())),
                ]
            })
            .collect();
        table(
            &["SESSION", "RUNNING", "UNHEALTHY", "DASHBOARD", "CONFIG"],
            &rows,
        )
    });
    Ok(0)
}
