//! Advisory whole-file locks (`flock`) in the state directory: one daemon per
//! session, and one mutating command at a time per session.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// An exclusive flock, released when dropped (or when the process ends).
#[derive(Debug)]
pub struct LockFile {
    _file: File,
}

fn open(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))
}

impl LockFile {
    /// Take the lock without waiting; None when another process holds it.
    pub fn try_exclusive(path: &Path) -> Result<Option<LockFile>> {
        let file = open(path)?;
        // SAFETY: flock on a valid fd we own.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(Some(LockFile { _file: file }));
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Ok(None)
        } else {
            Err(Error::io(format!("locking {}", path.display()), err))
        }
    }

    /// Take the lock, waiting for whoever holds it.
    pub fn exclusive(path: &Path) -> Result<LockFile> {
        let file = open(path)?;
        loop {
            // SAFETY: flock on a valid fd we own.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(LockFile { _file: file });
            }
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EINTR) {
                return Err(Error::io(format!("locking {}", path.display()), err));
            }
        }
    }

    /// True when some process holds the lock at `path`.
    pub fn held(path: &Path) -> bool {
        let Ok(file) = File::open(path) else {
            return false;
        };
        // SAFETY: flock on a valid fd we own; a shared probe lock is released on close.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) };
        rc != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/session.lock");
        let first = LockFile::try_exclusive(&path).unwrap().expect("free");
        assert!(LockFile::held(&path));
        // flock locks belong to the open file description: a second open contends.
        assert!(LockFile::try_exclusive(&path).unwrap().is_none());
        drop(first);
        assert!(!LockFile::held(&path));
        let _again = LockFile::exclusive(&path).unwrap();
    }
}
