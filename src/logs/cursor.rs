//! Log cursors: where a reader of a session's task logs stopped, so the next
//! read returns exactly the lines written since — across rotation (a mark names
//! its file by inode, found again among `task.log.N`), task restarts (the file
//! goes on) and daemon restarts (nothing lives in memory). Opaque text:
//! `tmc1.` + hex of `session␟task:inode:offset␟…`.

use super::format::task_files;
use super::read::LogLine;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

const PREFIX: &str = "tmc1.";
const SEP: char = '\u{1f}';

/// Where one task's reader stopped: the file and the offset after its last
/// complete line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub inode: u64,
    pub offset: u64,
}

/// The marks of some tasks of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub session: String,
    pub marks: BTreeMap<String, Mark>,
}

fn malformed(text: &str) -> Error {
    let shown: String = text.chars().take(40).collect();
    Error::usage(format!(
        "malformed log cursor {shown:?}: pass a cursor exactly as `logs` or `taskmux mark` printed it"
    ))
}

impl Cursor {
    /// The opaque text form.
    pub fn encode(&self) -> String {
        let mut s = self.session.clone();
        for (task, m) in &self.marks {
            s.push(SEP);
            s.push_str(&format!("{task}:{}:{}", m.inode, m.offset));
        }
        let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
        format!("{PREFIX}{hex}")
    }

    /// Read a cursor of `session`; another session's, or a malformed one, is a
    /// clear error (never a silent full read).
    pub fn decode(text: &str, session: &str) -> Result<Cursor> {
        let hex = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or_else(|| malformed(text))?;
        if hex.len() % 2 != 0 {
            return Err(malformed(text));
        }
        let bytes: Option<Vec<u8>> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect();
        let plain = bytes
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| malformed(text))?;
        let mut parts = plain.split(SEP);
        let owner = parts.next().unwrap_or_default().to_string();
        let mut marks = BTreeMap::new();
        for p in parts {
            let mut f = p.rsplitn(3, ':');
            let (Some(offset), Some(inode), Some(task)) = (f.next(), f.next(), f.next()) else {
                return Err(malformed(text));
            };
            let (Ok(offset), Ok(inode)) = (offset.parse(), inode.parse()) else {
                return Err(malformed(text));
            };
            marks.insert(task.to_string(), Mark { inode, offset });
        }
        if owner != session {
            return Err(Error::usage(format!(
                "this log cursor belongs to session '{owner}', not '{session}'"
            )));
        }
        Ok(Cursor {
            session: owner,
            marks,
        })
    }
}

/// The mark at the end of the last complete line of `task`'s current file.
pub fn mark_now(dir: &Path, task: &str) -> std::io::Result<Mark> {
    let path = super::format::log_path(dir, task);
    let mut f = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Mark {
                inode: 0,
                offset: 0,
            })
        }
        Err(e) => return Err(e),
    };
    let meta = f.metadata()?;
    let len = meta.len();
    // Back to the last newline: a line still being written is not read yet.
    let mut end = len;
    let mut buf = vec![0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(Mark {
                inode: meta.ino(),
                offset: start + i as u64 + 1,
            });
        }
        end = start;
    }
    Ok(Mark {
        inode: meta.ino(),
        offset: 0,
    })
}

/// The cursor at "now" for `tasks` of `session`.
pub fn now(session: &str, tasks: &[String]) -> Result<Cursor> {
    let dir = crate::paths::logs_dir(session);
    let mut marks = BTreeMap::new();
    for t in tasks {
        let m = mark_now(&dir, t).map_err(|e| Error::io(format!("reading the log of '{t}'"), e))?;
        marks.insert(t.clone(), m);
    }
    Ok(Cursor {
        session: session.to_string(),
        marks,
    })
}

/// Complete lines of `path` from `from`, each with the offset after it.
fn lines_from(
    path: &Path,
    from: u64,
    task: &str,
    out: &mut Vec<(LogLine, u64)>,
) -> std::io::Result<()> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    f.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    let mut pos = from;
    let mut rest = &bytes[..];
    while let Some(i) = rest.iter().position(|b| *b == b'\n') {
        let raw = String::from_utf8_lossy(&rest[..i]);
        pos += i as u64 + 1;
        out.push((LogLine::parse(task, &raw), pos));
        rest = &rest[i + 1..];
    }
    Ok(())
}

/// Lines with the offset after each, whether some were lost, the end mark.
type TaskRead = (Vec<(LogLine, u64)>, bool, Mark);

/// What one task wrote after its mark: lines with their end offsets in the
/// current file (older files' lines get offset 0 there), whether lines were
/// lost (the marked file rotated away), and the task's mark at the end.
fn task_after(dir: &Path, task: &str, mark: Option<Mark>) -> std::io::Result<TaskRead> {
    let files = task_files(dir, task);
    let inodes: Vec<Option<u64>> = files
        .iter()
        .map(|p| std::fs::metadata(p).ok().map(|m| m.ino()))
        .collect();
    let end = mark_now(dir, task)?;
    let (start_file, start_offset, lost) = match mark {
        // Not in the cursor (a task added since): everything there is new.
        None => (files.len().saturating_sub(1), 0, false),
        Some(m) if m.inode == 0 => (files.len().saturating_sub(1), 0, false),
        Some(m) => match inodes.iter().position(|i| *i == Some(m.inode)) {
            Some(k) => (k, m.offset, false),
            None => (files.len().saturating_sub(1), 0, true),
        },
    };
    let mut out = Vec::new();
    for k in (0..=start_file).rev() {
        let from = if k == start_file { start_offset } else { 0 };
        let mut lines = Vec::new();
        lines_from(&files[k], from, task, &mut lines)?;
        if k == 0 {
            // The live file: only up to the mark taken first (a later line is
            // the next read's).
            lines.retain(|(_, off)| *off <= end.offset);
            out.extend(lines);
        } else {
            out.extend(lines.into_iter().map(|(l, _)| (l, 0)));
        }
    }
    Ok((out, lost, end))
}

/// The lines of `tasks` written after `cursor`, interleaved by time, at most
/// `limit` (the oldest first); the cursor after what is returned; whether some
/// lines were lost to rotation; whether more remain.
pub fn read_after(
    cursor: &Cursor,
    tasks: &[String],
    limit: usize,
) -> Result<(Vec<LogLine>, Cursor, bool, bool)> {
    let dir = crate::paths::logs_dir(&cursor.session);
    let mut all: Vec<(LogLine, u64)> = Vec::new();
    let mut next = cursor.clone();
    let mut lost = false;
    for t in tasks {
        let (lines, gap, end) = task_after(&dir, t, cursor.marks.get(t).copied())
            .map_err(|e| Error::io(format!("reading the log of '{t}'"), e))?;
        lost |= gap;
        next.marks.insert(t.clone(), end);
        all.extend(lines);
    }
    all.sort_by(|a, b| a.0.ts.cmp(&b.0.ts));
    let more = all.len() > limit;
    if more {
        // Stop each task's mark after its last returned line.
        let kept: Vec<(LogLine, u64)> = all.drain(..limit).collect();
        for t in tasks {
            let last = kept.iter().rev().find(|(l, _)| &l.task == t);
            let left = all.iter().any(|(l, _)| &l.task == t);
            if left {
                match last {
                    Some((_, off)) if *off > 0 => {
                        let m = next.marks.get_mut(t).expect("marked");
                        m.offset = *off;
                    }
                    // Its remaining lines are in an older file: keep the old mark.
                    _ => {
                        if let Some(old) = cursor.marks.get(t) {
                            next.marks.insert(t.clone(), *old);
                        }
                    }
                }
            }
        }
        all = kept;
    }
    Ok((all.into_iter().map(|(l, _)| l).collect(), next, lost, more))
}

#[cfg(test)]
#[path = "cursor_tests.rs"]
mod tests;
