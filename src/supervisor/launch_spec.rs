//! Builds the one tmux call that starts a task: command, options, hook, log pipe.

use super::context::TaskContext;
use crate::config::TaskConfig;
use crate::tmux::panes::opt;
use crate::tmux::window::LaunchSpec;
use std::time::{Duration, Instant};

/// The tmux command the window's pane-died hook runs: record the exit in the log
/// and wake anyone waiting on the session's exit channel.
pub fn died_hook(ctx: &TaskContext, task: &str) -> String {
    let shell_cmd = format!(
        "{} exit --code '#{{pane_dead_status}}' --signal '#{{pane_dead_signal}}'",
        crate::logs::mark_command(&ctx.exe, &ctx.session, task)
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

/// Prefix a simple command with `exec`, so the task's process replaces the shell
/// (its pid is the pane's pid, and signals and `pane_current_command` reach it).
/// Commands with shell syntax (lists, pipes, redirections, expansions, assignments,
/// builtins) are left to the shell as written.
pub fn exec_simple(command: &str) -> String {
    const SYNTAX: &[char] = &[
        ';', '&', '|', '<', '>', '(', ')', '$', '`', '\\', '\n', '*', '?', '[', '{', '}', '!', '#',
        '~',
    ];
    const NOT_PROGRAMS: &[&str] = &[
        "exec", "cd", "export", "set", "source", ".", "eval", "trap", "if", "for", "while",
        "until", "case", "ulimit", "umask", "wait", "unset", "alias", "read", "exit", "return",
        "shift",
    ];
    let trimmed = command.trim();
    let first = trimmed.split_whitespace().next().unwrap_or("");
    if trimmed.is_empty()
        || trimmed.contains(SYNTAX)
        || first.contains('=')
        || NOT_PROGRAMS.contains(&first)
    {
        command.to_string()
    } else {
        format!("exec {trimmed}")
    }
}

/// The pid a run reports, the same for the whole run: the pane's process. A simple
/// command is exec'd, so that is the task's own program; a compound command (`a &&
/// b`, a pipeline, a loop) is its shell, which is what signals reach through the
/// process group (docs/cli.md, "pid").
pub fn task_pid(_cfg: &TaskConfig, pane_pid: u32) -> u32 {
    pane_pid
}

/// How long `inspect` waits for a task's process to be past taskmux's own
/// launch steps (typically a few ms).
const SETTLE_LIMIT: Duration = Duration::from_millis(500);

/// Wait until `cfg`'s pane process is no longer in taskmux's own launch steps
/// (`taskmux _exec`, an `exec CMD` wrapper that has not exec'd), so that what is
/// read next describes the task; gives up after SETTLE_LIMIT. Returns whether it
/// had to wait.
pub async fn settle(cfg: &TaskConfig, pane_pid: u32) -> bool {
    let script = exec_simple(&cfg.command);
    // /proc reads, polled every millisecond: on the blocking pool, off the actors.
    tokio::task::spawn_blocking(move || {
        let launching = || crate::process::launching(pane_pid, &script);
        if !launching() {
            return false;
        }
        let deadline = Instant::now() + SETTLE_LIMIT;
        while launching() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    })
    .await
    .unwrap_or(false)
}

/// The launch call for `cfg`, as run number `run`; the pane runs the command
/// through `taskmux _exec` with the environment kept in `env_file`.
pub fn build(
    ctx: &TaskContext,
    cfg: &TaskConfig,
    respawn: bool,
    run: u32,
    env_file: &std::path::Path,
) -> LaunchSpec {
    LaunchSpec {
        session: ctx.session.clone(),
        task: cfg.name.clone(),
        argv: vec![
            ctx.exe.to_string_lossy().into_owned(),
            "_exec".into(),
            "--env-file".into(),
            env_file.to_string_lossy().into_owned(),
            "--".into(),
            ctx.shell.clone(),
            "-c".into(),
            exec_simple(&cfg.command),
        ],
        cwd: cfg.cwd.to_string_lossy().into_owned(),
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
            run,
        )),
        died_hook: Some(died_hook(ctx, &cfg.name)),
        respawn,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn execs_simple_commands_only() {
        use super::exec_simple;
        assert_eq!(
            exec_simple("python3 -m http.server 8000"),
            "exec python3 -m http.server 8000"
        );
        assert_eq!(
            exec_simple("npm run 'dev server'"),
            "exec npm run 'dev server'"
        );
        for keep in [
            "a && b",
            "echo $HOME",
            "FOO=1 node x",
            "cd x",
            "sleep 1; true",
            "trap '' INT",
        ] {
            assert_eq!(exec_simple(keep), keep);
        }
    }
}
