//! A task's life as its actor knows it: one enum whose variants carry what only
//! they need (the run's pid and probe state, the backoff's timer, the exit). Timers
//! belong to the variant that set them and are cancelled when the actor leaves it.

use crate::supervisor::state::{Health, TaskState};
use actix::SpawnHandle;
use std::time::{Duration, Instant};

/// The life of a task, as its actor tracks it.
#[derive(Debug)]
pub enum Life {
    /// No run tracked: never started here, or its window is gone.
    Idle,
    /// A launch is in flight: by request (`attempt` None) or automatic restart N.
    Launching { attempt: Option<u32> },
    /// A run is tracked.
    Running(Run),
    /// A stop escalation is in flight.
    Stopping,
    /// Stopped on purpose (by a user, or a stop request).
    Stopped,
    /// The run ended on its own and is not being restarted.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
        at: Instant,
    },
    /// Waiting out the restart backoff; `timer` fires the restart.
    Backoff {
        attempt: u32,
        delay: Duration,
        until: Instant,
        reason: String,
        timer: Option<SpawnHandle>,
    },
    /// The supervisor gave up after max_restarts.
    Failed { reason: String },
}

/// One tracked run of the task.
#[derive(Debug)]
pub struct Run {
    /// The pane's process (the identity of the run).
    pub pane_pid: u32,
    /// When the run was launched or adopted.
    pub since: Instant,
    pub health: Health,
    /// Since when the run has been healthy without interruption.
    pub healthy_since: Option<Instant>,
    /// Failed probes in a row.
    pub fail_streak: u32,
    /// A probe is in flight.
    pub probing: bool,
    /// The next probe.
    pub probe_timer: Option<SpawnHandle>,
    /// The watch on the pane process's exit (a pidfd).
    pub exit_watch: Option<SpawnHandle>,
    /// The pane process has ended (seen by the exit watch).
    pub ended: bool,
    /// This run is an automatic restart: tell the supervisor once it is healthy.
    pub recovering: bool,
    /// Since when tmux has shown the pane dead without an exit status yet.
    pub unsettled_since: Option<Instant>,
    /// Why a restart for failing probes is held back (a dependency is down).
    pub waiting_for: Option<String>,
    /// The ports this run was given and named (`port = "auto"`,
    /// `${tasks.NAME.port}`): what its probes use.
    pub ports: crate::config::Ports,
}

impl Run {
    /// A run that began just now.
    pub fn new(pane_pid: u32) -> Self {
        Run {
            pane_pid,
            since: Instant::now(),
            health: Health::Unknown,
            healthy_since: None,
            fail_streak: 0,
            probing: false,
            probe_timer: None,
            exit_watch: None,
            ended: false,
            recovering: false,
            unsettled_since: None,
            waiting_for: None,
            ports: Default::default(),
        }
    }

    /// Record a verdict; true when it is a transition worth an event
    /// (healthy ↔ unhealthy; unknown never is).
    pub fn note_health(&mut self, health: Health) -> bool {
        let changed = !matches!(
            (&self.health, &health),
            (Health::Healthy, Health::Healthy)
                | (Health::Unhealthy(_), Health::Unhealthy(_))
                | (_, Health::Unknown)
        );
        if health == Health::Healthy {
            self.healthy_since.get_or_insert_with(Instant::now);
        } else {
            self.healthy_since = None;
        }
        self.health = health;
        changed
    }

    /// Still starting: never healthy yet, no failure counted, within `deadline`.
    pub fn in_startup(&self, deadline: Duration) -> bool {
        self.healthy_since.is_none()
            && self.health != Health::Healthy
            && self.since.elapsed() < deadline
            && self.fail_streak == 0
    }
}

impl Life {
    /// The timers this state owns (cancelled when the actor leaves it).
    pub fn timers(&mut self) -> Vec<SpawnHandle> {
        match self {
            Life::Running(run) => [run.probe_timer.take(), run.exit_watch.take()]
                .into_iter()
                .flatten()
                .collect(),
            Life::Backoff { timer, .. } => timer.take().into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The run being tracked, if it is `pane_pid`'s.
    pub fn run_of(&mut self, pane_pid: u32) -> Option<&mut Run> {
        match self {
            Life::Running(run) if run.pane_pid == pane_pid => Some(run),
            _ => None,
        }
    }

    /// True while an action of this actor decides what happens next (a launch, a
    /// stop, a pending restart): observations of the pane wait.
    pub fn busy(&self) -> bool {
        matches!(
            self,
            Life::Launching { .. } | Life::Stopping | Life::Backoff { .. }
        )
    }

    /// The wire form (as `status` would show it).
    pub fn wire(&self) -> TaskState {
        match self {
            Life::Idle => TaskState::NotStarted,
            Life::Launching { .. } => TaskState::Starting,
            Life::Running(run) => TaskState::Running {
                health: run.health.clone(),
            },
            Life::Stopping => TaskState::Stopping,
            Life::Stopped => TaskState::Stopped,
            Life::Exited { code, signal, .. } => TaskState::Exited {
                code: *code,
                signal: *signal,
            },
            Life::Backoff { attempt, until, .. } => TaskState::Backoff {
                attempt: *attempt,
                delay_ms: until.saturating_duration_since(Instant::now()).as_millis() as u64,
            },
            Life::Failed { reason } => TaskState::Failed {
                reason: reason.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_transitions() {
        let mut run = Run::new(7);
        assert!(run.in_startup(Duration::from_secs(10)));
        assert!(!run.note_health(Health::Unknown));
        assert!(run.note_health(Health::Healthy));
        assert!(run.healthy_since.is_some());
        assert!(!run.in_startup(Duration::from_secs(10)));
        assert!(!run.note_health(Health::Healthy));
        assert!(run.note_health(Health::Unhealthy("http: HTTP 500".into())));
        assert!(!run.note_health(Health::Unhealthy("tcp: refused".into())));
        assert!(run.healthy_since.is_none());
        run.fail_streak = 1;
        assert!(!run.in_startup(Duration::from_secs(10)));
    }

    #[test]
    fn wire_forms() {
        let mut life = Life::Running(Run::new(3));
        assert_eq!(life.wire().label(), "running");
        assert!(life.run_of(3).is_some() && life.run_of(4).is_none());
        let exited = Life::Exited {
            code: Some(2),
            signal: None,
            at: Instant::now(),
        };
        assert_eq!(exited.wire().label(), "exited (code 2)");
        assert!(!exited.busy());
        let backoff = Life::Backoff {
            attempt: 2,
            delay: Duration::from_secs(4),
            until: Instant::now() + Duration::from_secs(4),
            reason: "exited with code 1".into(),
            timer: None,
        };
        assert!(backoff.busy());
        assert!(
            matches!(backoff.wire(), TaskState::Backoff { attempt: 2, delay_ms } if delay_ms > 3000)
        );
    }
}
