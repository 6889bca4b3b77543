//! The API's view of task logs: `logs` queries and live log lines for subscribers.
//! Thin adapters over `crate::logs` (the files written by the log sink).

use crate::error::Result;
use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Serialize;

/// One log line as the API sends it.
#[derive(Debug, Clone, Serialize)]
pub struct ApiLogLine {
    pub task: String,
    pub ts: String,
    pub line: String,
}

/// The last `lines` lines of `tasks` (matching `grep`, not before `since`),
/// interleaved by timestamp.
pub fn query(
    session: &str,
    tasks: Vec<String>,
    lines: usize,
    grep: Option<Regex>,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<ApiLogLine>> {
    let mut q = crate::logs::Query::new(tasks, lines);
    q.grep = grep;
    q.since = since;
    Ok(crate::logs::query(session, &q)?
        .into_iter()
        .map(ApiLogLine::from)
        .collect())
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

/// Follows the logs of some tasks from their current end.
pub struct LogFollower {
    inner: crate::logs::Follower,
}

impl LogFollower {
    pub fn new(session: &str, tasks: Vec<String>) -> LogFollower {
        LogFollower {
            inner: crate::logs::Follower::new(session, tasks, None),
        }
    }

    /// Lines appended since the last poll; never blocks.
    pub fn poll(&mut self) -> Vec<ApiLogLine> {
        self.inner
            .poll()
            .into_iter()
            .map(ApiLogLine::from)
            .collect()
    }
}
