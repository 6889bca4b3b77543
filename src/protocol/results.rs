//! Results of the commands that are answered by the API itself (the supervisor's
//! reports live beside the supervisor's messages).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One log line as the API sends it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ApiLogLine {
    pub task: String,
    /// RFC 3339 with milliseconds, UTC.
    pub ts: String,
    pub line: String,
}

impl From<crate::logs::LogLine> for ApiLogLine {
    fn from(l: crate::logs::LogLine) -> Self {
        ApiLogLine {
            task: l.task,
            ts: l.ts,
            line: l.text,
        }
    }
}

/// The answer to `logs`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct LogsResult {
    /// Interleaved by time, oldest first.
    pub lines: Vec<ApiLogLine>,
    /// Marks the end of what was read, for the tasks asked about: pass it as
    /// `after` to get only what they write next.
    pub cursor: String,
    /// With `after`: lines were lost (the file the cursor pointed into was
    /// rotated away).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lost: bool,
    /// With `after`: more lines are waiting (ask again with the new cursor).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
}

/// The answer to `mark`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MarkResult {
    /// The end of every asked task's log now.
    pub cursor: String,
}

/// The answer to `subscribe`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SubscribeResult {
    pub events: bool,
    pub logs: Vec<String>,
    /// The subscriber id (with events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<u64>,
    /// How many held events were replayed after `since_seq` (with events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayed: Option<usize>,
}

/// The answer to `unsubscribe`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UnsubscribeResult {
    /// False when there was nothing to end.
    pub unsubscribed: bool,
}

/// The answer to `events`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct EventsResult {
    /// Oldest first.
    pub events: Vec<crate::supervisor::events::Event>,
    /// The seq of the last event returned (0: none); pass it as `since_seq` next time.
    pub last_seq: u64,
}

/// The answer to `add_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AddTaskResult {
    pub task: String,
    pub command: String,
    /// The config file edited.
    pub config: String,
    /// Whether the file was created by this edit.
    pub created_config: bool,
}

/// The answer to `remove_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RemoveTaskResult {
    pub task: String,
    /// The config file edited.
    pub config: String,
    /// Whether the task was running and was stopped first.
    pub stopped: bool,
}

/// The answer to `start`: what it did, and with `wait` how the wait ended.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StartResult {
    #[serde(flatten)]
    pub report: crate::supervisor::session::messages::StartReport,
    /// With `wait`: the wait's answer (its `error` says why it failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<crate::supervisor::wait::WaitReport>,
}

/// The answer to `restart`: what it did, and with `wait` how the wait ended.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RestartResult {
    #[serde(flatten)]
    pub report: crate::supervisor::session::messages::RestartReport,
    /// With `wait`: the wait's answer (its `error` says why it failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<crate::supervisor::wait::WaitReport>,
}
