//! SessionSupervisor: owns the dependency graph and one TaskActor per task; starts and
//! stops them by messages, in dependency order, and runs the session-wide hooks.
//!
//! * `mod.rs` — the actor and its state;
//! * `messages.rs` — the requests it answers (start, stop, restart, kill, health) and reports;
//! * `handlers.rs` — those handlers, plus status and inspect;
//! * `orchestration.rs` / `start.rs` — the async sequences a request runs, off the actor;
//! * `resident.rs` + `resident_messages.rs` — the resident behaviour (daemon, watch):
//!   exit watch, event bus, config reload, rest_for_one.

pub mod handlers;
pub mod messages;
pub mod orchestration;
pub mod owner;
pub mod resident;
pub mod resident_messages;
pub mod start;

use crate::config::{Config, TaskConfig};
use crate::supervisor::context::TaskContext;
use crate::supervisor::events::EventBus;
use crate::supervisor::task::{TaskActor, TaskLinks};
use crate::tmux::SessionSnapshot;
use actix::prelude::*;
use orchestration::Orchestration;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The supervisor of one session.
pub struct SessionSupervisor {
    pub(super) cfg: Arc<Config>,
    pub(super) ctx: TaskContext,
    pub(super) tasks: BTreeMap<String, Addr<TaskActor>>,
    /// The session's events (a file in supervising mode, memory only otherwise).
    pub(super) bus: EventBus,
    /// Resident: watches exits, probes on timers, restarts per policy.
    pub(super) supervising: bool,
    /// A snapshot is being taken; `observe_again` asks for one more after it.
    pub(super) observing: bool,
    pub(super) observe_again: bool,
    /// The latest snapshot and when it was taken; any event or request that changes
    /// tasks forgets it.
    pub(super) recent: Option<(Instant, Arc<SessionSnapshot>)>,
}

/// How long a snapshot answers `status` and `inspect` in place of a new tmux call.
pub const SNAPSHOT_TTL: Duration = Duration::from_millis(250);

impl SessionSupervisor {
    /// A supervisor for one CLI request: acts when asked, no timers, no restarts.
    /// What it does is recorded in the events file too.
    pub fn new(cfg: Config, ctx: TaskContext) -> Self {
        Self::build(cfg, ctx, false)
    }

    /// The resident supervisor (daemon, `taskmux watch`): adopts running windows (or
    /// starts the auto_start tasks of a missing session), notices exits within
    /// milliseconds, probes each task on its own timer and restarts per policy.
    pub fn supervising(cfg: Config, ctx: TaskContext) -> Self {
        Self::build(cfg, ctx, true)
    }

    fn build(cfg: Config, ctx: TaskContext, supervising: bool) -> Self {
        // Read here, before the actor starts: the bus continues the file's seq.
        let file = Some(crate::paths::events_file(&ctx.session));
        SessionSupervisor {
            cfg: Arc::new(cfg),
            ctx,
            tasks: BTreeMap::new(),
            bus: EventBus::new(file),
            supervising,
            observing: false,
            observe_again: false,
            recent: None,
        }
    }

    pub(super) fn spawn_task(&self, task: &TaskConfig, me: Addr<Self>) -> Addr<TaskActor> {
        let links = TaskLinks {
            events: me.clone().recipient(),
            observe: me.clone().recipient(),
            recovered: me.clone().recipient(),
            dependencies: me.recipient(),
        };
        TaskActor::new(self.ctx.clone(), task.clone(), links, self.supervising).start()
    }

    /// The latest snapshot, when it is younger than [`SNAPSHOT_TTL`] (resident
    /// supervisors only: a one-shot command always reads tmux).
    pub(super) fn fresh_snapshot(&self) -> Option<Arc<SessionSnapshot>> {
        if !self.supervising {
            return None;
        }
        self.recent
            .as_ref()
            .filter(|(at, _)| at.elapsed() < SNAPSHOT_TTL)
            .map(|(_, snap)| snap.clone())
    }

    /// Keep `snap` as the latest snapshot.
    pub(super) fn remember(&mut self, snap: Arc<SessionSnapshot>) {
        self.recent = Some((Instant::now(), snap));
    }

    /// A detached copy of what a request's sequence needs.
    pub(super) fn orchestration(&self, me: Addr<Self>) -> Orchestration {
        Orchestration {
            cfg: self.cfg.clone(),
            ctx: self.ctx.clone(),
            tasks: self.tasks.clone(),
            events: me.recipient(),
        }
    }
}

impl Actor for SessionSupervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        for task in &self.cfg.tasks {
            let actor = self.spawn_task(task, ctx.address());
            self.tasks.insert(task.name.clone(), actor);
        }
        if self.supervising {
            self.begin_supervising(ctx);
        }
    }
}
