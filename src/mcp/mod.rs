//! `taskmux mcp`: the MCP server over stdio (the official Rust SDK, rmcp, on
//! the tokio runtime of an actix System, so the supervisor actors run beside
//! it when no daemon does).
//!
//! * tools.rs     — one tool per command of the typed surface (schemas, hints);
//! * server.rs    — the rmcp `ServerHandler`: tools, resources, notifications;
//! * backend.rs   — where a request runs (the daemon, or a supervisor of ours);
//! * push.rs      — the pump of events and log growth behind every notification;
//! * resources.rs — status, events (per-reader cursor) and logs/{task};
//! * summary.rs   — the short text beside each structured result;
//! * install.rs   — `taskmux mcp install` for each agent's config file.

pub mod backend;
pub mod http;
pub mod install;
pub mod json_edit;
pub mod push;
pub mod resources;
pub mod server;
pub mod summary;
pub mod tools;

use crate::error::{Error, Result};
use rmcp::ServiceExt;
use std::path::PathBuf;
use std::sync::Arc;

/// What the server tells the model about itself.
pub const INSTRUCTIONS: &str = "taskmux supervises this project's dev stack (the tasks of taskmux.toml), each task in its own tmux window with health checks, restarts and timestamped logs. Use `status` to see what runs, `start`/`restart` then `wait` to bring tasks up, `logs` (with grep/since) and `inspect` to find out why something fails, `events` for what happened since. Subscribe to taskmux://status or taskmux://logs/{task} to hear when a task exits or logs.";

/// Serve MCP on stdin/stdout until the client closes it.
pub fn serve_stdio(config: Option<PathBuf>, session: Option<String>) -> Result<i32> {
    let system = actix::System::new();
    system.block_on(async move {
        let backend = Arc::new(backend::Backend::new(config, session));
        let hub = push::Hub::new();
        let pump = tokio::spawn(push::pump(backend.clone(), hub.clone()));
        let server = server::TaskmuxServer::new(backend, hub);
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| Error::failed(format!("MCP handshake failed: {e}")))?;
        let ended = running.waiting().await;
        pump.abort();
        ended.map_err(|e| Error::failed(format!("MCP server failed: {e}")))?;
        Ok(0)
    })
}
