//! The log sink: the hidden `_log-sink` subcommand that tmux `pipe-pane` runs.
//!
//! It reads the pane's output (through a pty, so lines end with `\r\n`) until
//! EOF and appends every line, timestamped, to `<logs dir>/<task>.log`,
//! rotating by size. Plain blocking std I/O with big buffers: no async runtime,
//! constant memory however fast the task writes.

use super::format::{log_path, now_ts, rotated_path};
use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Bytes read from the pane per read call.
const READ_BUF: usize = 256 * 1024;
/// Buffered output is written to the file once it grows past this.
const WRITE_BUF: usize = 256 * 1024;
/// A line longer than this is stored as several lines (bounded memory).
pub const MAX_LINE: usize = 256 * 1024;

/// Arguments of the hidden `_log-sink` subcommand.
#[derive(clap::Args, Debug, Clone)]
pub struct SinkArgs {
    /// Session name.
    #[arg(long)]
    pub session: String,
    /// Task name.
    #[arg(long)]
    pub task: String,
    /// Rotate the log once it would grow past this many bytes.
    #[arg(long, default_value_t = crate::config::model::DEFAULT_LOG_MAX_SIZE)]
    pub max_size: u64,
    /// Keep at most this many rotated files per task (besides the live one).
    #[arg(long, default_value_t = crate::config::model::DEFAULT_LOG_MAX_FILES)]
    pub max_files: u32,
    /// Logs directory (default: the session's logs dir under the state dir).
    /// Given explicitly so the tmux server's environment does not matter.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Write a start marker for this run number before any output.
    #[arg(long)]
    pub run: Option<u32>,
    /// The pid recorded in the start marker (tmux passes `#{pane_pid}`).
    #[arg(long)]
    pub pid: Option<u32>,
}

impl SinkArgs {
    /// Parse the arguments `pipe_command` writes, without clap: the sink runs once
    /// per task for its whole life, and building the full CLI parser would map in
    /// code it never needs (memory budget: < 5 MB RSS). None: let clap report.
    pub fn from_argv(args: &[String]) -> Option<SinkArgs> {
        let mut out = SinkArgs {
            session: String::new(),
            task: String::new(),
            max_size: crate::config::model::DEFAULT_LOG_MAX_SIZE,
            max_files: crate::config::model::DEFAULT_LOG_MAX_FILES,
            dir: None,
            run: None,
            pid: None,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next()?;
            match flag.as_str() {
                "--session" => out.session = value.clone(),
                "--task" => out.task = value.clone(),
                "--max-size" => out.max_size = value.parse().ok()?,
                "--max-files" => out.max_files = value.parse().ok()?,
                "--dir" => out.dir = Some(PathBuf::from(value)),
                "--run" => out.run = Some(value.parse().ok()?),
                "--pid" => out.pid = Some(value.parse().ok()?),
                _ => return None,
            }
        }
        (!out.session.is_empty() && !out.task.is_empty()).then_some(out)
    }
}

/// Run the sink: stdin to the task's log until EOF.
pub fn run_sink(args: &SinkArgs) -> Result<()> {
    // The pane closing must not kill us before the last line is written.
    // SAFETY: setting a signal disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| crate::paths::logs_dir(&args.session));
    if let (Some(run), Some(pid)) = (args.run, args.pid) {
        super::marker::write_marker_in(
            &dir,
            &args.task,
            &super::marker::Marker::Start { run, pid },
        )?;
    }
    let writer = LogWriter::open(&dir, &args.task, args.max_size, args.max_files)?;
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    sink_loop(&mut lock, writer)
}

/// The shell command tmux `pipe-pane` runs for a task: `exec '<exe>' _log-sink …`.
/// Every argument is single-quoted for `/bin/sh -c`, and `#` is doubled because
/// tmux expands formats in the pipe-pane command. The sink writes the start marker
/// of run `run` (with the pane's pid, which tmux fills in) before any output.
pub fn pipe_command(
    exe: &Path,
    session: &str,
    task: &str,
    max_size: u64,
    max_files: u32,
    run: u32,
) -> String {
    let dir = crate::paths::logs_dir(session);
    let cmd = format!(
        "exec {} _log-sink --session {} --task {} --max-size {} --max-files {} --dir {}",
        crate::process::quote(&exe.to_string_lossy()),
        crate::process::quote(session),
        crate::process::quote(task),
        max_size,
        max_files,
        crate::process::quote(&dir.to_string_lossy()),
    );
    format!(
        "{} --run {run} --pid '#{{pane_pid}}'",
        cmd.replace('#', "##")
    )
}

/// Read `reader` to EOF, storing its lines through `writer`; flushes after every read.
pub fn sink_loop<R: Read>(reader: &mut R, writer: LogWriter) -> Result<()> {
    let mut sink = Sink::new(writer);
    let mut buf = vec![0u8; READ_BUF];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Keep what we have, then report.
                sink.finish()?;
                return Err(Error::io("reading task output", e));
            }
        };
        sink.feed(&buf[..n])?;
        sink.writer.flush()?;
    }
    sink.finish()
}

/// Line splitting state: `\r\n` / `\n` end a line; a lone `\r` followed by more
/// text discards the current line (progress bars keep only their final text).
pub struct Sink {
    cur: Vec<u8>,
    cr_pending: bool,
    pub writer: LogWriter,
}

impl Sink {
    pub fn new(writer: LogWriter) -> Self {
        Sink {
            cur: Vec::new(),
            cr_pending: false,
            writer,
        }
    }

    /// Process one batch of output. All lines of a batch share one timestamp.
    pub fn feed(&mut self, data: &[u8]) -> Result<()> {
        let ts = now_ts();
        let mut i = 0;
        while i < data.len() {
            if self.cr_pending {
                match data[i] {
                    b'\n' => {
                        self.cr_pending = false;
                        self.emit_cur(&ts)?;
                        i += 1;
                        continue;
                    }
                    b'\r' => {
                        i += 1;
                        continue;
                    }
                    _ => {
                        self.cr_pending = false;
                        self.cur.clear();
                    }
                }
            }
            let rest = &data[i..];
            match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
                None => {
                    self.push_cur(rest, &ts)?;
                    break;
                }
                Some(j) => {
                    let seg = &rest[..j];
                    let crlf = rest[j] == b'\r' && rest.get(j + 1) == Some(&b'\n');
                    if rest[j] == b'\n' || crlf {
                        if self.cur.is_empty() && seg.len() <= MAX_LINE {
                            self.writer.write_line(&ts, seg)?;
                        } else {
                            self.push_cur(seg, &ts)?;
                            self.emit_cur(&ts)?;
                        }
                        i += j + if crlf { 2 } else { 1 };
                    } else {
                        self.push_cur(seg, &ts)?;
                        self.cr_pending = true;
                        i += j + 1;
                    }
                }
            }
        }
        Ok(())
    }

    fn push_cur(&mut self, seg: &[u8], ts: &str) -> Result<()> {
        let mut seg = seg;
        while self.cur.len() + seg.len() > MAX_LINE {
            let take = MAX_LINE - self.cur.len();
            self.cur.extend_from_slice(&seg[..take]);
            self.emit_cur(ts)?;
            seg = &seg[take..];
        }
        self.cur.extend_from_slice(seg);
        Ok(())
    }

    fn emit_cur(&mut self, ts: &str) -> Result<()> {
        self.writer.write_line(ts, &self.cur)?;
        self.cur.clear();
        Ok(())
    }

    /// End of input: keep an unterminated final line, flush.
    pub fn finish(&mut self) -> Result<()> {
        if !self.cur.is_empty() {
            let ts = now_ts();
            self.emit_cur(&ts)?;
        }
        self.cr_pending = false;
        self.writer.flush()
    }
}

/// Appends lines to a task's log, rotating by size.
pub struct LogWriter {
    dir: PathBuf,
    task: String,
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    /// Bytes in the file plus bytes buffered.
    size: u64,
    /// (dev, inode) of the open file, to notice when it was moved or deleted.
    id: (u64, u64),
    max_size: u64,
    max_files: u32,
}

impl LogWriter {
    /// Open (append, create) `<dir>/<task>.log`; `dir` must exist (a launch
    /// creates it).
    pub fn open(dir: &Path, task: &str, max_size: u64, max_files: u32) -> Result<Self> {
        let path = log_path(dir, task);
        let file = open_append(&path)?;
        let (size, id) = file_info(&file);
        Ok(LogWriter {
            dir: dir.to_path_buf(),
            task: task.to_string(),
            path,
            file,
            buf: Vec::with_capacity(WRITE_BUF + 1024),
            size,
            id,
            max_size: max_size.max(1),
            max_files: max_files.max(1),
        })
    }

    /// Buffer one line (`text` without its newline).
    pub fn write_line(&mut self, ts: &str, text: &[u8]) -> Result<()> {
        let len = (ts.len() + 1 + text.len() + 1) as u64;
        if self.size > 0 && self.size + len > self.max_size {
            self.flush()?;
            // Re-check: concurrent marker writers may have grown the file.
            self.rotate()?;
        }
        self.buf.extend_from_slice(ts.as_bytes());
        self.buf.push(b' ');
        self.buf.extend_from_slice(text);
        self.buf.push(b'\n');
        self.size += len;
        if self.buf.len() >= WRITE_BUF {
            self.write_buf()?;
        }
        Ok(())
    }

    fn write_buf(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.file
                .write_all(&self.buf)
                .map_err(|e| Error::io(format!("writing {}", self.path.display()), e))?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Write everything buffered to the file. Then, if `task.log` is no longer
    /// our file (`logs --clear`, or another sink rotated it), reopen it by path.
    pub fn flush(&mut self) -> Result<()> {
        let same = fs::metadata(&self.path).is_ok_and(|m| (m.dev(), m.ino()) == self.id);
        if !same {
            if !self.dir.is_dir() {
                // The log directory was removed (the session's state with it): never
                // recreate it; what the task prints from now on goes nowhere.
                self.buf.clear();
                return Ok(());
            }
            self.file = open_append(&self.path)?;
        }
        self.write_buf()?;
        // Also accounts for lines appended by marker writers.
        (self.size, self.id) = file_info(&self.file);
        Ok(())
    }

    /// `task.log` → `task.log.1`, shifting older files up and dropping the ones
    /// beyond `max_files` (rotated files kept besides the live one, like Python's
    /// backupCount); then reopen `task.log` by path.
    fn rotate(&mut self) -> Result<()> {
        let keep = self.max_files;
        if keep == 0 {
            let _ = fs::remove_file(&self.path);
        } else {
            let _ = fs::remove_file(rotated_path(&self.dir, &self.task, keep));
            for n in (1..keep).rev() {
                let from = rotated_path(&self.dir, &self.task, n);
                if from.exists() {
                    let _ = fs::rename(&from, rotated_path(&self.dir, &self.task, n + 1));
                }
            }
            if let Err(e) = fs::rename(&self.path, rotated_path(&self.dir, &self.task, 1)) {
                if e.kind() != io::ErrorKind::NotFound {
                    return Err(Error::io(format!("rotating {}", self.path.display()), e));
                }
            }
        }
        // Drop rotated files beyond the limit (e.g. max_files was lowered).
        let mut n = keep + 1;
        while fs::remove_file(rotated_path(&self.dir, &self.task, n)).is_ok() {
            n += 1;
        }
        if !self.dir.is_dir() {
            return Ok(());
        }
        self.file = open_append(&self.path)?;
        (self.size, self.id) = file_info(&self.file);
        Ok(())
    }
}

fn file_info(f: &File) -> (u64, (u64, u64)) {
    f.metadata()
        .map(|m| (m.len(), (m.dev(), m.ino())))
        .unwrap_or((0, (0, 0)))
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))
}

#[cfg(test)]
#[path = "sink_tests.rs"]
mod tests;
