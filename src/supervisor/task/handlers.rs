//! The TaskActor's handlers of requests from its session supervisor.

use super::actions::{
    await_ready, kill, launch, probe_once, record_health, stop, EnvSource, StopStart,
};
use super::life::Life;
use super::messages::*;
use super::TaskActor;
use crate::error::{Error, Result};
use crate::probe::ProbeResult;
use crate::supervisor::events::EventKind;
use crate::supervisor::state::Health;
use actix::prelude::*;

impl Handler<Launch> for TaskActor {
    /// Atomic: launches, stops and kills of one task never overlap (two starts racing,
    /// e.g. the daemon's own and a client's, would create two windows).
    type Result = AtomicResponse<Self, Result<Launched>>;

    fn handle(&mut self, msg: Launch, ctx: &mut Context<Self>) -> Self::Result {
        let running = match &self.life {
            Life::Launching { .. } => true,
            Life::Running(run) => !run.ended,
            _ => false,
        };
        if running {
            let err = Error::new(
                crate::error::ErrorCode::AlreadyRunning,
                format!("task '{}' is already running", self.cfg.name),
            );
            return AtomicResponse::new(Box::pin(actix::fut::ready(Err(err))));
        }
        self.enter(Life::Launching { attempt: None }, ctx);
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
                    act.enter(Life::Idle, ctx);
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
        if self.cfg.is_job() {
            let fut =
                super::job::await_completion(self.ctx.clone(), self.cfg.clone(), pid, msg.deadline);
            return Box::pin(fut.into_actor(self));
        }
        // The run's start: a task without a probe is up once alive MIN_UPTIME.
        let since = match (&self.life, msg.since) {
            (_, Some(since)) => since,
            (Life::Running(run), None) if run.pane_pid == pid => run.since,
            _ => std::time::Instant::now(),
        };
        let fut = await_ready(self.ctx.clone(), self.run_cfg(), pid, since, msg.deadline);
        Box::pin(fut.into_actor(self).map(move |res, act, _| {
            if res.is_ok() {
                act.note_health(pid, Health::Healthy);
            }
            res
        }))
    }
}

impl Handler<Stop> for TaskActor {
    type Result = AtomicResponse<Self, Result<Stopped>>;

    fn handle(&mut self, msg: Stop, ctx: &mut Context<Self>) -> Self::Result {
        self.enter(Life::Stopping, ctx);
        let start = if msg.interrupted {
            StopStart::Interrupted
        } else {
            StopStart::ByRequest
        };
        let fut = stop(self.ctx.clone(), self.cfg.clone(), msg.pane, start);
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act, ctx| {
            act.enter(Life::Stopped, ctx);
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

    fn handle(&mut self, msg: Kill, ctx: &mut Context<Self>) -> Self::Result {
        // Timers of the run go now: nothing may restart what is being killed.
        self.enter(Life::Stopping, ctx);
        let had_window = msg.pane.is_some();
        let fut = kill(self.ctx.clone(), self.cfg.clone(), msg.pane);
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, ctx| {
            act.enter(Life::Idle, ctx);
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
        // The ports the session's windows hold now (this process may not have
        // launched the run).
        let cfg = if self.cfg.needs_ports() {
            self.cfg.resolved(&msg.ports)
        } else {
            self.cfg.clone()
        };
        let fut = async move {
            let result = probe_once(&ctx, &cfg, &msg.pane).await;
            // Alive for less than the minimum uptime, without a probe: starting,
            // which is no verdict (status keeps saying `running`).
            let starting = result.is_starting(&cfg, super::actions::alive(&msg.pane));
            // Written only when it changes (one tmux call saved per probe).
            if !starting
                && msg
                    .pane
                    .as_ref()
                    .is_some_and(|p| p.health != result.health_mark())
            {
                record_health(&ctx, &cfg, &result).await;
            }
            result
        };
        Box::pin(fut.into_actor(self))
    }
}
