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
use crate::supervisor::session::messages::{HealthReport, KillReport, RestartReport, StartReport};
use crate::supervisor::status::{InspectReport, StatusReport};
use crate::supervisor::wait::WaitReport;

/// Declares the commands: the `Request` enum (serde: `{"command": NAME, "params": {...}}`),
/// their names, and the JSON Schema of each command's result.
macro_rules! commands {
    ($( $(#[doc = $doc:literal])* $variant:ident($params:ty) -> $result:ty = $name:literal ),+ $(,)?) => {
        /// One request of the API, parsed once.
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        #[serde(tag = "command", content = "params", rename_all = "snake_case")]
        pub enum Request {
            $( $(#[doc = $doc])* $variant($params), )+
        }

        /// Every command's name, in the order of the docs.
        pub const COMMANDS: &[&str] = &[$($name),+];

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

commands! {
    /// The status table of every task.
    Status(StatusParams) -> StatusReport = "status",
    /// One task's full state.
    Inspect(TaskParam) -> InspectReport = "inspect",
    /// Probe every task once.
    Health(HealthParams) -> HealthReport = "health",
    /// Start tasks (none named: every auto_start task, in dependency order).
    Start(TaskSelection) -> StartReport = "start",
    /// Stop tasks (none named: all, then the tmux session ends).
    Stop(StopParams) -> StopReport = "stop",
    /// Restart tasks (none named: every running task plus the auto_start tasks).
    Restart(TaskSelection) -> RestartReport = "restart",
    /// SIGKILL a task's process group and destroy its window.
    Kill(TaskParam) -> KillReport = "kill",
    /// The last lines of task logs, interleaved by time.
    Logs(LogsParams) -> LogsResult = "logs",
    /// Push events (and follow logs) on this connection.
    Subscribe(SubscribeParams) -> SubscribeResult = "subscribe",
    /// End this connection's subscription.
    Unsubscribe(UnsubscribeParams) -> UnsubscribeResult = "unsubscribe",
    /// Wait until tasks are healthy; fail fast when one cannot become healthy.
    Wait(WaitParams) -> WaitReport = "wait",
    /// The session's recorded events (filtered; resumable by seq).
    Events(EventsParams) -> EventsResult = "events",
    /// Validate and lint taskmux.toml without starting anything.
    Check(CheckParams) -> CheckReport = "check",
    /// Add a task to taskmux.toml (comments and layout kept).
    AddTask(AddTaskParams) -> AddTaskResult = "add_task",
    /// Stop a task if it runs, then remove it from taskmux.toml.
    RemoveTask(TaskParam) -> RemoveTaskResult = "remove_task",
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
        let r = Request::Start(TaskSelection::of(vec!["a".into(), "b".into()]));
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"command": "start", "params": {"tasks": ["a", "b"]}})
        );
        for name in COMMANDS {
            let r: Request =
                serde_json::from_value(json!({"command": name, "params": {"task": "x", "command": "true"}}))
                    .unwrap();
            assert_eq!(r.name(), *name);
        }
    }
}
