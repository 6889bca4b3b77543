//! Reading logs: the last lines of one or more tasks, filtered, interleaved by
//! timestamp. Files are read backwards in blocks from the end (across rotated
//! files), so the cost depends on what is shown, not on the log's size.

use super::format::{format_ts, is_marker, split_line, strip_ansi, task_files};
use crate::error::{Error, Result};
use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use regex::Regex;
use serde::Serialize;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

const BLOCK: u64 = 64 * 1024;

/// One stored line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub task: String,
    /// RFC 3339 UTC with milliseconds, as stored ("" if the line had none).
    pub ts: String,
    /// The text, ANSI codes included.
    pub text: String,
    /// A `::taskmux::` marker line.
    pub marker: bool,
}

impl LogLine {
    pub fn parse(task: &str, raw: &str) -> LogLine {
        let (ts, text) = split_line(raw);
        LogLine {
            task: task.to_string(),
            ts: ts.to_string(),
            text: text.to_string(),
            marker: is_marker(text),
        }
    }
}

/// What to read.
#[derive(Debug, Clone)]
pub struct Query {
    /// Tasks to read (in display order).
    pub tasks: Vec<String>,
    /// Show the last this many lines (matching lines when `grep` is set).
    pub lines: usize,
    /// Only lines matching this (ANSI codes ignored when matching).
    pub grep: Option<Regex>,
    /// With `grep`: this many lines of context around each match.
    pub context: usize,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Query {
    pub fn new(tasks: Vec<String>, lines: usize) -> Query {
        Query {
            tasks,
            lines,
            grep: None,
            context: 0,
            since: None,
            until: None,
        }
    }
}

/// Whether a line's text matches `re` (ANSI codes removed first).
pub fn matches(re: &Regex, text: &str) -> bool {
    if text.contains('\x1b') {
        re.is_match(&strip_ansi(text))
    } else {
        re.is_match(text)
    }
}

/// Reads the lines of a list of files from the last to the first, newest file
/// first, a block at a time. Each file may be capped at a byte length.
pub struct RevLines {
    files: VecDeque<(PathBuf, Option<u64>)>,
    file: Option<File>,
    /// Offset in `file` of `buf[0]`.
    pos: u64,
    /// Unconsumed bytes `[pos, end)`; consumed lines are cut off the end.
    buf: Vec<u8>,
}

impl RevLines {
    pub fn new(files: Vec<(PathBuf, Option<u64>)>) -> RevLines {
        RevLines {
            files: files.into(),
            file: None,
            pos: 0,
            buf: Vec::new(),
        }
    }

    /// All files of `task` in `dir`, newest first.
    pub fn for_task(dir: &Path, task: &str, cap: Option<u64>) -> RevLines {
        let files = task_files(dir, task)
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, if i == 0 { cap } else { None }))
            .collect();
        RevLines::new(files)
    }

    /// Put the previous line (without newline) into `out`; false when done.
    pub fn next_line(&mut self, out: &mut Vec<u8>) -> io::Result<bool> {
        loop {
            if self.file.is_none() && !self.open_next()? {
                return Ok(false);
            }
            if let Some(i) = memrchr(b'\n', &self.buf) {
                out.clear();
                out.extend_from_slice(&self.buf[i + 1..]);
                self.buf.truncate(i);
                return Ok(true);
            }
            if self.pos == 0 {
                // First line of the file (or nothing left).
                self.file = None;
                if self.buf.is_empty() {
                    continue;
                }
                out.clear();
                out.append(&mut self.buf);
                return Ok(true);
            }
            self.read_block()?;
        }
    }

    fn open_next(&mut self) -> io::Result<bool> {
        while let Some((path, cap)) = self.files.pop_front() {
            let file = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            let len = file.metadata()?.len();
            let len = cap.map_or(len, |c| c.min(len));
            self.file = Some(file);
            self.pos = len;
            self.buf.clear();
            if len == 0 {
                self.file = None;
                continue;
            }
            self.read_block()?;
            if self.buf.last() == Some(&b'\n') {
                self.buf.pop();
            }
            return Ok(true);
        }
        Ok(false)
    }

    fn read_block(&mut self) -> io::Result<()> {
        let file = self.file.as_mut().expect("open file");
        let start = self.pos.saturating_sub(BLOCK);
        let n = (self.pos - start) as usize;
        let mut block = vec![0u8; n + self.buf.len()];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut block[..n])?;
        block[n..].copy_from_slice(&self.buf);
        self.buf = block;
        self.pos = start;
        Ok(())
    }
}

fn memrchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().rposition(|&b| b == needle)
}

/// The last lines of a session's logs, interleaved by timestamp (groups flattened).
pub fn query(session: &str, q: &Query) -> Result<Vec<LogLine>> {
    query_in(&crate::paths::logs_dir(session), q)
}

/// Like [`query`], for a logs directory.
pub fn query_in(dir: &Path, q: &Query) -> Result<Vec<LogLine>> {
    Ok(query_groups_in(dir, q, None)?
        .into_iter()
        .flatten()
        .collect())
}

/// The last lines of the logs in `dir` as groups: with `grep` and `context > 0`,
/// each group is a run of consecutive lines of one task (print `--` between
/// groups); otherwise a single group. Groups are ordered by their first line's
/// timestamp. `caps` limits how much of each task's current file is read (what a
/// follower has not yet seen is left to it).
pub fn query_groups_in(
    dir: &Path,
    q: &Query,
    caps: Option<&std::collections::HashMap<String, u64>>,
) -> Result<Vec<Vec<LogLine>>> {
    let since = q.since.map(format_ts);
    let until = q.until.map(format_ts);
    // Per task: groups of (line, is_match), chronological.
    let mut groups: Vec<(Vec<LogLine>, usize)> = Vec::new();
    for task in &q.tasks {
        let cap = caps.and_then(|c| c.get(task).copied());
        let rev = RevLines::for_task(dir, task, cap);
        let found = scan_task(rev, task, q, since.as_deref(), until.as_deref())
            .map_err(|e| Error::io(format!("reading logs of '{task}'"), e))?;
        groups.extend(found);
    }
    let grouped = q.grep.is_some() && q.context > 0;
    if !grouped {
        let mut all: Vec<(LogLine, usize)> = groups
            .into_iter()
            .flat_map(|(g, _)| g.into_iter().map(|l| (l, 1)))
            .collect();
        all.sort_by(|a, b| a.0.ts.cmp(&b.0.ts));
        let skip = all.len().saturating_sub(q.lines);
        let lines: Vec<LogLine> = all.into_iter().skip(skip).map(|(l, _)| l).collect();
        return Ok(if lines.is_empty() {
            vec![]
        } else {
            vec![lines]
        });
    }
    groups.sort_by(|a, b| a.0[0].ts.cmp(&b.0[0].ts));
    // Keep the newest groups holding at most `lines` matches.
    let mut total = 0;
    let mut keep = groups.len();
    while keep > 0 && total + groups[keep - 1].1 <= q.lines {
        total += groups[keep - 1].1;
        keep -= 1;
    }
    Ok(groups.into_iter().skip(keep).map(|(g, _)| g).collect())
}

/// Read one task backwards; returns chronological groups with their match counts
/// (a single group without grep or context).
fn scan_task(
    mut rev: RevLines,
    task: &str,
    q: &Query,
    since: Option<&str>,
    until: Option<&str>,
) -> io::Result<Vec<(Vec<LogLine>, usize)>> {
    let mut buf = Vec::new();
    // Newest first: (index among in-range lines, line, is_match).
    let mut out: Vec<(usize, LogLine, bool)> = Vec::new();
    let mut ring: VecDeque<(usize, LogLine)> = VecDeque::new();
    let mut before_left = 0usize;
    let mut matched = 0usize;
    let mut idx = 0usize;
    // A run of blank lines (a dev server clearing the screen prints ~50) is shown
    // as one, so it cannot push real lines out of the last N.
    let mut next_is_blank = false;
    if q.lines == 0 {
        return Ok(vec![]);
    }
    while rev.next_line(&mut buf)? {
        let raw = String::from_utf8_lossy(&buf);
        let (ts, text) = split_line(&raw);
        if let Some(u) = until {
            if !ts.is_empty() && ts > u {
                continue;
            }
        }
        if let Some(s) = since {
            if !ts.is_empty() && ts < s {
                break;
            }
        }
        idx += 1;
        let Some(re) = &q.grep else {
            let blank = text.trim().is_empty();
            if blank && next_is_blank {
                continue;
            }
            next_is_blank = blank;
            out.push((idx, LogLine::parse(task, &raw), true));
            if out.len() >= q.lines {
                break;
            }
            continue;
        };
        let is_match = matches(re, text);
        if is_match && matched < q.lines {
            for (i, l) in ring.drain(..) {
                out.push((i, l, false));
            }
            out.push((idx, LogLine::parse(task, &raw), true));
            matched += 1;
            before_left = q.context;
        } else if before_left > 0 {
            ring.clear();
            out.push((idx, LogLine::parse(task, &raw), false));
            before_left -= 1;
        } else if q.context > 0 {
            ring.push_back((idx, LogLine::parse(task, &raw)));
            if ring.len() > q.context {
                ring.pop_front();
            }
        }
        if matched >= q.lines && before_left == 0 {
            break;
        }
    }
    out.reverse();
    let grouped = q.grep.is_some() && q.context > 0;
    let mut groups: Vec<(Vec<LogLine>, usize)> = Vec::new();
    let mut last_idx = 0usize;
    for (i, line, m) in out {
        let contiguous = last_idx == i + 1;
        if !grouped || (contiguous && !groups.is_empty()) {
            if groups.is_empty() {
                groups.push((Vec::new(), 0));
            }
        } else {
            groups.push((Vec::new(), 0));
        }
        let g = groups.last_mut().expect("a group");
        g.0.push(line);
        g.1 += m as usize;
        last_idx = i;
    }
    Ok(groups)
}

/// Parse a `--since`/`--until` value: a duration ago (`30s`, `5m`, `1h30m`, `2d`),
/// a local date/time (`2026-01-01T14:00`, `2026-01-01 14:00:00`, `2026-01-01`,
/// `14:00`), or RFC 3339 (`2026-01-01T14:00:00Z`, `…+02:00`).
pub fn parse_when(s: &str) -> Result<DateTime<Utc>> {
    parse_when_at(s, Utc::now())
}

fn parse_when_at(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let s = s.trim();
    let bad = || {
        Error::usage(format!(
            "invalid time '{s}': use a duration like 5m or 1h30m, a local time like \
             2026-01-01T14:00, or RFC 3339 like 2026-01-01T14:00:00Z"
        ))
    };
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) && s.ends_with(|c: char| c.is_ascii_alphabetic())
    {
        if let Ok(d) = humantime::parse_duration(s) {
            let d = chrono::Duration::from_std(d).map_err(|_| bad())?;
            return now.checked_sub_signed(d).ok_or_else(bad);
        }
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_time(NaiveTime::MIN))
    })
    .or_else(|| {
        ["%H:%M:%S", "%H:%M"].iter().find_map(|f| {
            NaiveTime::parse_from_str(s, f)
                .ok()
                .map(|t| now.with_timezone(&Local).date_naive().and_time(t))
        })
    })
    .ok_or_else(bad)?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(bad)
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
