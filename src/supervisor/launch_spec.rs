//! Builds the one tmux call that starts a task: command, env, options, hook, log pipe.

use super::task::{task_env, TaskContext};
use crate::config::TaskConfig;
use crate::tmux::panes::opt;
use crate::tmux::window::LaunchSpec;

/// Single-quote a string for /bin/sh.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The tmux command the window's pane-died hook runs: record the exit in the log
/// and wake anyone waiting on the session's exit channel.
pub fn died_hook(ctx: &TaskContext, task: &str) -> String {
    let exe = sh_quote(&ctx.exe.to_string_lossy());
    let shell_cmd = format!(
        "{exe} _log-mark --session {} --task {} exit --code '#{{pane_dead_status}}' --signal '#{{pane_dead_signal}}'",
        sh_quote(&ctx.session),
        sh_quote(task)
    );
    format!(
        "run-shell -b \"{}\" ; wait-for -S {}",
        shell_cmd.replace('\\', "\\\\").replace('"', "\\\""),
        exit_channel(&ctx.session)
    )
}

/// The tmux wait-for channel signalled whenever a task of the session exits.
pub fn exit_channel(session: &str) -> String {
    format!("taskmux-exit-{session}")
}

/// The launch call for `cfg`, as run number `run`.
pub fn build(ctx: &TaskContext, cfg: &TaskConfig, respawn: bool, run: u32) -> LaunchSpec {
    LaunchSpec {
        session: ctx.session.clone(),
        task: cfg.name.clone(),
        shell: ctx.shell.clone(),
        command: cfg.command.clone(),
        cwd: cfg.cwd.to_string_lossy().into_owned(),
        env: task_env(ctx, cfg),
        options: vec![
            (opt::TASK, cfg.name.clone()),
            (opt::DESIRED, "running".into()),
            (opt::STARTED_AT, crate::timefmt::now_rfc3339()),
            (opt::RUN, run.to_string()),
            (opt::HEALTH, String::new()),
            (opt::VERDICT, String::new()),
        ],
        pipe: Some(crate::logs::pipe_command(
            &ctx.exe,
            &ctx.session,
            &cfg.name,
            cfg.log_max_size,
            cfg.log_max_files,
        )),
        died_hook: Some(died_hook(ctx, &cfg.name)),
        respawn,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_for_sh() {
        assert_eq!(super::sh_quote("it's"), r"'it'\''s'");
    }
}
