//! The daemon's own log file: `<state>/<session>/daemon.log`, rotated when it
//! passes 5 MB, keeping 3 old files (daemon.log.1 … daemon.log.3).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

pub const MAX_SIZE: u64 = 5 * 1024 * 1024;
pub const KEEP: u32 = 3;

/// An append-only writer that rotates by size.
pub struct RotatingFile {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    max_size: u64,
    keep: u32,
}

impl RotatingFile {
    pub fn new(path: PathBuf) -> Self {
        Self::with_limits(path, MAX_SIZE, KEEP)
    }

    pub fn with_limits(path: PathBuf, max_size: u64, keep: u32) -> Self {
        let mut me = RotatingFile {
            path,
            file: None,
            size: 0,
            max_size,
            keep,
        };
        me.open();
        me
    }

    fn open(&mut self) {
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .ok();
        self.size = self
            .file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(0, |m| m.len());
    }

    fn rotated(&self, n: u32) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(format!(".{n}"));
        s.into()
    }

    fn rotate(&mut self) {
        self.file = None;
        let _ = std::fs::remove_file(self.rotated(self.keep));
        for n in (1..self.keep).rev() {
            let _ = std::fs::rename(self.rotated(n), self.rotated(n + 1));
        }
        let _ = std::fs::rename(&self.path, self.rotated(1));
        self.open();
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size > 0 && self.size + buf.len() as u64 > self.max_size {
            self.rotate();
        }
        match &mut self.file {
            Some(f) => {
                f.write_all(buf)?;
                self.size += buf.len() as u64;
                Ok(buf.len())
            }
            // Logging must never take the daemon down.
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), |f| f.flush())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_and_keeps_n() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.log");
        let mut w = RotatingFile::with_limits(path.clone(), 100, 3);
        for i in 0..20 {
            writeln!(w, "line {i:03} {}", "x".repeat(40)).unwrap();
        }
        assert!(std::fs::metadata(&path).unwrap().len() <= 100);
        for n in 1..=3 {
            assert!(dir.path().join(format!("daemon.log.{n}")).exists());
        }
        assert!(!dir.path().join("daemon.log.4").exists());
        let last = std::fs::read_to_string(&path).unwrap();
        assert!(last.contains("line 019"), "{last}");
    }
}
