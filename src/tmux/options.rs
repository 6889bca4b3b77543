//! The window options taskmux shares between processes (`@taskmux-*`), as typed
//! values: one `Display` (what is written) and one `FromStr` (what is read) each.

use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// Window user options taskmux keeps on each task window; shared by every taskmux
/// process and surviving daemon restarts.
pub mod opt {
    /// Marks a window as a taskmux task; value is the task name.
    pub const TASK: &str = "@taskmux-task";
    /// What the user wants: a [`Desired`](super::Desired).
    pub const DESIRED: &str = "@taskmux-desired";
    /// RFC 3339 time the current run started.
    pub const STARTED_AT: &str = "@taskmux-started-at";
    /// How many automatic restarts the supervisor made.
    pub const RESTARTS: &str = "@taskmux-restarts";
    /// Run number (1 for the first start, +1 for every start or restart).
    pub const RUN: &str = "@taskmux-run";
    /// Last probe verdict: a [`HealthMark`](super::HealthMark).
    pub const HEALTH: &str = "@taskmux-health";
    /// RFC 3339 time of the last probe verdict written to `HEALTH`.
    pub const HEALTH_AT: &str = "@taskmux-health-at";
    /// Supervisor verdict beyond the pane state: a [`Verdict`](super::Verdict).
    pub const VERDICT: &str = "@taskmux-verdict";
    /// The port the current run was given (a fixed `port`, or the one picked for
    /// `port = "auto"`); empty when it has none.
    pub const PORT: &str = "@taskmux-port";
    /// RFC 3339 time (ms) a job's run ended, written by whoever saw the exit
    /// (tmux's own `pane_dead_time` has whole seconds only).
    pub const ENDED_AT: &str = "@taskmux-ended-at";
    /// Session option: the absolute path of the config the session belongs to.
    pub const CONFIG: &str = "@taskmux-config";
}

/// What the user wants of a task (a manual stop is never undone by a supervisor).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Desired {
    /// Started, and not stopped since (also: no option written yet).
    #[default]
    Running,
    /// Stopped or killed by hand.
    Stopped,
}

impl fmt::Display for Desired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Desired::Running => "running",
            Desired::Stopped => "stopped",
        })
    }
}

impl FromStr for Desired {
    type Err = ();
    /// `stopped` is a stop; anything else (running, empty) is not.
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(if s == "stopped" {
            Desired::Stopped
        } else {
            Desired::Running
        })
    }
}

/// The last probe verdict of the current run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HealthMark {
    /// No verdict for this run (written empty at launch).
    #[default]
    Unknown,
    Healthy,
    /// The probe's reason, `METHOD: DETAIL` (`http: HTTP 500`).
    Unhealthy(String),
}

impl fmt::Display for HealthMark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthMark::Unknown => Ok(()),
            HealthMark::Healthy => f.write_str("healthy"),
            HealthMark::Unhealthy(reason) => write!(f, "unhealthy: {reason}"),
        }
    }
}

impl FromStr for HealthMark {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "healthy" => HealthMark::Healthy,
            _ => match s.strip_prefix("unhealthy: ") {
                Some(reason) => HealthMark::Unhealthy(reason.to_string()),
                None => HealthMark::Unknown,
            },
        })
    }
}

/// What a supervisor decided beyond the pane's own state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Verdict {
    #[default]
    None,
    /// A restart is planned: attempt number, the whole delay, and when it is due.
    Backoff {
        attempt: u32,
        delay_ms: u64,
        until: DateTime<Utc>,
    },
    /// The supervisor gave up (max_restarts), and why.
    Failed(String),
    /// A restart for failing probes is held back: the dependency named is not
    /// healthy (the task is restarted once it is, if it still fails).
    Waiting(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::None => Ok(()),
            Verdict::Backoff {
                attempt,
                delay_ms,
                until,
            } => write!(
                f,
                "backoff: {attempt} {delay_ms} {}",
                until.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ),
            Verdict::Failed(reason) => write!(f, "failed: {reason}"),
            Verdict::Waiting(reason) => write!(f, "waiting: {reason}"),
        }
    }
}

impl FromStr for Verdict {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        if let Some(reason) = s.strip_prefix("failed: ") {
            return Ok(Verdict::Failed(reason.to_string()));
        }
        if let Some(reason) = s.strip_prefix("waiting: ") {
            return Ok(Verdict::Waiting(reason.to_string()));
        }
        let backoff = || -> Option<Verdict> {
            let mut parts = s.strip_prefix("backoff: ")?.split(' ');
            let attempt = parts.next()?.parse().ok()?;
            let delay_ms = parts.next()?.parse().ok()?;
            let until = DateTime::parse_from_rfc3339(parts.next()?).ok()?;
            Some(Verdict::Backoff {
                attempt,
                delay_ms,
                until: until.with_timezone(&Utc),
            })
        };
        Ok(backoff().unwrap_or(Verdict::None))
    }
}

impl Verdict {
    /// True when the supervisor gave up on the task.
    pub fn is_failed(&self) -> bool {
        matches!(self, Verdict::Failed(_))
    }
}

/// Read an option's value (options never fail to read: unknown text is the default).
pub fn read<T: FromStr + Default>(s: &str) -> T {
    s.parse().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        for d in [Desired::Running, Desired::Stopped] {
            assert_eq!(read::<Desired>(&d.to_string()), d);
        }
        for h in [
            HealthMark::Unknown,
            HealthMark::Healthy,
            HealthMark::Unhealthy("http: HTTP 500".into()),
        ] {
            assert_eq!(read::<HealthMark>(&h.to_string()), h);
        }
        let until = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
            .unwrap()
            .with_timezone(&Utc);
        for v in [
            Verdict::None,
            Verdict::Failed("exited with code 1; gave up after 3 restarts".into()),
            Verdict::Waiting("dependency 'db' was stopped by hand".into()),
            Verdict::Backoff {
                attempt: 2,
                delay_ms: 4000,
                until,
            },
        ] {
            assert_eq!(read::<Verdict>(&v.to_string()), v);
        }
        assert_eq!(read::<Desired>(""), Desired::Running);
        assert_eq!(read::<Verdict>("garbage"), Verdict::None);
    }
}
