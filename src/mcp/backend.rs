//! Runs the MCP server's requests: through the session's daemon when one runs
//! (every command, so its view, its probes and its subscribers stay the one
//! truth), else against a brief supervisor of this process's own, exactly as the
//! CLI does. The config is found the way every command finds it and reloaded
//! when the file changes.

use crate::api::{dispatch, ApiState};
use crate::config::{self, Config};
use crate::error::{off_thread, Error, Result};
use crate::protocol::{Access, Request};
use crate::supervisor::{SessionSupervisor, TaskContext};
use actix::Actor;
use serde_json::Value;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What identifies one version of the config file.
type Stamp = (PathBuf, Option<SystemTime>, u64, u64);

/// The config and the in-process supervisor made for it.
struct Loaded {
    stamp: Stamp,
    cfg: Arc<Config>,
    state: Option<Arc<ApiState>>,
}

/// Where the MCP server's requests go.
pub struct Backend {
    /// Inside the daemon (MCP over HTTP): its own API state, nothing else.
    resident: Option<Arc<ApiState>>,
    /// The System's arbiter: the supervisor actors live there (the MCP
    /// handlers run on plain tokio tasks).
    arbiter: actix::ArbiterHandle,
    explicit: Option<PathBuf>,
    session: Option<String>,
    loaded: Mutex<Option<Loaded>>,
    /// Notified when this server started the session's daemon (the pump then
    /// switches to its event stream at once).
    pub daemon_started: tokio::sync::Notify,
}

impl Backend {
    /// Call it inside the actix System whose arbiter will hold the actors.
    pub fn new(explicit: Option<PathBuf>, session: Option<String>) -> Self {
        Backend {
            resident: None,
            arbiter: actix::Arbiter::current(),
            explicit,
            session,
            loaded: Mutex::new(None),
            daemon_started: tokio::sync::Notify::new(),
        }
    }

    /// The daemon's own backend: requests run on its supervisor directly.
    pub fn resident(state: Arc<ApiState>) -> Self {
        Backend {
            resident: Some(state),
            ..Backend::new(None, None)
        }
    }

    /// The current config (found as every command finds it; reloaded when the
    /// file changed).
    pub async fn config(&self) -> Result<Arc<Config>> {
        if let Some(state) = &self.resident {
            return Ok(state.config());
        }
        let explicit = self.explicit.clone();
        let stamp = off_thread(move || {
            let path = config::find_config(explicit.as_deref())?;
            let meta = std::fs::metadata(&path).map_err(|e| Error::io(path.display(), e))?;
            Ok((path, meta.modified().ok(), meta.len(), meta.ino()))
        })
        .await?;
        if let Some(l) = &*self.lock() {
            if l.stamp == stamp {
                return Ok(l.cfg.clone());
            }
        }
        let (path, session) = (stamp.0.clone(), self.session.clone());
        let cfg =
            off_thread(move || config::load::with_session(config::load(&path)?, &session)).await?;
        let cfg = Arc::new(cfg);
        *self.lock() = Some(Loaded {
            stamp,
            cfg: cfg.clone(),
            state: None,
        });
        Ok(cfg)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Loaded>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The in-process supervisor's API state for the current config.
    fn local_state(&self, cfg: &Arc<Config>) -> Arc<ApiState> {
        let mut guard = self.lock();
        if let Some(l) = guard.as_mut().filter(|l| Arc::ptr_eq(&l.cfg, cfg)) {
            if let Some(s) = &l.state {
                return s.clone();
            }
            let state = new_state(&self.arbiter, cfg);
            l.state = Some(state.clone());
            return state;
        }
        new_state(&self.arbiter, cfg)
    }

    /// Run one request; the answer is the command's result document.
    pub async fn execute(&self, request: Request) -> Result<Value> {
        if let Some(state) = &self.resident {
            return dispatch::execute(state.clone(), &request).await;
        }
        let cfg = self.config().await?;
        let access = crate::protocol::COMMAND_INFO
            .iter()
            .find(|c| c.name == request.name())
            .map_or(Access::Write, |c| c.access);
        if matches!(request, Request::Start(_)) && cfg.daemon != Some(false) {
            // An agent that starts its stack gets crash supervision too.
            let c = cfg.clone();
            let started = off_thread(move || {
                let child = crate::daemon::background::ensure_background(&c)?;
                let started = child.is_some();
                if let Some(mut child) = child {
                    // Reap it when it ends (it outlives us, usually).
                    std::thread::spawn(move || child.wait());
                }
                Ok(started)
            })
            .await?;
            if started {
                self.daemon_started.notify_one();
            }
        }
        let (session, path, req) = (cfg.name.clone(), cfg.path.clone(), request.clone());
        if let Some(answer) =
            off_thread(move || Ok(crate::client::via_daemon(&session, &path, &req))).await?
        {
            return answer;
        }
        let state = self.local_state(&cfg);
        // One mutating command at a time per session across taskmux processes.
        let _lock = if access == Access::Read {
            None
        } else {
            let lock = crate::paths::mutate_lock(&cfg.name);
            Some(off_thread(move || crate::lockfile::LockFile::exclusive(&lock)).await?)
        };
        dispatch::execute(state, &request).await
    }
}

fn new_state(arbiter: &actix::ArbiterHandle, cfg: &Config) -> Arc<ApiState> {
    let ctx = TaskContext::for_config(cfg);
    let owned = cfg.clone();
    let supervisor =
        SessionSupervisor::start_in_arbiter(arbiter, move |_| SessionSupervisor::new(owned, ctx));
    Arc::new(ApiState::local(supervisor, cfg.clone()))
}
