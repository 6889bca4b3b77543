//! TaskActor: owns one task's window, its probes and its stop escalation.
//!
//! * `mod.rs` — the actor, its state and its links to the session;
//! * `messages.rs` — what it handles and answers;
//! * `actions.rs` — launch, stop escalation, kill, probes (async, off the actor);
//! * `handlers.rs` — the handlers of requests from the session supervisor;
//! * `resident.rs` — the resident behaviour: adopt, notice exits, probe timer,
//!   backoff and restarts.

pub mod actions;
pub mod handlers;
pub mod messages;
pub mod resident;

use crate::config::TaskConfig;
use crate::supervisor::context::TaskContext;
use crate::supervisor::events::EventKind;
use crate::supervisor::session::resident_messages::{Observe, Publish, TaskRecovered};
use crate::supervisor::state::TaskState;
use actix::prelude::*;
use std::time::Instant;

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
}

/// One task: its configuration, the run it tracks and its state. When supervising
/// (the resident supervisor), it also probes on a timer and restarts per its policy.
pub struct TaskActor {
    pub(super) ctx: TaskContext,
    pub(super) cfg: TaskConfig,
    pub(super) state: TaskState,
    /// The session supervisor, by the messages this actor sends it.
    pub(super) links: TaskLinks,
    /// True in the resident supervisor: health timer and restarts.
    pub(super) supervising: bool,
    /// Pane process of the run being tracked.
    pub(super) pane_pid: Option<u32>,
    /// Automatic restarts so far (mirrored in @taskmux-restarts).
    pub(super) restarts: u32,
    /// Failed probes in a row.
    pub(super) fail_streak: u32,
    /// When the current run was launched or adopted.
    pub(super) run_since: Instant,
    /// Since when the task has been healthy without interruption.
    pub(super) healthy_since: Option<Instant>,
    /// Bumped whenever the tracked run changes; timers and probes of an older
    /// generation are ignored.
    pub(super) generation: u64,
    /// A probe is in flight.
    pub(super) probing: bool,
    /// Tell the supervisor once healthy (after an automatic restart).
    pub(super) notify_recovered: bool,
    /// Since when the tracked pane has been dead without an exit status.
    pub(super) unsettled_since: Option<Instant>,
}

impl TaskActor {
    pub fn new(ctx: TaskContext, cfg: TaskConfig, links: TaskLinks, supervising: bool) -> Self {
        TaskActor {
            ctx,
            cfg,
            state: TaskState::NotStarted,
            links,
            supervising,
            pane_pid: None,
            restarts: 0,
            fail_streak: 0,
            run_since: Instant::now(),
            healthy_since: None,
            generation: 0,
            probing: false,
            notify_recovered: false,
            unsettled_since: None,
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
