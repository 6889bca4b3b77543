//! `taskmux daemon`: the resident process of one session — an actix System with
//! the SessionSupervisor in supervising mode, the HTTP + WebSocket API and the
//! config watcher. SIGINT/SIGTERM stop the daemon and leave the tasks running.

pub mod background;
pub mod logfile;
pub mod record;

use crate::api::{self, ApiState};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::supervisor::SessionSupervisor;
use actix::prelude::*;
use record::{DaemonLock, DaemonRecord};
use std::sync::Mutex;

/// Where the daemon listens.
#[derive(Debug, Clone)]
pub struct Options {
    pub host: String,
    pub port: u16,
}

/// The daemon's log file of a session.
pub fn log_path(session: &str) -> std::path::PathBuf {
    crate::paths::session_dir(session).join("daemon.log")
}

/// Logging: RUST_LOG-style filter (default info) to stderr and to daemon.log.
fn init_logging(session: &str) {
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let file = logfile::RotatingFile::new(log_path(session));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .with_ansi(crate::output::stderr_colour_enabled())
                .with_writer(std::io::stderr),
        )
        .with(fmt::layer().with_ansi(false).with_writer(Mutex::new(file)))
        .try_init();
}

/// The message for a daemon that is already running.
/// The error when another resident supervisor (a daemon or `taskmux watch`) holds
/// the session's lock.
pub fn already_running(session: &str) -> Error {
    let msg = match DaemonRecord::read(session) {
        Some(r) => format!(
            "a daemon is already running for session '{session}' (pid {}, port {}); stop it with: taskmux daemon stop",
            r.pid, r.port
        ),
        None => format!(
            "another supervisor (taskmux watch, or a daemon still starting) already supervises session '{session}' (lock {} is held); stop it first",
            record::lock_path(session).display()
        ),
    };
    Error::failed(msg)
}

/// Run the daemon in the foreground until SIGINT/SIGTERM; returns the exit code.
pub fn run(cfg: Config, opts: Options) -> Result<i32> {
    let session = cfg.name.clone();
    let Some(lock) = DaemonLock::try_acquire(&session)? else {
        return Err(already_running(&session));
    };
    init_logging(&session);
    if let Some(old) = DaemonRecord::read(&session) {
        tracing::warn!(
            "replacing the stale daemon record of pid {} (port {}): that daemon is gone",
            old.pid,
            old.port
        );
        let _ = std::fs::remove_file(crate::paths::daemon_record(&session));
    }
    let token = record::new_token()?;
    let system = System::new();
    let result = system.block_on(serve(cfg, opts, token));
    DaemonRecord::remove_if_ours(&session);
    drop(lock);
    result
}

async fn serve(cfg: Config, opts: Options, token: String) -> Result<i32> {
    let session = cfg.name.clone();
    let ctx = crate::supervisor::TaskContext::for_config(&cfg);
    crate::supervisor::session::owner::check_now(&ctx, &cfg.path).await?;
    let supervisor = SessionSupervisor::supervising(cfg.clone(), ctx).start();
    let config_path = cfg.path.clone();
    let state = actix_web::web::Data::new(ApiState::new(
        supervisor.clone(),
        cfg,
        token.clone(),
        opts.host.clone(),
        opts.port,
    ));
    // MCP over Streamable HTTP at /mcp: the supervisor's events feed its sessions.
    let hub = crate::mcp::push::Hub::new();
    actix_rt::spawn(crate::mcp::push::pump_resident(
        state.clone().into_inner(),
        hub.clone(),
    ));
    let mcp = crate::mcp::http::service(state.clone().into_inner(), hub);
    let mcp_routes = crate::mcp::http::routes(mcp);
    let routes = move |cfg: &mut actix_web::web::ServiceConfig| {
        mcp_routes(cfg);
        crate::dashboard::routes(cfg);
    };
    let (server, addrs) =
        api::server::bind(state.clone(), &opts.host, opts.port, routes).map_err(|e| {
            Error::failed(format!(
                "cannot listen on {}:{}: {e} (choose another port with --port)",
                opts.host, opts.port
            ))
        })?;
    let port = addrs.first().map_or(opts.port, |a| a.port());
    state.set_port(port);
    let rec = DaemonRecord {
        pid: std::process::id(),
        port,
        host: opts.host.clone(),
        token,
        started_at: state.started_at.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        config: Some(config_path.to_string_lossy().into_owned()),
    };
    // SIGTERM/SIGINT are handled from before the record exists: whoever reads the
    // record (`daemon stop`) may signal at once.
    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = (
        signal(SignalKind::terminate()).map_err(|e| Error::io("cannot watch for SIGTERM", e))?,
        signal(SignalKind::interrupt()).map_err(|e| Error::io("cannot watch for SIGINT", e))?,
    );
    rec.write(&session)?;
    // Config watch: the API validates names against the config the supervisor runs.
    let watched = state.clone();
    actix_rt::spawn(crate::watch::watch_config(
        config_path,
        supervisor.clone(),
        move |cfg| watched.set_config(cfg.clone()),
    ));
    tracing::info!(
        "taskmux daemon for session '{session}' (pid {}) listening on {}",
        rec.pid,
        addrs
            .iter()
            .map(|a| format!("ws://{a}/"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let handle = server.handle();
    actix_rt::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!("{name}: stopping the daemon (tasks keep running in tmux)");
        handle.stop(true).await;
    });
    server
        .await
        .map_err(|e| Error::failed(format!("the API server failed: {e}")))?;
    tracing::info!("daemon stopped");
    Ok(0)
}
