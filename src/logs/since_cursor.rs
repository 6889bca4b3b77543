//! One read of task logs that always ends with a cursor: the last N lines
//! (read only up to the cursor taken first, so the next `after` read neither
//! repeats nor skips a line), or what was written after a given cursor.

use super::cursor::{self, Cursor};
use super::read::{matches, query_groups_in, LogLine, Query};
use crate::error::Result;
use std::collections::HashMap;

/// The lines of one read and where it ended.
#[derive(Debug, Clone)]
pub struct Read {
    pub lines: Vec<LogLine>,
    pub cursor: String,
    /// `after` only: the cursor's file was rotated away (lines were lost).
    pub lost: bool,
    /// `after` only: more lines wait beyond `q.lines`.
    pub more: bool,
}

/// `q` over `session`'s logs, after `after` when given. `grep` and `since` filter
/// what is returned; the cursor moves past everything read either way.
pub fn read(session: &str, q: &Query, after: Option<&str>) -> Result<Read> {
    match after {
        Some(text) => {
            let from = Cursor::decode(text, session)?;
            let (lines, next, lost, more) = cursor::read_after(&from, &q.tasks, q.lines)?;
            let since = q.since.map(super::format::format_ts);
            let lines = lines
                .into_iter()
                .filter(|l| q.grep.as_ref().is_none_or(|re| matches(re, &l.text)))
                .filter(|l| {
                    since
                        .as_deref()
                        .is_none_or(|s| l.ts.is_empty() || l.ts.as_str() >= s)
                })
                .collect();
            Ok(Read {
                lines,
                cursor: next.encode(),
                lost,
                more,
            })
        }
        None => {
            let now = cursor::now(session, &q.tasks)?;
            let caps: HashMap<String, u64> = now
                .marks
                .iter()
                .map(|(t, m)| (t.clone(), m.offset))
                .collect();
            let dir = crate::paths::logs_dir(session);
            let lines = query_groups_in(&dir, q, Some(&caps))?
                .into_iter()
                .flatten()
                .collect();
            Ok(Read {
                lines,
                cursor: now.encode(),
                lost: false,
                more: false,
            })
        }
    }
}
