//! Starting tasks: by name at once, or the whole stack in dependency order (each
//! dependent launched the moment its last dependency turns healthy), and
//! restarting (a stop, then a start).

use super::messages::*;
use super::orchestration::{mailbox, Orchestration};
use crate::error::{Error, Result};
use crate::hooks::HookKind;
use crate::process;
use crate::supervisor::events::EventKind;
use crate::supervisor::task::messages::{AwaitReady, Launch};
use crate::tmux::{panes, window, SessionSnapshot};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

impl Orchestration {
    /// Start `names` (empty: every auto_start task, waiting on dependencies).
    pub(super) async fn start(self, names: Vec<String>) -> Result<StartReport> {
        let scope = if names.is_empty() {
            Scope::Stack
        } else {
            Scope::Named(names)
        };
        self.start_scope(scope).await
    }

    pub(super) async fn start_scope(self, scope: Scope) -> Result<StartReport> {
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
            Scope::Stack => {
                let tasks = auto_start_tasks();
                if tasks.is_empty() {
                    report.warnings.push(if self.cfg.tasks.is_empty() {
                        "the config defines no tasks: nothing to start (add one with: taskmux add NAME COMMAND)".to_string()
                    } else {
                        "no task has auto_start = true: nothing started (start tasks by name)".to_string()
                    });
                }
                (tasks, true)
            }
            // Named tasks that depend on each other start in dependency order (each
            // waits for the health of the ones it depends on); otherwise at once.
            Scope::Named(names) => {
                let linked = names.iter().any(|n| {
                    self.cfg
                        .task(n)
                        .is_some_and(|t| t.depends_on.iter().any(|d| names.contains(d)))
                });
                (names, linked)
            }
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
        // A job that ran to completion is where its dependents need it.
        let completed = |name: &str| {
            self.cfg
                .task(name)
                .is_some_and(|t| crate::supervisor::state::of_task(t, &snap).is_completed())
        };
        if !whole_stack {
            for name in &targets {
                for dep in &self.cfg.task(name).expect("validated name").depends_on {
                    if !running(dep) && !completed(dep) && !targets.contains(dep) {
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
        let (dir, path) = (
            self.cfg.dir.to_string_lossy(),
            self.cfg.path.to_string_lossy(),
        );
        let ensure_session =
            || window::ensure_session(&self.ctx.tmux, &self.ctx.session, &dir, &path);
        if to_launch.is_empty() {
            report.session_created = ensure_session().await?;
            return Ok(report);
        }
        self.global_hook(HookKind::BeforeStart).await?;
        report.session_created = ensure_session().await?;
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
    pub(super) async fn launch(
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
                    since: None,
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
    pub(super) async fn await_running(
        &self,
        name: &str,
        pane: &panes::PaneInfo,
    ) -> (String, Outcome) {
        let (pane_pid, since) = (pane.pane_pid, crate::timefmt::instant_of(&pane.started_at));
        let outcome = async {
            let actor = self.actor(name)?;
            let deadline = self.cfg.task(name).expect("known task").ready_deadline();
            let ready = actor
                .send(AwaitReady {
                    pane_pid,
                    since,
                    deadline,
                })
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
                let done = self
                    .cfg
                    .task(dep)
                    .is_some_and(|t| crate::supervisor::state::of_task(t, snap).is_completed());
                match snap
                    .pane(dep)
                    .filter(|p| !p.dead && process::pid_alive(p.pane_pid))
                {
                    Some(p) => inflight.push(self.await_running_boxed(dep, p)),
                    None if done => {
                        ready.insert(dep.clone(), Ok(()));
                    }
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

    /// Restart `names` (none: everything that runs now plus the auto_start tasks):
    /// the full stop escalation, then a start in dependency order.
    pub(super) async fn restart(self, names: Vec<String>) -> Result<RestartReport> {
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

    pub(super) fn launch_boxed<'a>(
        &'a self,
        name: String,
        pane: Option<panes::PaneInfo>,
        wait: bool,
    ) -> futures_util::future::BoxFuture<'a, (String, Outcome)> {
        Box::pin(async move { self.launch(&name, pane, wait).await })
    }

    pub(super) fn await_running_boxed<'a>(
        &'a self,
        name: &'a str,
        pane: &'a panes::PaneInfo,
    ) -> futures_util::future::BoxFuture<'a, (String, Outcome)> {
        Box::pin(self.await_running(name, pane))
    }
}

/// Which tasks a start covers.
pub(super) enum Scope {
    /// Every auto_start task, in dependency order (honours the global auto_start).
    Stack,
    /// Exactly these tasks, at once, without waiting on dependencies.
    Named(Vec<String>),
    /// These tasks, in dependency order.
    Ordered(Vec<String>),
}

/// How one task's part of a start ended.
pub(super) enum Outcome {
    Launched(
        crate::supervisor::task::messages::Launched,
        std::result::Result<(), String>,
    ),
    AlreadyRunning(std::result::Result<(), String>),
    Error(Error),
}

pub(super) fn record(report: &mut StartReport, name: &str, outcome: Outcome) {
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
