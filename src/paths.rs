//! Where taskmux keeps its files: the state directory and the per-session layout.

use std::path::PathBuf;

/// Environment variable that overrides the state directory (tests use it).
pub const STATE_DIR_ENV: &str = "TASKMUX_STATE_DIR";

/// The root state directory: `$TASKMUX_STATE_DIR`, else `$XDG_STATE_HOME/taskmux`,
/// else `~/.local/state/taskmux`.
pub fn state_root() -> PathBuf {
    if let Some(dir) = non_empty_env(STATE_DIR_ENV) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = non_empty_env("XDG_STATE_HOME") {
        return PathBuf::from(dir).join("taskmux");
    }
    let home = non_empty_env("HOME").unwrap_or_else(|| "/tmp".into());
    PathBuf::from(home).join(".local/state/taskmux")
}

/// The directory of one session's files.
pub fn session_dir(session: &str) -> PathBuf {
    state_root().join(session)
}

/// The directory holding one session's task logs.
pub fn logs_dir(session: &str) -> PathBuf {
    session_dir(session).join("logs")
}

/// The log file of one task (the current, unrotated one).
pub fn task_log(session: &str, task: &str) -> PathBuf {
    logs_dir(session).join(format!("{task}.log"))
}

/// The JSON-lines events file of a session.
pub fn events_file(session: &str) -> PathBuf {
    session_dir(session).join("events.jsonl")
}

/// The daemon's runtime record (pid, port, token) of a session.
pub fn daemon_record(session: &str) -> PathBuf {
    session_dir(session).join("daemon.json")
}

/// The lock a resident supervisor (daemon or watch) of a session holds.
pub fn daemon_lock(session: &str) -> PathBuf {
    session_dir(session).join("daemon.lock")
}

/// The lock one mutating command of a session holds while it runs.
pub fn mutate_lock(session: &str) -> PathBuf {
    session_dir(session).join("mutate.lock")
}

fn non_empty_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}
