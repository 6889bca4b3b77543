//! What every task actor of a session shares (names, shell, tmux, paths), and the
//! environment rules derived from it.

use crate::config::{Config, TaskConfig};
use crate::tmux::Tmux;
use std::path::PathBuf;
use std::time::Duration;

/// What a task actor shares with the session: names, shell, tmux, paths.
#[derive(Debug, Clone)]
pub struct TaskContext {
    pub session: String,
    pub shell: String,
    pub tmux: Tmux,
    pub hook_timeout: Duration,
    /// The taskmux executable (log sink and tmux hooks run it).
    pub exe: PathBuf,
    /// The environment of the taskmux call that starts tasks.
    pub base_env: Vec<(String, String)>,
}

// The one environment rule (docs/configuration.md, "Environment"): every command
// taskmux runs for a task (the task itself, its hooks, its health_check) sees the
// environment of the taskmux process that runs it, then the task's variables:
// env_file, then env, then PORT, TASKMUX_TASK and TASKMUX_SESSION. The task keeps
// the environment it was started with (an automatic restart reuses it).

/// The task's own variables, in the order they apply.
pub fn task_vars(session: &str, cfg: &TaskConfig) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = cfg
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(port) = cfg.port {
        vars.push(("PORT".into(), port.to_string()));
    }
    vars.push(("TASKMUX_TASK".into(), cfg.name.clone()));
    vars.push(("TASKMUX_SESSION".into(), session.to_string()));
    vars
}

/// The whole environment a task runs with: the caller's (tmux's own TMUX and
/// TMUX_PANE removed), then [`task_vars`].
pub fn task_env(ctx: &TaskContext, cfg: &TaskConfig) -> Vec<(String, String)> {
    let mut env: std::collections::BTreeMap<String, String> = ctx
        .base_env
        .iter()
        .filter(|(k, _)| k != "TMUX" && k != "TMUX_PANE")
        .cloned()
        .collect();
    env.extend(task_vars(&ctx.session, cfg));
    env.into_iter().collect()
}

/// What a task's hooks and its health_check add to the environment they inherit.
pub fn hook_env(ctx: &TaskContext, cfg: &TaskConfig) -> Vec<(String, String)> {
    task_vars(&ctx.session, cfg)
}

impl TaskContext {
    /// The context for a session started from this process.
    pub fn for_config(cfg: &Config) -> TaskContext {
        TaskContext {
            session: cfg.name.clone(),
            shell: crate::process::default_shell(cfg.shell.as_deref()),
            tmux: crate::tmux::Tmux::from_env(),
            hook_timeout: cfg.hook_timeout,
            exe: own_exe(),
            base_env: std::env::vars().collect(),
        }
    }
}

/// This executable's path, for the commands tmux runs (log sink, hooks, `_exec`).
/// A binary replaced while it runs (an upgrade under a running daemon) reads as
/// "PATH (deleted)": the path itself is what new launches must use.
fn own_exe() -> std::path::PathBuf {
    match std::env::current_exe() {
        Ok(p) => {
            let s = p.to_string_lossy();
            match s.strip_suffix(" (deleted)") {
                Some(live) => live.into(),
                None => p,
            }
        }
        Err(_) => "taskmux".into(),
    }
}
