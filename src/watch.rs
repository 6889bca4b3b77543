//! Config watch: poll the config file's (mtime, size, inode) every 200 ms (editors save
//! by rename, so the path is re-stat'ed each time), wait until it has been still for
//! 300 ms, validate it with `config::load` (stat and load on the blocking pool,
//! never on the actors' thread), then send the supervisor `ReloadConfig`;
//! a file that does not load keeps the old config and is reported (`ConfigError`,
//! and a line on stderr).

use crate::config;
use crate::supervisor::session::resident_messages::{ConfigError, ReloadConfig};
use crate::supervisor::SessionSupervisor;
use actix::Addr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How often the file is stat'ed.
pub const POLL: Duration = Duration::from_millis(200);
/// How long the file must stay unchanged before it is loaded.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// What identifies one version of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signature {
    mtime: Option<SystemTime>,
    size: u64,
    inode: u64,
}

fn signature(path: &Path) -> Option<Signature> {
    let m = std::fs::metadata(path).ok()?;
    Some(Signature {
        mtime: m.modified().ok(),
        size: m.len(),
        inode: m.ino(),
    })
}

/// [`signature`] on the blocking pool (a stat is file-system I/O: never on the
/// actors' thread).
async fn signature_off_thread(path: &Path) -> Option<Signature> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || signature(&path))
        .await
        .ok()
        .flatten()
}

/// Watch `path` forever, applying each settled change to `sup`; `on_reload` sees
/// every configuration the supervisor accepted.
pub async fn watch_config(
    path: PathBuf,
    sup: Addr<SessionSupervisor>,
    on_reload: impl Fn(&config::Config),
) {
    let mut applied = signature_off_thread(&path).await;
    let mut pending: Option<(Option<Signature>, Instant)> = None;
    loop {
        tokio::time::sleep(POLL).await;
        let now = signature_off_thread(&path).await;
        match pending {
            None if now == applied => {}
            Some((seen, since)) if seen == now => {
                if since.elapsed() >= DEBOUNCE {
                    pending = None;
                    applied = now;
                    apply(&path, now.is_some(), &sup, &on_reload).await;
                }
            }
            _ => pending = Some((now, Instant::now())),
        }
    }
}

/// Load and hand over one settled version of the file.
async fn apply(
    path: &Path,
    exists: bool,
    sup: &Addr<SessionSupervisor>,
    on_reload: &impl Fn(&config::Config),
) {
    let loaded = if exists {
        // Reading and validating the file: on the blocking pool.
        let owned = path.to_path_buf();
        tokio::task::spawn_blocking(move || config::load(&owned))
            .await
            .unwrap_or_else(|e| {
                Err(crate::error::Error::failed(format!(
                    "config load failed: {e}"
                )))
            })
    } else {
        Err(crate::error::Error::config(format!(
            "{} disappeared",
            path.display()
        )))
    };
    let message = match loaded {
        Ok(cfg) => match sup.send(ReloadConfig { cfg: cfg.clone() }).await {
            Ok(Ok(_)) => {
                on_reload(&cfg);
                return;
            }
            Ok(Err(e)) => e.message,
            Err(e) => format!("supervisor unavailable ({e})"),
        },
        Err(e) => e.message,
    };
    eprintln!("taskmux: config not applied, keeping the previous one: {message}");
    sup.do_send(ConfigError { message });
}
