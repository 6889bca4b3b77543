//! The `ready_log` probe's read: the current run's lines (after its start
//! marker), newest first, for the first that matches.

use crate::logs::format::{is_marker, split_line};
use crate::logs::read::RevLines;
use regex::Regex;
use std::path::Path;

/// Lines read back at most (a very chatty run is not read whole every round).
const MAX_LINES: usize = 50_000;

/// The text of a line of `task`'s current run that matches `re`, if any.
pub fn ready_line(dir: &Path, task: &str, re: &Regex) -> Option<String> {
    let mut rev = RevLines::for_task(dir, task, None);
    let mut buf = Vec::new();
    let mut found = None;
    for _ in 0..MAX_LINES {
        if !rev.next_line(&mut buf).ok()? {
            break;
        }
        let raw = String::from_utf8_lossy(&buf);
        let (_, text) = split_line(&raw);
        if is_marker(text) {
            if crate::logs::marker::is_run_start(text) {
                break;
            }
            continue;
        }
        let plain = crate::logs::format::strip_ansi(text);
        if re.is_match(&plain) {
            found = Some(plain.chars().take(160).collect());
        }
    }
    found
}
