//! A supervising TaskActor's health timer: fast probes while a run starts, then
//! one every `health_interval`; verdicts, health events, and a restart decision
//! once `health_retries` probes in a row failed.

use super::life::Life;
use super::TaskActor;
use crate::probe::{self, ProbeResult};
use crate::supervisor::events::EventKind;
use crate::supervisor::policy::{self, Trigger};
use crate::supervisor::session::resident_messages::{DependenciesReady, TaskRecovered};
use crate::supervisor::state::Health;
use crate::tmux::options::Verdict;
use crate::tmux::panes::opt;
use actix::prelude::*;
use serde_json::json;
use std::time::Duration;

/// How often a task waiting for its dependency looks again.
const DEPENDENCY_RECHECK: Duration = Duration::from_millis(500);

/// First probe delay after a launch; doubles up to FAST_PROBE_MAX until healthy.
pub(super) const FAST_PROBE: Duration = Duration::from_millis(100);
const FAST_PROBE_MAX: Duration = Duration::from_millis(250);

impl TaskActor {
    /// Record a verdict for the run of `pane_pid`; publishes health_changed on a
    /// transition. False when that run is not the one tracked, or nothing changed.
    pub(super) fn note_health(&mut self, pane_pid: u32, health: Health) -> bool {
        let Some(run) = self.life.run_of(pane_pid) else {
            return false;
        };
        let changed = run.note_health(health.clone());
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
        changed
    }

    /// Probe the tracked run after `delay` (replacing a probe already planned).
    pub(super) fn schedule_probe(&mut self, delay: Duration, ctx: &mut Context<Self>) {
        let Life::Running(run) = &mut self.life else {
            return;
        };
        let pid = run.pane_pid;
        if let Some(old) = run.probe_timer.take() {
            ctx.cancel_future(old);
        }
        let timer = ctx.run_later(delay, move |act, ctx| act.probe_now(pid, delay, ctx));
        if let Life::Running(run) = &mut self.life {
            run.probe_timer = Some(timer);
        }
    }

    fn probe_now(&mut self, pid: u32, last_delay: Duration, ctx: &mut Context<Self>) {
        let Some(run) = self.life.run_of(pid) else {
            return;
        };
        run.probe_timer = None;
        if run.probing {
            return;
        }
        run.probing = true;
        let alive = (!run.ended).then(|| run.since.elapsed());
        let spec = probe::spec_for(&self.run_cfg(), &self.ctx.shell, &self.ctx.session, alive);
        let timeout = self.cfg.health_timeout;
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
            // A probe of a run that is no longer tracked says nothing.
            if let Some(run) = act.life.run_of(pid) {
                run.probing = false;
                act.on_probe(pid, result, last_delay, ctx);
            }
        }));
    }

    fn on_probe(
        &mut self,
        pid: u32,
        result: ProbeResult,
        last_delay: Duration,
        ctx: &mut Context<Self>,
    ) {
        let deadline = self.cfg.ready_deadline();
        let Some(run) = self.life.run_of(pid) else {
            return;
        };
        // While starting, failures only mean "not ready yet".
        if run.in_startup(deadline) && !result.healthy {
            let next = (last_delay * 2)
                .min(FAST_PROBE_MAX)
                .min(self.cfg.health_interval);
            self.schedule_probe(next, ctx);
            return;
        }
        let health = if result.healthy {
            Health::Healthy
        } else {
            Health::Unhealthy(result.reason())
        };
        if self.note_health(pid, health) {
            self.set_option(ctx, opt::HEALTH, result.health_mark().to_string());
            self.set_option(ctx, opt::HEALTH_AT, crate::timefmt::now_rfc3339());
        }
        let Some(run) = self.life.run_of(pid) else {
            return;
        };
        if result.healthy {
            run.fail_streak = 0;
            if run.waiting_for.is_some() {
                self.stop_waiting(pid, ctx);
            }
            let Some(run) = self.life.run_of(pid) else {
                return;
            };
            let recovered = std::mem::take(&mut run.recovering);
            let steady = run
                .healthy_since
                .is_some_and(|t| t.elapsed() >= policy::RESET_AFTER);
            if recovered {
                self.links.recovered.do_send(TaskRecovered {
                    task: self.cfg.name.clone(),
                });
            }
            if steady && self.restarts > 0 {
                self.restarts = 0;
                self.set_option(ctx, opt::RESTARTS, "0".into());
            }
        } else {
            run.fail_streak += 1;
            let retries = self.cfg.health_retries.max(1);
            if run.fail_streak >= retries {
                let reason = format!("unhealthy ({retries} failed probes: {})", result.reason());
                if self.cfg.depends_on.is_empty() {
                    if self.react(Trigger::Unhealthy, reason, ctx) {
                        return;
                    }
                } else {
                    // A task failing because its dependency is down is not restarted
                    // for it (it would only crash again): ask first.
                    self.restart_unless_dependency_down(pid, reason, ctx);
                    return;
                }
            }
        }
        self.schedule_probe(self.cfg.health_interval, ctx);
    }

    /// The run of `pid` no longer waits for a dependency: clear what `status` shows.
    fn stop_waiting(&mut self, pid: u32, ctx: &mut Context<Self>) {
        if let Some(run) = self.life.run_of(pid) {
            if run.waiting_for.take().is_some() {
                self.set_option(ctx, opt::VERDICT, String::new());
            }
        }
    }

    /// The probe keeps failing: restart under the policy, unless a dependency is
    /// not healthy; then say so once (`waiting`), leave the restart counter alone,
    /// and look again (a restart follows once the dependency is healthy, if this
    /// task is still unhealthy).
    fn restart_unless_dependency_down(
        &mut self,
        pid: u32,
        reason: String,
        ctx: &mut Context<Self>,
    ) {
        let ask = self.links.dependencies.send(DependenciesReady {
            task: self.cfg.name.clone(),
        });
        ctx.spawn(ask.into_actor(self).map(move |answer, act, ctx| {
            let Some(run) = act.life.run_of(pid) else {
                return;
            };
            match answer.ok().flatten() {
                Some(why) => {
                    if run.waiting_for.as_deref() != Some(why.as_str()) {
                        run.waiting_for = Some(why.clone());
                        act.publish(EventKind::Waiting, json!({ "reason": why }));
                        // Shown by `status` (of any process) as the state `waiting`.
                        act.set_option(ctx, opt::VERDICT, Verdict::Waiting(why).to_string());
                    }
                    act.schedule_probe(DEPENDENCY_RECHECK, ctx);
                }
                None => {
                    act.stop_waiting(pid, ctx);
                    if !act.react(Trigger::Unhealthy, reason, ctx) {
                        act.schedule_probe(act.cfg.health_interval, ctx);
                    }
                }
            }
        }));
    }
}
