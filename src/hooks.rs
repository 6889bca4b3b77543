//! Lifecycle hooks: shell commands run before/after a task (or the session) starts
//! and stops.

use std::path::Path;
use std::time::Duration;

use crate::config::model::Hooks;
use crate::error::Error;
use crate::probe::fmt_duration;
use crate::process::{self, ShellOutcome};

/// Lines of output quoted in a failure message.
const FAILURE_LINES: usize = 5;
/// Characters of output quoted in a failure message.
const FAILURE_CHARS: usize = 500;

/// Which hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookKind {
    BeforeStart,
    AfterStart,
    BeforeStop,
    AfterStop,
}

impl HookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HookKind::BeforeStart => "before_start",
            HookKind::AfterStart => "after_start",
            HookKind::BeforeStop => "before_stop",
            HookKind::AfterStop => "after_stop",
        }
    }

    /// This hook's command in `hooks`, if set (and not blank).
    pub fn pick<'h>(&self, hooks: &'h Hooks) -> Option<&'h str> {
        let cmd = match self {
            HookKind::BeforeStart => &hooks.before_start,
            HookKind::AfterStart => &hooks.after_start,
            HookKind::BeforeStop => &hooks.before_stop,
            HookKind::AfterStop => &hooks.after_stop,
        };
        cmd.as_deref().filter(|c| !c.trim().is_empty())
    }
}

impl std::fmt::Display for HookKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One hook to run.
#[derive(Debug, Clone)]
pub struct HookRun<'a> {
    pub kind: HookKind,
    pub command: &'a str,
    /// "global" or the task name.
    pub scope: &'a str,
    pub shell: &'a str,
    pub cwd: &'a Path,
    /// Extra environment (callers pass TASKMUX_TASK / TASKMUX_SESSION).
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
}

/// Run a hook: `shell -c command` in its own process group, stdin from /dev/null,
/// stdout+stderr captured. `Ok(output)` on exit 0; `hook_failed` otherwise (the
/// process group is killed on timeout); a successful hook's output is echoed on
/// stderr. Processes the hook leaves in the background
/// after exiting are left running.
pub async fn run_hook(run: HookRun<'_>) -> Result<String, Error> {
    tracing::debug!(
        scope = run.scope,
        hook = run.kind.as_str(),
        command = run.command,
        "running hook"
    );
    let res = process::run_shell_captured(
        run.shell,
        run.command,
        run.cwd,
        &run.env,
        run.timeout,
        false,
    )
    .await;
    let what = format!("{} {} hook `{}`", run.scope, run.kind.as_str(), run.command);
    let tail = process::tail_lines(&res.output, FAILURE_LINES, FAILURE_CHARS);
    let with_output = |msg: String| {
        if tail.is_empty() {
            msg
        } else {
            format!("{msg}: {tail}")
        }
    };
    match res.outcome {
        ShellOutcome::Exited(0) => {
            // What a hook prints is for the user (`echo starting stack`): echo it
            // on stderr, so `--json` stdout stays one document.
            let shown = res.output.trim_end();
            if !shown.is_empty() {
                eprintln!("{shown}");
            }
            Ok(res.output)
        }
        ShellOutcome::Exited(code) => Err(Error::new(
            crate::error::ErrorCode::HookFailed,
            with_output(format!("{what} failed with exit code {code}")),
        )),
        ShellOutcome::TimedOut => Err(Error::new(
            crate::error::ErrorCode::HookFailed,
            with_output(format!(
                "{what} timed out after {}",
                fmt_duration(run.timeout)
            )),
        )),
        ShellOutcome::SpawnFailed(e) => Err(Error::new(
            crate::error::ErrorCode::HookFailed,
            format!("{what} could not run: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn hook<'a>(cmd: &'a str, cwd: &'a Path, timeout: Duration) -> HookRun<'a> {
        HookRun {
            kind: HookKind::BeforeStart,
            command: cmd,
            scope: "api",
            shell: "/bin/sh",
            cwd,
            env: vec![
                ("TASKMUX_TASK".into(), "api".into()),
                ("TASKMUX_SESSION".into(), "dev".into()),
            ],
            timeout,
        }
    }

    #[tokio::test]
    async fn ok_returns_output() {
        let out = run_hook(hook(
            "echo hello; echo warn >&2",
            Path::new("/"),
            Duration::from_secs(5),
        ))
        .await
        .unwrap();
        assert!(out.contains("hello") && out.contains("warn"), "{out}");
    }

    #[tokio::test]
    async fn failure_reports_code_and_output() {
        let err = run_hook(hook(
            "echo migrating; echo 'db unreachable' >&2; exit 4",
            Path::new("/"),
            Duration::from_secs(5),
        ))
        .await
        .unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::HookFailed);
        assert_eq!(err.exit_code, 1);
        assert!(
            err.message
                .starts_with("api before_start hook `echo migrating;"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("failed with exit code 4"),
            "{}",
            err.message
        );
        assert!(err.message.contains("db unreachable"), "{}", err.message);
    }

    #[tokio::test]
    async fn timeout_kills_the_hook() {
        let marker = format!("HOOK_MARK=hook-timeout-{}", std::process::id());
        let mut run = hook(
            "sleep 10; sleep 10",
            Path::new("/"),
            Duration::from_millis(200),
        );
        run.env
            .push(("HOOK_MARK".into(), marker["HOOK_MARK=".len()..].to_string()));
        let t = Instant::now();
        let err = run_hook(run).await.unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        assert_eq!(err.code, crate::error::ErrorCode::HookFailed);
        assert!(
            err.message.contains("timed out after 200ms"),
            "{}",
            err.message
        );
        let left = crate::probe::tests::procs_left_with_env(&marker).await;
        assert!(left.is_empty(), "{left:?}");
    }

    #[tokio::test]
    async fn env_and_cwd() {
        let dir = tempfile::tempdir().unwrap();
        let out = run_hook(hook(
            "echo \"$TASKMUX_TASK/$TASKMUX_SESSION\"; pwd -P",
            dir.path(),
            Duration::from_secs(5),
        ))
        .await
        .unwrap();
        let canon = dir.path().canonicalize().unwrap();
        assert_eq!(out, format!("api/dev\n{}\n", canon.display()));
    }

    #[test]
    fn pick_and_names() {
        let hooks = Hooks {
            before_start: Some("make".into()),
            after_stop: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(HookKind::BeforeStart.pick(&hooks), Some("make"));
        assert_eq!(HookKind::AfterStart.pick(&hooks), None);
        assert_eq!(HookKind::AfterStop.pick(&hooks), None);
        assert_eq!(HookKind::BeforeStop.as_str(), "before_stop");
        assert_eq!(HookKind::AfterStart.to_string(), "after_start");
    }
}
