//! The supervising half of a TaskActor: what it does when the session snapshot shows
//! its pane (adopt, notice an exit), and carrying out restart decisions (backoff,
//! restart, give up). Nothing here blocks the actor: async work is spawned and its
//! result comes back through `into_actor(..).map(..)`; a result applies only to the
//! run (pane pid) or state it was started for, and timers are cancelled with their
//! handles when the state that set them is left.

use super::actions::{alive, launch, stop, EnvSource, StopStart};
use super::life::{Life, Run};
use super::probing::FAST_PROBE;
use super::TaskActor;
use crate::supervisor::events::EventKind;
use crate::supervisor::policy::{self, Decision, Rules, Trigger};
use crate::supervisor::session::resident_messages::Observe;
use crate::supervisor::state::{self, Health, TaskState};
use crate::supervisor::task::messages::{Launched, PaneObserved, Retire};
use crate::tmux::options::{Desired, Verdict};
use crate::tmux::panes::{self, opt};
use crate::tmux::{window, PaneInfo};
use actix::prelude::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// A dead pane without an exit status yet is looked at again after this long …
const UNSETTLED_RECHECK: Duration = Duration::from_millis(100);
/// … and taken as it is after this long.
const UNSETTLED_LIMIT: Duration = Duration::from_secs(1);

impl TaskActor {
    /// A run began (a launch by request, or automatic restart `attempt`).
    pub(super) fn on_launched(
        &mut self,
        launched: &Launched,
        attempt: Option<u32>,
        ctx: &mut Context<Self>,
    ) {
        let mut run = Run::new(launched.pane_pid);
        run.ports = launched.ports.clone();
        match attempt {
            Some(n) => {
                self.restarts = n;
                run.recovering = true;
            }
            None if self.restarts > 0 => {
                // A start by hand gives the task a fresh restart budget.
                self.restarts = 0;
                self.set_option(ctx, opt::RESTARTS, "0".into());
            }
            None => {}
        }
        self.track(run, ctx);
        self.publish(
            EventKind::Started,
            json!({"pid": launched.pid, "run": launched.run, "restarts": self.restarts,
                   "automatic": attempt.is_some(), "port": launched.port}),
        );
        if self.supervising {
            // The run may already have ended while the launch was in flight.
            self.links.observe.do_send(Observe);
        }
    }

    /// Track `run`: watch its process's exit and, when supervising, probe it.
    fn track(&mut self, mut run: Run, ctx: &mut Context<Self>) {
        let pid = run.pane_pid;
        run.exit_watch = Some(self.watch_exit(pid, ctx));
        self.enter(Life::Running(run), ctx);
        if self.supervising {
            self.schedule_probe(FAST_PROBE, ctx);
        }
    }

    /// Note the moment the pane's process ends (a pidfd fires before the tmux
    /// server has even reaped it; its pane-died hook may come late) and, when
    /// supervising, ask for a fresh snapshot.
    fn watch_exit(&mut self, pid: u32, ctx: &mut Context<Self>) -> SpawnHandle {
        ctx.spawn(
            crate::process_exit::wait_exit(pid)
                .into_actor(self)
                .map(move |_, act, _| {
                    if let Some(run) = act.life.run_of(pid) {
                        run.ended = true;
                        run.exit_watch = None;
                        if act.supervising {
                            act.links.observe.do_send(Observe);
                        }
                    }
                }),
        )
    }

    /// Set one window option in the background.
    pub(super) fn set_option(&self, ctx: &mut Context<Self>, name: &'static str, value: String) {
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

    /// Decide what `trigger` calls for and carry it out; true when a restart or a
    /// give-up was set in motion.
    pub(super) fn react(
        &mut self,
        trigger: Trigger,
        reason: String,
        ctx: &mut Context<Self>,
    ) -> bool {
        let rules = Rules::of(&self.cfg);
        match policy::decide(trigger, self.restarts, &rules, Desired::Running) {
            Decision::Leave => false,
            Decision::GiveUp => {
                self.give_up(reason, ctx);
                true
            }
            Decision::Restart { attempt, delay } => {
                self.back_off(attempt, delay, reason, ctx);
                true
            }
        }
    }

    /// Wait out `delay`, then restart (attempt `attempt`).
    fn back_off(&mut self, attempt: u32, delay: Duration, reason: String, ctx: &mut Context<Self>) {
        let delay_ms = delay.as_millis() as u64;
        self.publish(
            EventKind::Restarting,
            json!({"attempt": attempt, "delay_ms": delay_ms, "reason": reason}),
        );
        // Shown by `status` in every process until the launch clears it.
        let until_wall = chrono::Utc::now()
            + chrono::Duration::milliseconds(delay_ms.try_into().unwrap_or(i64::MAX));
        let verdict = Verdict::Backoff {
            attempt,
            delay_ms,
            until: until_wall,
        };
        self.set_option(ctx, opt::VERDICT, verdict.to_string());
        let timer = ctx.run_later(delay, move |act, ctx| {
            if let Life::Backoff { timer, reason, .. } = &mut act.life {
                *timer = None;
                let reason = reason.clone();
                act.restart_now(attempt, reason, ctx);
            }
        });
        self.enter(
            Life::Backoff {
                attempt,
                delay,
                until: Instant::now() + delay,
                reason,
                timer: Some(timer),
            },
            ctx,
        );
    }

    /// The restart itself: a fresh snapshot (a stop by hand wins), stop escalation
    /// when the task is alive but unhealthy, then the usual launch.
    fn restart_now(&mut self, attempt: u32, reason: String, ctx: &mut Context<Self>) {
        self.enter(
            Life::Launching {
                attempt: Some(attempt),
            },
            ctx,
        );
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
                stop(
                    tctx.clone(),
                    cfg.clone(),
                    pane.clone(),
                    StopStart::BySupervisor,
                )
                .await?;
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
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
            // A stop or kill by request took over meanwhile: it decides.
            if !matches!(act.life, Life::Launching { attempt: Some(a) } if a == attempt) {
                return;
            }
            match res {
                Ok(Some(Ok(launched))) => act.on_launched(&launched, Some(attempt), ctx),
                Ok(Some(Err(pane))) => act.settle_on(&pane, ctx),
                Ok(None) => act.enter(Life::Idle, ctx),
                Err(e) if e.code == crate::error::ErrorCode::MissingCwd => {
                    // Retrying cannot help: say so once and stay down.
                    act.give_up(e.message, ctx);
                }
                Err(e) => {
                    act.restarts = attempt;
                    act.enter(
                        Life::Exited {
                            code: None,
                            signal: None,
                            at: Instant::now(),
                        },
                        ctx,
                    );
                    let why = format!("restart failed: {} (after: {reason})", e.message);
                    act.react(Trigger::RestartFailed, why, ctx);
                }
            }
        }));
    }

    /// max_restarts used up: leave the task stopped, visibly Failed.
    fn give_up(&mut self, reason: String, ctx: &mut Context<Self>) {
        let why = format!("{reason}; gave up after {} restarts", self.restarts);
        let tracked = match &self.life {
            Life::Running(run) => Some(run.pane_pid),
            _ => None,
        };
        self.enter(
            Life::Failed {
                reason: why.clone(),
            },
            ctx,
        );
        self.publish(
            EventKind::Failed,
            json!({"reason": why, "restarts": self.restarts}),
        );
        let (tctx, cfg) = (self.ctx.clone(), self.cfg.clone());
        ctx.spawn(
            async move {
                let snap = panes::snapshot(&tctx.tmux, &tctx.session).await.ok();
                let pane = snap.and_then(|s| s.pane(&cfg.name).cloned());
                let same_run = pane.as_ref().map(|p| p.pane_pid) == tracked;
                if same_run && tracked.is_some() && alive(&pane) {
                    stop(tctx.clone(), cfg.clone(), pane, StopStart::BySupervisor)
                        .await
                        .ok();
                }
                let verdict = Verdict::Failed(why).to_string();
                window::set_options(
                    &tctx.tmux,
                    &tctx.session,
                    &cfg.name,
                    &[(opt::VERDICT, verdict)],
                )
                .await
                .ok();
            }
            .into_actor(self),
        );
    }

    /// The tracked run ended on its own (or by a stop from another process).
    fn on_exit(&mut self, pane: &PaneInfo, ctx: &mut Context<Self>) {
        let (code, signal) = (pane.dead_status, pane.dead_signal);
        let mut data = json!({"code": code, "signal": signal, "pid": pane.pane_pid});
        if self.cfg.is_job() {
            // A job: its exit 0 is its completion; keep the moment for `status`.
            if let Life::Running(run) = &self.life {
                data["elapsed_ms"] = json!(run.since.elapsed().as_millis() as u64);
            }
            data["completed"] = json!(code == Some(0) && signal.is_none());
            self.set_option(ctx, opt::ENDED_AT, crate::timefmt::now_rfc3339());
        }
        self.publish(EventKind::Exited, data);
        // The pane-died hook writes it too when tmux reaps promptly (one is kept).
        crate::logs::write_marker_soon(
            &self.ctx.session,
            &self.cfg.name,
            crate::logs::Marker::Exit { code, signal },
        );
        if pane.desired == Desired::Stopped {
            self.enter(Life::Stopped, ctx);
            return;
        }
        self.enter(
            Life::Exited {
                code,
                signal,
                at: Instant::now(),
            },
            ctx,
        );
        if self.supervising {
            self.react(
                Trigger::Exited { code, signal },
                policy::describe_exit(code, signal),
                ctx,
            );
        }
    }

    /// Adopt a live pane this actor does not track yet (supervisor start, or a start
    /// from another process).
    fn adopt(&mut self, pane: &PaneInfo, ports: &crate::config::Ports, ctx: &mut Context<Self>) {
        let known = !matches!(self.life, Life::Idle);
        self.restarts = pane.restarts;
        let mut run = Run::new(pane.pane_pid);
        // The run began before this supervisor saw it (its uptime counts from then).
        if let Some(since) = crate::timefmt::instant_of(&pane.started_at) {
            run.since = since;
        }
        if self.cfg.needs_ports() {
            run.ports = ports.clone();
        }
        if let TaskState::Running { health } = state::from_pane(pane) {
            if health == Health::Healthy {
                run.healthy_since = Some(Instant::now());
            }
            run.health = health;
        }
        self.track(run, ctx);
        if known {
            let pid = pane.pane_pid;
            self.publish(
                EventKind::Started,
                json!({"pid": pid, "run": pane.run, "adopted": true}),
            );
        }
    }

    /// Take on the state a dead pane shows (stopped, failed, exited), without acting.
    fn settle_on(&mut self, pane: &PaneInfo, ctx: &mut Context<Self>) {
        self.restarts = pane.restarts;
        let next = match state::from_pane(pane) {
            TaskState::Stopped => Life::Stopped,
            TaskState::Failed { reason } => Life::Failed { reason },
            _ => Life::Exited {
                code: pane.dead_status,
                signal: pane.dead_signal,
                at: Instant::now(),
            },
        };
        self.enter(next, ctx);
    }
}

impl Handler<PaneObserved> for TaskActor {
    type Result = ();

    fn handle(&mut self, msg: PaneObserved, ctx: &mut Context<Self>) {
        // An action of ours is in flight, or a restart is pending: it decides.
        if self.life.busy() {
            return;
        }
        let running = matches!(self.life, Life::Running(_));
        match msg.pane {
            None => {
                if running {
                    self.publish(EventKind::Killed, json!({"by": "window closed"}));
                }
                self.enter(Life::Idle, ctx);
            }
            Some(pane) if !pane.dead => {
                if self.life.run_of(pane.pane_pid).is_none() {
                    self.adopt(&pane, &msg.ports, ctx);
                }
            }
            Some(pane) => {
                if let Some(run) = self.life.run_of(pane.pane_pid) {
                    // tmux marks the pane dead at the pty's EOF, a moment before it has
                    // the exit status (then pane-died fires): wait for the status.
                    let unsettled = pane.dead_status.is_none() && pane.dead_signal.is_none();
                    let since = *run.unsettled_since.get_or_insert_with(Instant::now);
                    if unsettled && since.elapsed() < UNSETTLED_LIMIT {
                        let observe = self.links.observe.clone();
                        ctx.run_later(UNSETTLED_RECHECK, move |_, _| observe.do_send(Observe));
                        return;
                    }
                    self.on_exit(&pane, ctx);
                } else if matches!(self.life, Life::Idle) {
                    // First sight of a dead pane (a supervisor starting up): a task
                    // that should run and crashed while nobody supervised it gets its
                    // policy now, with the restarts it had; stopped or failed stay.
                    self.settle_on(&pane, ctx);
                    if let (true, Life::Exited { code, signal, .. }) =
                        (self.supervising, &self.life)
                    {
                        let (code, signal) = (*code, *signal);
                        let reason = format!(
                            "{} while no supervisor ran",
                            policy::describe_exit(code, signal)
                        );
                        self.react(Trigger::Exited { code, signal }, reason, ctx);
                    }
                }
            }
        }
    }
}

impl Handler<Retire> for TaskActor {
    type Result = ();

    fn handle(&mut self, _: Retire, ctx: &mut Context<Self>) {
        self.enter(Life::Idle, ctx);
        ctx.stop();
    }
}
