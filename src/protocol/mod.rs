//! The typed command surface shared by the CLI's daemon client, the WebSocket API
//! and the MCP server: one [`Request`] variant per command, each with a typed
//! params struct and a typed result. Adding a command is one line in
//! [`commands!`](commands) plus its handler; the compiler finds every place that
//! must know (the dispatcher's match, the schema, the names).

pub mod envelope;
pub mod params;
pub mod results;
pub mod schema;

pub use params::*;
pub use results::*;

use crate::lint::CheckReport;
use crate::supervisor::session::messages::StopReport;
use crate::supervisor::session::messages::{HealthReport, KillReport};
use crate::supervisor::status::{InspectReport, StatusReport};
use crate::supervisor::wait::WaitReport;
use crate::supervisor::why::WhyReport;

/// Declares the commands: the `Request` enum (serde: `{"command": NAME, "params": {...}}`),
/// their names, and the JSON Schema of each command's result.
macro_rules! commands {
    ($( $(#[doc = $doc:literal])* $variant:ident($params:ty) -> $result:ty = $name:literal, $access:ident ),+ $(,)?) => {
        /// One request of the API, parsed once.
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        #[serde(tag = "command", content = "params", rename_all = "snake_case")]
        pub enum Request {
            $( $(#[doc = $doc])* $variant($params), )+
        }

        /// Every command's name, in the order of the docs.
        pub const COMMANDS: &[&str] = &[$($name),+];

        /// Every command's name, what it may change, and its doc comment (the
        /// MCP server's tool descriptions).
        pub const COMMAND_INFO: &[CommandInfo] = &[$(CommandInfo {
            name: $name,
            access: Access::$access,
            doc: concat!($($doc, "\n"),+),
        }),+];

        impl Request {
            /// The command's name as the wire spells it.
            pub fn name(&self) -> &'static str {
                match self { $( Request::$variant(_) => $name, )+ }
            }
        }

        /// The JSON Schema of each command's result, by command name.
        pub fn result_schemas(
            generator: &mut schemars::SchemaGenerator,
        ) -> Vec<(&'static str, schemars::Schema)> {
            vec![$( ($name, generator.subschema_for::<$result>()) ),+]
        }
    };
}

/// What a command may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only reads.
    Read,
    /// Changes tasks or the config, nothing is lost.
    Write,
    /// Ends processes or removes what the user wrote.
    Destructive,
    /// Belongs to a WebSocket connection (not a tool).
    Connection,
}

/// One command of the surface, for generated clients.
#[derive(Debug, Clone, Copy)]
pub struct CommandInfo {
    pub name: &'static str,
    pub access: Access,
    /// Its doc comment: what it does, when to use it, what it returns.
    pub doc: &'static str,
}

commands! {
    /// The state of every task: one row each with its state (running, healthy,
    /// exited (code N), failed, stopped …), pid, port, uptime and restart count.
    /// Use it first to see what runs; it is cheap (a cached snapshot).
    Status(StatusParams) -> StatusReport = "status", Read,
    /// One task's full state: its config, pane, pid, ports it listens on, last
    /// exit, restart counter, health probe and recent log lines. Use it to find
    /// out why one task misbehaves.
    Inspect(TaskParam) -> InspectReport = "inspect", Read,
    /// Probe every task's health check once now (HTTP, TCP, command or process
    /// alive) and report which are healthy, with each probe's outcome.
    Health(HealthParams) -> HealthReport = "health", Read,
    /// Start tasks in dependency order (none named: every auto_start task),
    /// waiting for each dependency to be healthy first (a job's: to exit 0).
    /// Tasks that run already are left alone. Returns what started, what was
    /// skipped and why; with `wait`, only once what it started is healthy.
    Start(StartParams) -> StartResult = "start", Write,
    /// Stop tasks gracefully (Ctrl-C, then SIGTERM, then SIGKILL after the grace
    /// period); none named: every task, and the tmux session ends.
    Stop(StopParams) -> StopReport = "stop", Destructive,
    /// Stop then start tasks again (none named: every running task plus the
    /// auto_start ones). Use it after changing code a task does not reload.
    Restart(StartParams) -> RestartResult = "restart", Write,
    /// SIGKILL a task's whole process group at once and close its window: for a
    /// task that does not stop. Prefer stop.
    Kill(TaskParam) -> KillReport = "kill", Destructive,
    /// The last lines of task logs (none named: all tasks, interleaved by time),
    /// with a regex filter (`grep`) and a start time (`since`); with `after` (a
    /// cursor of an earlier answer or of `mark`) only what was written since. Use
    /// it to read errors after a crash or a failed request, and `after` to read
    /// only what is new since your edit.
    Logs(LogsParams) -> LogsResult = "logs", Read,
    /// Why a task is not up (or why it restarted), in one answer: its state and
    /// since when, the cause, the last exits and probe results, whoever holds its
    /// port, the first error-looking line and the last lines of its run, and the
    /// one command most likely to fix it. Use it first when something is down.
    Why(TaskParam) -> WhyReport = "why", Read,
    /// A log cursor for now, printing nothing: take one before an edit, then
    /// read only what the tasks printed since with `logs` `after`.
    Mark(MarkParams) -> MarkResult = "mark", Read,
    /// Push events (and follow logs) on this connection.
    Subscribe(SubscribeParams) -> SubscribeResult = "subscribe", Connection,
    /// End this connection's subscription.
    Unsubscribe(UnsubscribeParams) -> UnsubscribeResult = "unsubscribe", Connection,
    /// Wait until tasks are healthy (none named: every auto_start task), or fail
    /// at once when one exits or fails, or at the timeout. Use it after start or
    /// restart instead of polling status.
    Wait(WaitParams) -> WaitReport = "wait", Read,
    /// What happened to the tasks (started, exited with code, restarting,
    /// health changed, failed …), oldest first. Pass the `last_seq` of one answer
    /// as `since_seq` to get only what happened since.
    Events(EventsParams) -> EventsResult = "events", Read,
    /// Validate and lint taskmux.toml without starting anything: missing
    /// directories and programs, port clashes, ports held by other processes.
    Check(CheckParams) -> CheckReport = "check", Read,
    /// Add a task to taskmux.toml, keeping its comments and layout. A running
    /// daemon applies it at once (an auto_start task starts).
    AddTask(AddTaskParams) -> AddTaskResult = "add_task", Write,
    /// Remove a task from taskmux.toml (stopping it first if it runs); refused
    /// while other tasks depend on it.
    RemoveTask(TaskParam) -> RemoveTaskResult = "remove_task", Destructive,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_form_is_command_and_params() {
        let r = Request::Kill(TaskParam { task: "web".into() });
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"command": "kill", "params": {"task": "web"}})
        );
        let r = Request::Start(StartParams::of(vec!["a".into(), "b".into()]));
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"command": "start", "params": {"tasks": ["a", "b"]}})
        );
        for name in COMMANDS {
            let r: Request = serde_json::from_value(
                json!({"command": name, "params": {"task": "x", "command": "true"}}),
            )
            .unwrap();
            assert_eq!(r.name(), *name);
        }
    }
}
