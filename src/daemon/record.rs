//! The daemon's lock file and runtime record (`daemon.json`, mode 0600).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

/// What a running daemon publishes about itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DaemonRecord {
    pub pid: u32,
    pub port: u16,
    pub host: String,
    /// Hex token for clients that are not the same local user.
    pub token: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub version: String,
    /// The config the daemon runs (absent in records of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
}

/// The lock file of a session's daemon.
pub fn lock_path(session: &str) -> PathBuf {
    crate::paths::daemon_lock(session)
}

/// An exclusive flock held for the daemon's life (released when dropped or at exit).
pub struct DaemonLock {
    _lock: crate::lockfile::LockFile,
}

impl DaemonLock {
    /// Take the session's daemon lock without waiting; None when another process holds it.
    pub fn try_acquire(session: &str) -> Result<Option<DaemonLock>> {
        Ok(
            crate::lockfile::LockFile::try_exclusive(&lock_path(session))?
                .map(|lock| DaemonLock { _lock: lock }),
        )
    }
}

/// True when some process holds the session's daemon lock.
pub fn lock_held(session: &str) -> bool {
    crate::lockfile::LockFile::held(&lock_path(session))
}

impl DaemonRecord {
    /// The record on disk, if any (unparsable counts as none).
    pub fn read(session: &str) -> Option<DaemonRecord> {
        let mut text = String::new();
        File::open(crate::paths::daemon_record(session))
            .ok()?
            .read_to_string(&mut text)
            .ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The record of a live daemon: present, its pid alive and the lock held.
    pub fn running(session: &str) -> Option<DaemonRecord> {
        let rec = Self::read(session)?;
        (crate::process::pid_alive(rec.pid) && lock_held(session)).then_some(rec)
    }

    /// Write the record atomically with mode 0600.
    pub fn write(&self, session: &str) -> Result<()> {
        let path = crate::paths::daemon_record(session);
        let tmp = path.with_extension(format!("json.{}", std::process::id()));
        let body = serde_json::to_vec_pretty(self).expect("record serialises");
        let write = || -> std::io::Result<()> {
            let mut f = OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&body)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    /// Remove the record if it is ours (by pid).
    pub fn remove_if_ours(session: &str) {
        if Self::read(session).is_some_and(|r| r.pid == std::process::id()) {
            let _ = std::fs::remove_file(crate::paths::daemon_record(session));
        }
    }

    /// The address a client connects to (wildcards → loopback).
    pub fn connect_host(&self) -> String {
        match self.host.as_str() {
            "0.0.0.0" | "" => "127.0.0.1".into(),
            "::" | "[::]" => "[::1]".into(),
            h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
            h => h.into(),
        }
    }
}

/// 16 random bytes from /dev/urandom, hex.
pub fn new_token() -> Result<String> {
    let mut buf = [0u8; 16];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| Error::io("reading /dev/urandom", e))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_32_hex() {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 32);
        assert!(t.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(t, new_token().unwrap());
    }

    #[test]
    fn connect_host_maps_wildcards() {
        let mut r = DaemonRecord {
            pid: 1,
            port: 1,
            host: "0.0.0.0".into(),
            token: String::new(),
            started_at: String::new(),
            version: String::new(),
            config: None,
        };
        assert_eq!(r.connect_host(), "127.0.0.1");
        r.host = "::1".into();
        assert_eq!(r.connect_host(), "[::1]");
        r.host = "localhost".into();
        assert_eq!(r.connect_host(), "localhost");
    }
}
