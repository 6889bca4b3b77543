//! A job (`run = "once"`) as a dependency: its dependents wait for it to run to
//! completion; exit 0 releases them, anything else skips them with the reason.

use crate::config::TaskConfig;
use crate::process;
use crate::supervisor::context::TaskContext;
use crate::supervisor::state::{self, TaskState};
use crate::tmux::{panes, window};
use std::time::{Duration, Instant};

/// How often a running job is looked at in its first seconds (dependents start
/// within ~10 ms of its exit) …
const FAST_POLL: Duration = Duration::from_millis(10);
const FAST_FOR: Duration = Duration::from_secs(5);
/// … and after that.
const SLOW_POLL: Duration = Duration::from_millis(100);
/// How long tmux may take to record the exit status of a job that ended.
const SETTLE_WITHIN: Duration = Duration::from_secs(2);

/// Wait until the job of run `pane_pid` ends (at most `deadline`): Ok when it
/// exited 0, else why not ("task 'migrate' exited (code 1)"). The moment it was
/// seen to end is kept in the window (`@taskmux-ended-at`), for `status`.
pub async fn await_completion(
    ctx: TaskContext,
    cfg: TaskConfig,
    pane_pid: u32,
    deadline: Duration,
) -> Result<(), String> {
    let began = Instant::now();
    while process::pid_alive(pane_pid) {
        if began.elapsed() >= deadline {
            return Err(format!(
                "job '{}' did not complete within {} (raise it with a longer --timeout, or look: taskmux logs {} -n 50)",
                cfg.name,
                humantime::format_duration(deadline),
                cfg.name
            ));
        }
        crate::spinner::note(format!(
            "waiting for job {} to complete ({}s)",
            cfg.name,
            began.elapsed().as_secs()
        ));
        let poll = if began.elapsed() < FAST_FOR {
            FAST_POLL
        } else {
            SLOW_POLL
        };
        tokio::time::sleep(poll).await;
    }
    let ended_at = crate::timefmt::now_rfc3339();
    let settle_until = Instant::now() + SETTLE_WITHIN;
    let state = loop {
        let snap = panes::snapshot(&ctx.tmux, &ctx.session)
            .await
            .map_err(|e| e.message)?;
        let Some(pane) = snap.pane(&cfg.name) else {
            return Err(format!(
                "job '{}' lost its window before it completed",
                cfg.name
            ));
        };
        let settled = pane.dead_status.is_some() || pane.dead_signal.is_some();
        if settled || Instant::now() >= settle_until {
            break state::of_task(&cfg, &snap);
        }
        let _ = state::as_it_is(pane.clone());
        tokio::time::sleep(FAST_POLL).await;
    };
    if !matches!(state, TaskState::Running { .. } | TaskState::Starting) {
        window::set_options(
            &ctx.tmux,
            &ctx.session,
            &cfg.name,
            &[(panes::opt::ENDED_AT, ended_at)],
        )
        .await
        .ok();
    }
    match state {
        TaskState::Completed { .. } => Ok(()),
        other => Err(format!("job '{}' {}", cfg.name, other.label())),
    }
}
