//! A job (`run = "once"`) as a dependency: its dependents wait for it to run to
//! completion; exit 0 releases them, anything else skips them with the reason.

use crate::config::TaskConfig;
use crate::supervisor::context::TaskContext;
use crate::supervisor::state::{self, TaskState};
use crate::tmux::{panes, window};
use std::time::{Duration, Instant};

/// How often tmux's record of an ended job is read until it has the exit status.
const SETTLE_POLL: Duration = Duration::from_millis(10);
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
    crate::spinner::note(format!("waiting for job {} to complete", cfg.name));
    // The pidfd fires the moment it ends (before tmux has even reaped it).
    if tokio::time::timeout(deadline, crate::process_exit::wait_exit(pane_pid))
        .await
        .is_err()
    {
        return Err(format!(
            "job '{}' did not complete within {} (it still runs; see: taskmux logs {} -n 50)",
            cfg.name,
            humantime::format_duration(deadline),
            cfg.name
        ));
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
        // An unreaped child of the tmux server: get tmux to reap it.
        crate::process_exit::nudge_reaper(pane.pane_pid);
        tokio::time::sleep(SETTLE_POLL).await;
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
