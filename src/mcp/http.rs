//! MCP over Streamable HTTP at the daemon's `/mcp`, beside its WebSocket on the
//! same port: rmcp's `StreamableHttpService` (sessions for the revisions that
//! have them, stateless 2026-07-28) behind the daemon's own rule (allow-listed
//! Origin; a token, or a loopback peer of the daemon's user). actix-web hands
//! it the request as `http` types and streams its answer (JSON or SSE) back,
//! so several agents share one server without a second HTTP stack.

use super::backend::Backend;
use super::push::Hub;
use super::server::TaskmuxServer;
use crate::api::ApiState;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;

/// The daemon's MCP service.
pub type McpService = StreamableHttpService<TaskmuxServer, LocalSessionManager>;

/// The service for the daemon whose API state is `state`; `hub` carries its
/// events to every session.
pub fn service(state: Arc<ApiState>, hub: Arc<Hub>) -> McpService {
    let mut hosts = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    if !state.host.is_empty() && !hosts.contains(&state.host) {
        hosts.push(state.host.clone());
    }
    let config = StreamableHttpServerConfig::default().with_allowed_hosts(hosts);
    let backend = Arc::new(Backend::resident(state));
    StreamableHttpService::new(
        move || Ok(TaskmuxServer::new(backend.clone(), hub.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    )
}

/// The `/mcp` route, for `api::server::bind`.
pub fn routes(svc: McpService) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    let svc = web::Data::new(svc);
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(svc.clone())
            .route("/mcp", web::route().to(handle));
    }
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
    svc: web::Data<McpService>,
) -> HttpResponse {
    if let Some(refused) = crate::api::server::refusal(&req, &state) {
        return refused;
    }
    let mut builder = http::Request::builder()
        .method(req.method().as_str())
        .uri(req.uri().to_string());
    for (name, value) in req.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    let Ok(request) = builder.body(http_body_util::Full::new(body)) else {
        return HttpResponse::BadRequest().body("malformed request");
    };
    let (parts, body) = svc.handle(request).await.into_parts();
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    let stream = http_body_util::BodyExt::into_data_stream(body)
        .map(|chunk| chunk.map_err(|never| match never {}));
    out.streaming::<_, std::convert::Infallible>(stream)
}
