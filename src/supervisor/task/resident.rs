//! The supervising half of a TaskActor: what it does when the session snapshot shows
//! its pane (adopt, notice an exit), its health timer, backoff and restarts.
//! Nothing here blocks the actor: async work is spawned and its result comes back
//! through `into_actor(..).map(..)`; timers carry the generation they were set for.

use super::actions::{alive, health_option, launch, stop, EnvSource};
use super::TaskActor;
use crate::probe::{self, ProbeResult};
use crate::process;
use crate::supervisor::events::EventKind;
use crate::supervisor::policy;
use crate::supervisor::session::resident_messages::{Observe, TaskRecovered};
use crate::supervisor::state::{self, Health, TaskState};
use crate::supervisor::task::messages::{Launched, PaneObserved, Retire};
use crate::tmux::options::{Desired, Verdict};
use crate::tmux::panes::{self, opt};
use crate::tmux::{window, PaneInfo};
use actix::prelude::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// First probe delay after a launch; doubles up to FAST_PROBE_MAX until healthy.
const FAST_PROBE: Duration = Duration::from_millis(100);
const FAST_PROBE_MAX: Duration = Duration::from_millis(250);
/// A dead pane without an exit status yet is looked at again after this long …
const UNSETTLED_RECHECK: Duration = Duration::from_millis(100);
/// … and taken as it is after this long.
const UNSETTLED_LIMIT: Duration = Duration::from_secs(1);

impl TaskActor {
    /// A run began (a launch by request, or an automatic restart `attempt`).
    pub(super) fn on_launched(
        &mut self,
        launched: &Launched,
        attempt: Option<u32>,
        ctx: &mut Context<Self>,
    ) {
        self.generation += 1;
        self.state = TaskState::Running {
            health: Health::Unknown,
        };
        self.pane_pid = Some(launched.pane_pid);
        self.unsettled_since = None;
        self.fail_streak = 0;
        self.healthy_since = None;
        self.run_since = Instant::now();
        match attempt {
            Some(n) => {
                self.restarts = n;
                self.notify_recovered = true;
            }
            None => {
                // A start by hand gives the task a fresh restart budget.
                if self.restarts > 0 {
                    self.restarts = 0;
                    self.set_option(ctx, opt::RESTARTS, "0".into());
                }
                self.notify_recovered = false;
            }
        }
        self.publish(
            EventKind::Started,
            json!({"pid": launched.pid, "run": launched.run, "restarts": self.restarts,
                   "automatic": attempt.is_some()}),
        );
        if self.supervising {
            self.schedule_probe(FAST_PROBE, ctx);
            self.watch_exit(launched.pane_pid, ctx);
            // The run may already have ended while the launch was in flight.
            self.links.observe.do_send(Observe);
        }
    }

    /// Ask for a fresh snapshot the moment the pane's process ends (a pidfd fires
    /// before the tmux server has even reaped it; its pane-died hook may come late).
    fn watch_exit(&mut self, pid: u32, ctx: &mut Context<Self>) {
        ctx.spawn(
            crate::process_exit::wait_exit(pid)
                .into_actor(self)
                .map(move |_, act, _| {
                    if act.pane_pid == Some(pid) {
                        act.links.observe.do_send(Observe);
                    }
                }),
        );
    }

    /// Set one window option in the background.
    fn set_option(&self, ctx: &mut Context<Self>, name: &'static str, value: String) {
        let (tmux, session, task) = (
            self.ctx.tmux.clone(),
            self.ctx.session.clone(),
            self.cfg.name.clone(),
        );
        ctx.spawn(
            async move {
                window::set_options(&tmux, &session, &task, &[(name, value)])
                    .await
                    .ok();
            }
            .into_actor(self),
        );
    }

    /// Record a health verdict; publishes health_changed on a transition.
    pub(super) fn note_health(&mut self, health: Health) -> bool {
        let TaskState::Running { health: prev } = &self.state else {
            return false;
        };
        let changed = !matches!(
            (prev, &health),
            (Health::Healthy, Health::Healthy)
                | (Health::Unhealthy(_), Health::Unhealthy(_))
                | (_, Health::Unknown)
        );
        if changed {
            let (healthy, reason) = match &health {
                Health::Unhealthy(r) => (false, Some(r.clone())),
                _ => (true, None),
            };
            self.publish(
                EventKind::HealthChanged,
                json!({"healthy": healthy, "reason": reason}),
            );
        }
        if health == Health::Healthy {
            self.healthy_since.get_or_insert_with(Instant::now);
        } else {
            self.healthy_since = None;
        }
        self.state = TaskState::Running { health };
        changed
    }

    fn schedule_probe(&mut self, delay: Duration, ctx: &mut Context<Self>) {
        let generation = self.generation;
        ctx.run_later(delay, move |act, ctx| {
            if act.generation == generation {
                act.probe_now(delay, ctx);
            }
        });
    }

    /// Still starting: not yet healthy and within `health_retries × health_interval`.
    fn in_startup(&self) -> bool {
        self.healthy_since.is_none()
            && !matches!(
                self.state,
                TaskState::Running {
                    health: Health::Healthy
                }
            )
            && self.run_since.elapsed() < self.cfg.ready_deadline()
            && self.fail_streak == 0
    }

    fn probe_now(&mut self, last_delay: Duration, ctx: &mut Context<Self>) {
        if !self.state.is_running() || self.probing {
            return;
        }
        let Some(pid) = self.pane_pid else { return };
        self.probing = true;
        let spec = probe::spec_for(&self.cfg, &self.ctx.shell, process::pid_alive(pid));
        let timeout = self.cfg.health_timeout;
        let generation = self.generation;
        let fut = async move {
            // probe() honours the timeout itself; this is a backstop.
            tokio::time::timeout(
                timeout + Duration::from_millis(500),
                probe::probe(&spec, timeout),
            )
            .await
            .unwrap_or_else(|_| ProbeResult {
                healthy: false,
                method: spec.method().into(),
                detail: format!("timed out after {}", probe::fmt_duration(timeout)),
                elapsed: timeout,
            })
        };
        ctx.spawn(fut.into_actor(self).map(move |result, act, ctx| {
            act.probing = false;
            if act.generation != generation || !act.state.is_running() {
                return;
            }
            act.on_probe(result, last_delay, ctx);
        }));
    }

    fn on_probe(&mut self, result: ProbeResult, last_delay: Duration, ctx: &mut Context<Self>) {
        let starting = self.in_startup();
        let health = if result.healthy {
            Health::Healthy
        } else {
            Health::Unhealthy(result.reason())
        };
        // While starting, failures only mean "not ready yet".
        if starting && !result.healthy {
            let next = (last_delay * 2)
                .min(FAST_PROBE_MAX)
                .min(self.cfg.health_interval);
            self.schedule_probe(next, ctx);
            return;
        }
        if self.note_health(health.clone()) {
            self.set_option(ctx, opt::HEALTH, health_option(&result));
        }
        if result.healthy {
            self.fail_streak = 0;
            if self.notify_recovered {
                self.notify_recovered = false;
                self.links.recovered.do_send(TaskRecovered {
                    task: self.cfg.name.clone(),
                });
            }
            let steady = self
                .healthy_since
                .is_some_and(|t| t.elapsed() >= policy::RESET_AFTER);
            if steady && self.restarts > 0 {
                self.restarts = 0;
                self.set_option(ctx, opt::RESTARTS, "0".into());
            }
        } else {
            self.fail_streak += 1;
            if self.fail_streak >= self.cfg.health_retries.max(1)
                && policy::restarts_when_unhealthy(self.cfg.restart_policy)
            {
                self.fail_streak = 0;
                let reason = format!(
                    "unhealthy ({} failed probes: {})",
                    self.cfg.health_retries.max(1),
                    result.reason()
                );
                self.schedule_restart(reason, ctx);
                return;
            }
        }
        self.schedule_probe(self.cfg.health_interval, ctx);
    }

    /// Back off, then restart; or give up when max_restarts is used up.
    fn schedule_restart(&mut self, reason: String, ctx: &mut Context<Self>) {
        self.generation += 1;
        if policy::exhausted(self.cfg.max_restarts, self.restarts) {
            self.give_up(reason, ctx);
            return;
        }
        let attempt = self.restarts + 1;
        let delay = policy::backoff_delay(self.cfg.restart_backoff, self.restarts);
        let delay_ms = delay.as_millis() as u64;
        self.state = TaskState::Backoff { attempt, delay_ms };
        self.publish(
            EventKind::Restarting,
            json!({"attempt": attempt, "delay_ms": delay_ms, "reason": reason}),
        );
        // Shown by `status` in every process until the launch clears it.
        let until = chrono::Utc::now()
            + chrono::Duration::milliseconds(delay_ms.try_into().unwrap_or(i64::MAX));
        let verdict = Verdict::Backoff {
            attempt,
            delay_ms,
            until,
        }
        .to_string();
        let (tctx, name) = (self.ctx.clone(), self.cfg.name.clone());
        ctx.spawn(
            async move {
                window::set_options(&tctx.tmux, &tctx.session, &name, &[(opt::VERDICT, verdict)])
                    .await
                    .ok();
            }
            .into_actor(self),
        );
        let generation = self.generation;
        ctx.run_later(delay, move |act, ctx| {
            if act.generation == generation {
                act.restart_now(attempt, reason, ctx);
            }
        });
    }

    /// The restart itself: a fresh snapshot (a stop by hand wins), stop escalation
    /// when the task is alive but unhealthy, then the usual launch.
    fn restart_now(&mut self, attempt: u32, reason: String, ctx: &mut Context<Self>) {
        self.generation += 1;
        self.state = TaskState::Starting;
        let (tctx, cfg) = (self.ctx.clone(), self.cfg.clone());
        let fut = async move {
            let snap = panes::snapshot(&tctx.tmux, &tctx.session).await?;
            let Some(pane) = snap.pane(&cfg.name).cloned() else {
                return Ok(None);
            };
            if pane.desired == Desired::Stopped {
                return Ok(Some(Err(pane)));
            }
            let pane = Some(pane);
            if alive(&pane) {
                stop(tctx.clone(), cfg.clone(), pane.clone(), false).await?;
            }
            window::set_options(
                &tctx.tmux,
                &tctx.session,
                &cfg.name,
                &[(opt::RESTARTS, attempt.to_string())],
            )
            .await?;
            launch(tctx, cfg, pane, EnvSource::Kept)
                .await
                .map(|l| Some(Ok(l)))
        };
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| match res {
            Ok(Some(Ok(launched))) => act.on_launched(&launched, Some(attempt), ctx),
            Ok(Some(Err(pane))) => act.state = state::from_pane(&pane),
            Ok(None) => act.state = TaskState::NotStarted,
            Err(e) => {
                act.restarts = attempt;
                act.state = TaskState::Exited {
                    code: None,
                    signal: None,
                };
                act.schedule_restart(
                    format!("restart failed: {} (after: {reason})", e.message),
                    ctx,
                );
            }
        }));
    }

    /// max_restarts used up: leave the task stopped, visibly Failed.
    fn give_up(&mut self, reason: String, ctx: &mut Context<Self>) {
        let why = format!("{reason}; gave up after {} restarts", self.restarts);
        self.state = TaskState::Failed {
            reason: why.clone(),
        };
        self.publish(
            EventKind::Failed,
            json!({"reason": why, "restarts": self.restarts}),
        );
        let (tctx, cfg) = (self.ctx.clone(), self.cfg.clone());
        let pid = self.pane_pid;
        ctx.spawn(
            async move {
                let snap = panes::snapshot(&tctx.tmux, &tctx.session).await.ok();
                let pane = snap.and_then(|s| s.pane(&cfg.name).cloned());
                if pane.as_ref().is_some_and(|p| Some(p.pane_pid) == pid) && alive(&pane) {
                    stop(tctx.clone(), cfg.clone(), pane, false).await.ok();
                }
                window::set_options(
                    &tctx.tmux,
                    &tctx.session,
                    &cfg.name,
                    &[(opt::VERDICT, Verdict::Failed(why).to_string())],
                )
                .await
                .ok();
            }
            .into_actor(self),
        );
    }

    /// The tracked run ended on its own (or by a stop from another process).
    fn on_exit(&mut self, pane: &PaneInfo, ctx: &mut Context<Self>) {
        self.generation += 1;
        let (code, signal) = (pane.dead_status, pane.dead_signal);
        self.publish(
            EventKind::Exited,
            json!({"code": code, "signal": signal, "pid": pane.pane_pid}),
        );
        self.state = TaskState::Exited { code, signal };
        self.healthy_since = None;
        // The pane-died hook writes it too when tmux reaps promptly (one is kept).
        crate::logs::write_marker_soon(
            &self.ctx.session,
            &self.cfg.name,
            crate::logs::Marker::Exit { code, signal },
        );
        // (fire and forget: a supervising actor lives on)
        if pane.desired == Desired::Stopped {
            self.state = TaskState::Stopped;
            return;
        }
        if self.supervising && policy::restarts_after_exit(self.cfg.restart_policy, code, signal) {
            self.schedule_restart(policy::describe_exit(code, signal), ctx);
        }
    }

    /// Adopt a live pane this actor does not track yet (supervisor start, or a start
    /// from another process).
    fn adopt(&mut self, pane: &PaneInfo, ctx: &mut Context<Self>) {
        let known = self.pane_pid.is_some();
        self.generation += 1;
        self.pane_pid = Some(pane.pane_pid);
        self.unsettled_since = None;
        self.restarts = pane.restarts;
        self.fail_streak = 0;
        self.run_since = Instant::now();
        self.state = state::from_pane(pane);
        self.healthy_since = matches!(
            self.state,
            TaskState::Running {
                health: Health::Healthy
            }
        )
        .then(Instant::now);
        if known {
            self.publish(
                EventKind::Started,
                json!({"pid": crate::supervisor::launch_spec::task_pid(&self.cfg, pane.pane_pid), "run": pane.run, "adopted": true}),
            );
        }
        if self.supervising {
            self.schedule_probe(FAST_PROBE, ctx);
            self.watch_exit(pane.pane_pid, ctx);
        }
    }
}

impl Handler<PaneObserved> for TaskActor {
    type Result = ();

    fn handle(&mut self, msg: PaneObserved, ctx: &mut Context<Self>) {
        // An action of ours is in flight, or a restart is pending: it decides.
        if matches!(
            self.state,
            TaskState::Starting | TaskState::Stopping | TaskState::Backoff { .. }
        ) {
            return;
        }
        let running = self.state.is_running();
        match msg.pane.map(state::as_it_is) {
            None => {
                if running {
                    self.generation += 1;
                    self.state = TaskState::NotStarted;
                    self.publish(EventKind::Killed, json!({"by": "window closed"}));
                }
                self.pane_pid = None;
            }
            Some(pane) if !pane.dead => {
                if !(running && self.pane_pid == Some(pane.pane_pid)) {
                    self.adopt(&pane, ctx);
                }
            }
            Some(pane) => {
                if running && self.pane_pid == Some(pane.pane_pid) {
                    // tmux marks the pane dead at the pty's EOF, a moment before it has
                    // the exit status (then pane-died fires): wait for the status.
                    let unsettled = pane.dead_status.is_none() && pane.dead_signal.is_none();
                    let since = *self.unsettled_since.get_or_insert_with(Instant::now);
                    if unsettled && since.elapsed() < UNSETTLED_LIMIT {
                        let observe = self.links.observe.clone();
                        ctx.run_later(UNSETTLED_RECHECK, move |_, _| observe.do_send(Observe));
                        return;
                    }
                    self.unsettled_since = None;
                    self.on_exit(&pane, ctx);
                } else if !running && self.pane_pid.is_none() {
                    // First sight of a dead pane (supervisor start): its state, no restart.
                    self.pane_pid = Some(pane.pane_pid);
                    self.restarts = pane.restarts;
                    self.state = state::from_pane(&pane);
                }
            }
        }
    }
}

impl Handler<Retire> for TaskActor {
    type Result = ();

    fn handle(&mut self, _: Retire, ctx: &mut Context<Self>) {
        self.generation += 1;
        ctx.stop();
    }
}
