//! The validated configuration: what `taskmux.toml` means once loaded.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Default session name when the file gives none.
pub const DEFAULT_SESSION: &str = "taskmux";
pub const DEFAULT_HEALTH_INTERVAL: Duration = Duration::from_secs(10);
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_HEALTH_RETRIES: u32 = 3;
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(5);
pub const DEFAULT_MAX_RESTARTS: u32 = 5;
pub const DEFAULT_RESTART_BACKOFF: f64 = 2.0;
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_LOG_MAX_SIZE: u64 = 10 * 1024 * 1024;
pub const DEFAULT_LOG_MAX_FILES: u32 = 3;

/// A whole session's configuration, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// tmux session name (`[A-Za-z0-9_-]+`).
    pub name: String,
    /// Global toggle: when false, `start` creates the session and launches nothing.
    pub auto_start: bool,
    /// Session-wide lifecycle hooks.
    pub hooks: Hooks,
    /// Tasks in the order the file lists them.
    pub tasks: Vec<TaskConfig>,
    /// Supervision strategy of the daemon.
    pub strategy: Strategy,
    /// Extra WebSocket Origins the daemon accepts.
    pub allowed_origins: Vec<String>,
    /// `daemon = true`: `start` also starts the session's daemon in the background
    /// when none runs. `daemon = false`: not even the MCP server's `start` does
    /// (which does by default). None: not set.
    pub daemon: Option<bool>,
    /// Shell that runs commands and hooks (default: `$SHELL`, else /bin/sh).
    pub shell: Option<String>,
    /// Timeout for each hook.
    pub hook_timeout: Duration,
    /// Session-wide log rotation defaults.
    pub log_max_size: u64,
    pub log_max_files: u32,
    /// Absolute path of the config file.
    pub path: PathBuf,
    /// Directory of the config file (base for relative paths).
    pub dir: PathBuf,
}

/// The four lifecycle hooks (global or per task).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hooks {
    pub before_start: Option<String>,
    pub after_start: Option<String>,
    pub before_stop: Option<String>,
    pub after_stop: Option<String>,
}

/// When the daemon restarts a task that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    /// Never restart.
    No,
    /// Restart after a non-zero exit, a signal, or `health_retries` failed probes.
    #[default]
    OnFailure,
    /// Restart after any exit.
    Always,
}

impl RestartPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::OnFailure => "on-failure",
            RestartPolicy::Always => "always",
        }
    }
}

/// What a task is: a service that keeps running, or a job that runs to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunMode {
    /// `run = "service"` (the default): it should keep running.
    #[default]
    Service,
    /// `run = "once"`: a job. It runs to completion; its dependents start when it
    /// exits 0 and are skipped when it fails; exit 0 is never restarted.
    Once,
}

impl RunMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::Service => "service",
            RunMode::Once => "once",
        }
    }
}

/// How long `start` waits for a job with dependents to complete.
pub const DEFAULT_JOB_DEADLINE: Duration = Duration::from_secs(600);

/// Erlang/OTP-style supervision strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Restart only the task that failed.
    #[default]
    OneForOne,
    /// Also restart, after it is healthy again, every task that depends on it.
    RestForOne,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::OneForOne => "one_for_one",
            Strategy::RestForOne => "rest_for_one",
        }
    }
}

/// An HTTP health probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthUrl {
    /// `http://host:port/path`.
    pub url: String,
    /// Expected status; `None` accepts any 2xx or 3xx.
    pub expect_status: Option<u16>,
    /// The body must contain this text.
    pub expect_body: Option<String>,
    /// The body must match this regular expression (already checked to compile).
    pub expect_body_regex: Option<String>,
}

/// One task, validated, with defaults filled in and paths resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskConfig {
    pub name: String,
    pub command: String,
    pub auto_start: bool,
    /// Working directory, absolute (relative values resolved against the config dir).
    pub cwd: PathBuf,
    /// The `cwd` exactly as written, if any.
    pub cwd_raw: Option<String>,
    /// The fixed port (None for `port = "auto"` until a launch picks one).
    pub port: Option<u16>,
    /// `port = "auto"`: a free port is picked at each start (the last one again
    /// while it is free), exported as PORT and kept in the window (`@taskmux-port`).
    pub port_auto: bool,
    pub health_check: Option<String>,
    pub health_url: Option<HealthUrl>,
    /// `ready_log`: healthy once a line of the current run matches (then the
    /// other probe, if any, keeps checking).
    pub ready_log: Option<String>,
    pub health_interval: Duration,
    pub health_timeout: Duration,
    /// True when the config wrote `health_timeout` (else it is the default).
    pub health_timeout_written: bool,
    pub health_retries: u32,
    pub stop_grace_period: Duration,
    pub max_restarts: u32,
    pub restart_backoff: f64,
    pub restart_policy: RestartPolicy,
    /// `run`: a service (default) or a job (`once`).
    pub run: RunMode,
    pub depends_on: Vec<String>,
    pub hooks: Hooks,
    /// Extra environment: `env_file` entries overridden by `env` entries (PORT not included).
    pub env: BTreeMap<String, String>,
    /// The env_file path, absolute, if any.
    pub env_file: Option<PathBuf>,
    /// Log rotation for this task (task value, else the session's).
    pub log_max_size: u64,
    pub log_max_files: u32,
}

impl Config {
    /// The task called `name`.
    pub fn task(&self, name: &str) -> Option<&TaskConfig> {
        self.tasks.iter().find(|t| t.name == name)
    }

    /// All task names in file order.
    pub fn task_names(&self) -> Vec<&str> {
        self.tasks.iter().map(|t| t.name.as_str()).collect()
    }

    /// Every name is a task of this config; else the first that is not, with a
    /// did-you-mean.
    pub fn check_names(&self, names: &[String]) -> crate::error::Result<()> {
        match names.iter().find(|n| self.task(n).is_none()) {
            Some(name) => Err(crate::error::Error::unknown_task(name, &self.task_names())),
            None => Ok(()),
        }
    }
}

/// The ports tasks have now, by task name (fixed ones and the auto ports their
/// windows hold).
pub type Ports = BTreeMap<String, u16>;

/// How a task's health is probed: the one place that decides it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    /// `ready_log`: a line of the current run matches (then the probe below).
    Log,
    /// `health_url`: an HTTP GET (wins over the others).
    Http,
    /// `health_check`: a shell command.
    Shell,
    /// `port` alone: a TCP connect.
    Tcp,
    /// None of them: the task is healthy while its process is alive.
    Process,
}

impl TaskConfig {
    /// How this task is probed (`health_url`, else `health_check`, else `port`).
    pub fn probe_kind(&self) -> ProbeKind {
        if self.ready_log.is_some() {
            ProbeKind::Log
        } else if self.health_url.is_some() {
            ProbeKind::Http
        } else if self.health_check.is_some() {
            ProbeKind::Shell
        } else if self.port.is_some() || self.port_auto {
            ProbeKind::Tcp
        } else {
            ProbeKind::Process
        }
    }

    /// True when something beyond "the process is alive" says whether it is healthy.
    pub fn has_probe(&self) -> bool {
        self.probe_kind() != ProbeKind::Process
    }

    /// A task with every default, for tests and for `add`.
    pub fn with_defaults(name: &str, command: &str, dir: &std::path::Path) -> Self {
        TaskConfig {
            name: name.to_string(),
            command: command.to_string(),
            auto_start: true,
            cwd: dir.to_path_buf(),
            cwd_raw: None,
            port: None,
            port_auto: false,
            health_check: None,
            health_url: None,
            ready_log: None,
            health_interval: DEFAULT_HEALTH_INTERVAL,
            health_timeout: DEFAULT_HEALTH_TIMEOUT,
            health_timeout_written: false,
            health_retries: DEFAULT_HEALTH_RETRIES,
            stop_grace_period: DEFAULT_STOP_GRACE,
            max_restarts: DEFAULT_MAX_RESTARTS,
            restart_backoff: DEFAULT_RESTART_BACKOFF,
            restart_policy: RestartPolicy::OnFailure,
            run: RunMode::Service,
            depends_on: Vec::new(),
            hooks: Hooks::default(),
            env: BTreeMap::new(),
            env_file: None,
            log_max_size: DEFAULT_LOG_MAX_SIZE,
            log_max_files: DEFAULT_LOG_MAX_FILES,
        }
    }

    /// True when a launch must look up ports: its own is `auto`, or its texts
    /// refer to another task's auto port (`${tasks.api.port}`; references to
    /// fixed ports were replaced at load).
    pub fn needs_ports(&self) -> bool {
        self.port_auto || self.texts().any(|t| t.contains(super::port_refs::OPEN))
    }

    /// True while a port this task needs is not filled in: its own auto port, or
    /// a `${tasks.NAME.port}` in its texts.
    pub fn ports_unresolved(&self) -> bool {
        (self.port_auto && self.port.is_none())
            || self.texts().any(|t| t.contains(super::port_refs::OPEN))
    }

    /// The tasks whose ports this task's texts still name (`${tasks.NAME.port}`
    /// left after load, or after [`resolved`](Self::resolved)), each once.
    pub fn port_references(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.texts().flat_map(|t| super::port_refs::find(t)) {
            if let super::port_refs::Reference::Port { task, .. } = r {
                if !out.contains(&task) {
                    out.push(task);
                }
            }
        }
        out
    }

    /// The texts that may hold `${tasks.NAME.port}`: command, env values,
    /// health_check, health_url.
    pub fn texts(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.command)
            .chain(self.env.values())
            .chain(self.health_check.iter())
            .chain(self.health_url.iter().map(|h| &h.url))
    }

    /// This task as one run of it sees itself: its own auto port and every
    /// `${tasks.NAME.port}` taken from `ports` (the ports the session's tasks
    /// have now). A reference `ports` cannot answer is left as written.
    pub fn resolved(&self, ports: &Ports) -> TaskConfig {
        let mut t = self.clone();
        if t.port_auto {
            t.port = ports.get(&t.name).copied().or(t.port);
        }
        let sub = |s: &mut String| {
            if s.contains(super::port_refs::OPEN) {
                *s = super::port_refs::substitute(s, |task| ports.get(task).copied());
            }
        };
        sub(&mut t.command);
        t.env.values_mut().for_each(sub);
        if let Some(h) = t.health_check.as_mut() {
            sub(h);
        }
        if let Some(h) = t.health_url.as_mut() {
            sub(&mut h.url);
        }
        t
    }

    /// True for a job (`run = "once"`).
    pub fn is_job(&self) -> bool {
        self.run == RunMode::Once
    }

    /// How long `start` waits for this task to become healthy (a job: to complete)
    /// before giving up on its dependents: `health_retries × health_interval`, for
    /// a job 10 minutes.
    pub fn ready_deadline(&self) -> Duration {
        if self.is_job() {
            return DEFAULT_JOB_DEADLINE;
        }
        self.health_interval * self.health_retries.max(1)
    }
}
