//! TaskActor: owns one task's window, its probes and its stop escalation.
//!
//! * `mod.rs` — the actor, its state and its links to the session;
//! * `life.rs` — the `Life` enum: what the actor knows of the task, with its timers;
//! * `messages.rs` — what it handles and answers;
//! * `actions.rs` — launch, stop escalation, kill, probes (async, off the actor);
//! * `handlers.rs` — the handlers of requests from the session supervisor;
//! * `job.rs` — a job (`run = "once"`) as a dependency: waiting for its completion;
//! * `resident.rs` — the resident behaviour: adopt, notice exits, backoff and
//!   restarts (decisions: `supervisor::policy::decide`);
//! * `probing.rs` — the resident health timer and health verdicts;
//! * `ports.rs` — the ports one launch sees (`port = "auto"`, `${tasks.NAME.port}`).

pub mod actions;
pub mod handlers;
pub mod job;
pub mod life;
pub mod messages;
pub mod ports;
pub mod probing;
pub mod resident;

use crate::config::TaskConfig;
use crate::supervisor::context::TaskContext;
use crate::supervisor::events::EventKind;
use crate::supervisor::session::resident_messages::{
    DependenciesReady, Observe, Publish, TaskRecovered,
};
use actix::prelude::*;
use life::Life;

/// How a task actor reaches its session supervisor: the messages it sends, not the
/// supervisor's address.
#[derive(Clone)]
pub struct TaskLinks {
    /// Events go on the session's bus.
    pub events: Recipient<Publish>,
    /// Ask for a fresh session snapshot (an exit was seen).
    pub observe: Recipient<Observe>,
    /// An automatic restart is healthy again (rest_for_one).
    pub recovered: Recipient<TaskRecovered>,
    /// Are this task's dependencies healthy (before a restart for failing probes)?
    pub dependencies: Recipient<DependenciesReady>,
}

/// One task: its configuration, its life (the run it tracks, with that run's
/// timers) and its restart counter. When supervising (the resident supervisor), it
/// also probes on a timer and restarts per its policy.
pub struct TaskActor {
    pub(super) ctx: TaskContext,
    pub(super) cfg: TaskConfig,
    pub(super) life: Life,
    /// Automatic restarts so far (mirrored in @taskmux-restarts): the backoff step.
    pub(super) restarts: u32,
    /// The session supervisor, by the messages this actor sends it.
    pub(super) links: TaskLinks,
    /// True in the resident supervisor: health timer and restarts.
    pub(super) supervising: bool,
}

impl TaskActor {
    pub fn new(ctx: TaskContext, cfg: TaskConfig, links: TaskLinks, supervising: bool) -> Self {
        TaskActor {
            ctx,
            cfg,
            life: Life::Idle,
            restarts: 0,
            links,
            supervising,
        }
    }

    /// Move to `next`, cancelling the timers of the state left behind.
    pub(super) fn enter(&mut self, next: Life, ctx: &mut Context<Self>) {
        for timer in std::mem::replace(&mut self.life, next).timers() {
            ctx.cancel_future(timer);
        }
    }

    /// The config as the tracked run sees it (its ports filled in).
    pub(super) fn run_cfg(&self) -> TaskConfig {
        match &self.life {
            Life::Running(run) if !run.ports.is_empty() => self.cfg.resolved(&run.ports),
            _ => self.cfg.clone(),
        }
    }

    /// Publish an event about this task.
    pub(super) fn publish(&self, event: EventKind, data: serde_json::Value) {
        self.links.events.do_send(Publish {
            event,
            task: Some(self.cfg.name.clone()),
            data,
        });
    }
}

impl Actor for TaskActor {
    type Context = Context<Self>;
}
