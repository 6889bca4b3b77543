//! Command-line definitions (clap) only.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// tmux-based task supervisor for development stacks, built for LLM coding agents.
#[derive(Debug, Parser)]
#[command(
    name = "taskmux",
    version,
    about,
    long_about = None,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Config file (default: taskmux.toml in the current directory or a parent).
    #[arg(
        long,
        short = 'c',
        global = true,
        value_name = "PATH",
        env = "TASKMUX_CONFIG"
    )]
    pub config: Option<PathBuf>,
    /// The tmux session to use instead of the config's `name` (a second copy of a
    /// project: a git worktree, another checkout).
    #[arg(long, global = true, value_name = "NAME", env = "TASKMUX_SESSION")]
    pub session: Option<String>,
    /// Print one JSON document (or JSON lines for streams) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start all auto_start tasks in dependency order, or the named tasks.
    Start(StartArgs),
    /// Stop tasks (C-c, then SIGTERM, then SIGKILL); no names = all, ending the session.
    Stop(TaskNames),
    /// Stop then start tasks again (no names = every running task plus the auto_start ones).
    Restart(RestartArgs),
    /// SIGKILL a task's process group and destroy its window.
    Kill(OneTask),
    /// Session state and one row per task (`--all`: every project, as `projects`).
    #[command(visible_aliases = ["list", "ls"])]
    Status(StatusArgs),
    /// Every taskmux session on the tmux server: tasks running/total, unhealthy,
    /// dashboard, config.
    Projects,
    /// One task's full state as JSON.
    Inspect(OneTask),
    /// Probe every task; exit 1 when a running task is unhealthy.
    Health,
    /// Add a task to taskmux.toml (keeps comments and layout).
    Add(AddArgs),
    /// Remove a task from taskmux.toml (stops it first if running).
    #[command(visible_alias = "rm")]
    Remove(OneTask),
    /// Show task logs: interleaved, tail, grep, since/until, follow; `--after
    /// CURSOR` for only what is new.
    Logs(crate::logs::LogsArgs),
    /// Why a task is not up (or restarted): cause, exits, probes, port, first
    /// error, last lines and the fix, in one answer (exit 1 unless healthy).
    Why(OneTask),
    /// Print a log cursor for now (no lines): `c=$(taskmux mark)`, edit, then
    /// `taskmux logs --after "$c"` shows only what the tasks printed since.
    Mark(TaskNames),
    /// Internal: the pipe-pane log sink of one task.
    #[command(name = "_log-sink", hide = true)]
    LogSink(crate::logs::SinkArgs),
    /// Internal: run a task's command with the environment kept for it.
    #[command(name = "_exec", hide = true)]
    Exec(crate::exec_env::ExecArgs),
    /// Internal: append a marker line to a task's log (used by tmux hooks).
    #[command(name = "_log-mark", hide = true)]
    LogMark(crate::logs::MarkArgs),
    /// Create taskmux.toml and write taskmux instructions for coding agents.
    Init(InitArgs),
    /// Validate taskmux.toml and lint it without starting anything (exit 1 on lint
    /// errors, 2 when the file does not load).
    Check,
    /// Block until tasks are healthy (exit 1 on timeout or when a task died).
    Wait(WaitArgs),
    /// Print the script that registers shell completion, task names included
    /// (bash, zsh, fish, elvish, powershell): `source <(taskmux completions bash)`.
    Completions(CompletionsArgs),
    /// Run the resident daemon (WebSocket API, supervision, config watch) in the
    /// foreground; or `daemon stop` / `daemon status`.
    Daemon(DaemonArgs),
    /// Supervise in the foreground: restarts, health timers, config reload; prints events.
    Watch,
    /// Show recorded events (from the supervisor's events file).
    Events(EventsArgs),
    /// The web dashboard's URL (starts the session's daemon when none runs) and
    /// open it in a browser where one is available.
    Dashboard(DashboardArgs),
    /// Serve MCP over stdio for coding agents (tools, resources, crash
    /// notifications); or `mcp install` to register it with your agents.
    Mcp(McpArgs),
    /// Help on a command (`taskmux help start`), or on taskmux.toml's keys
    /// (`taskmux help config`).
    Help(HelpArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Every taskmux session on the tmux server (as `taskmux projects`).
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Print the URL only; do not open a browser.
    #[arg(long)]
    pub no_open: bool,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    #[command(subcommand)]
    pub action: Option<McpAction>,
}

#[derive(Debug, Subcommand)]
pub enum McpAction {
    /// Register `taskmux mcp` in coding agents' config files (keeps everything else).
    Install(McpInstallArgs),
}

#[derive(Debug, Args)]
pub struct McpInstallArgs {
    /// Which agent (default: those whose files or programs are found; none found: claude).
    #[arg(long, value_enum)]
    pub client: Option<McpClient>,
    /// The project's files (default) or your user-wide ones.
    #[arg(long, value_enum, default_value = "project")]
    pub scope: McpScope,
    /// Show what would change and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// A coding agent `mcp install` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum McpClient {
    Claude,
    Codex,
    Cursor,
    Opencode,
    Gemini,
    All,
}

/// Whose config files `mcp install` edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum McpScope {
    Project,
    User,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Ask nothing; use the directory name as the session name.
    #[arg(long)]
    pub defaults: bool,
    /// Overwrite an existing taskmux.toml.
    #[arg(long)]
    pub force: bool,
    /// Only refresh the agent context blocks; leave taskmux.toml alone.
    #[arg(long, conflicts_with = "force")]
    pub agents_only: bool,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Tasks to wait for (none = every auto_start task).
    #[arg(add = crate::completion::task_names())]
    pub tasks: Vec<String>,
    /// Give up after this long (seconds, or like 500ms, 2m).
    #[arg(long, short = 't', default_value = "60s", value_name = "DURATION")]
    pub timeout: String,
    /// What to wait for: ready (healthy), port (listens on its port, or any port
    /// when it has none), log:REGEX (a line matches, in its current run or after
    /// --after), exit (it ends; says how).
    #[arg(long = "for", value_name = "CONDITION", default_value = "ready")]
    pub condition: String,
    /// With --for log:REGEX: only lines after this log cursor (taskmux mark).
    #[arg(long, value_name = "CURSOR")]
    pub after: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DaemonArgs {
    #[command(subcommand)]
    pub action: Option<DaemonAction>,
    /// Port of the HTTP + WebSocket API.
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Address to listen on (keep the loopback default unless you need remote access).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
}

#[derive(Debug, Subcommand)]
pub enum DaemonAction {
    /// Stop the running daemon of this session (tasks keep running).
    Stop,
    /// Whether a daemon runs for this session: pid, port, uptime.
    Status,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only events of this task.
    #[arg(long, add = crate::completion::task_names())]
    pub task: Option<String>,
    /// Only events since this time: 10m, 1h30m, 2026-01-01T14:00 (local), RFC 3339.
    #[arg(long)]
    pub since: Option<String>,
    /// Only the last N events (after the other filters).
    #[arg(short = 'n', long = "lines", value_name = "N")]
    pub lines: Option<usize>,
}

#[derive(Debug, Args)]
pub struct HelpArgs {
    /// `config` (every key of taskmux.toml), or a command (`daemon stop`).
    pub topic: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TaskNames {
    /// Task names (none = all).
    #[arg(add = crate::completion::task_names())]
    pub tasks: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Task names (none = all).
    #[arg(add = crate::completion::task_names())]
    pub tasks: Vec<String>,
    /// Also start the session's daemon in the background (loopback, a free port)
    /// when none runs, so crashes are restarted; `daemon = true` in the config does
    /// the same for every start.
    #[arg(long)]
    pub daemon: bool,
    #[command(flatten)]
    pub then: WaitFlags,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Task names (none = every running task plus the auto_start ones).
    #[arg(add = crate::completion::task_names())]
    pub tasks: Vec<String>,
    #[command(flatten)]
    pub then: WaitFlags,
}

/// `--wait [-t D]` of start and restart.
#[derive(Debug, Args)]
pub struct WaitFlags {
    /// Return once the tasks it started are healthy (as `taskmux wait`; exit 1
    /// with the reason when one cannot become healthy).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long.
    #[arg(
        long,
        short = 't',
        default_value = "60s",
        value_name = "DURATION",
        requires = "wait"
    )]
    pub timeout: String,
}

#[derive(Debug, Args)]
pub struct OneTask {
    /// Task name.
    #[arg(add = crate::completion::task_names())]
    pub task: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Task name ([A-Za-z0-9_-]).
    pub task: String,
    /// Shell command to run.
    pub command: String,
    /// Working directory (relative to the config file).
    #[arg(long)]
    pub cwd: Option<String>,
    /// Port the task listens on (freed before start, exported as PORT).
    #[arg(long)]
    pub port: Option<u16>,
    /// Shell command whose exit 0 means healthy.
    #[arg(long)]
    pub health_check: Option<String>,
    /// HTTP URL probed for health.
    #[arg(long)]
    pub health_url: Option<String>,
    /// Tasks that must be healthy first (repeat or comma-separate).
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub depends_on: Vec<String>,
    /// Do not start with `taskmux start`.
    #[arg(long)]
    pub no_auto_start: bool,
    /// Replace a task of the same name.
    #[arg(long)]
    pub force: bool,
}

impl WaitFlags {
    /// The wait asked for: None without --wait; a bad duration is a usage error.
    pub fn deadline(&self) -> crate::error::Result<Option<std::time::Duration>> {
        if !self.wait {
            return Ok(None);
        }
        crate::config::units::parse_duration(&self.timeout)
            .map(Some)
            .ok_or_else(|| {
                crate::error::Error::usage(format!(
                    "invalid --timeout {:?}: use seconds (30) or a duration like 500ms, 1m30s",
                    self.timeout
                ))
            })
    }
}
