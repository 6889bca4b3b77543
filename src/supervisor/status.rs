//! Status and inspect: the state of every task, read from one tmux call.

use super::state::{self, TaskState};
use crate::config::Config;
use crate::error::Result;
use crate::timefmt;
use crate::tmux::SessionSnapshot;
use actix::Message;
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// The task's port: the configured one, or the one its run was given
    /// (`port = "auto"`; none while it does not run).
    pub port: Option<u16>,
    /// `port = "auto"`: a free port is picked at each start.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub port_auto: bool,
    /// The TCP ports the task's processes listen on now (read from /proc).
    #[serde(default)]
    pub listening: Vec<u16>,
    /// The task listens, but not on its configured port (a dev server that moved
    /// because the port was taken): what it listens on instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_drift: Option<String>,
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
    /// `port = "auto"`: a free port is picked at each start.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub port_auto: bool,
    /// The TCP ports the task's processes listen on now (read from /proc).
    #[serde(default)]
    pub listening: Vec<u16>,
    /// The task listens, but not on its configured port: what it listens on instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_drift: Option<String>,
    pub last_health: Option<String>,
    pub log_file: String,
}

/// The ports each running task's process tree listens on, by pane pid (the
/// tree's root): one read of the socket table for the whole session, on the
/// blocking pool.
pub type Listening = BTreeMap<u32, Vec<u16>>;

/// Read [`Listening`] for every live pane of `snap`.
pub async fn listening(snap: &SessionSnapshot) -> Listening {
    let roots: Vec<u32> = snap
        .panes
        .values()
        .filter(|p| !p.dead && p.pane_pid != 0)
        .map(|p| p.pane_pid)
        .collect();
    crate::error::off_thread(move || Ok(crate::process::listening_by_tree(&roots)))
        .await
        .unwrap_or_default()
}

/// The port a task has: the one its live run was given (`port = "auto"` picks one
/// per start), else the configured one.
fn effective_port(
    t: &crate::config::TaskConfig,
    live: Option<&crate::tmux::PaneInfo>,
) -> Option<u16> {
    live.and_then(|p| p.port).or(t.port)
}

/// "configured port 5173, listening on 5174" when the task listens, but not on
/// its port.
fn drift(port: Option<u16>, listening: &[u16]) -> Option<String> {
    let port = port?;
    if listening.is_empty() || listening.contains(&port) {
        return None;
    }
    let on: Vec<String> = listening.iter().map(u16::to_string).collect();
    Some(format!(
        "configured port {port}, listening on {} (was the port taken?)",
        on.join(", ")
    ))
}

/// A probe verdict older than this, with no supervisor to refresh it, is not
/// shown as current: two of the task's rounds, at least 2 s.
fn stale_after(t: &crate::config::TaskConfig) -> u64 {
    (t.health_interval.as_secs() * 2).max(2)
}

/// Build the status of every task from one snapshot; `supervised`: a resident
/// supervisor keeps the probe verdicts fresh.
pub fn build(
    cfg: &Config,
    snap: &SessionSnapshot,
    supervised: bool,
    listening: &Listening,
) -> StatusReport {
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
            // A supervisor holds a restart back for a dependency (only while one runs).
            if let (true, TaskState::Running { .. }, Some(p)) = (supervised, &st, pane) {
                if let crate::tmux::options::Verdict::Waiting(reason) = &p.verdict {
                    st = TaskState::Waiting {
                        reason: reason.clone(),
                    };
                }
            }
            let running = st.is_running();
            let started_at = pane.filter(|_| running).map(|p| p.started_at.clone());
            let uptime_seconds = started_at.as_deref().and_then(timefmt::seconds_since);
            let (exit_code, exit_signal) = st.exit();
            let ports = pane
                .filter(|_| running)
                .and_then(|p| listening.get(&p.pane_pid))
                .cloned()
                .unwrap_or_default();
            let port = effective_port(t, pane.filter(|_| running));
            let port_drift = drift(port, &ports);
            StatusRow {
                name: t.name.clone(),
                state: st.label(),
                reason: stale_note
                    .or_else(|| st.reason())
                    .or_else(|| port_drift.clone()),
                listening: ports,
                port_drift,
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
                port,
                port_auto: t.port_auto,
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
pub fn inspect(
    cfg: &Config,
    snap: &SessionSnapshot,
    name: &str,
    listening: &Listening,
) -> InspectReport {
    let t = cfg.task(name).expect("caller checked the name");
    let st = state::of_task(t, snap);
    let pane = snap.pane(name);
    let running = st.is_running();
    let alive_pane = pane.filter(|_| running);
    let (exit_code, exit_signal) = st.exit();
    let started_at = pane.map(|p| p.started_at.clone()).filter(|s| !s.is_empty());
    let ports = alive_pane
        .and_then(|p| listening.get(&p.pane_pid))
        .cloned()
        .unwrap_or_default();
    let port = effective_port(t, alive_pane);
    InspectReport {
        port_drift: drift(port, &ports),
        listening: ports,
        port_auto: t.port_auto,
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
        port,
        last_health: pane.map(|p| p.health.to_string()).filter(|h| !h.is_empty()),
        log_file: crate::paths::task_log(&cfg.name, name)
            .to_string_lossy()
            .into_owned(),
    }
}
