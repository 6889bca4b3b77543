//! The session's recorded events (`events.jsonl` in its state dir), read back
//! with a filter: by task, by time, after a seq, the last N.

use super::events::Event;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// Which recorded events to read.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this task's.
    pub task: Option<String>,
    /// Only those at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only those with a greater seq.
    pub after_seq: Option<u64>,
    /// At most the last this many (after the other filters).
    pub last: Option<usize>,
}

impl EventFilter {
    fn admits(&self, ev: &Event) -> bool {
        (self.task.is_none() || ev.task == self.task)
            && self.after_seq.is_none_or(|s| ev.seq > s)
            && self.since.is_none_or(|cutoff| {
                DateTime::parse_from_rfc3339(&ev.ts).is_ok_and(|t| t.with_timezone(&Utc) >= cutoff)
            })
    }
}

/// The session's recorded events that `filter` admits, oldest first, each with
/// the line it was read from. Blocking file I/O: call it off the actors.
pub fn read(session: &str, filter: &EventFilter) -> Result<Vec<(String, Event)>> {
    let path = crate::paths::events_file(session);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    let chosen: Vec<(String, Event)> = text
        .lines()
        .filter_map(|line| Some((line.to_string(), serde_json::from_str::<Event>(line).ok()?)))
        .filter(|(_, ev)| filter.admits(ev))
        .collect();
    let skip = filter.last.map_or(0, |n| chosen.len().saturating_sub(n));
    Ok(chosen.into_iter().skip(skip).collect())
}
