//! The params of each command. Values that need parsing (a regex, a time) are
//! parsed here, once, while the request is read.

use chrono::{DateTime, Utc};
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Default and largest `lines` of a `logs` request.
pub const DEFAULT_LOG_LINES: usize = 100;
pub const MAX_LOG_LINES: usize = 10_000;

/// `status` takes no params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct StatusParams {}

/// `health` takes no params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct HealthParams {}

/// `unsubscribe` takes no params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct UnsubscribeParams {}

/// The one task a command acts on.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TaskParam {
    /// The task's name.
    pub task: String,
}

/// `task` (one) or `tasks` (a list); neither: the command's default set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct TaskSelection {
    /// One task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Several tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<String>>,
}

impl TaskSelection {
    /// The selection of `names` (none: the default set).
    pub fn of(names: Vec<String>) -> Self {
        TaskSelection {
            task: None,
            tasks: (!names.is_empty()).then_some(names),
        }
    }

    /// The names selected, `task` first.
    pub fn names(&self) -> Vec<String> {
        self.task
            .iter()
            .chain(self.tasks.iter().flatten())
            .cloned()
            .collect()
    }
}

/// `stop`: which tasks, and whether the tmux session ends afterwards.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct StopParams {
    #[serde(flatten)]
    pub selection: TaskSelection,
    /// End the tmux session afterwards (default: when no task is named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session: Option<bool>,
}

/// `logs`: which tasks, how many lines, a filter and a start time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct LogsParams {
    #[serde(flatten)]
    pub selection: TaskSelection,
    /// How many lines (default 100, at most 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u64>,
    /// Only lines matching this regex (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grep: Option<Pattern>,
    /// Only lines since then: `5m`, `1h30m` or an RFC 3339 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<When>,
    /// Only the lines written after this cursor (the `cursor` of an earlier
    /// `logs` answer, or of `mark`), oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl LogsParams {
    /// The number of lines asked for, within the bounds.
    pub fn line_count(&self) -> usize {
        self.lines
            .map_or(DEFAULT_LOG_LINES, |n| n.min(MAX_LOG_LINES as u64) as usize)
    }
}

/// `subscribe`: events, followed logs, and where to resume.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct SubscribeParams {
    /// Push events (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<bool>,
    /// Tasks whose new log lines are pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<String>>,
    /// Replay the events after this seq still in the daemon's ring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_seq: Option<u64>,
}

/// A value that a param holds as text and the request parses once, when read.
pub trait FromParam: Sized {
    /// Its name in the schema.
    const NAME: &'static str;
    /// What the text is, for the schema.
    const DESCRIPTION: &'static str;
    /// Parse the text; the error says what is wrong.
    fn parse(text: &str) -> Result<Self, String>;
}

/// A param's text and the value parsed from it (the text is what is sent back).
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub source: String,
    pub value: T,
}

/// A `grep` regex (case-insensitive).
pub type Pattern = Parsed<Regex>;
/// A point in time given as an age (`5m`) or an RFC 3339 time.
pub type When = Parsed<DateTime<Utc>>;

impl FromParam for Regex {
    const NAME: &'static str = "Pattern";
    const DESCRIPTION: &'static str = "a regular expression (case-insensitive)";
    fn parse(text: &str) -> Result<Self, String> {
        crate::logs::grep_regex(text).map_err(|e| format!("not a valid regex: {}", e.message))
    }
}

impl FromParam for DateTime<Utc> {
    const NAME: &'static str = "When";
    const DESCRIPTION: &'static str = "an age such as 5m or 1h30m, or an RFC 3339 time";
    fn parse(text: &str) -> Result<Self, String> {
        crate::logs::parse_when(text).map_err(|e| format!("not a valid time: {}", e.message))
    }
}

impl<'de, T: FromParam> Deserialize<'de> for Parsed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let source = String::deserialize(d)?;
        let value = T::parse(&source).map_err(serde::de::Error::custom)?;
        Ok(Parsed { source, value })
    }
}

impl<T> Serialize for Parsed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<T: FromParam> JsonSchema for Parsed<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::NAME.into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "description": T::DESCRIPTION})
    }
}

/// `mark`: the tasks whose cursor is wanted (none: all).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct MarkParams {
    #[serde(flatten)]
    pub selection: TaskSelection,
}

/// `check` takes no params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct CheckParams {}

/// Longest `wait` a request may ask for.
pub const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(600);
/// Default `wait` timeout.
pub const DEFAULT_WAIT: &str = "60s";

/// `wait`: which tasks (none: every auto_start task) and for how long.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct WaitParams {
    #[serde(flatten)]
    pub selection: TaskSelection,
    /// Give up after this long: seconds (30) or a duration like 500ms, 2m
    /// (default 60s, at most 10m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Parsed<std::time::Duration>>,
    /// What to wait for: `ready` (healthy, the default), `port` (its process
    /// tree listens on its port, or on any port when it has none), `log:REGEX`
    /// (a line of its log matches: after `after`, or in its current run), `exit`.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Parsed<crate::supervisor::wait_for::Condition>>,
    /// With `log:REGEX`: only lines after this log cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `start` and `restart`: the tasks, and whether to wait for them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct StartParams {
    #[serde(flatten)]
    pub selection: TaskSelection,
    /// Return once the tasks it started are healthy (as `wait` does: it fails
    /// at once when one exits or fails), with the wait's answer as `wait`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<bool>,
    /// With `wait`: give up after this long (default 60s, at most 10m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Parsed<std::time::Duration>>,
}

impl StartParams {
    /// Start (or restart) `names`, not waiting.
    pub fn of(names: Vec<String>) -> Self {
        StartParams {
            selection: TaskSelection::of(names),
            ..Default::default()
        }
    }

    /// The wait this start asks for, on `names` (None: it does not wait).
    pub fn wait_for(&self, names: Vec<String>) -> Option<WaitParams> {
        self.wait.unwrap_or(false).then(|| WaitParams {
            selection: TaskSelection::of(names),
            timeout: self.timeout.clone(),
            condition: None,
            after: None,
        })
    }
}

impl WaitParams {
    /// The deadline asked for, within the bounds.
    pub fn deadline(&self) -> std::time::Duration {
        self.timeout.as_ref().map_or_else(
            || std::time::Duration::from_secs(60),
            |t| t.value.min(MAX_WAIT),
        )
    }
}

/// Default number of events `events` answers with.
pub const DEFAULT_EVENTS: usize = 50;

/// `events`: the session's recorded events, filtered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct EventsParams {
    /// Only events of this task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Only events since then: `5m`, `1h30m` or an RFC 3339 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<When>,
    /// Only events after this seq (resume where the last read ended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_seq: Option<u64>,
    /// At most the last this many (default 50, at most 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u64>,
}

impl EventsParams {
    /// The number of events asked for, within the bounds.
    pub fn count(&self) -> usize {
        self.lines
            .map_or(DEFAULT_EVENTS, |n| n.min(MAX_LOG_LINES as u64) as usize)
    }
}

fn yes() -> bool {
    true
}

/// `add_task`: a task to append to taskmux.toml (comments and layout kept).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AddTaskParams {
    /// The new task's name (letters, digits, `_`, `-`).
    pub task: String,
    /// The shell command it runs.
    pub command: String,
    /// Working directory, relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// The port it listens on (freed before start, exported as PORT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// A shell command whose exit 0 means healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<String>,
    /// An HTTP URL probed for health.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_url: Option<String>,
    /// Tasks that must be healthy first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Started by a plain `start` (default true).
    #[serde(default = "yes")]
    pub auto_start: bool,
    /// Replace a task of the same name.
    #[serde(default)]
    pub force: bool,
}

impl FromParam for std::time::Duration {
    const NAME: &'static str = "Duration";
    const DESCRIPTION: &'static str = "seconds (30) or a duration such as 500ms, 1m30s";
    fn parse(text: &str) -> Result<Self, String> {
        crate::config::units::parse_duration(text)
            .ok_or_else(|| "not a duration: use seconds (30) or e.g. 500ms, 1m30s".to_string())
    }
}

impl FromParam for crate::supervisor::wait_for::Condition {
    const NAME: &'static str = "WaitCondition";
    const DESCRIPTION: &'static str = "ready, port, exit or log:REGEX";
    fn parse(text: &str) -> Result<Self, String> {
        crate::supervisor::wait_for::Condition::parse(text)
    }
}
