//! Following logs live: non-blocking polls that return what was appended,
//! surviving rotation (the old file is drained through its open handle),
//! truncation, deletion (`--clear`) and files that appear later.

use super::format::log_path;
use super::read::{matches, LogLine};
use regex::Regex;
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// At most this much is read from one file per poll (bounded memory on floods).
const MAX_READ_PER_POLL: u64 = 8 * 1024 * 1024;

struct Tail {
    task: String,
    path: PathBuf,
    file: Option<File>,
    id: (u64, u64),
    offset: u64,
    partial: Vec<u8>,
}

/// Follows the current log files of some tasks from their current ends.
pub struct Follower {
    tails: Vec<Tail>,
    grep: Option<Regex>,
}

impl Follower {
    /// Follow `tasks` of `session`, starting at the current end of each log.
    pub fn new(session: &str, tasks: Vec<String>, grep: Option<Regex>) -> Follower {
        Follower::in_dir(&crate::paths::logs_dir(session), tasks, grep)
    }

    /// Follow `tasks` in a logs directory.
    pub fn in_dir(dir: &Path, tasks: Vec<String>, grep: Option<Regex>) -> Follower {
        let tails = tasks
            .into_iter()
            .map(|task| {
                let path = log_path(dir, &task);
                let mut t = Tail {
                    task,
                    path,
                    file: None,
                    id: (0, 0),
                    offset: 0,
                    partial: Vec::new(),
                };
                if let Ok(f) = File::open(&t.path) {
                    if let Ok(m) = f.metadata() {
                        t.id = (m.dev(), m.ino());
                        t.offset = m.len();
                        t.file = Some(f);
                    }
                }
                t
            })
            .collect();
        Follower { tails, grep }
    }

    /// Where each task's current file was when following began (or now):
    /// lines before these offsets are history, after them are followed.
    pub fn offsets(&self) -> HashMap<String, u64> {
        self.tails
            .iter()
            .map(|t| (t.task.clone(), t.offset))
            .collect()
    }

    /// Lines appended since the last poll, ordered by timestamp. Never blocks.
    pub fn poll(&mut self) -> Vec<LogLine> {
        let mut out = Vec::new();
        for t in &mut self.tails {
            let mut raw: Vec<Vec<u8>> = Vec::new();
            poll_tail(t, &mut raw);
            for r in raw {
                let s = String::from_utf8_lossy(&r);
                let line = LogLine::parse(&t.task, &s);
                if self.grep.as_ref().is_none_or(|re| matches(re, &line.text)) {
                    out.push(line);
                }
            }
        }
        out.sort_by(|a, b| a.ts.cmp(&b.ts));
        out
    }
}

fn poll_tail(t: &mut Tail, out: &mut Vec<Vec<u8>>) {
    read_new(t, out);
    match fs::metadata(&t.path) {
        Ok(m) => {
            let id = (m.dev(), m.ino());
            if t.file.is_none() || id != t.id {
                // Rotated or recreated: drain the old file, then start the new one.
                read_new(t, out);
                flush_partial(t, out);
                if t.file.is_some() {
                    read_skipped_rotations(t, out);
                }
                if let Ok(f) = File::open(&t.path) {
                    let id = f.metadata().map(|m| (m.dev(), m.ino())).unwrap_or(id);
                    t.file = Some(f);
                    t.id = id;
                    t.offset = 0;
                    read_new(t, out);
                }
            } else if m.len() < t.offset {
                // Truncated in place.
                t.offset = 0;
                t.partial.clear();
                read_new(t, out);
            }
        }
        Err(_) => {
            // Gone (rotated and not yet recreated, or cleared): keep the old handle
            // until a new file appears.
        }
    }
}

fn read_new(t: &mut Tail, out: &mut Vec<Vec<u8>>) {
    let Some(f) = t.file.as_mut() else { return };
    if f.seek(SeekFrom::Start(t.offset)).is_err() {
        return;
    }
    let mut data = Vec::new();
    let Ok(n) = f.take(MAX_READ_PER_POLL).read_to_end(&mut data) else {
        return;
    };
    t.offset += n as u64;
    let mut start = 0;
    while let Some(i) = data[start..].iter().position(|&b| b == b'\n') {
        let seg = &data[start..start + i];
        if t.partial.is_empty() {
            out.push(seg.to_vec());
        } else {
            let mut l = std::mem::take(&mut t.partial);
            l.extend_from_slice(seg);
            out.push(l);
        }
        start += i + 1;
    }
    t.partial.extend_from_slice(&data[start..]);
}

/// When the log rotated more than once since the last poll, the files between
/// the one we had open (now `task.log.N`) and the new `task.log` are read whole.
fn read_skipped_rotations(t: &mut Tail, out: &mut Vec<Vec<u8>>) {
    let dir = t.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = t
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rotated = |n: u32| dir.join(format!("{name}.{n}"));
    let mut found = None;
    let mut n = 1;
    while let Ok(m) = fs::metadata(rotated(n)) {
        if (m.dev(), m.ino()) == t.id {
            found = Some(n);
            break;
        }
        n += 1;
    }
    let Some(n) = found else { return };
    for k in (1..n).rev() {
        if let Ok(f) = File::open(rotated(k)) {
            t.file = Some(f);
            t.offset = 0;
            read_new(t, out);
            flush_partial(t, out);
        }
    }
}

fn flush_partial(t: &mut Tail, out: &mut Vec<Vec<u8>>) {
    if !t.partial.is_empty() {
        out.push(std::mem::take(&mut t.partial));
    }
}

#[cfg(test)]
mod tests {
    use super::super::sink::{sink_loop, LogWriter};
    use super::*;
    use std::io::Write;

    fn append(dir: &Path, task: &str, s: &str) {
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path(dir, task))
            .unwrap();
        f.write_all(s.as_bytes()).unwrap();
    }

    fn texts(v: &[LogLine]) -> Vec<String> {
        v.iter().map(|l| format!("{}:{}", l.task, l.text)).collect()
    }

    #[test]
    fn follows_appends_partial_lines_new_files_and_truncation() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        append(dir, "api", "2026-01-01T00:00:00.000Z old\n");
        let mut f = Follower::in_dir(dir, vec!["api".into(), "web".into()], None);
        assert!(f.poll().is_empty());
        append(
            dir,
            "api",
            "2026-01-01T00:00:01.000Z new\n2026-01-01T00:00:03.000Z par",
        );
        append(dir, "web", "2026-01-01T00:00:02.000Z web\n");
        assert_eq!(texts(&f.poll()), vec!["api:new", "web:web"]);
        append(dir, "api", "tial\n");
        assert_eq!(texts(&f.poll()), vec!["api:partial"]);
        // --clear then new output.
        fs::remove_file(log_path(dir, "api")).unwrap();
        assert!(f.poll().is_empty());
        append(dir, "api", "2026-01-01T00:00:04.000Z after clear\n");
        assert_eq!(texts(&f.poll()), vec!["api:after clear"]);
        // Truncated in place.
        fs::write(log_path(dir, "api"), "").unwrap();
        f.poll();
        append(dir, "api", "2026-01-01T00:00:05.000Z x\n");
        assert_eq!(texts(&f.poll()), vec!["api:x"]);
    }

    #[test]
    fn survives_rotation_without_loss() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        let re = regex::RegexBuilder::new("LINE")
            .case_insensitive(true)
            .build()
            .unwrap();
        let mut f = Follower::in_dir(dir, vec!["t".into()], Some(re));
        let mut got = Vec::new();
        let mut input = Vec::new();
        for i in 0..5_000 {
            input.push(format!("line {i}\r\nskip\r\n"));
        }
        let input: Vec<String> = input.chunks(150).map(|c| c.concat()).collect();
        // Rotate many times between polls: feed in chunks, poll after each.
        for (n, chunk) in input.iter().enumerate() {
            let w = LogWriter::open(dir, "t", 10_000, 50).unwrap();
            sink_loop(&mut chunk.as_bytes(), w).unwrap();
            if n % 3 == 0 {
                // Several rotations happen between some polls.
                got.extend(f.poll().into_iter().map(|l| l.text));
            }
        }
        let expect: Vec<String> = (0..5_000).map(|i| format!("line {i}")).collect();
        got.extend(f.poll().into_iter().map(|l| l.text));
        assert_eq!(got, expect);
    }
}
