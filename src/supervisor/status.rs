//! Status and inspect: the state of every task, read from one tmux call.

use super::state::{self, TaskState};
use crate::config::Config;
use crate::error::Result;
use crate::timefmt;
use crate::tmux::SessionSnapshot;
use actix::Message;
use serde::Serialize;

/// The state of the session and every task.
#[derive(Message)]
#[rtype(result = "Result<StatusReport>")]
pub struct GetStatus;

/// One task's full state as JSON.
#[derive(Message)]
#[rtype(result = "Result<InspectReport>")]
pub struct Inspect {
    pub name: String,
}

/// The answer to `status`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct StatusReport {
    pub session: String,
    /// True when the tmux session exists.
    pub running: bool,
    pub config: String,
    pub tasks: Vec<StatusRow>,
}

/// One row of `status`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct StatusRow {
    pub name: String,
    /// running, healthy, unhealthy, stopped, exited (code N), skipped, failed …
    pub state: String,
    pub detail: TaskState,
    pub reason: Option<String>,
    pub running: bool,
    pub healthy: Option<bool>,
    pub pid: Option<u32>,
    pub port: Option<u16>,
    pub exit_code: Option<i32>,
    pub exit_signal: Option<i32>,
    pub started_at: Option<String>,
    pub uptime_seconds: Option<u64>,
    pub uptime: Option<String>,
    pub restarts: u32,
    pub run: u32,
    pub depends_on: Vec<String>,
    pub auto_start: bool,
    /// True for auto_start = false tasks (started by hand only).
    pub manual: bool,
    pub command: String,
    /// How health is probed: http, shell, tcp or process (alive).
    pub probe: crate::config::model::ProbeKind,
}

/// The answer to `inspect`: the original's fields plus ours.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct InspectReport {
    pub name: String,
    pub session: String,
    pub command: String,
    pub auto_start: bool,
    pub cwd: String,
    pub health_check: Option<String>,
    pub health_url: Option<String>,
    pub depends_on: Vec<String>,
    pub running: bool,
    pub healthy: bool,
    /// The task's process (not the wrapper shell), as a string like the original.
    pub pid: Option<String>,
    pub pane_pid: Option<String>,
    pub pane_current_command: Option<String>,
    pub pane_current_path: Option<String>,
    pub window_id: Option<String>,
    pub pane_id: Option<String>,
    pub state: String,
    pub detail: TaskState,
    pub reason: Option<String>,
    pub exit_code: Option<i32>,
    pub exit_signal: Option<i32>,
    pub started_at: Option<String>,
    pub uptime_seconds: Option<u64>,
    pub restart_policy: String,
    pub restarts: u32,
    pub run: u32,
    pub port: Option<u16>,
    pub last_health: Option<String>,
    pub log_file: String,
}

/// Build the status of every task from one snapshot.
/// A probe verdict older than this, with no supervisor to refresh it, is not
/// shown as current: two of the task's rounds, at least 2 s.
fn stale_after(t: &crate::config::TaskConfig) -> u64 {
    (t.health_interval.as_secs() * 2).max(2)
}

/// Build the status of every task from one snapshot; `supervised`: a resident
/// supervisor keeps the probe verdicts fresh.
pub fn build(cfg: &Config, snap: &SessionSnapshot, supervised: bool) -> StatusReport {
    let tasks = cfg
        .tasks
        .iter()
        .map(|t| {
            let mut st = state::of_task(t, snap);
            let pane = snap.pane(&t.name);
            let mut stale_note = None;
            if let (false, TaskState::Running { health }, Some(p)) = (supervised, &st, pane) {
                let age = timefmt::seconds_since(&p.health_at);
                if *health != state::Health::Unknown && age.is_none_or(|a| a >= stale_after(t)) {
                    let was = st.label();
                    stale_note = Some(match age {
                        Some(a) => format!("{was} {a}s ago, not checked since (no supervisor runs; taskmux health probes now)"),
                        None => format!("{was} at some point (no supervisor runs; taskmux health probes now)"),
                    });
                    st = TaskState::Running {
                        health: state::Health::Unknown,
                    };
                }
            }
            let running = st.is_running();
            let started_at = pane.filter(|_| running).map(|p| p.started_at.clone());
            let uptime_seconds = started_at.as_deref().and_then(timefmt::seconds_since);
            let (exit_code, exit_signal) = st.exit();
            StatusRow {
                name: t.name.clone(),
                state: st.label(),
                reason: stale_note.or_else(|| st.reason()),
                running,
                healthy: match &st {
                    TaskState::Running { health } => match health {
                        state::Health::Unknown => None,
                        state::Health::Healthy => Some(true),
                        state::Health::Unhealthy(_) => Some(false),
                    },
                    _ => None,
                },
                detail: st,
                pid: pane
                    .filter(|_| running)
                    .map(|p| p.pane_pid),
                port: t.port,
                exit_code,
                exit_signal,
                started_at,
                uptime: uptime_seconds.map(timefmt::compact_duration),
                uptime_seconds,
                restarts: pane.map_or(0, |p| p.restarts),
                run: pane.map_or(0, |p| p.run),
                depends_on: t.depends_on.clone(),
                auto_start: t.auto_start,
                manual: !t.auto_start,
                command: t.command.clone(),
                probe: t.probe_kind(),
            }
        })
        .collect();
    StatusReport {
        session: cfg.name.clone(),
        running: snap.exists,
        config: cfg.path.to_string_lossy().into_owned(),
        tasks,
    }
}

/// Inspect one (known) task.
pub fn inspect(cfg: &Config, snap: &SessionSnapshot, name: &str) -> InspectReport {
    let t = cfg.task(name).expect("caller checked the name");
    let st = state::of_task(t, snap);
    let pane = snap.pane(name);
    let running = st.is_running();
    let alive_pane = pane.filter(|_| running);
    let (exit_code, exit_signal) = st.exit();
    let started_at = pane.map(|p| p.started_at.clone()).filter(|s| !s.is_empty());
    InspectReport {
        name: t.name.clone(),
        session: cfg.name.clone(),
        command: t.command.clone(),
        auto_start: t.auto_start,
        cwd: t.cwd.to_string_lossy().into_owned(),
        health_check: t.health_check.clone(),
        health_url: t.health_url.as_ref().map(|h| h.url.clone()),
        depends_on: t.depends_on.clone(),
        running,
        healthy: matches!(
            st,
            TaskState::Running {
                health: state::Health::Healthy
            }
        ) || (running && !t.has_probe()),
        pid: alive_pane.map(|p| p.pane_pid.to_string()),
        pane_pid: alive_pane.map(|p| p.pane_pid.to_string()),
        pane_current_command: pane.map(|p| p.current_command.clone()),
        pane_current_path: pane.map(|p| p.current_path.clone()),
        window_id: pane.map(|p| p.window_id.clone()),
        pane_id: pane.map(|p| p.pane_id.clone()),
        state: st.label(),
        reason: st.reason(),
        detail: st,
        exit_code,
        exit_signal,
        uptime_seconds: if running {
            started_at.as_deref().and_then(timefmt::seconds_since)
        } else {
            None
        },
        started_at,
        restart_policy: t.restart_policy.as_str().to_string(),
        restarts: pane.map_or(0, |p| p.restarts),
        run: pane.map_or(0, |p| p.run),
        port: t.port,
        last_health: pane.map(|p| p.health.to_string()).filter(|h| !h.is_empty()),
        log_file: crate::paths::task_log(&cfg.name, name)
            .to_string_lossy()
            .into_owned(),
    }
}
