//! The web dashboard the daemon serves at `/ui` (and at `/` for a browser):
//! one page, its script and its style, embedded in the binary (no CDN, no build
//! step). The page speaks only the public WebSocket API on its own origin; every
//! answer carries a strict Content-Security-Policy and may not be framed.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// Nothing from elsewhere; scripts and styles only from our files; the
/// WebSocket only to this origin; never inside a frame.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// The page.
pub fn page() -> HttpResponse {
    asset("text/html; charset=utf-8", INDEX)
}

/// Whether a `GET /` comes from a browser asking for a page (API clients that
/// send no Accept, or JSON, keep getting the daemon's JSON).
pub fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// The dashboard's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ui", web::get().to(|| async { page() }))
        .route("/ui/", web::get().to(|| async { page() }))
        .route(
            "/ui/app.js",
            web::get().to(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/ui/app.css",
            web::get().to(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        );
}

/// Bytes of the page and its assets (the benchmark's budget).
pub fn size() -> usize {
    INDEX.len() + APP_JS.len() + APP_CSS.len()
}
