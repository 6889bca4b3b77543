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

/// Words that make a command something other than a program to exec.
const NOT_PROGRAMS: &[&str] = &[
    "exec", "cd", "export", "set", "source", ".", "eval", "trap", "if", "for", "while", "until",
    "case", "ulimit", "umask", "wait", "unset", "alias", "read", "exit", "return", "shift",
    "select", "function", "do", "done", "then", "fi", "else", "elif", "esac", "{", "}", "!",
    "time", "coproc",
];

/// True for one simple command that `exec` can replace the shell with.
fn is_simple(command: &str) -> bool {
    const SYNTAX: &[char] = &[
        ';', '&', '|', '<', '>', '(', ')', '$', '`', '\\', '\n', '*', '?', '[', '{', '}', '!', '#',
        '~',
    ];
    let trimmed = command.trim();
    let first = trimmed.split_whitespace().next().unwrap_or("");
    !(trimmed.is_empty()
        || trimmed.contains(SYNTAX)
        || first.contains('=')
        || NOT_PROGRAMS.contains(&first))
}

/// Prefix a simple command with `exec`, so the task's process replaces the shell
/// (its pid is the pane's pid, and signals and `pane_current_command` reach it).
/// A list of commands joined by `;` or `&&` whose last one is simple gets that last
/// one exec'd (`cd web && exec npm run dev`: the same behaviour, and the run's pid
/// is the program's). Anything else with shell syntax (pipes, loops, `||`,
/// redirections, expansions, assignments, builtins) is left to the shell as written.
pub fn exec_simple(command: &str) -> String {
    if is_simple(command) {
        return format!("exec {}", command.trim());
    }
    match last_of_list(command) {
        Some(at) if is_simple(&command[at..]) && !command[..at].trim().is_empty() => {
            format!("{} exec {}", command[..at].trim_end(), command[at..].trim())
        }
        _ => command.to_string(),
    }
}

/// Where the last command of a plain `;` / `&&` list begins (after the last
/// separator outside quotes); None when the command has any other structure.
fn last_of_list(command: &str) -> Option<usize> {
    let bytes = command.as_bytes();
    let (mut i, mut quote, mut last) = (0, None::<u8>, None);
    let mut segment_start = 0;
    let keyword_first = |seg: &str| {
        seg.split_whitespace().next().is_some_and(|w| {
            NOT_PROGRAMS.contains(&w)
                && !matches!(
                    w,
                    "cd" | "export"
                        | "set"
                        | "exec"
                        | "source"
                        | "."
                        | "umask"
                        | "ulimit"
                        | "unset"
                        | "alias"
                        | "trap"
                )
        })
    };
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(b'"') if c == b'\\' || c == b'`' || c == b'$' => return None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b';' => {
                    if keyword_first(&command[segment_start..i]) {
                        return None;
                    }
                    last = Some(i + 1);
                    segment_start = i + 1;
                }
                b'&' if bytes.get(i + 1) == Some(&b'&') => {
                    if keyword_first(&command[segment_start..i]) {
                        return None;
                    }
                    i += 1;
                    last = Some(i + 1);
                    segment_start = i + 1;
                }
                b'&' | b'|' | b'<' | b'>' | b'(' | b')' | b'{' | b'}' | b'`' | b'\\' | b'\n'
                | b'#' => return None,
                _ => {}
            },
        }
        i += 1;
    }
    if quote.is_some() || keyword_first(&command[segment_start..]) {
        return None;
    }
    last
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
            (opt::HEALTH_AT, String::new()),
            (opt::VERDICT, String::new()),
            (opt::ENDED_AT, String::new()),
            (
                opt::PORT,
                cfg.port.map(|p| p.to_string()).unwrap_or_default(),
            ),
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
            "echo $HOME",
            "FOO=1 node x",
            "cd x",
            "trap '' INT",
            "while true; do echo tick; sleep 1; done",
            "a || b",
            "a | b",
            "sleep 1 &",
            "cd x && exec y",
            "echo 'a;b' > f; cat f",
            "if true; then x; fi",
            "(cd x; y)",
        ] {
            assert_eq!(exec_simple(keep), keep, "{keep}");
        }
        // The last simple command of a `;` / `&&` list is exec'd in place.
        assert_eq!(exec_simple("a && b"), "a && exec b");
        assert_eq!(exec_simple("sleep 1; true"), "sleep 1; exec true");
        assert_eq!(
            exec_simple("cd web && npm run 'dev server'"),
            "cd web && exec npm run 'dev server'"
        );
        assert_eq!(
            exec_simple("echo one-started; sleep 300"),
            "echo one-started; exec sleep 300"
        );
    }
}
