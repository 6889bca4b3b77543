//! Supervision decisions as pure functions: what a supervisor does when a task's
//! run ends or keeps failing its probe ([`decide`]), the backoff delay, and how an
//! exit is described. The TaskActor only carries decisions out.

use crate::config::{RestartPolicy, TaskConfig};
use crate::tmux::options::Desired;
use std::time::Duration;

/// Longest backoff before a restart.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Healthy uptime after which the restart counter resets.
pub const RESET_AFTER: Duration = Duration::from_secs(60);

/// The restart rules of one task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub policy: RestartPolicy,
    /// 0 = unlimited.
    pub max_restarts: u32,
    /// Backoff base: the n-th restart waits `backoff ^ n` seconds (at most 60).
    pub backoff: f64,
}

impl Rules {
    pub fn of(cfg: &TaskConfig) -> Self {
        Rules {
            policy: cfg.restart_policy,
            max_restarts: cfg.max_restarts,
            backoff: cfg.restart_backoff,
        }
    }
}

/// What the supervisor saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The run ended on its own.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// `health_retries` probes in a row failed.
    Unhealthy,
    /// A restart the supervisor had decided on could not launch.
    RestartFailed,
}

/// What the supervisor does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing: the policy does not restart, or the user stopped the task.
    Leave,
    /// Restart after `delay`; this is automatic restart number `attempt`.
    Restart { attempt: u32, delay: Duration },
    /// max_restarts is used up: leave the task down, visibly failed.
    GiveUp,
}

/// Decide, from the trigger, the automatic restarts made so far, the task's rules
/// and what the user wants.
pub fn decide(trigger: Trigger, restarts: u32, rules: &Rules, desired: Desired) -> Decision {
    if desired == Desired::Stopped {
        return Decision::Leave;
    }
    let wanted = match trigger {
        Trigger::Exited { code, signal } => restarts_after_exit(rules.policy, code, signal),
        Trigger::Unhealthy => rules.policy != RestartPolicy::No,
        Trigger::RestartFailed => true,
    };
    if !wanted {
        Decision::Leave
    } else if exhausted(rules.max_restarts, restarts) {
        Decision::GiveUp
    } else {
        Decision::Restart {
            attempt: restarts + 1,
            delay: backoff_delay(rules.backoff, restarts),
        }
    }
}

/// True when the process ended badly: a non-zero code, a signal, or no status at all.
pub fn is_failure(code: Option<i32>, signal: Option<i32>) -> bool {
    signal.is_some() || code != Some(0)
}

/// Whether `policy` restarts a task that exited with `code`/`signal`.
pub fn restarts_after_exit(policy: RestartPolicy, code: Option<i32>, signal: Option<i32>) -> bool {
    match policy {
        RestartPolicy::No => false,
        RestartPolicy::OnFailure => is_failure(code, signal),
        RestartPolicy::Always => true,
    }
}

/// Delay before restart number `n` (counting from 0): `min(backoff ^ n, 60) s`.
pub fn backoff_delay(backoff: f64, n: u32) -> Duration {
    let secs = backoff.max(1.0).powi(n.min(1000) as i32);
    if !secs.is_finite() || secs >= MAX_BACKOFF.as_secs_f64() {
        MAX_BACKOFF
    } else {
        Duration::from_secs_f64(secs)
    }
}

/// True once `restarts` automatic restarts used up `max_restarts` (0 = unlimited).
pub fn exhausted(max_restarts: u32, restarts: u32) -> bool {
    max_restarts > 0 && restarts >= max_restarts
}

/// "exited with code 1", "killed by signal 9", "the process ended" (no status).
pub fn describe_exit(code: Option<i32>, signal: Option<i32>) -> String {
    match (code, signal) {
        (_, Some(sig)) => format!("killed by signal {sig}"),
        (Some(code), None) => format!("exited with code {code}"),
        (None, None) => "the process ended".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use RestartPolicy::{Always, No, OnFailure};

    fn rules(policy: RestartPolicy, max_restarts: u32) -> Rules {
        Rules {
            policy,
            max_restarts,
            backoff: 2.0,
        }
    }

    const CLEAN: Trigger = Trigger::Exited {
        code: Some(0),
        signal: None,
    };
    const CRASH: Trigger = Trigger::Exited {
        code: Some(1),
        signal: None,
    };
    const KILLED: Trigger = Trigger::Exited {
        code: None,
        signal: Some(9),
    };
    const UNKNOWN: Trigger = Trigger::Exited {
        code: None,
        signal: None,
    };

    fn restart(attempt: u32, secs: u64) -> Decision {
        Restart {
            attempt,
            delay: Duration::from_secs(secs),
        }
    }

    /// Every policy × exit kind, with a fresh restart budget.
    #[test]
    fn policy_by_exit_kind() {
        let table = [
            (No, CLEAN, Leave),
            (No, CRASH, Leave),
            (No, KILLED, Leave),
            (No, UNKNOWN, Leave),
            (No, Trigger::Unhealthy, Leave),
            (OnFailure, CLEAN, Leave),
            (OnFailure, CRASH, restart(1, 1)),
            (OnFailure, KILLED, restart(1, 1)),
            (OnFailure, UNKNOWN, restart(1, 1)),
            (OnFailure, Trigger::Unhealthy, restart(1, 1)),
            (Always, CLEAN, restart(1, 1)),
            (Always, CRASH, restart(1, 1)),
            (Always, KILLED, restart(1, 1)),
            (Always, UNKNOWN, restart(1, 1)),
            (Always, Trigger::Unhealthy, restart(1, 1)),
        ];
        for (policy, trigger, want) in table {
            let got = decide(trigger, 0, &rules(policy, 5), Desired::Running);
            assert_eq!(got, want, "{policy:?} {trigger:?}");
        }
    }

    /// The backoff steps, and max_restarts (0 = unlimited) ending them.
    #[test]
    fn backoff_steps_and_max_restarts() {
        let table = [
            // (restarts so far, max_restarts, decision)
            (0, 3, restart(1, 1)),
            (1, 3, restart(2, 2)),
            (2, 3, restart(3, 4)),
            (3, 3, GiveUp),
            (4, 3, GiveUp),
            (0, 0, restart(1, 1)),
            (5, 0, restart(6, 32)),
            (6, 0, restart(7, 60)),
            (100, 0, restart(101, 60)),
            (0, 1, restart(1, 1)),
            (1, 1, GiveUp),
        ];
        for (restarts, max, want) in table {
            for trigger in [CRASH, KILLED, Trigger::Unhealthy] {
                let got = decide(trigger, restarts, &rules(Always, max), Desired::Running);
                assert_eq!(got, want, "restarts={restarts} max={max} {trigger:?}");
            }
        }
    }

    /// A stop by hand wins over every policy; a failed restart is retried under the
    /// same budget.
    #[test]
    fn manual_stop_and_failed_restarts() {
        for policy in [No, OnFailure, Always] {
            for trigger in [
                CLEAN,
                CRASH,
                KILLED,
                UNKNOWN,
                Trigger::Unhealthy,
                Trigger::RestartFailed,
            ] {
                let got = decide(trigger, 0, &rules(policy, 3), Desired::Stopped);
                assert_eq!(got, Leave, "{policy:?} {trigger:?}");
            }
        }
        let r = rules(OnFailure, 3);
        assert_eq!(
            decide(Trigger::RestartFailed, 1, &r, Desired::Running),
            restart(2, 2)
        );
        assert_eq!(
            decide(Trigger::RestartFailed, 3, &r, Desired::Running),
            GiveUp
        );
    }

    #[test]
    fn backoff_grows_and_caps() {
        let d: Vec<u64> = (0..8).map(|n| backoff_delay(2.0, n).as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff_delay(1.5, 1), Duration::from_millis(1500));
        assert_eq!(backoff_delay(10.0, 500), MAX_BACKOFF);
        assert_eq!(describe_exit(None, Some(9)), "killed by signal 9");
        assert_eq!(describe_exit(Some(2), None), "exited with code 2");
    }
}
