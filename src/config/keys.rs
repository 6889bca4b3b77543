//! The keys taskmux.toml may hold, where (unknown keys are errors with a did-you-mean).

/// Keys allowed at the top level.
pub const TOP_KEYS: &[&str] = &[
    "name",
    "auto_start",
    "strategy",
    "allowed_origins",
    "daemon",
    "shell",
    "hook_timeout",
    "log_max_size",
    "log_max_files",
    "hooks",
    "tasks",
];

/// Keys allowed in a task table.
pub const TASK_KEYS: &[&str] = &[
    "command",
    "auto_start",
    "cwd",
    "port",
    "health_check",
    "health_url",
    "health_expect_status",
    "health_expect_body",
    "health_expect_body_regex",
    "ready_log",
    "health_interval",
    "health_timeout",
    "health_retries",
    "stop_grace_period",
    "max_restarts",
    "restart_backoff",
    "restart_policy",
    "run",
    "depends_on",
    "hooks",
    "env",
    "env_file",
    "log_max_size",
    "log_max_files",
];

/// Keys allowed in a `hooks` table.
pub const HOOK_KEYS: &[&str] = &["before_start", "after_start", "before_stop", "after_stop"];
