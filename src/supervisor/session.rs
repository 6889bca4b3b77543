//! SessionSupervisor: owns the dependency graph and one TaskActor per task; starts and
//! stops them by messages, in dependency order, and runs the session-wide hooks.

use super::daemon_messages::Publish;
use super::events::EventBus;
use super::events::EventKind;
use super::session_messages::*;
use super::status::{self, GetStatus, Inspect, InspectReport, StatusReport};
use super::task::{TaskActor, TaskContext};
use super::task_messages::{AwaitReady, Kill, Launch, Probe, Stop};
use crate::config::{Config, TaskConfig};
use crate::error::{Error, Result};
use crate::graph;
use crate::hooks::{run_hook, HookKind, HookRun};
use crate::process;
use crate::tmux::{panes, window, SessionSnapshot};
use actix::prelude::*;
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The supervisor of one session.
pub struct SessionSupervisor {
    pub(super) cfg: Arc<Config>,
    pub(super) ctx: TaskContext,
    pub(super) tasks: BTreeMap<String, Addr<TaskActor>>,
    /// The session's events (a file in supervising mode, memory only otherwise).
    pub(super) bus: EventBus,
    /// Resident: watches exits, probes on timers, restarts per policy.
    pub(super) supervising: bool,
    /// A snapshot is being taken; `observe_again` asks for one more after it.
    pub(super) observing: bool,
    pub(super) observe_again: bool,
}

impl SessionSupervisor {
    /// A supervisor for one CLI request: acts when asked, no timers, no restarts.
    /// What it does is recorded in the events file too.
    pub fn new(cfg: Config, ctx: TaskContext) -> Self {
        Self::build(cfg, ctx, false)
    }

    /// The resident supervisor (daemon, `taskmux watch`): adopts running windows (or
    /// starts the auto_start tasks of a missing session), notices exits within
    /// milliseconds, probes each task on its own timer and restarts per policy.
    pub fn supervising(cfg: Config, ctx: TaskContext) -> Self {
        Self::build(cfg, ctx, true)
    }

    fn build(cfg: Config, ctx: TaskContext, supervising: bool) -> Self {
        // Read here, before the actor starts: the bus continues the file's seq.
        let file = Some(crate::paths::events_file(&ctx.session));
        SessionSupervisor {
            cfg: Arc::new(cfg),
            ctx,
            tasks: BTreeMap::new(),
            bus: EventBus::new(file),
            supervising,
            observing: false,
            observe_again: false,
        }
    }

    pub(super) fn spawn_task(&self, task: &TaskConfig, me: Addr<Self>) -> Addr<TaskActor> {
        TaskActor::new(self.ctx.clone(), task.clone(), me, self.supervising).start()
    }

    pub(super) fn plan(&self, me: Addr<Self>) -> Plan {
        Plan {
            cfg: self.cfg.clone(),
            ctx: self.ctx.clone(),
            tasks: self.tasks.clone(),
            me,
        }
    }
}

impl Actor for SessionSupervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        for task in &self.cfg.tasks {
            let actor = self.spawn_task(task, ctx.address());
            self.tasks.insert(task.name.clone(), actor);
        }
        if self.supervising {
            self.begin_supervising(ctx);
        }
    }
}

/// What the async orchestration needs: a snapshot of the supervisor's fields.
#[derive(Clone)]
pub(super) struct Plan {
    pub(super) cfg: Arc<Config>,
    pub(super) ctx: TaskContext,
    pub(super) tasks: BTreeMap<String, Addr<TaskActor>>,
    /// The supervisor itself (events are published through it).
    pub(super) me: Addr<SessionSupervisor>,
}

pub(super) fn mailbox(e: MailboxError) -> Error {
    Error::failed(format!("internal error: task actor unavailable ({e})"))
}

impl Plan {
    /// Publish an event on the session bus.
    pub(super) fn publish(&self, event: EventKind, task: Option<&str>, data: serde_json::Value) {
        self.me.do_send(Publish {
            event,
            task: task.map(str::to_string),
            data,
        });
    }

    fn actor(&self, name: &str) -> Result<&Addr<TaskActor>> {
        self.tasks
            .get(name)
            .ok_or_else(|| Error::unknown_task(name, &self.cfg.task_names()))
    }

    pub(super) async fn snapshot(&self) -> Result<SessionSnapshot> {
        panes::snapshot(&self.ctx.tmux, &self.ctx.session).await
    }

    /// A snapshot for inspecting `task`: when it was started a moment ago and its
    /// pane process is still in taskmux's launch steps, wait for it (briefly) and
    /// snapshot again, so `inspect` right after `start` shows the task's own
    /// program (`pid`, `pane_current_command`).
    pub(super) async fn settled_snapshot(&self, task: &str) -> Result<SessionSnapshot> {
        let snap = self.snapshot().await?;
        let launched = self.cfg.task(task).zip(snap.pane(task).filter(|p| !p.dead));
        match launched {
            Some((cfg, pane)) if super::launch_spec::settle(cfg, pane.pane_pid).await => {
                self.snapshot().await
            }
            _ => Ok(snap),
        }
    }

    async fn global_hook(&self, kind: HookKind) -> Result<()> {
        let Some(command) = kind.pick(&self.cfg.hooks) else {
            return Ok(());
        };
        run_hook(HookRun {
            kind,
            command,
            scope: "global",
            shell: &self.ctx.shell,
            cwd: &self.cfg.dir,
            env: vec![("TASKMUX_SESSION".into(), self.ctx.session.clone())],
            timeout: self.ctx.hook_timeout,
        })
        .await
        .map(drop)
    }

    /// Start `names` (empty: every auto_start task, waiting on dependencies).
    pub(super) async fn start(self, names: Vec<String>) -> Result<StartReport> {
        let scope = if names.is_empty() {
            Scope::Stack
        } else {
            Scope::Named(names)
        };
        self.start_scope(scope).await
    }

    async fn start_scope(self, scope: Scope) -> Result<StartReport> {
        let mut report = StartReport {
            session: self.ctx.session.clone(),
            ..Default::default()
        };
        let auto_start_tasks = || -> Vec<String> {
            self.cfg
                .tasks
                .iter()
                .filter(|t| t.auto_start)
                .map(|t| t.name.clone())
                .collect()
        };
        let (targets, whole_stack) = match scope {
            Scope::Stack if !self.cfg.auto_start => {
                report.warnings.push(
                    "auto_start = false: session created, no task launched (start tasks by name)"
                        .into(),
                );
                (Vec::new(), true)
            }
            Scope::Stack => (auto_start_tasks(), true),
            Scope::Named(names) => (names, false),
            Scope::Ordered(names) => (names, true),
        };
        // Names come from other processes too (CLI through the daemon, the API), whose
        // view of the config may be newer or older than ours.
        for name in &targets {
            self.actor(name)?;
        }
        let snap = self.snapshot().await?;
        let running = |name: &str| {
            snap.pane(name)
                .is_some_and(|p| !p.dead && process::pid_alive(p.pane_pid))
        };
        if !whole_stack {
            for name in &targets {
                for dep in &self.cfg.task(name).expect("validated name").depends_on {
                    if !running(dep) && !targets.contains(dep) {
                        report.warnings.push(format!(
                            "task '{name}' depends on '{dep}', which is not running (start it with: taskmux start {dep})"
                        ));
                    }
                }
            }
        }
        let to_launch: Vec<String> = targets
            .iter()
            .filter(|t| {
                if running(t) {
                    report.already_running.push(t.to_string());
                    false
                } else {
                    true
                }
            })
            .cloned()
            .collect();
        if to_launch.is_empty() {
            report.session_created = window::ensure_session(
                &self.ctx.tmux,
                &self.ctx.session,
                &self.cfg.dir.to_string_lossy(),
            )
            .await?;
            return Ok(report);
        }
        self.global_hook(HookKind::BeforeStart).await?;
        report.session_created = window::ensure_session(
            &self.ctx.tmux,
            &self.ctx.session,
            &self.cfg.dir.to_string_lossy(),
        )
        .await?;
        if whole_stack {
            self.schedule(&snap, to_launch, &mut report).await;
        } else {
            let mut launches: FuturesUnordered<_> = to_launch
                .iter()
                .map(|name| self.launch(name, snap.pane(name).cloned(), false))
                .collect();
            while let Some((name, outcome)) = launches.next().await {
                record(&mut report, &name, outcome);
            }
        }
        if !report.started.is_empty() {
            window::drop_placeholder(&self.ctx.tmux, &self.ctx.session).await?;
        }
        self.global_hook(HookKind::AfterStart).await?;
        Ok(report)
    }

    /// Launch one task; when `wait_ready`, also wait until it is healthy.
    async fn launch(
        &self,
        name: &str,
        pane: Option<panes::PaneInfo>,
        wait_ready: bool,
    ) -> (String, Outcome) {
        let outcome = async {
            let actor = self.actor(name)?;
            let launched = match actor.send(Launch { pane }).await.map_err(mailbox)? {
                Ok(l) => l,
                // Started meanwhile by someone else (the daemon's own start, a client).
                Err(e) if e.code == crate::error::ErrorCode::AlreadyRunning => {
                    return Ok(Outcome::AlreadyRunning(Ok(())))
                }
                Err(e) => return Err(e),
            };
            if !wait_ready {
                return Ok(Outcome::Launched(launched, Ok(())));
            }
            let deadline = self.cfg.task(name).expect("known task").ready_deadline();
            let ready = actor
                .send(AwaitReady {
                    pane_pid: launched.pane_pid,
                    deadline,
                })
                .await
                .map_err(mailbox)?;
            Ok(Outcome::Launched(launched, ready))
        }
        .await;
        (name.to_string(), outcome.unwrap_or_else(Outcome::Error))
    }

    /// Wait until an already running dependency is healthy.
    async fn await_running(&self, name: &str, pane_pid: u32) -> (String, Outcome) {
        let outcome = async {
            let actor = self.actor(name)?;
            let deadline = self.cfg.task(name).expect("known task").ready_deadline();
            let ready = actor
                .send(AwaitReady { pane_pid, deadline })
                .await
                .map_err(mailbox)?;
            Ok(Outcome::AlreadyRunning(ready))
        }
        .await;
        (name.to_string(), outcome.unwrap_or_else(Outcome::Error))
    }

    /// Dependency-ordered start: everything whose dependencies are healthy starts at
    /// once; a dependent starts the moment its last dependency turns healthy.
    pub(super) async fn schedule(
        &self,
        snap: &SessionSnapshot,
        to_launch: Vec<String>,
        report: &mut StartReport,
    ) {
        let planned: BTreeSet<String> = to_launch.iter().cloned().collect();
        let has_dependents = |name: &str| {
            planned.iter().any(|t| {
                self.cfg
                    .task(t)
                    .is_some_and(|c| c.depends_on.iter().any(|d| d == name))
            })
        };
        // Dependencies that are not being launched: running ones must prove healthy.
        let mut ready: BTreeMap<String, std::result::Result<(), String>> = BTreeMap::new();
        let mut inflight = FuturesUnordered::new();
        let mut watched = BTreeSet::new();
        for name in &to_launch {
            for dep in &self.cfg.task(name).expect("known").depends_on {
                if planned.contains(dep) || !watched.insert(dep.clone()) {
                    continue;
                }
                match snap
                    .pane(dep)
                    .filter(|p| !p.dead && process::pid_alive(p.pane_pid))
                {
                    Some(p) => inflight.push(self.await_running_boxed(dep, p.pane_pid)),
                    None => {
                        let auto = self.cfg.task(dep).is_some_and(|t| t.auto_start);
                        let why = if auto {
                            format!("dependency '{dep}' is not running")
                        } else {
                            format!("dependency '{dep}' is not running (auto_start = false; start it with: taskmux start {dep})")
                        };
                        ready.insert(dep.clone(), Err(why));
                    }
                }
            }
        }
        let mut waiting = to_launch;
        loop {
            let mut changed = true;
            while changed {
                changed = false;
                let mut still_waiting = Vec::new();
                for name in std::mem::take(&mut waiting) {
                    let deps = &self.cfg.task(&name).expect("known").depends_on;
                    if let Some(reason) = deps.iter().find_map(|d| match ready.get(d) {
                        Some(Err(why)) => Some(why.clone()),
                        _ => None,
                    }) {
                        report.skipped.push(Skip {
                            task: name.clone(),
                            reason: reason.clone(),
                        });
                        self.publish(EventKind::Skipped, Some(&name), json!({ "reason": reason }));
                        window::mark_skipped(&self.ctx.tmux, &self.ctx.session, &name, &reason)
                            .await
                            .ok();
                        ready.insert(
                            name.clone(),
                            Err(format!("dependency '{name}' was skipped: {reason}")),
                        );
                    } else if deps.iter().all(|d| matches!(ready.get(d), Some(Ok(())))) {
                        let wait = has_dependents(&name);
                        let pane = snap.pane(&name).cloned();
                        inflight.push(self.launch_boxed(name.clone(), pane, wait));
                    } else {
                        still_waiting.push(name);
                        continue;
                    }
                    changed = true;
                }
                waiting = still_waiting;
            }
            let Some((name, outcome)) = inflight.next().await else {
                break;
            };
            // What dependents are told: readiness failures name the task ("task 'db'
            // did not become healthy ..."), launch failures are worded here.
            let verdict = match &outcome {
                Outcome::Launched(_, r) | Outcome::AlreadyRunning(r) => {
                    r.clone().map_err(|why| format!("dependency {why}"))
                }
                Outcome::Error(e) => Err(format!(
                    "dependency '{name}' failed to start: {}",
                    e.message
                )),
            };
            ready.insert(name.clone(), verdict);
            if planned.contains(&name) {
                record(report, &name, outcome);
            }
        }
        for name in waiting {
            let reason = "its dependencies never became ready".to_string();
            self.publish(EventKind::Skipped, Some(&name), json!({ "reason": reason }));
            report.skipped.push(Skip { task: name, reason });
        }
    }

    fn launch_boxed<'a>(
        &'a self,
        name: String,
        pane: Option<panes::PaneInfo>,
        wait: bool,
    ) -> futures_util::future::BoxFuture<'a, (String, Outcome)> {
        Box::pin(async move { self.launch(&name, pane, wait).await })
    }

    fn await_running_boxed<'a>(
        &'a self,
        name: &'a str,
        pane_pid: u32,
    ) -> futures_util::future::BoxFuture<'a, (String, Outcome)> {
        Box::pin(self.await_running(name, pane_pid))
    }

    /// Stop `names` (empty: all, reverse dependency order, then end the session).
    pub(super) async fn stop(self, names: Vec<String>, end_session: bool) -> Result<StopReport> {
        let mut report = StopReport {
            session: self.ctx.session.clone(),
            ..Default::default()
        };
        let snap = self.snapshot().await?;
        if !snap.exists {
            return Ok(report);
        }
        let levels: Vec<Vec<String>> = if names.is_empty() {
            // Every task with a window, reverse dependency order.
            graph::stop_order(&self.cfg)
                .into_iter()
                .map(|level| {
                    level
                        .into_iter()
                        .filter(|t| snap.pane(t).is_some())
                        .collect()
                })
                .collect()
        } else {
            vec![names]
        };
        let any_running = levels
            .iter()
            .flatten()
            .any(|n| snap.pane(n).is_some_and(|p| !p.dead));
        if any_running {
            self.global_hook(HookKind::BeforeStop).await?;
        }
        let (plan, snap) = (&self, &snap);
        for level in levels {
            let mut stops: FuturesUnordered<_> = level
                .iter()
                .map(|name| async move {
                    let res = async {
                        plan.actor(name)?
                            .send(Stop {
                                pane: snap.pane(name).cloned(),
                            })
                            .await
                            .map_err(mailbox)?
                    }
                    .await;
                    (name.clone(), res)
                })
                .collect();
            while let Some((name, res)) = stops.next().await {
                match res {
                    Ok(stopped) => report.stopped.push(stopped),
                    Err(e) => report.failed.push(TaskError {
                        task: name,
                        code: e.code.to_string(),
                        message: e.message,
                    }),
                }
            }
        }
        if any_running {
            self.global_hook(HookKind::AfterStop).await?;
        }
        if end_session && report.failed.is_empty() {
            window::kill_session(&self.ctx.tmux, &self.ctx.session).await?;
            report.session_ended = true;
        }
        Ok(report)
    }

    async fn restart(self, names: Vec<String>) -> Result<RestartReport> {
        let scope = if names.is_empty() {
            // Everything that runs now (manual tasks included) plus the auto_start
            // tasks, in dependency order.
            let snap = self.snapshot().await?;
            let set = self
                .cfg
                .tasks
                .iter()
                .filter(|t| {
                    (self.cfg.auto_start && t.auto_start)
                        || snap.pane(&t.name).is_some_and(|p| !p.dead)
                })
                .map(|t| t.name.clone())
                .collect();
            Scope::Ordered(set)
        } else {
            Scope::Named(names.clone())
        };
        let stop = self.clone().stop(names, false).await?;
        if let Some(f) = stop.failed.first() {
            return Err(Error::failed(format!(
                "could not stop '{}' for the restart: {}",
                f.task, f.message
            )));
        }
        let start = self.start_scope(scope).await?;
        Ok(RestartReport { stop, start })
    }

    async fn kill(self, name: String) -> Result<KillReport> {
        let snap = self.snapshot().await?;
        let pane = snap.pane(&name).cloned();
        let had_window = pane.is_some();
        let was_running = self
            .actor(&name)?
            .send(Kill { pane })
            .await
            .map_err(mailbox)??;
        Ok(KillReport {
            task: name,
            was_running,
            window_destroyed: had_window,
        })
    }

    async fn health(self) -> Result<HealthReport> {
        let snap = self.snapshot().await?;
        let rows = self.cfg.tasks.iter().map(|t| {
            let pane = snap.pane(&t.name).cloned();
            let state = super::state::from_snapshot(&t.name, &snap);
            let running = pane
                .as_ref()
                .is_some_and(|p| !p.dead && process::pid_alive(p.pane_pid));
            let actor = self.tasks.get(&t.name).cloned();
            async move {
                let probe = match (running, actor) {
                    (true, Some(actor)) => actor.send(Probe { pane }).await.ok(),
                    _ => None,
                };
                HealthRow {
                    task: t.name.clone(),
                    state: if running {
                        "running".into()
                    } else {
                        state.label()
                    },
                    running,
                    healthy: probe.as_ref().is_some_and(|p| p.healthy),
                    probe,
                }
            }
        });
        let tasks = futures_util::future::join_all(rows).await;
        Ok(HealthReport {
            session: self.ctx.session.clone(),
            tasks,
        })
    }
}

/// Which tasks a start covers.
enum Scope {
    /// Every auto_start task, in dependency order (honours the global auto_start).
    Stack,
    /// Exactly these tasks, at once, without waiting on dependencies.
    Named(Vec<String>),
    /// These tasks, in dependency order.
    Ordered(Vec<String>),
}

/// How one task's part of a start ended.
enum Outcome {
    Launched(
        super::task_messages::Launched,
        std::result::Result<(), String>,
    ),
    AlreadyRunning(std::result::Result<(), String>),
    Error(Error),
}

fn record(report: &mut StartReport, name: &str, outcome: Outcome) {
    match outcome {
        Outcome::Launched(launched, ready) => {
            if let Err(why) = ready {
                report.warnings.push(why);
            }
            report.started.push(launched);
        }
        Outcome::AlreadyRunning(_) => report.already_running.push(name.to_string()),
        Outcome::Error(e) => report.failed.push(TaskError {
            task: name.to_string(),
            code: e.code.to_string(),
            message: e.message,
        }),
    }
}

impl Handler<StartTasks> for SessionSupervisor {
    type Result = ResponseFuture<Result<StartReport>>;

    fn handle(&mut self, msg: StartTasks, ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(self.plan(ctx.address()).start(msg.names))
    }
}

impl Handler<StopTasks> for SessionSupervisor {
    type Result = ResponseFuture<Result<StopReport>>;

    fn handle(&mut self, msg: StopTasks, ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(self.plan(ctx.address()).stop(msg.names, msg.end_session))
    }
}

impl Handler<RestartTasks> for SessionSupervisor {
    type Result = ResponseFuture<Result<RestartReport>>;

    fn handle(&mut self, msg: RestartTasks, ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(self.plan(ctx.address()).restart(msg.names))
    }
}

impl Handler<KillTask> for SessionSupervisor {
    type Result = ResponseFuture<Result<KillReport>>;

    fn handle(&mut self, msg: KillTask, ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(self.plan(ctx.address()).kill(msg.name))
    }
}

impl Handler<CheckHealth> for SessionSupervisor {
    type Result = ResponseFuture<Result<HealthReport>>;

    fn handle(&mut self, _: CheckHealth, ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(self.plan(ctx.address()).health())
    }
}

impl Handler<GetStatus> for SessionSupervisor {
    type Result = ResponseFuture<Result<StatusReport>>;

    fn handle(&mut self, _: GetStatus, ctx: &mut Context<Self>) -> Self::Result {
        let plan = self.plan(ctx.address());
        Box::pin(async move {
            let snap = plan.snapshot().await?;
            Ok(status::build(&plan.cfg, &snap))
        })
    }
}

impl Handler<Inspect> for SessionSupervisor {
    type Result = ResponseFuture<Result<InspectReport>>;

    fn handle(&mut self, msg: Inspect, ctx: &mut Context<Self>) -> Self::Result {
        let plan = self.plan(ctx.address());
        Box::pin(async move {
            let actor = plan.actor(&msg.name)?.clone();
            let snap = plan.settled_snapshot(&msg.name).await?;
            let mut report = status::inspect(&plan.cfg, &snap, &msg.name);
            if report.running {
                // `healthy` is a fresh probe, as in the original.
                let pane = snap.pane(&msg.name).cloned();
                if let Ok(probe) = actor.send(Probe { pane }).await {
                    report.healthy = probe.healthy;
                    report.last_health = Some(super::task::health_option(&probe));
                    let health = if probe.healthy {
                        super::state::Health::Healthy
                    } else {
                        super::state::Health::Unhealthy(format!(
                            "{}: {}",
                            probe.method, probe.detail
                        ))
                    };
                    report.detail = super::state::TaskState::Running { health };
                    report.state = report.detail.label();
                    report.reason = report.detail.reason();
                }
            }
            Ok(report)
        })
    }
}
