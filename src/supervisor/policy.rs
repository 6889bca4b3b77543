//! Restart policy decisions as pure functions: whether an exit calls for a restart,
//! the backoff delay, and how an exit is described.

use crate::config::RestartPolicy;
use std::time::Duration;

/// Longest backoff before a restart.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Healthy uptime after which the restart counter resets.
pub const RESET_AFTER: Duration = Duration::from_secs(60);

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

/// Whether `policy` restarts a task whose probes failed `health_retries` times in a row.
pub fn restarts_when_unhealthy(policy: RestartPolicy) -> bool {
    policy != RestartPolicy::No
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

    #[test]
    fn backoff_grows_and_caps() {
        let d: Vec<u64> = (0..8).map(|n| backoff_delay(2.0, n).as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff_delay(1.5, 1), Duration::from_millis(1500));
        assert_eq!(backoff_delay(10.0, 500), MAX_BACKOFF);
    }

    #[test]
    fn policies() {
        use RestartPolicy::*;
        assert!(!restarts_after_exit(No, Some(1), None));
        assert!(restarts_after_exit(OnFailure, Some(1), None));
        assert!(restarts_after_exit(OnFailure, None, Some(9)));
        assert!(!restarts_after_exit(OnFailure, Some(0), None));
        assert!(restarts_after_exit(Always, Some(0), None));
        assert!(exhausted(3, 3) && !exhausted(3, 2) && !exhausted(0, 99));
        assert_eq!(describe_exit(None, Some(9)), "killed by signal 9");
    }
}
