//! PLACEHOLDER — to be replaced at merge by the `sup` branch.
//!
//! The `sup` branch adds resident supervision to SessionSupervisor (session.rs):
//! `SessionSupervisor::supervising`, `Subscribe`, `Unsubscribe`, `ReloadConfig`,
//! `ConfigError` and `crate::watch::watch_config`. The daemon and the WebSocket API
//! (branch `api`) are written against those names; this file provides minimal
//! stand-ins so the `api` branch builds and runs on its own:
//!
//! * `supervising` = `new` (no adoption, no auto-start, no health timers);
//! * `Subscribe`/`Unsubscribe` use a process-wide [`EventBus`] held here, because
//!   the supervisor has no bus yet;
//! * [`placeholder_publish`] publishes coarse events derived from the reports of
//!   mutating API requests (the real supervisor publishes its own events: delete
//!   the call in `src/api/protocol.rs` at merge);
//! * `ReloadConfig` answers an empty report, `ConfigError` is ignored;
//! * [`watch_config`] does nothing (the real one lives in src/watch.rs).
//!
//! At merge: delete this file and its `pub mod` line in supervisor/mod.rs, point
//! `crate::daemon` at `crate::watch::watch_config`, and remove the
//! `placeholder_publish` call.

use super::events::{Event, EventBus};
use super::session::SessionSupervisor;
use super::task::TaskContext;
use crate::config::Config;
use crate::error::Result;
use actix::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::{Mutex, OnceLock};

static BUS: OnceLock<Mutex<EventBus>> = OnceLock::new();

fn bus() -> &'static Mutex<EventBus> {
    BUS.get_or_init(|| Mutex::new(EventBus::new(None)))
}

/// PLACEHOLDER: make the bus write the session's events file (daemon start).
pub fn placeholder_init_bus(session: &str) {
    let _ = BUS.set(Mutex::new(EventBus::new(Some(crate::paths::events_file(
        session,
    )))));
    let last = bus().lock().unwrap_or_else(|e| e.into_inner()).last_seq();
    tracing::debug!("event bus ready (last seq {last})");
}

impl SessionSupervisor {
    /// PLACEHOLDER for the resident-mode constructor of the `sup` branch.
    pub fn supervising(cfg: Config, ctx: TaskContext) -> Self {
        SessionSupervisor::new(cfg, ctx)
    }
}

/// Subscribe to the session's events; answers the subscription id and the events
/// after `since_seq` that are still in the ring.
#[derive(Message)]
#[rtype(result = "(u64, Vec<Event>)")]
pub struct Subscribe {
    pub who: Recipient<Event>,
    pub since_seq: Option<u64>,
}

/// Drop a subscription.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    pub id: u64,
}

/// Apply a new configuration (start added, stop removed, restart changed tasks).
#[derive(Message)]
#[rtype(result = "Result<ReloadReport>")]
#[allow(dead_code)] // sent by the config watcher once `sup` merges
pub struct ReloadConfig {
    pub cfg: Config,
}

/// What a reload changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReloadReport {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

/// The config file changed but is invalid (the old config stays).
#[derive(Message)]
#[rtype(result = "()")]
#[allow(dead_code)] // sent by the config watcher once `sup` merges
pub struct ConfigError {
    pub message: String,
}

impl Handler<Subscribe> for SessionSupervisor {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        let mut bus = bus().lock().unwrap_or_else(|e| e.into_inner());
        MessageResult(bus.subscribe(msg.who, msg.since_seq))
    }
}

impl Handler<Unsubscribe> for SessionSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Context<Self>) {
        bus()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unsubscribe(msg.id);
    }
}

impl Handler<ReloadConfig> for SessionSupervisor {
    type Result = Result<ReloadReport>;

    fn handle(&mut self, _: ReloadConfig, _: &mut Context<Self>) -> Self::Result {
        Ok(ReloadReport::default())
    }
}

impl Handler<ConfigError> for SessionSupervisor {
    type Result = ();

    fn handle(&mut self, _: ConfigError, _: &mut Context<Self>) {}
}

/// PLACEHOLDER for `crate::watch::watch_config`: does nothing.
pub fn watch_config(_path: std::path::PathBuf, _supervisor: Addr<SessionSupervisor>) {}

/// PLACEHOLDER: publish coarse events for a mutating request's report
/// (`result` is the report as JSON). Remove at merge.
pub fn placeholder_publish(command: &str, result: &Value) {
    let mut bus = bus().lock().unwrap_or_else(|e| e.into_inner());
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let stopped = |r: &Value, bus: &mut EventBus| {
        for s in list(&r["stopped"]) {
            if s["was_running"] == true {
                bus.publish(
                    "stopped",
                    s["task"].as_str(),
                    json!({"stage": s["stage"], "by": "api"}),
                );
            }
        }
    };
    let started = |r: &Value, bus: &mut EventBus| {
        for s in list(&r["started"]) {
            bus.publish("started", s["task"].as_str(), json!({"pid": s["pid"]}));
        }
    };
    match command {
        "start" => started(result, &mut bus),
        "stop" => stopped(result, &mut bus),
        "restart" => {
            stopped(&result["stop"], &mut bus);
            started(&result["start"], &mut bus);
        }
        "kill" if result["was_running"] == true || result["window_destroyed"] == true => {
            bus.publish("killed", result["task"].as_str(), json!({}));
        }
        _ => {}
    }
}
