//! The tmux calls that act on one task window: launch (one call), interrupt, kill.

use super::client::{Tmux, THEN};
use super::panes::{opt, SKIPPED_PREFIX};
use super::target;
use crate::error::{Error, Result};

/// Everything needed to start a task in its window with one tmux call.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    pub session: String,
    pub task: String,
    /// The program the pane runs, with its arguments.
    pub argv: Vec<String>,
    pub cwd: String,
    /// Window user options to set (name, value).
    pub options: Vec<(&'static str, String)>,
    /// pipe-pane target command (the log sink), if logging.
    pub pipe: Option<String>,
    /// tmux command run by the window's pane-died hook, if any.
    pub died_hook: Option<String>,
    /// True to respawn the existing (dead) pane instead of creating a window.
    pub respawn: bool,
}

/// Ids tmux gave the task's window and pane, and the pane's process id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launched {
    pub window_id: String,
    pub pane_id: String,
    pub pane_pid: u32,
}

const IDS_FORMAT: &str = "#{window_id} #{pane_id} #{pane_pid}";

/// Start the task: create (or respawn) the window with remain-on-exit, options, the
/// exit hook and the log pipe, all in one tmux call so nothing races the exit.
pub async fn launch(tmux: &Tmux, spec: &LaunchSpec) -> Result<Launched> {
    let win = target::window(&spec.session, &spec.task);
    let mut args: Vec<String> = Vec::new();
    if spec.respawn {
        args.extend(["respawn-pane", "-k", "-t", &win, "-c", &spec.cwd].map(String::from));
    } else {
        let s = target::session(&spec.session);
        args.extend(
            [
                "new-window",
                "-d",
                "-t",
                &s,
                "-n",
                &spec.task,
                "-c",
                &spec.cwd,
                "-P",
                "-F",
                IDS_FORMAT,
            ]
            .map(String::from),
        );
    }
    args.push("--".into());
    args.extend(spec.argv.iter().cloned());
    let mut set_window = |name: &str, value: &str| {
        args.extend([THEN, "set-option", "-w", "-t", &win, name, value].map(String::from));
    };
    set_window("remain-on-exit", "on");
    set_window("allow-rename", "off");
    set_window("automatic-rename", "off");
    for (name, value) in &spec.options {
        set_window(name, value);
    }
    if let Some(hook) = &spec.died_hook {
        args.extend([THEN, "set-hook", "-w", "-t", &win, "pane-died", hook].map(String::from));
    }
    if let Some(pipe) = &spec.pipe {
        args.extend([THEN, "pipe-pane", "-t", &win, pipe].map(String::from));
    }
    args.extend(
        [
            THEN,
            "set-option",
            "-q",
            "-u",
            "-t",
            &target::session(&spec.session),
            &format!("{SKIPPED_PREFIX}{}", spec.task),
        ]
        .map(String::from),
    );
    if spec.respawn {
        args.extend([THEN, "display-message", "-p", "-t", &win, IDS_FORMAT].map(String::from));
    }
    let out = tmux.run(&args).await?;
    parse_ids(&out).ok_or_else(|| {
        Error::tmux(format!(
            "tmux did not report the window of task '{}' (output: {out:?})",
            spec.task
        ))
    })
}

fn parse_ids(out: &str) -> Option<Launched> {
    let line = out.lines().find(|l| l.starts_with('@'))?;
    let mut parts = line.split_whitespace();
    Some(Launched {
        window_id: parts.next()?.to_string(),
        pane_id: parts.next()?.to_string(),
        pane_pid: parts.next()?.parse().ok()?,
    })
}

/// Set user options on a task window.
pub async fn set_options(
    tmux: &Tmux,
    session: &str,
    task: &str,
    options: &[(&str, String)],
) -> Result<()> {
    let win = target::window(session, task);
    let mut args: Vec<String> = Vec::new();
    for (name, value) in options {
        if !args.is_empty() {
            args.push(THEN.into());
        }
        args.extend(["set-option", "-w", "-q", "-t", &win, name, value].map(String::from));
    }
    if args.is_empty() {
        return Ok(());
    }
    tmux.run(&args).await.map(drop)
}

/// Mark that the user wants the task stopped (so no supervisor restarts it).
pub async fn set_desired(
    tmux: &Tmux,
    session: &str,
    task: &str,
    desired: super::options::Desired,
) -> Result<()> {
    set_options(tmux, session, task, &[(opt::DESIRED, desired.to_string())]).await
}

/// Send C-c (no Enter) to the task's pane; with `mark_stopped`, first record in the
/// same tmux call that the user wants it stopped.
pub async fn interrupt(tmux: &Tmux, session: &str, task: &str, mark_stopped: bool) -> Result<()> {
    tmux.run(&interrupt_args(session, task, mark_stopped))
        .await
        .map(drop)
}

/// The tmux commands of [`interrupt`]: optionally record the stop, then C-c.
fn interrupt_args(session: &str, task: &str, mark_stopped: bool) -> Vec<String> {
    let win = target::window(session, task);
    let mut args: Vec<String> = Vec::new();
    if mark_stopped {
        let stopped = super::options::Desired::Stopped.to_string();
        args.extend(
            [
                "set-option",
                "-w",
                "-q",
                "-t",
                &win,
                opt::DESIRED,
                &stopped,
                THEN,
            ]
            .map(String::from),
        );
    }
    args.extend(["send-keys", "-t", &win, "C-c"].map(String::from));
    args
}

/// Tasks per tmux call of [`interrupt_many`] (keeps the command line short).
const INTERRUPT_CHUNK: usize = 40;

/// Record that the user wants `tasks` stopped and send each C-c, in as few tmux
/// calls as the command line allows.
pub async fn interrupt_many(tmux: &Tmux, session: &str, tasks: &[&str]) -> Result<()> {
    for chunk in tasks.chunks(INTERRUPT_CHUNK) {
        let mut args: Vec<String> = Vec::new();
        for task in chunk {
            if !args.is_empty() {
                args.push(THEN.to_string());
            }
            args.extend(interrupt_args(session, task, true));
        }
        tmux.run(&args).await?;
    }
    Ok(())
}

/// Destroy the task's window.
pub async fn kill_window(tmux: &Tmux, session: &str, task: &str) -> Result<()> {
    let win = target::window(session, task);
    tmux.run(&["kill-window", "-t", &win]).await.map(drop)
}

/// Record in the session why a task was skipped.
pub async fn mark_skipped(tmux: &Tmux, session: &str, task: &str, reason: &str) -> Result<()> {
    let s = target::session(session);
    let name = format!("{SKIPPED_PREFIX}{task}");
    tmux.run(&["set-option", "-q", "-t", &s, &name, reason])
        .await
        .map(drop)
}

/// Create the session if it does not exist, with an idle placeholder window
/// (removed once task windows exist). Returns true when it was created.
pub async fn ensure_session(tmux: &Tmux, session: &str, cwd: &str, config: &str) -> Result<bool> {
    let created = tmux
        .run(&[
            "new-session",
            "-d",
            "-s",
            session,
            "-n",
            PLACEHOLDER,
            "-c",
            cwd,
            "-x",
            "200",
            "-y",
            "50",
            "--",
            "/bin/sh",
            "-c",
            "echo 'taskmux: this session has no running task windows yet'; exec tail -f /dev/null",
            THEN,
            "set-option",
            "-t",
            &format!("={session}:"),
            opt::CONFIG,
            config,
        ])
        .await;
    match created {
        Ok(_) => Ok(true),
        // Another taskmux process created it in the meantime.
        Err(e) if e.message.contains("duplicate session") => Ok(false),
        Err(e) => Err(e),
    }
}

/// Name of the placeholder window of a session with no tasks.
pub const PLACEHOLDER: &str = "(idle)";

/// Remove the placeholder window (if present) once a task window exists.
pub async fn drop_placeholder(tmux: &Tmux, session: &str) -> Result<()> {
    let t = format!("={session}:={PLACEHOLDER}");
    tmux.try_run(&["kill-window", "-t", &t]).await.map(drop)
}

/// End the whole session.
pub async fn kill_session(tmux: &Tmux, session: &str) -> Result<()> {
    tmux.try_run(&["kill-session", "-t", &format!("={session}")])
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_ids() {
        let l = super::parse_ids("@3 %7 4242\n").unwrap();
        assert_eq!(
            (l.window_id.as_str(), l.pane_id.as_str(), l.pane_pid),
            ("@3", "%7", 4242)
        );
        assert!(super::parse_ids("").is_none());
    }
}
