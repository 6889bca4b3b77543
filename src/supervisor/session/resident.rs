//! The resident half of the SessionSupervisor: the exit watcher (tmux wait-for on the
//! session's exit channel, plus a cheap fallback poll), adoption, dispatching pane
//! facts to the task actors, the event bus, config reloads and rest_for_one.

use super::orchestration::Orchestration;
use super::SessionSupervisor;
use crate::config::graph;
use crate::config::{Config, Strategy};
use crate::error::{Error, Result};
use crate::supervisor::events::EventKind;
use crate::supervisor::launch_spec::exit_channel;
use crate::supervisor::session::messages::StartReport;
use crate::supervisor::session::resident_messages::*;
use crate::supervisor::task::messages::{PaneObserved, Retire};
use crate::tmux::options::Desired;
use crate::tmux::{panes, window, SessionSnapshot};
use actix::prelude::*;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// One snapshot with every pane checked against /proc (`state::as_it_is`: tmux may
/// not have reaped an ended process yet), the /proc reads on the blocking pool.
async fn observe(tmux: &crate::tmux::Tmux, session: &str) -> Result<SessionSnapshot> {
    let mut snap = panes::snapshot(tmux, session).await?;
    tokio::task::spawn_blocking(move || {
        for pane in snap.panes.values_mut() {
            *pane = crate::supervisor::state::as_it_is(std::mem::take(pane));
        }
        snap
    })
    .await
    .map_err(|e| Error::failed(format!("internal error: snapshot check failed ({e})")))
}

/// Session-wide poll in case a wake-up from tmux is missed.
pub const FALLBACK_POLL: Duration = Duration::from_secs(2);
/// Pause before re-arming `wait-for` when tmux refused it (no server yet).
const REARM_PAUSE: Duration = Duration::from_millis(250);

impl SessionSupervisor {
    /// Adopt what runs (or start the auto_start tasks of a missing session), then
    /// watch for exits.
    pub(super) fn begin_supervising(&mut self, ctx: &mut Context<Self>) {
        let (tmux, session) = (self.ctx.tmux.clone(), self.ctx.session.clone());
        let first = async move { observe(&tmux, &session).await };
        ctx.spawn(first.into_actor(self).map(|snap, act, ctx| {
            match snap {
                Ok(snap) if snap.exists => act.dispatch(&snap),
                _ => {
                    let plan = act.orchestration(ctx.address());
                    let start = async move {
                        if let Err(e) = plan.clone().start(Vec::new()).await {
                            plan.publish(
                                EventKind::StartFailed,
                                None,
                                json!({"message": e.message}),
                            );
                        }
                    };
                    ctx.spawn(start.into_actor(act));
                }
            }
            act.watch_exits(ctx);
        }));
    }

    /// A long-lived `tmux wait-for taskmux-exit-SESSION`, re-armed after each wake
    /// (every pane-died hook signals it), and a fallback poll.
    fn watch_exits(&mut self, ctx: &mut Context<Self>) {
        let tmux = self.ctx.tmux.clone();
        let channel = exit_channel(&self.ctx.session);
        let me = ctx.address();
        let waiter = async move {
            loop {
                if tmux.wait_for(&channel).await {
                    me.do_send(Observe);
                } else {
                    tokio::time::sleep(REARM_PAUSE).await;
                }
            }
        };
        ctx.spawn(waiter.into_actor(self));
        ctx.run_interval(FALLBACK_POLL, |_, ctx| ctx.notify(Observe));
    }

    /// Hand every task actor its pane from `snap`.
    fn dispatch(&self, snap: &SessionSnapshot) {
        let ports = snap.ports();
        for (name, actor) in &self.tasks {
            actor.do_send(PaneObserved {
                pane: snap.pane(name).cloned(),
                ports: ports.clone(),
            });
        }
    }
}

impl Handler<Observe> for SessionSupervisor {
    type Result = ();

    fn handle(&mut self, _: Observe, ctx: &mut Context<Self>) {
        if self.observing {
            self.observe_again = true;
            return;
        }
        self.observing = true;
        let (tmux, session) = (self.ctx.tmux.clone(), self.ctx.session.clone());
        let fut = async move { observe(&tmux, &session).await };
        ctx.spawn(fut.into_actor(self).map(|snap, act, ctx| {
            act.observing = false;
            if let Ok(snap) = snap {
                act.dispatch(&snap);
                act.remember(std::sync::Arc::new(snap));
            }
            if std::mem::take(&mut act.observe_again) {
                ctx.notify(Observe);
            }
        }));
    }
}

impl Handler<Publish> for SessionSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Publish, _: &mut Context<Self>) {
        // Something changed: the latest snapshot no longer says what is.
        self.recent = None;
        self.bus.publish(msg.event, msg.task.as_deref(), msg.data);
    }
}

impl Handler<Subscribe> for SessionSupervisor {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.bus.subscribe(msg.who, msg.since_seq))
    }
}

impl Handler<Unsubscribe> for SessionSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Context<Self>) {
        self.bus.unsubscribe(msg.id);
    }
}

impl Handler<ConfigError> for SessionSupervisor {
    type Result = ();

    fn handle(&mut self, msg: ConfigError, _: &mut Context<Self>) {
        self.bus.publish(
            EventKind::ConfigError,
            None,
            json!({"message": msg.message}),
        );
    }
}

impl Handler<TaskRecovered> for SessionSupervisor {
    type Result = ();

    fn handle(&mut self, msg: TaskRecovered, ctx: &mut Context<Self>) {
        if self.cfg.strategy != Strategy::RestForOne {
            return;
        }
        let dependents = graph::dependents_transitive(&self.cfg, &msg.task);
        if dependents.is_empty() {
            return;
        }
        let plan = self.orchestration(ctx.address());
        let fut = async move {
            if let Err(e) = plan.clone().restart_dependents(dependents).await {
                plan.publish(
                    EventKind::StartFailed,
                    Some(&msg.task),
                    json!({"message": format!("rest_for_one restart of dependents: {}", e.message)}),
                );
            }
        };
        ctx.spawn(fut.into_actor(self));
    }
}

/// Which tasks a new config adds, removes, changes or leaves alone.
pub fn diff(old: &Config, new: &Config) -> ReloadReport {
    let mut r = ReloadReport::default();
    for t in &new.tasks {
        match old.task(&t.name) {
            None => r.added.push(t.name.clone()),
            Some(o) if o != t => r.changed.push(t.name.clone()),
            Some(_) => r.unchanged.push(t.name.clone()),
        }
    }
    r.removed = old
        .tasks
        .iter()
        .filter(|t| new.task(&t.name).is_none())
        .map(|t| t.name.clone())
        .collect();
    r
}

impl Handler<ReloadConfig> for SessionSupervisor {
    type Result = ResponseFuture<Result<ReloadReport>>;

    fn handle(&mut self, msg: ReloadConfig, ctx: &mut Context<Self>) -> Self::Result {
        let new = msg.cfg;
        if new.name != self.cfg.name {
            let message = format!(
                "the session name changed ('{}' → '{}'): restart the supervisor to switch sessions",
                self.cfg.name, new.name
            );
            return Box::pin(async move { Err(Error::config(message)) });
        }
        let mut report = diff(&self.cfg, &new);
        let old_plan = self.orchestration(ctx.address());
        let retired: Vec<_> = report
            .removed
            .iter()
            .chain(&report.changed)
            .filter_map(|n| self.tasks.remove(n))
            .collect();
        self.cfg = Arc::new(new);
        for name in report.added.iter().chain(&report.changed) {
            let task = self.cfg.task(name).expect("in the new config").clone();
            let actor = self.spawn_task(&task, ctx.address());
            self.tasks.insert(name.clone(), actor);
        }
        let new_plan = self.orchestration(ctx.address());
        Box::pin(async move {
            let snap = old_plan.snapshot().await?;
            let live = |n: &String| snap.pane(n).is_some_and(|p| !p.dead);
            let restart: Vec<String> = report.changed.iter().filter(|n| live(n)).cloned().collect();
            let to_stop: Vec<String> = report
                .removed
                .iter()
                .filter(|n| live(n))
                .chain(&restart)
                .cloned()
                .collect();
            if !to_stop.is_empty() {
                let stopped = old_plan.clone().stop(to_stop, false).await?;
                report.stopped = stopped.stopped.iter().map(|s| s.task.clone()).collect();
                for f in stopped.failed {
                    report
                        .warnings
                        .push(format!("could not stop '{}': {}", f.task, f.message));
                }
            }
            for name in report.removed.iter().filter(|n| snap.pane(n).is_some()) {
                window::kill_window(&old_plan.ctx.tmux, &old_plan.ctx.session, name)
                    .await
                    .ok();
            }
            for actor in retired {
                actor.do_send(Retire);
            }
            let auto = new_plan.cfg.auto_start;
            let mut to_start: Vec<String> = restart;
            to_start.extend(
                report
                    .added
                    .iter()
                    .filter(|n| auto && new_plan.cfg.task(n).is_some_and(|t| t.auto_start))
                    .cloned(),
            );
            if !to_start.is_empty() {
                let started = new_plan.clone().start(to_start).await?;
                report.started = started.started.iter().map(|l| l.task.clone()).collect();
                report.warnings.extend(started.warnings);
                for f in started.failed {
                    report
                        .warnings
                        .push(format!("could not start '{}': {}", f.task, f.message));
                }
            }
            new_plan.publish(
                EventKind::ConfigReloaded,
                None,
                json!({"added": report.added, "removed": report.removed, "changed": report.changed}),
            );
            Ok(report)
        })
    }
}

impl Orchestration {
    /// rest_for_one: stop `names` (dependents of a task that was just restarted and is
    /// healthy again) in reverse dependency order, then start them in dependency order.
    /// Tasks stopped by hand or given up on are left alone.
    pub(super) async fn restart_dependents(self, names: Vec<String>) -> Result<()> {
        let snap = self.snapshot().await?;
        let chosen: BTreeSet<String> = names
            .into_iter()
            .filter(|n| {
                snap.pane(n)
                    .is_some_and(|p| p.desired != Desired::Stopped && !p.verdict.is_failed())
            })
            .collect();
        if chosen.is_empty() {
            return Ok(());
        }
        for level in graph::stop_order(&self.cfg) {
            let level: Vec<String> = level.into_iter().filter(|n| chosen.contains(n)).collect();
            if !level.is_empty() {
                self.clone().stop(level, false).await?;
            }
        }
        let snap = self.snapshot().await?;
        let order: Vec<String> = graph::start_order(&self.cfg)
            .into_iter()
            .flatten()
            .filter(|n| chosen.contains(n))
            .collect();
        let mut report = StartReport::default();
        self.schedule(&snap, order, &mut report).await;
        Ok(())
    }
}

impl Handler<DependenciesReady> for SessionSupervisor {
    type Result = ResponseFuture<Option<String>>;

    fn handle(&mut self, msg: DependenciesReady, ctx: &mut Context<Self>) -> Self::Result {
        let plan = self.orchestration(ctx.address());
        let fresh = self.fresh_snapshot();
        Box::pin(async move {
            let deps = plan.cfg.task(&msg.task)?.depends_on.clone();
            if deps.is_empty() {
                return None;
            }
            let snap = match fresh {
                Some(s) => s,
                None => Arc::new(plan.snapshot().await.ok()?),
            };
            deps.iter().find_map(|dep| {
                let dep_cfg = plan.cfg.task(dep)?;
                let has_probe = dep_cfg.has_probe();
                let why = match snap.pane(dep) {
                    _ if crate::supervisor::state::of_task(dep_cfg, &snap).is_completed() => {
                        return None
                    }
                    None => "is not running",
                    Some(p) if p.desired == Desired::Stopped => "was stopped by hand",
                    Some(p) if p.dead => "is down",
                    Some(p)
                        if has_probe && p.health != crate::tmux::options::HealthMark::Healthy =>
                    {
                        "is not healthy"
                    }
                    Some(_) => return None,
                };
                Some(format!("dependency '{dep}' {why}"))
            })
        })
    }
}
