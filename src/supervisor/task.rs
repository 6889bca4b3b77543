//! TaskActor: owns one task's window, its probes and its stop escalation.

use super::daemon_messages::Publish;
use super::events::EventKind;
use super::session::SessionSupervisor;
use super::state::{Health, TaskState};
use super::task_messages::*;
use crate::config::TaskConfig;
use crate::error::{Error, Result};
use crate::hooks::{run_hook, HookKind, HookRun};
use crate::probe::{self, ProbeResult};
use crate::process;
use crate::tmux::options::Desired;
use crate::tmux::panes::opt;
use crate::tmux::{window, PaneInfo, Tmux};
use actix::prelude::*;
use nix::sys::signal::Signal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long after SIGTERM before SIGKILL.
pub const TERM_GRACE: Duration = Duration::from_secs(3);
/// How often a stop checks whether the process is gone.
const GONE_POLL: Duration = Duration::from_millis(10);

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

/// One task: its configuration, the run it tracks and its state. When supervising
/// (the resident supervisor), it also probes on a timer and restarts per its policy.
pub struct TaskActor {
    pub(super) ctx: TaskContext,
    pub(super) cfg: TaskConfig,
    pub(super) state: TaskState,
    /// Where events go (the session supervisor's bus).
    pub(super) sup: Addr<SessionSupervisor>,
    /// True in the resident supervisor: health timer and restarts.
    pub(super) supervising: bool,
    /// Pane process of the run being tracked.
    pub(super) pane_pid: Option<u32>,
    /// Automatic restarts so far (mirrored in @taskmux-restarts).
    pub(super) restarts: u32,
    /// Failed probes in a row.
    pub(super) fail_streak: u32,
    /// When the current run was launched or adopted.
    pub(super) run_since: Instant,
    /// Since when the task has been healthy without interruption.
    pub(super) healthy_since: Option<Instant>,
    /// Bumped whenever the tracked run changes; timers and probes of an older
    /// generation are ignored.
    pub(super) generation: u64,
    /// A probe is in flight.
    pub(super) probing: bool,
    /// Tell the supervisor once healthy (after an automatic restart).
    pub(super) notify_recovered: bool,
    /// Since when the tracked pane has been dead without an exit status.
    pub(super) unsettled_since: Option<Instant>,
}

impl TaskActor {
    pub fn new(
        ctx: TaskContext,
        cfg: TaskConfig,
        sup: Addr<SessionSupervisor>,
        supervising: bool,
    ) -> Self {
        TaskActor {
            ctx,
            cfg,
            state: TaskState::NotStarted,
            sup,
            supervising,
            pane_pid: None,
            restarts: 0,
            fail_streak: 0,
            run_since: Instant::now(),
            healthy_since: None,
            generation: 0,
            probing: false,
            notify_recovered: false,
            unsettled_since: None,
        }
    }

    /// Publish an event about this task.
    pub(super) fn publish(&self, event: EventKind, data: serde_json::Value) {
        self.sup.do_send(Publish {
            event,
            task: Some(self.cfg.name.clone()),
            data,
        });
    }
}

impl Actor for TaskActor {
    type Context = Context<Self>;
}

/// The environment a task runs with: the caller's, then env_file/env, PORT and
/// TASKMUX_TASK/TASKMUX_SESSION.
pub fn task_env(ctx: &TaskContext, cfg: &TaskConfig) -> Vec<(String, String)> {
    let mut env: std::collections::BTreeMap<String, String> = ctx
        .base_env
        .iter()
        .filter(|(k, _)| k != "TMUX" && k != "TMUX_PANE")
        .cloned()
        .collect();
    env.extend(cfg.env.clone());
    if let Some(port) = cfg.port {
        env.insert("PORT".into(), port.to_string());
    }
    env.insert("TASKMUX_TASK".into(), cfg.name.clone());
    env.insert("TASKMUX_SESSION".into(), ctx.session.clone());
    env.into_iter().collect()
}

fn hook_env(ctx: &TaskContext, task: &str) -> Vec<(String, String)> {
    vec![
        ("TASKMUX_TASK".into(), task.to_string()),
        ("TASKMUX_SESSION".into(), ctx.session.clone()),
    ]
}

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
        env: hook_env(ctx, &cfg.name),
        timeout: ctx.hook_timeout,
    })
    .await
    .map(drop)
}

pub(super) fn alive(pane: &Option<PaneInfo>) -> bool {
    pane.as_ref()
        .is_some_and(|p| !p.dead && process::pid_alive(p.pane_pid))
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
    let mut freed_port = Vec::new();
    if let Some(port) = cfg.port {
        freed_port = process::free_port(port, Duration::from_secs(2)).await;
    }
    task_hook(&ctx, &cfg, HookKind::BeforeStart).await?;
    let run = pane.as_ref().map_or(0, |p| p.run) + 1;
    let env_file = crate::exec_env::env_file(&ctx.session, &cfg.name);
    if env == EnvSource::Caller || !tokio::fs::try_exists(&env_file).await.unwrap_or(false) {
        crate::exec_env::write(env_file.clone(), task_env(&ctx, &cfg)).await?;
    }
    let spec = super::launch_spec::build(&ctx, &cfg, pane.is_some(), run, &env_file);
    let started = window::launch(&ctx.tmux, &spec).await?;
    task_hook(&ctx, &cfg, HookKind::AfterStart).await?;
    Ok(Launched {
        task: cfg.name.clone(),
        pid: super::launch_spec::task_pid(&cfg, started.pane_pid),
        pane_pid: started.pane_pid,
        window_id: started.window_id,
        pane_id: started.pane_id,
        run,
        freed_port,
    })
}

/// True once nothing of the pane's process group or session is left.
fn gone(pane_pid: u32) -> bool {
    !process::group_alive(pane_pid) && process::session_processes(pane_pid).is_empty()
}

async fn wait_gone(pane_pid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    // The pane's process first, event-driven (a pidfd); then whatever of its group
    // or session outlived it, by polling /proc (rarely anything).
    if tokio::time::timeout(within, crate::process_exit::wait_exit(pane_pid))
        .await
        .is_err()
    {
        return false;
    }
    loop {
        if gone(pane_pid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(GONE_POLL).await;
    }
}

fn signal_all(pane_pid: u32, sig: Signal) {
    process::signal_group(pane_pid, sig);
    for pid in process::session_processes(pane_pid) {
        process::signal_pid(pid, sig);
    }
}

/// Stop escalation. `mark_desired` records the stop as the user's wish first (a
/// supervisor restarting an unhealthy task does not).
pub(super) async fn stop(
    ctx: TaskContext,
    cfg: TaskConfig,
    pane: Option<PaneInfo>,
    mark_desired: bool,
) -> Result<Stopped> {
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
    let alive = !pane.dead && process::pid_alive(pane.pane_pid);
    if !alive || cfg.hooks.before_stop.is_some() {
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
        signal_all(pane.pane_pid, Signal::SIGTERM);
        if wait_gone(pane.pane_pid, TERM_GRACE).await {
            "SIGTERM"
        } else {
            signal_all(pane.pane_pid, Signal::SIGKILL);
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

async fn kill(ctx: TaskContext, cfg: TaskConfig, pane: Option<PaneInfo>) -> Result<bool> {
    let Some(pane) = pane else {
        return Ok(false);
    };
    window::set_desired(&ctx.tmux, &ctx.session, &cfg.name, Desired::Stopped)
        .await
        .ok();
    let was_alive = !pane.dead && process::pid_alive(pane.pane_pid);
    if was_alive {
        signal_all(pane.pane_pid, Signal::SIGKILL);
        wait_gone(pane.pane_pid, Duration::from_secs(2)).await;
    }
    crate::logs::write_marker_soon(&ctx.session, &cfg.name, crate::logs::Marker::Kill)
        .await
        .ok();
    window::kill_window(&ctx.tmux, &ctx.session, &cfg.name).await?;
    Ok(was_alive)
}

/// Probe once, with the task's configured method.
async fn probe_once(ctx: &TaskContext, cfg: &TaskConfig, pane: &Option<PaneInfo>) -> ProbeResult {
    let spec = probe::spec_for(cfg, &ctx.shell, alive(pane));
    probe::probe(&spec, cfg.health_timeout).await
}

/// Keep the probe's verdict in the window, where every taskmux process reads it.
async fn record_health(ctx: &TaskContext, cfg: &TaskConfig, result: &ProbeResult) {
    window::set_options(
        &ctx.tmux,
        &ctx.session,
        &cfg.name,
        &[(opt::HEALTH, health_option(result))],
    )
    .await
    .ok();
}

pub(super) fn health_option(result: &ProbeResult) -> String {
    result.health_mark().to_string()
}

async fn await_ready(
    ctx: TaskContext,
    cfg: TaskConfig,
    pane_pid: u32,
    deadline: Duration,
) -> Result<(), String> {
    let until = Instant::now() + deadline;
    let mut interval = Duration::from_millis(50);
    loop {
        if !process::pid_alive(pane_pid) {
            let snap = crate::tmux::panes::snapshot(&ctx.tmux, &ctx.session)
                .await
                .map_err(|e| e.message)?;
            let how = snap.pane(&cfg.name).map_or("lost its window".into(), |p| {
                super::state::from_pane(p).label()
            });
            return Err(format!("task '{}' {how} before becoming healthy", cfg.name));
        }
        let spec = probe::spec_for(&cfg, &ctx.shell, true);
        let result = probe::probe(&spec, cfg.health_timeout).await;
        if result.healthy {
            record_health(&ctx, &cfg, &result).await;
            return Ok(());
        }
        let last = format!("{}: {}", result.method, result.detail);
        if Instant::now() >= until {
            return Err(format!(
                "task '{}' did not become healthy within {} (last probe: {last})",
                cfg.name,
                humantime::format_duration(deadline)
            ));
        }
        tokio::time::sleep(interval.min(until.saturating_duration_since(Instant::now()))).await;
        interval = (interval * 2).min(Duration::from_millis(100));
    }
}

impl Handler<Launch> for TaskActor {
    /// Atomic: launches, stops and kills of one task never overlap (two starts racing,
    /// e.g. the daemon's own and a client's, would create two windows).
    type Result = AtomicResponse<Self, Result<Launched>>;

    fn handle(&mut self, msg: Launch, _: &mut Context<Self>) -> Self::Result {
        let tracked_alive = self.pane_pid.is_some_and(process::pid_alive);
        if matches!(self.state, TaskState::Starting) || (self.state.is_running() && tracked_alive) {
            let err = Error::new(
                crate::error::ErrorCode::AlreadyRunning,
                format!("task '{}' is already running", self.cfg.name),
            );
            return AtomicResponse::new(Box::pin(actix::fut::ready(Err(err))));
        }
        self.state = TaskState::Starting;
        self.generation += 1;
        let fut = launch(
            self.ctx.clone(),
            self.cfg.clone(),
            msg.pane,
            EnvSource::Caller,
        );
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act, ctx| {
            match &res {
                Ok(launched) => act.on_launched(launched, None, ctx),
                Err(e) => {
                    act.state = TaskState::NotStarted;
                    act.publish(
                        EventKind::StartFailed,
                        serde_json::json!({"message": e.message}),
                    );
                }
            }
            res
        })))
    }
}

impl Handler<AwaitReady> for TaskActor {
    type Result = ResponseActFuture<Self, Result<(), String>>;

    fn handle(&mut self, msg: AwaitReady, _: &mut Context<Self>) -> Self::Result {
        let pid = msg.pane_pid;
        let fut = await_ready(self.ctx.clone(), self.cfg.clone(), pid, msg.deadline);
        Box::pin(fut.into_actor(self).map(move |res, act, _| {
            if res.is_ok() && act.state.is_running() && act.pane_pid == Some(pid) {
                act.note_health(Health::Healthy);
            }
            res
        }))
    }
}

impl Handler<Stop> for TaskActor {
    type Result = AtomicResponse<Self, Result<Stopped>>;

    fn handle(&mut self, msg: Stop, _: &mut Context<Self>) -> Self::Result {
        self.state = TaskState::Stopping;
        self.generation += 1;
        let fut = stop(self.ctx.clone(), self.cfg.clone(), msg.pane, true);
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act, _| {
            act.state = TaskState::Stopped;
            act.generation += 1;
            if let Ok(s) = &res {
                if s.was_running {
                    act.publish(
                        EventKind::Stopped,
                        serde_json::json!({"stage": s.stage, "elapsed_ms": s.elapsed_ms}),
                    );
                }
            }
            res
        })))
    }
}

impl Handler<Kill> for TaskActor {
    type Result = AtomicResponse<Self, Result<bool>>;

    fn handle(&mut self, msg: Kill, _: &mut Context<Self>) -> Self::Result {
        self.generation += 1;
        let had_window = msg.pane.is_some();
        let fut = kill(self.ctx.clone(), self.cfg.clone(), msg.pane);
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, _| {
            act.state = TaskState::NotStarted;
            act.generation += 1;
            act.pane_pid = None;
            if let Ok(was_running) = &res {
                if had_window {
                    act.publish(
                        EventKind::Killed,
                        serde_json::json!({"was_running": was_running}),
                    );
                }
            }
            res
        })))
    }
}

impl Handler<Probe> for TaskActor {
    type Result = ResponseActFuture<Self, ProbeResult>;

    fn handle(&mut self, msg: Probe, _: &mut Context<Self>) -> Self::Result {
        let ctx = self.ctx.clone();
        let cfg = self.cfg.clone();
        let fut = async move {
            let result = probe_once(&ctx, &cfg, &msg.pane).await;
            if msg.pane.is_some() {
                record_health(&ctx, &cfg, &result).await;
            }
            result
        };
        Box::pin(fut.into_actor(self))
    }
}
