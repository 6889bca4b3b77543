//! The daemon's HTTP + WebSocket API (protocol: docs/websocket-api.md).
//!
//! * server.rs   — actix-web app: `GET /` and `/health` JSON, WebSocket handshake
//!   checks (Origin, token / same-user peer, connection cap);
//! * ws.rs       — one WsSession actor per connection;
//! * dispatch.rs — runs a typed `protocol::Request` against the supervisor;
//! * peer.rs     — the peer's uid from /proc/net/tcp{,6};
//! * logs_bridge.rs — logs queries and live followers for subscribers.

pub mod dispatch;
pub mod edits;
pub mod logs_bridge;
pub mod peer;
pub mod server;
pub mod waits;
pub mod ws;

use crate::config::Config;
use crate::error::Result;
use crate::supervisor::status::GetStatus;
use crate::supervisor::SessionSupervisor;
use actix::Addr;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Largest WebSocket frame accepted (bigger: the connection is closed with 1009).
pub const MAX_FRAME: usize = 64 * 1024;
/// Concurrent WebSocket connections; beyond, handshakes get 503.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a status snapshot is served as fresh (mutating requests invalidate it).
pub const STATUS_TTL: Duration = Duration::from_millis(250);
/// Up to this age a snapshot is still served while a refresh runs in the background.
pub const STATUS_STALE_MAX: Duration = Duration::from_secs(2);

/// The last status snapshot, as a value and as response text.
struct StatusCache {
    at: Instant,
    value: Value,
    raw: Arc<str>,
}

/// What every connection shares.
pub struct ApiState {
    pub supervisor: Addr<SessionSupervisor>,
    /// A daemon's supervisor (applies config edits at once), not a brief one.
    pub resident: bool,
    cfg: RwLock<Arc<Config>>,
    pub session: String,
    pub token: String,
    pub host: String,
    /// The port it listens on (known once bound).
    port: AtomicU16,
    pub pid: u32,
    pub started: Instant,
    pub started_at: String,
    pub connections: AtomicUsize,
    pub max_connections: usize,
    status_cache: Mutex<Option<StatusCache>>,
    /// Bumped by every invalidation: a refresh begun earlier does not store.
    status_gen: AtomicU64,
    refreshing: AtomicBool,
}

impl ApiState {
    pub fn new(
        supervisor: Addr<SessionSupervisor>,
        cfg: Config,
        token: String,
        host: String,
        port: u16,
    ) -> Self {
        ApiState {
            supervisor,
            resident: true,
            session: cfg.name.clone(),
            cfg: RwLock::new(Arc::new(cfg)),
            token,
            host,
            port: AtomicU16::new(port),
            pid: std::process::id(),
            started: Instant::now(),
            started_at: crate::timefmt::now_rfc3339(),
            connections: AtomicUsize::new(0),
            max_connections: MAX_CONNECTIONS,
            status_cache: Mutex::new(None),
            status_gen: AtomicU64::new(0),
            refreshing: AtomicBool::new(false),
        }
    }

    /// The state of a brief, non-resident supervisor (the MCP server's own when
    /// no daemon runs): no listener, no token.
    pub fn local(supervisor: Addr<SessionSupervisor>, cfg: Config) -> Self {
        ApiState {
            resident: false,
            ..ApiState::new(supervisor, cfg, String::new(), String::new(), 0)
        }
    }

    /// The port the API listens on.
    pub fn port(&self) -> u16 {
        self.port.load(Ordering::Relaxed)
    }

    /// Record the port the server was bound to (`--port 0` picks one).
    pub fn set_port(&self, port: u16) {
        self.port.store(port, Ordering::Relaxed);
    }

    /// The configuration requests are validated against.
    pub fn config(&self) -> Arc<Config> {
        self.cfg.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Swap the configuration (after a successful reload).
    pub fn set_config(&self, cfg: Config) {
        *self.cfg.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(cfg);
        self.invalidate_status();
    }

    /// Origins a browser may connect from: the daemon's own and `allowed_origins`.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        let own = [
            format!("http://127.0.0.1:{}", self.port()),
            format!("http://localhost:{}", self.port()),
            format!("http://[::1]:{}", self.port()),
        ];
        own.iter().any(|o| o == origin)
            || self
                .config()
                .allowed_origins
                .iter()
                .any(|o| o.trim_end_matches('/') == origin)
    }

    /// The session status, from a snapshot at most [`STATUS_TTL`] old.
    pub async fn status(&self) -> Result<Value> {
        if let Some(c) = &*self.status_cache.lock().unwrap_or_else(|e| e.into_inner()) {
            if c.at.elapsed() < STATUS_TTL {
                return Ok(c.value.clone());
            }
        }
        self.refresh_status().await
    }

    /// The status result as JSON text without waiting: a snapshot younger than
    /// [`STATUS_TTL`], or one younger than [`STATUS_STALE_MAX`] while a background
    /// refresh runs. None: the caller must wait for [`ApiState::status`].
    pub fn status_now(self: &Arc<Self>) -> Option<Arc<str>> {
        let guard = self.status_cache.lock().unwrap_or_else(|e| e.into_inner());
        let c = guard.as_ref()?;
        let age = c.at.elapsed();
        if age < STATUS_TTL {
            return Some(c.raw.clone());
        }
        if age >= STATUS_STALE_MAX {
            return None;
        }
        if !self.refreshing.swap(true, Ordering::AcqRel) {
            let me = self.clone();
            actix_rt::spawn(async move {
                let _ = me.refresh_status().await;
            });
        }
        Some(c.raw.clone())
    }

    async fn refresh_status(&self) -> Result<Value> {
        let generation = self.status_gen.load(Ordering::Acquire);
        let report = self.supervisor.send(GetStatus).await;
        self.refreshing.store(false, Ordering::Release);
        let report = report??;
        let value = serde_json::to_value(report).unwrap_or(Value::Null);
        let raw: Arc<str> = value.to_string().into();
        let mut cache = self.status_cache.lock().unwrap_or_else(|e| e.into_inner());
        if self.status_gen.load(Ordering::Acquire) == generation {
            *cache = Some(StatusCache {
                at: Instant::now(),
                value: value.clone(),
                raw,
            });
        }
        Ok(value)
    }

    /// Forget the cached status (something changed).
    pub fn invalidate_status(&self) {
        let mut cache = self.status_cache.lock().unwrap_or_else(|e| e.into_inner());
        self.status_gen.fetch_add(1, Ordering::AcqRel);
        *cache = None;
    }

    /// The small JSON served by `GET /` and `GET /health`.
    pub fn info(&self) -> Value {
        serde_json::json!({
            "ok": true,
            "name": "taskmux",
            "version": env!("CARGO_PKG_VERSION"),
            "session": self.session,
            "strategy": self.config().strategy.as_str(),
            "pid": self.pid,
            "host": self.host,
            "port": self.port(),
            "started_at": self.started_at,
            "uptime_seconds": self.started.elapsed().as_secs(),
            "connections": self.connections.load(Ordering::Relaxed),
            "websocket": format!("ws://{}:{}/", self.host, self.port()),
        })
    }
}
