//! What a task actor does to its task, as async functions run off the actor:
//! launch (port cleanup, hooks, the one tmux call), the stop escalation, kill,
//! probes and waiting for readiness.

use super::messages::{Launched, Stopped};
use crate::config::TaskConfig;
use crate::error::{Error, Result};
use crate::hooks::{run_hook, HookKind, HookRun};
use crate::probe::{self, ProbeResult};
use crate::process;
use crate::supervisor::context::{hook_env, task_env, TaskContext};
use crate::tmux::options::Desired;
use crate::tmux::panes::opt;
use crate::tmux::{window, PaneInfo};
use nix::sys::signal::Signal;
use std::time::{Duration, Instant};

/// How long after SIGTERM before SIGKILL.
pub const TERM_GRACE: Duration = Duration::from_secs(3);
/// How soon a stop looks again for what outlived the pane's process …
const GONE_POLL: Duration = Duration::from_millis(10);
/// … and the longest pause between looks.
const GONE_POLL_MAX: Duration = Duration::from_millis(50);

/// A dependency that is not ready yet is probed this often for its first seconds
/// (so its dependents start within ~10 ms of it turning healthy) …
const READY_FAST_POLL: Duration = Duration::from_millis(10);
const READY_FAST_FOR: Duration = Duration::from_secs(5);
/// … and this often after that.
const READY_SLOW_POLL: Duration = Duration::from_millis(100);

/// Run the task-level hook of `kind`, if configured.
async fn task_hook(ctx: &TaskContext, cfg: &TaskConfig, kind: HookKind) -> Result<()> {
    let Some(command) = kind.pick(&cfg.hooks) else {
        return Ok(());
    };
    run_hook(HookRun {
        kind,
        command,
        scope: &cfg.name,
        shell: &ctx.shell,
        cwd: &cfg.cwd,
        env: hook_env(ctx, cfg),
        timeout: ctx.hook_timeout,
    })
    .await
    .map(drop)
}

pub(super) fn alive(pane: &Option<PaneInfo>) -> bool {
    pane.as_ref()
        .is_some_and(|p| !p.dead && process::pid_alive(p.pane_pid))
}

/// How long the pane's run has been alive (None: it is not); a run whose start
/// time is unknown (a window of an older taskmux) counts as long up.
pub(super) fn uptime(pane: &Option<PaneInfo>) -> Option<Duration> {
    let p = pane.as_ref().filter(|_| alive(pane))?;
    Some(crate::timefmt::elapsed_since(&p.started_at).unwrap_or(Duration::MAX))
}

/// Where a launch takes the task's environment from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EnvSource {
    /// The environment of this taskmux process (a start or restart by request).
    Caller,
    /// The environment kept from the run before (an automatic restart), if any.
    Kept,
}

pub(super) async fn launch(
    ctx: TaskContext,
    cfg: TaskConfig,
    pane: Option<PaneInfo>,
    env: EnvSource,
) -> Result<Launched> {
    // A task runs where its config says, or not at all (and none of its hooks run).
    if !tokio::fs::metadata(&cfg.cwd)
        .await
        .is_ok_and(|m| m.is_dir())
    {
        return Err(Error::new(
            crate::error::ErrorCode::MissingCwd,
            format!(
                "task '{}' cannot start: its cwd {} does not exist (create it, or fix `cwd` in the config)",
                cfg.name,
                cfg.cwd.display()
            ),
        ));
    }
    let (cfg, ports) = super::ports::for_launch(&ctx, &cfg, pane.as_ref()).await?;
    let mut freed_port = Vec::new();
    // An auto port was just found free; a fixed one may be held by a stale run.
    if let (Some(port), false) = (cfg.port, cfg.port_auto) {
        freed_port = process::free_port(port, Duration::from_secs(2)).await;
    }
    task_hook(&ctx, &cfg, HookKind::BeforeStart).await?;
    let run = pane.as_ref().map_or(0, |p| p.run) + 1;
    // The one place the log directory is made (sinks and markers never create it).
    let logs = crate::paths::logs_dir(&ctx.session);
    tokio::fs::create_dir_all(&logs)
        .await
        .map_err(|e| Error::io(format!("creating {}", logs.display()), e))?;
    let env_file = crate::exec_env::env_file(&ctx.session, &cfg.name);
    // A restart keeps the environment of the run before, unless its ports are
    // picked again (an auto port, or another task's that may have moved).
    let rewrite = env == EnvSource::Caller || cfg.needs_ports();
    if rewrite || !tokio::fs::try_exists(&env_file).await.unwrap_or(false) {
        crate::exec_env::write(env_file.clone(), task_env(&ctx, &cfg)).await?;
    }
    let spec = crate::supervisor::launch_spec::build(&ctx, &cfg, pane.is_some(), run, &env_file);
    let started = window::launch(&ctx.tmux, &spec).await?;
    task_hook(&ctx, &cfg, HookKind::AfterStart).await?;
    Ok(Launched {
        task: cfg.name.clone(),
        pid: started.pane_pid,
        pane_pid: started.pane_pid,
        window_id: started.window_id,
        pane_id: started.pane_id,
        run,
        port: cfg.port,
        freed_port,
        ports,
    })
}

/// True once nothing of the pane's process group or session is left: one /proc
/// pass, on the blocking pool.
async fn gone(pane_pid: u32) -> bool {
    tokio::task::spawn_blocking(move || !process::group_or_session_alive(pane_pid))
        .await
        .unwrap_or(false)
}

async fn wait_gone(pane_pid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    // The pane's process first, event-driven (a pidfd); then whatever of its group
    // or session outlived it, by polling /proc (rarely anything: usually the first
    // look finds nothing), less often the longer it takes.
    if tokio::time::timeout(within, crate::process_exit::wait_exit(pane_pid))
        .await
        .is_err()
    {
        return false;
    }
    let mut pause = GONE_POLL;
    loop {
        if gone(pane_pid).await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 2).min(GONE_POLL_MAX);
    }
}

/// Signal the pane's process group and every process of its session (a scan of
/// /proc, on the blocking pool).
async fn signal_all(pane_pid: u32, sig: Signal) {
    let _ = tokio::task::spawn_blocking(move || {
        process::signal_group(pane_pid, sig);
        for pid in process::session_processes(pane_pid) {
            process::signal_pid(pid, sig);
        }
    })
    .await;
}

/// How a stop begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopStart {
    /// Record the stop as the user's wish, then C-c (a stop by request).
    ByRequest,
    /// C-c only (a supervisor restarting an unhealthy task, or giving up).
    BySupervisor,
    /// The wish is recorded and C-c sent already (a batched stop of a level).
    Interrupted,
}

/// Stop escalation: C-c, then SIGTERM after the grace period, then SIGKILL.
pub(super) async fn stop(
    ctx: TaskContext,
    cfg: TaskConfig,
    pane: Option<PaneInfo>,
    start: StopStart,
) -> Result<Stopped> {
    let mark_desired = start == StopStart::ByRequest;
    let started = Instant::now();
    let report = |was_running, stage: &str| Stopped {
        task: cfg.name.clone(),
        was_running,
        stage: stage.to_string(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    let Some(pane) = pane else {
        return Ok(report(false, ""));
    };
    // The wish is recorded first, so no supervisor restarts what the user stops.
    // A batched stop chose live panes and interrupted them: they were running.
    let alive =
        start == StopStart::Interrupted || (!pane.dead && process::pid_alive(pane.pane_pid));
    if start == StopStart::Interrupted {
        // Recorded and interrupted already.
    } else if !alive || cfg.hooks.before_stop.is_some() {
        if mark_desired {
            window::set_desired(&ctx.tmux, &ctx.session, &cfg.name, Desired::Stopped).await?;
        }
        if !alive {
            return Ok(report(false, ""));
        }
        task_hook(&ctx, &cfg, HookKind::BeforeStop).await?;
        window::interrupt(&ctx.tmux, &ctx.session, &cfg.name, false).await?;
    } else {
        // No hook in between: record and send C-c in one tmux call.
        window::interrupt(&ctx.tmux, &ctx.session, &cfg.name, mark_desired).await?;
    }
    let stage = if wait_gone(pane.pane_pid, cfg.stop_grace_period).await {
        "SIGINT"
    } else {
        signal_all(pane.pane_pid, Signal::SIGTERM).await;
        if wait_gone(pane.pane_pid, TERM_GRACE).await {
            "SIGTERM"
        } else {
            signal_all(pane.pane_pid, Signal::SIGKILL).await;
            if !wait_gone(pane.pane_pid, Duration::from_secs(2)).await {
                return Err(Error::failed(format!(
                    "task '{}' (pid {}) survived SIGKILL",
                    cfg.name, pane.pane_pid
                )));
            }
            "SIGKILL"
        }
    };
    crate::logs::write_marker_soon(
        &ctx.session,
        &cfg.name,
        crate::logs::Marker::Stop {
            by: stage.to_string(),
        },
    )
    .await
    .ok();
    task_hook(&ctx, &cfg, HookKind::AfterStop).await?;
    Ok(report(true, stage))
}

pub(super) async fn kill(
    ctx: TaskContext,
    cfg: TaskConfig,
    pane: Option<PaneInfo>,
) -> Result<bool> {
    let Some(pane) = pane else {
        return Ok(false);
    };
    window::set_desired(&ctx.tmux, &ctx.session, &cfg.name, Desired::Stopped)
        .await
        .ok();
    let was_alive = !pane.dead && process::pid_alive(pane.pane_pid);
    if was_alive {
        signal_all(pane.pane_pid, Signal::SIGKILL).await;
        wait_gone(pane.pane_pid, Duration::from_secs(2)).await;
    }
    crate::logs::write_marker_soon(&ctx.session, &cfg.name, crate::logs::Marker::Kill)
        .await
        .ok();
    window::kill_window(&ctx.tmux, &ctx.session, &cfg.name).await?;
    Ok(was_alive)
}

/// Probe once, with the task's configured method.
pub(super) async fn probe_once(
    ctx: &TaskContext,
    cfg: &TaskConfig,
    pane: &Option<PaneInfo>,
) -> ProbeResult {
    let spec = probe::spec_for(cfg, &ctx.shell, &ctx.session, uptime(pane));
    probe::probe(&spec, cfg.health_timeout).await
}

/// Keep the probe's verdict in the window, where every taskmux process reads it.
pub(super) async fn record_health(ctx: &TaskContext, cfg: &TaskConfig, result: &ProbeResult) {
    window::set_options(
        &ctx.tmux,
        &ctx.session,
        &cfg.name,
        &[
            (opt::HEALTH, health_option(result)),
            (opt::HEALTH_AT, crate::timefmt::now_rfc3339()),
        ],
    )
    .await
    .ok();
}

pub(super) fn health_option(result: &ProbeResult) -> String {
    result.health_mark().to_string()
}

pub(super) async fn await_ready(
    ctx: TaskContext,
    cfg: TaskConfig,
    pane_pid: u32,
    since: Instant,
    deadline: Duration,
) -> Result<(), String> {
    let began = Instant::now();
    // A run this actor did not launch (or is launching) has its ports in the
    // windows: read them once.
    let cfg = if cfg.ports_unresolved() {
        match crate::tmux::panes::snapshot(&ctx.tmux, &ctx.session).await {
            Ok(snap) => cfg.resolved(&snap.ports()),
            Err(_) => cfg,
        }
    } else {
        cfg
    };
    let until = began + deadline;
    loop {
        if !process::pid_alive(pane_pid) {
            let snap = crate::tmux::panes::snapshot(&ctx.tmux, &ctx.session)
                .await
                .map_err(|e| e.message)?;
            let how = snap.pane(&cfg.name).map_or("lost its window".into(), |p| {
                crate::supervisor::state::from_pane(p).label()
            });
            return Err(format!("task '{}' {how} before becoming healthy", cfg.name));
        }
        let spec = probe::spec_for(&cfg, &ctx.shell, &ctx.session, Some(since.elapsed()));
        let result = probe::probe(&spec, cfg.health_timeout).await;
        if result.healthy {
            // Dependents start now; the verdict is written meanwhile.
            actix::spawn(async move { record_health(&ctx, &cfg, &result).await });
            return Ok(());
        }
        let last = format!("{}: {}", result.method, result.detail);
        crate::spinner::note(format!(
            "waiting for {}: {last}, {}s left",
            cfg.name,
            until.saturating_duration_since(Instant::now()).as_secs()
        ));
        if Instant::now() >= until {
            return Err(format!(
                "task '{}' did not become healthy within {} (last probe: {last})",
                cfg.name,
                humantime::format_duration(deadline)
            ));
        }
        let interval = if began.elapsed() < READY_FAST_FOR {
            READY_FAST_POLL
        } else {
            READY_SLOW_POLL
        };
        tokio::time::sleep(interval.min(until.saturating_duration_since(Instant::now()))).await;
    }
}
