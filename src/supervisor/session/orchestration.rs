//! The async sequences behind the supervisor's requests (stop, restart, kill,
//! health), run off the actor with a detached copy of what they need.

use super::messages::*;
use super::resident_messages::Publish;
use crate::config::graph;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::hooks::{run_hook, HookKind, HookRun};
use crate::process;
use crate::supervisor::context::TaskContext;
use crate::supervisor::events::EventKind;
use crate::supervisor::task::messages::{Kill, Probe, Stop};
use crate::supervisor::task::TaskActor;
use crate::tmux::{panes, window, SessionSnapshot};
use actix::prelude::*;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What a request's sequence runs with, detached from the actor: a copy of the
/// supervisor's fields (config, task addresses) and the supervisor's address.
#[derive(Clone)]
pub struct Orchestration {
    pub(super) cfg: Arc<Config>,
    pub(super) ctx: TaskContext,
    pub(super) tasks: BTreeMap<String, Addr<TaskActor>>,
    /// The session's event bus (the supervisor).
    pub(super) events: Recipient<Publish>,
}

pub(super) fn mailbox(e: MailboxError) -> Error {
    Error::unavailable("task actor", e)
}

impl Orchestration {
    /// Publish an event on the session bus.
    pub(super) fn publish(&self, event: EventKind, task: Option<&str>, data: serde_json::Value) {
        self.events.do_send(Publish {
            event,
            task: task.map(str::to_string),
            data,
        });
    }

    pub(super) fn actor(&self, name: &str) -> Result<&Addr<TaskActor>> {
        self.tasks
            .get(name)
            .ok_or_else(|| Error::unknown_task(name, &self.cfg.task_names()))
    }

    /// The session as tmux shows it; an error when it belongs to another config.
    pub(super) async fn snapshot(&self) -> Result<SessionSnapshot> {
        let snap = panes::snapshot(&self.ctx.tmux, &self.ctx.session).await?;
        super::owner::check(&self.ctx.session, &self.cfg.path, &snap).await?;
        Ok(snap)
    }

    /// A snapshot for inspecting `task`: when it was started a moment ago and its
    /// pane process is still in taskmux's launch steps, wait for it (briefly) and
    /// snapshot again, so `inspect` right after `start` shows the task's own
    /// program (`pid`, `pane_current_command`).
    pub(super) async fn settled_snapshot(&self, task: &str) -> Result<SessionSnapshot> {
        let snap = self.snapshot().await?;
        let launched = self.cfg.task(task).zip(snap.pane(task).filter(|p| !p.dead));
        match launched {
            Some((cfg, pane))
                if crate::supervisor::launch_spec::settle(cfg, pane.pane_pid).await =>
            {
                self.snapshot().await
            }
            _ => Ok(snap),
        }
    }

    pub(super) async fn global_hook(&self, kind: HookKind) -> Result<()> {
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
            let interrupted = plan.interrupt_level(&level, snap).await;
            let interrupted = &interrupted;
            let mut stops: FuturesUnordered<_> = level
                .iter()
                .map(|name| async move {
                    let res = async {
                        plan.actor(name)?
                            .send(Stop {
                                pane: snap.pane(name).cloned(),
                                interrupted: interrupted.contains(name),
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

    /// Record the stop and send C-c to every running task of `level` that has no
    /// before_stop hook, a few tmux calls for all of them instead of one each
    /// (a stop of 200 tasks spawned 200 tmux clients at once). The tasks done.
    async fn interrupt_level(&self, level: &[String], snap: &SessionSnapshot) -> BTreeSet<String> {
        let batch: Vec<&str> = level
            .iter()
            .filter(|name| {
                snap.pane(name).is_some_and(|p| !p.dead)
                    && self
                        .cfg
                        .task(name)
                        .is_some_and(|t| t.hooks.before_stop.is_none())
            })
            .map(String::as_str)
            .collect();
        if batch.len() < 2 {
            return BTreeSet::new();
        }
        match window::interrupt_many(&self.ctx.tmux, &self.ctx.session, &batch).await {
            Ok(()) => batch.into_iter().map(str::to_string).collect(),
            // Each task's own stop sends its C-c then.
            Err(_) => BTreeSet::new(),
        }
    }

    pub(super) async fn kill(self, name: String) -> Result<KillReport> {
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

    pub(super) async fn health(self) -> Result<HealthReport> {
        let snap = self.snapshot().await?;
        let rows = self.cfg.tasks.iter().map(|t| {
            let pane = snap.pane(&t.name).cloned();
            let state = crate::supervisor::state::of_task(t, &snap);
            let running = pane
                .as_ref()
                .is_some_and(|p| !p.dead && process::pid_alive(p.pane_pid));
            let actor = self.tasks.get(&t.name).cloned();
            let ports = snap.ports();
            async move {
                let probe = match (running, actor) {
                    (true, Some(actor)) => actor.send(Probe { pane, ports }).await.ok(),
                    _ => None,
                };
                let down = !running
                    && matches!(
                        state,
                        crate::supervisor::state::TaskState::Exited { .. }
                            | crate::supervisor::state::TaskState::Failed { .. }
                            | crate::supervisor::state::TaskState::Backoff { .. }
                    );
                let starting = probe.as_ref().is_some_and(|p| p.is_starting(t, running));
                HealthRow {
                    down,
                    starting,
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
