//! One `list-panes` call reads the state of every task window of a session.

use super::client::{Tmux, THEN};
pub use super::options::opt;
use super::options::{read, Desired, HealthMark, Verdict};
use super::target;
use crate::error::Result;
use std::collections::BTreeMap;

/// Field separator inside the list-panes format (a character no path or name holds).
const SEP: char = '\x1f';

/// Session option prefix recording why a task was skipped (`@taskmux-skipped-TASK`).
pub const SKIPPED_PREFIX: &str = "@taskmux-skipped-";

/// One task window's pane, as tmux reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaneInfo {
    pub window_id: String,
    pub window_name: String,
    pub pane_id: String,
    pub pane_pid: u32,
    pub dead: bool,
    pub dead_status: Option<i32>,
    pub dead_signal: Option<i32>,
    pub current_command: String,
    pub current_path: String,
    pub task: String,
    pub desired: Desired,
    pub started_at: String,
    pub restarts: u32,
    pub run: u32,
    pub health: HealthMark,
    pub verdict: Verdict,
    /// When `health` was written (RFC 3339; empty when never).
    pub health_at: String,
    /// When tmux saw the pane die (Unix seconds).
    pub dead_time: Option<i64>,
    /// When the run ended, to the millisecond, if whoever saw it wrote it (RFC 3339).
    pub ended_at: String,
    /// The port the run was given (`@taskmux-port`).
    pub port: Option<u16>,
}

/// Everything `status` needs from tmux, read in one call.
#[derive(Debug, Clone, Default)]
pub struct SessionSnapshot {
    /// False when the session does not exist.
    pub exists: bool,
    /// Task windows by task name.
    pub panes: BTreeMap<String, PaneInfo>,
    /// Windows that are not taskmux tasks (placeholder, user windows).
    pub other_windows: Vec<PaneInfo>,
    /// Skipped tasks and why.
    pub skipped: BTreeMap<String, String>,
    /// The config the session belongs to (`@taskmux-config`; None for a session
    /// created by an older taskmux, or by hand).
    pub config: Option<String>,
}

impl SessionSnapshot {
    /// The pane of a task, if it has a window.
    pub fn pane(&self, task: &str) -> Option<&PaneInfo> {
        self.panes.get(task)
    }

    /// The ports the live runs were given, by task (for `${tasks.NAME.port}`).
    pub fn ports(&self) -> BTreeMap<String, u16> {
        self.panes
            .values()
            .filter(|p| !p.dead)
            .filter_map(|p| p.port.map(|port| (p.task.clone(), port)))
            .collect()
    }
}

fn format_string() -> String {
    let fields = [
        "#{window_id}",
        "#{window_name}",
        "#{pane_id}",
        "#{pane_pid}",
        "#{pane_dead}",
        "#{pane_dead_status}",
        "#{pane_dead_signal}",
        "#{pane_current_command}",
        "#{pane_current_path}",
        &format!("#{{{}}}", opt::TASK),
        &format!("#{{{}}}", opt::DESIRED),
        &format!("#{{{}}}", opt::STARTED_AT),
        &format!("#{{{}}}", opt::RESTARTS),
        &format!("#{{{}}}", opt::RUN),
        &format!("#{{{}}}", opt::HEALTH),
        &format!("#{{{}}}", opt::VERDICT),
        &format!("#{{{}}}", opt::HEALTH_AT),
        "#{pane_dead_time}",
        &format!("#{{{}}}", opt::ENDED_AT),
        &format!("#{{{}}}", opt::PORT),
    ];
    format!("P{SEP}{}", fields.join(&SEP.to_string()))
}

/// Read the whole session in one tmux call (list-panes plus the session's options).
pub async fn snapshot(tmux: &Tmux, session: &str) -> Result<SessionSnapshot> {
    let t = target::session(session);
    let out = tmux
        .try_run(&[
            "list-panes",
            "-s",
            "-t",
            &t,
            "-F",
            &format_string(),
            THEN,
            "show-options",
            "-t",
            &t,
        ])
        .await?;
    Ok(match out {
        Some(text) => parse(&text),
        None => SessionSnapshot::default(),
    })
}

/// Parse the output of [`snapshot`]'s call.
pub fn parse(text: &str) -> SessionSnapshot {
    let mut snap = SessionSnapshot {
        exists: true,
        ..Default::default()
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(&format!("P{SEP}")) {
            let pane = parse_pane(rest);
            if pane.task.is_empty() {
                snap.other_windows.push(pane);
            } else {
                snap.panes.insert(pane.task.clone(), pane);
            }
        } else if let Some(value) = line
            .strip_prefix(opt::CONFIG)
            .and_then(|rest| rest.strip_prefix(' '))
        {
            snap.config = Some(unquote(value));
        } else if let Some(rest) = line.strip_prefix(SKIPPED_PREFIX) {
            if let Some((task, value)) = rest.split_once(' ') {
                snap.skipped.insert(task.to_string(), unquote(value));
            }
        }
    }
    snap
}

fn parse_pane(rest: &str) -> PaneInfo {
    let f: Vec<&str> = rest.split(SEP).collect();
    let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<i32>().ok());
    PaneInfo {
        window_id: get(0),
        window_name: get(1),
        pane_id: get(2),
        pane_pid: get(3).parse().unwrap_or(0),
        dead: get(4) == "1",
        dead_status: num(5),
        dead_signal: num(6),
        current_command: get(7),
        current_path: get(8),
        task: get(9),
        desired: read(&get(10)),
        started_at: get(11),
        restarts: get(12).parse().unwrap_or(0),
        run: get(13).parse().unwrap_or(0),
        health: read(&get(14)),
        verdict: read(&get(15)),
        health_at: get(16),
        dead_time: f.get(17).and_then(|v| v.parse().ok()),
        ended_at: get(18),
        port: f.get(19).and_then(|v| v.parse().ok()),
    }
}

/// Undo tmux's quoting of an option value in `show-options` output.
fn unquote(value: &str) -> String {
    let v = value.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        v[1..v.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_panes_and_skipped() {
        let s = SEP;
        let text = format!(
            "P{s}@1{s}web{s}%1{s}123{s}1{s}3{s}{s}sh{s}/tmp{s}web{s}running{s}2026{s}2{s}4{s}healthy{s}\n\
             P{s}@0{s}_ph{s}%0{s}99{s}0{s}{s}{s}tail{s}/{s}{s}{s}{s}{s}{s}{s}\n\
             @taskmux-skipped-api \"dependency \\\"db\\\" never healthy\"\n"
        );
        let snap = parse(&text);
        let web = snap.pane("web").unwrap();
        assert!(web.dead);
        assert_eq!(web.dead_status, Some(3));
        assert_eq!(web.dead_signal, None);
        assert_eq!(web.restarts, 2);
        assert_eq!(web.run, 4);
        assert_eq!(snap.other_windows.len(), 1);
        assert_eq!(snap.skipped["api"], "dependency \"db\" never healthy");
    }
}
