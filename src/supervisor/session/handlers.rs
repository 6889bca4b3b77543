//! The SessionSupervisor's request handlers: each runs its sequence off the actor.

use super::messages::*;
use super::SessionSupervisor;
use crate::error::Result;
use crate::supervisor::state::{Health, TaskState};
use crate::supervisor::status::{self, GetStatus, Inspect, InspectReport, StatusReport};
use crate::supervisor::task::messages::Probe;
use actix::prelude::*;
use std::sync::Arc;

impl Handler<StartTasks> for SessionSupervisor {
    type Result = ResponseFuture<Result<StartReport>>;

    fn handle(&mut self, msg: StartTasks, ctx: &mut Context<Self>) -> Self::Result {
        self.recent = None;
        Box::pin(self.orchestration(ctx.address()).start(msg.names))
    }
}

impl Handler<StopTasks> for SessionSupervisor {
    type Result = ResponseFuture<Result<StopReport>>;

    fn handle(&mut self, msg: StopTasks, ctx: &mut Context<Self>) -> Self::Result {
        self.recent = None;
        Box::pin(
            self.orchestration(ctx.address())
                .stop(msg.names, msg.end_session),
        )
    }
}

impl Handler<RestartTasks> for SessionSupervisor {
    type Result = ResponseFuture<Result<RestartReport>>;

    fn handle(&mut self, msg: RestartTasks, ctx: &mut Context<Self>) -> Self::Result {
        self.recent = None;
        Box::pin(self.orchestration(ctx.address()).restart(msg.names))
    }
}

impl Handler<KillTask> for SessionSupervisor {
    type Result = ResponseFuture<Result<KillReport>>;

    fn handle(&mut self, msg: KillTask, ctx: &mut Context<Self>) -> Self::Result {
        self.recent = None;
        Box::pin(self.orchestration(ctx.address()).kill(msg.name))
    }
}

impl Handler<CheckHealth> for SessionSupervisor {
    type Result = ResponseFuture<Result<HealthReport>>;

    fn handle(&mut self, _: CheckHealth, ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(self.orchestration(ctx.address()).health())
    }
}

impl Handler<GetStatus> for SessionSupervisor {
    type Result = ResponseFuture<Result<StatusReport>>;

    fn handle(&mut self, _: GetStatus, ctx: &mut Context<Self>) -> Self::Result {
        let plan = self.orchestration(ctx.address());
        let (fresh, me) = (self.fresh_snapshot(), ctx.address());
        let supervising = self.supervising;
        Box::pin(async move {
            let snap = match fresh {
                Some(snap) => snap,
                None => {
                    let snap = Arc::new(plan.snapshot().await?);
                    me.do_send(Remember(snap.clone()));
                    snap
                }
            };
            let session = plan.ctx.session.clone();
            let supervised = supervising
                || tokio::task::spawn_blocking(move || {
                    crate::lockfile::LockFile::held(&crate::paths::daemon_lock(&session))
                })
                .await
                .unwrap_or(false);
            let listening = status::listening(&snap).await;
            Ok(status::build(&plan.cfg, &snap, supervised, &listening))
        })
    }
}

impl Handler<Inspect> for SessionSupervisor {
    type Result = ResponseFuture<Result<InspectReport>>;

    fn handle(&mut self, msg: Inspect, ctx: &mut Context<Self>) -> Self::Result {
        let plan = self.orchestration(ctx.address());
        let (fresh, me) = (self.fresh_snapshot(), ctx.address());
        Box::pin(async move {
            let actor = plan.actor(&msg.name)?.clone();
            let snap = match fresh {
                Some(snap) => snap,
                None => {
                    let snap = Arc::new(plan.settled_snapshot(&msg.name).await?);
                    me.do_send(Remember(snap.clone()));
                    snap
                }
            };
            let listening = status::listening(&snap).await;
            let mut report = status::inspect(&plan.cfg, &snap, &msg.name, &listening);
            if report.running {
                // `healthy` is a fresh probe, as in the original.
                let pane = snap.pane(&msg.name).cloned();
                let ports = snap.ports();
                if let Ok(probe) = actor.send(Probe { pane, ports }).await {
                    report.healthy = probe.healthy;
                    report.last_health = Some(probe.health_mark().to_string());
                    let health = if probe.healthy {
                        Health::Healthy
                    } else {
                        Health::Unhealthy(probe.reason())
                    };
                    report.detail = TaskState::Running { health };
                    report.state = report.detail.label();
                    report.reason = report.detail.reason();
                }
            }
            Ok(report)
        })
    }
}

impl Handler<Remember> for SessionSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Remember, _: &mut Context<Self>) {
        self.remember(msg.0);
    }
}
