//! The on-disk line format, shared by the sink, the marker writer and the readers.
//!
//! Every stored line is `<timestamp> <text>\n`, where the timestamp is RFC 3339
//! UTC with milliseconds and a `Z` suffix (always 24 bytes, so timestamps sort
//! as strings), e.g. `2026-11-24T21:30:00.123Z hello`.

use chrono::{DateTime, SecondsFormat, Utc};
use std::path::{Path, PathBuf};

/// Length of a stored timestamp (`2026-11-24T21:30:00.123Z`).
pub const TS_LEN: usize = 24;

/// The prefix of the text of a marker line.
pub const MARKER_PREFIX: &str = "::taskmux:: ";

/// The current time as a stored timestamp.
pub fn now_ts() -> String {
    format_ts(Utc::now())
}

/// A time as a stored timestamp.
pub fn format_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Split a stored line (without its newline) into timestamp and text.
/// A line that does not start with a timestamp gets an empty one.
pub fn split_line(line: &str) -> (&str, &str) {
    let b = line.as_bytes();
    if b.len() >= TS_LEN
        && b[TS_LEN - 1] == b'Z'
        && b[0].is_ascii_digit()
        && b.get(10) == Some(&b'T')
    {
        let text = line.get(TS_LEN + 1..).unwrap_or("");
        (&line[..TS_LEN], text)
    } else {
        ("", line)
    }
}

/// Whether a line's text is a marker line.
pub fn is_marker(text: &str) -> bool {
    text.starts_with(MARKER_PREFIX)
}

/// The current log file of `task` in the logs directory `dir`.
pub fn log_path(dir: &Path, task: &str) -> PathBuf {
    dir.join(format!("{task}.log"))
}

/// The rotated file number `n` (1 = most recent) of `task`.
pub fn rotated_path(dir: &Path, task: &str, n: u32) -> PathBuf {
    dir.join(format!("{task}.log.{n}"))
}

/// Every existing file of a task, newest first: `task.log`, `task.log.1`, …
/// (`task.log` is listed even when missing if rotated files exist).
pub fn task_files(dir: &Path, task: &str) -> Vec<PathBuf> {
    let mut files = vec![log_path(dir, task)];
    let mut n = 1;
    loop {
        let p = rotated_path(dir, task, n);
        if !p.exists() {
            break;
        }
        files.push(p);
        n += 1;
    }
    files
}

/// Remove ANSI escape sequences (CSI, OSC and two-byte escapes) from `s`.
pub fn strip_ansi(s: &str) -> String {
    if !s.contains('\x1b') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                // CSI: parameters and intermediates, then one final byte 0x40..=0x7e.
                for c in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                // OSC: until BEL or ESC \.
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_format() {
        let t = DateTime::parse_from_rfc3339("2026-11-24T21:30:00.123Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_ts(t), "2026-11-24T21:30:00.123Z");
        assert_eq!(now_ts().len(), TS_LEN);
        assert_eq!(
            split_line("2026-11-24T21:30:00.123Z hello world"),
            ("2026-11-24T21:30:00.123Z", "hello world")
        );
        assert_eq!(
            split_line("2026-11-24T21:30:00.123Z"),
            ("2026-11-24T21:30:00.123Z", "")
        );
        assert_eq!(split_line("garbage"), ("", "garbage"));
    }

    #[test]
    fn strips_ansi() {
        assert_eq!(strip_ansi("\x1b[31;1mred\x1b[0m plain"), "red plain");
        assert_eq!(strip_ansi("\x1b]0;title\x07x"), "x");
        assert_eq!(strip_ansi("\x1b]8;;http://a\x1b\\link"), "link");
        assert_eq!(strip_ansi("no escapes"), "no escapes");
    }
}
