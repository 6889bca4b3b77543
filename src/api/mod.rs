//! The daemon's HTTP + WebSocket API (protocol: docs/websocket-api.md).
//!
//! * server.rs   — actix-web app: `GET /` and `/health` JSON, WebSocket handshake
//!   checks (Origin, token / same-user peer, connection cap);
//! * ws.rs       — one WsSession actor per connection;
//! * protocol.rs — request parsing, command dispatch, response envelopes;
//! * peer.rs     — the peer's uid from /proc/net/tcp{,6};
//! * logs_bridge.rs — logs queries and followers (placeholder until logs merges).

pub mod logs_bridge;
pub mod peer;
pub mod protocol;
pub mod server;
pub mod ws;

use crate::config::Config;
use crate::error::Result;
use crate::supervisor::status::GetStatus;
use crate::supervisor::SessionSupervisor;
use actix::Addr;
use serde_json::Value;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Largest WebSocket frame accepted (bigger: the connection is closed with 1009).
pub const MAX_FRAME: usize = 64 * 1024;
/// Concurrent WebSocket connections; beyond, handshakes get 503.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a status snapshot is reused (mutating requests invalidate it).
pub const STATUS_TTL: Duration = Duration::from_millis(250);

/// What every connection shares.
pub struct ApiState {
    pub supervisor: Addr<SessionSupervisor>,
    cfg: RwLock<Arc<Config>>,
    pub session: String,
    pub token: String,
    pub host: String,
    pub port: u16,
    pub pid: u32,
    pub started: Instant,
    pub started_at: String,
    pub connections: AtomicUsize,
    pub max_connections: usize,
    status_cache: Mutex<Option<(Instant, Value)>>,
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
            session: cfg.name.clone(),
            cfg: RwLock::new(Arc::new(cfg)),
            token,
            host,
            port,
            pid: std::process::id(),
            started: Instant::now(),
            started_at: crate::timefmt::now_rfc3339(),
            connections: AtomicUsize::new(0),
            max_connections: MAX_CONNECTIONS,
            status_cache: Mutex::new(None),
        }
    }

    /// The configuration requests are validated against.
    pub fn config(&self) -> Arc<Config> {
        self.cfg.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Swap the configuration (after a successful reload).
    #[allow(dead_code)] // called by the config watcher once `sup` merges
    pub fn set_config(&self, cfg: Config) {
        *self.cfg.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(cfg);
        self.invalidate_status();
    }

    /// Origins a browser may connect from: the daemon's own and `allowed_origins`.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        let own = [
            format!("http://127.0.0.1:{}", self.port),
            format!("http://localhost:{}", self.port),
            format!("http://[::1]:{}", self.port),
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
        if let Some((at, v)) = &*self.status_cache.lock().unwrap_or_else(|e| e.into_inner()) {
            if at.elapsed() < STATUS_TTL {
                return Ok(v.clone());
            }
        }
        let report = self
            .supervisor
            .send(GetStatus)
            .await
            .map_err(protocol::mailbox)??;
        let v = serde_json::to_value(report).unwrap_or(Value::Null);
        *self.status_cache.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), v.clone()));
        Ok(v)
    }

    /// Forget the cached status (something changed).
    pub fn invalidate_status(&self) {
        *self.status_cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The small JSON served by `GET /` and `GET /health`.
    pub fn info(&self) -> Value {
        serde_json::json!({
            "ok": true,
            "name": "taskmux",
            "version": env!("CARGO_PKG_VERSION"),
            "session": self.session,
            "pid": self.pid,
            "host": self.host,
            "port": self.port,
            "started_at": self.started_at,
            "uptime_seconds": self.started.elapsed().as_secs(),
            "connections": self.connections.load(std::sync::atomic::Ordering::Relaxed),
            "websocket": format!("ws://{}:{}/", self.host, self.port),
        })
    }
}
