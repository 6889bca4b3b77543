//! The actix-web application: HTTP info endpoints and the WebSocket handshake.

use super::peer;
use super::ws::WsSession;
use super::{ApiState, MAX_FRAME};
use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use actix_web_actors::ws;
use serde_json::json;
use std::sync::atomic::Ordering;

/// Refusal with a JSON body.
fn refuse(status: actix_web::http::StatusCode, code: &str, message: String) -> HttpResponse {
    HttpResponse::build(status)
        .json(json!({"ok": false, "error": {"code": code, "message": message}}))
}

fn is_upgrade(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The token a client presented: `?token=` or `Authorization: Bearer`.
pub fn presented_token(req: &HttpRequest) -> Option<String> {
    let from_query = req
        .query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix("token=").map(str::to_string));
    from_query.or_else(|| {
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").map(|t| t.trim().to_string()))
    })
}

/// Compare without an early exit.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The daemon's rule for its WebSocket and `/mcp`: an allow-listed Origin (or
/// none), and a right token or a loopback peer of the daemon's own user. Some:
/// the answer to a client that breaks it.
pub fn refusal(req: &HttpRequest, state: &ApiState) -> Option<HttpResponse> {
    use actix_web::http::StatusCode;
    // 1. Browsers always send Origin: only allow-listed pages may drive the daemon.
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !state.origin_allowed(origin) {
            tracing::warn!("refused a client from origin {origin:?}");
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                format!(
                    "origin '{origin}' is not allowed; add it to allowed_origins in taskmux.toml"
                ),
            ));
        }
    }
    // 2. A token, if presented, must be right; without one, the peer must be us.
    match presented_token(req) {
        Some(t) if !same_token(&t, &state.token) => {
            tracing::warn!(
                "refused a client with a wrong token from {:?}",
                req.peer_addr()
            );
            return Some(refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "wrong token (see the daemon record daemon.json)".into(),
            ));
        }
        Some(_) => {}
        None => {
            let local = req.app_config().local_addr();
            let allowed = req
                .peer_addr()
                .is_some_and(|peer| peer::same_user(peer, local));
            if !allowed {
                tracing::warn!("refused a client without token from {:?}", req.peer_addr());
                return Some(refuse(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "a token is required for clients other than the local user running the daemon (?token= or Authorization: Bearer)".into(),
                ));
            }
        }
    }
    None
}

/// `GET /` and `/ws`: WebSocket when asked to upgrade, else the daemon's info.
async fn root(
    req: HttpRequest,
    stream: web::Payload,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, actix_web::Error> {
    if !is_upgrade(&req) {
        if crate::dashboard::wants_html(&req) {
            return Ok(crate::dashboard::page());
        }
        return Ok(HttpResponse::Ok().json(state.info()));
    }
    if let Some(refused) = refusal(&req, &state) {
        return Ok(refused);
    }
    use actix_web::http::StatusCode;
    // 3. Capacity.
    let before = state.connections.fetch_add(1, Ordering::Relaxed);
    if before >= state.max_connections {
        state.connections.fetch_sub(1, Ordering::Relaxed);
        return Ok(refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_connections",
            format!(
                "{} WebSocket connections already open",
                state.max_connections
            ),
        ));
    }
    let started = ws::WsResponseBuilder::new(WsSession::new(state.clone()), &req, stream)
        .frame_size(MAX_FRAME)
        .start();
    if started.is_err() {
        state.connections.fetch_sub(1, Ordering::Relaxed);
    }
    started
}

async fn health(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok().json(state.info())
}

/// `GET /schema`: the JSON Schema of every request and result.
async fn schema() -> HttpResponse {
    HttpResponse::Ok().json(crate::protocol::schema::document())
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    refuse(
        actix_web::http::StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no such endpoint {}; try GET /, GET /schema or a WebSocket on /",
            req.path()
        ),
    )
}

/// Build and bind the server (not yet running). `host` may be a name; for the
/// loopback default, the IPv6 loopback is bound too when available.
/// `routes` adds what is served beside the API (the MCP endpoint).
pub fn bind<F>(
    state: web::Data<ApiState>,
    host: &str,
    port: u16,
    routes: F,
) -> std::io::Result<(actix_web::dev::Server, Vec<std::net::SocketAddr>)>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let app_state = state.clone();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(app_state.clone())
            .configure(routes.clone())
            .route("/", web::get().to(root))
            .route("/ws", web::get().to(root))
            .route("/health", web::get().to(health))
            .route("/schema", web::get().to(schema))
            .default_service(web::to(not_found))
    })
    .workers(2)
    .max_connections(state.max_connections * 4)
    .shutdown_timeout(1)
    .keep_alive(actix_web::http::KeepAlive::Timeout(
        std::time::Duration::from_secs(5),
    ))
    .client_disconnect_timeout(std::time::Duration::ZERO)
    .disable_signals()
    .bind((host, port))?;
    if matches!(host, "127.0.0.1" | "localhost") {
        // Bind [::1] as well when it is free, so ws://localhost works either way.
        let port = server.addrs().first().map_or(port, |a| a.port());
        if let Ok(l) = std::net::TcpListener::bind(("::1", port)) {
            server = server.listen(l)?;
        }
    }
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}
