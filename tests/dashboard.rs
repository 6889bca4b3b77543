//! The web dashboard: served by the daemon with strict headers, and driven in a
//! real browser (Debian's chromium via playwright-core, tests/node/dashboard.mjs)
//! against a real daemon: rows, kill -9 shown and recovered, restart, a followed
//! log line, the filter, a foreign origin refused, reconnect after a daemon
//! restart with the missed events shown once.

mod common;

use common::{free_port, Sandbox};
use std::io::{Read, Write};
use std::time::Duration;

fn get(port: u16, path: &str, accept: Option<&str>) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{accept}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn stack(port: u16) -> String {
    format!(
        r#"name = "dash"

[tasks.web]
command = "python3 -m http.server {port} --bind 127.0.0.1"
port = {port}
health_url = "http://127.0.0.1:{port}/"

[tasks.worker]
command = "while true; do echo tick $(date +%s%N); sleep 0.3; done"
depends_on = ["web"]
restart_policy = "always"

[tasks.echo]
command = "cat"
"#
    )
}

/// Start the sandbox's daemon on `port` and wait until it listens.
fn daemon(sb: &Sandbox, port: u16) -> common::Watch {
    let child = sb
        .cmd(&["daemon", "--port", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    sb.wait_for("the daemon to listen", Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    common::Watch(child)
}

#[test]
fn the_daemon_serves_the_page_with_strict_headers() {
    let sb = Sandbox::new();
    sb.config(&stack(free_port()));
    let port = free_port();
    let _daemon = daemon(&sb, port);
    let page = get(port, "/ui", None);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let head = page.to_lowercase();
    assert!(
        head.contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{page}"
    );
    assert!(head.contains("connect-src 'self'") && head.contains("frame-ancestors 'none'"));
    assert!(head.contains("x-content-type-options: nosniff"));
    assert!(page.contains("<script src=\"/ui/app.js\" defer></script>"));
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "no inline script or style"
    );
    // A browser asking for / gets the page; API clients keep the JSON.
    assert!(
        get(port, "/", Some("text/html,application/xhtml+xml")).contains("<title>taskmux</title>")
    );
    let json = get(port, "/", None);
    assert!(
        json.contains("\"websocket\"") && !json.contains("<html"),
        "{json}"
    );
    let js = get(port, "/ui/app.js", None);
    assert!(
        js.to_lowercase().contains("content-type: text/javascript"),
        "{js}"
    );
    // Everything embedded: page + script + style within the budget.
    assert!(taskmux::dashboard::size() <= 150 * 1024);
    // `taskmux dashboard` prints the URL of the running daemon.
    let out = sb.json(&["dashboard", "--no-open"]);
    assert_eq!(out["url"], format!("http://127.0.0.1:{port}/ui"));
}

#[test]
fn the_dashboard_in_a_real_browser() {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "the browser tests need Debian's chromium (/usr/bin/chromium): apt-get install chromium (.ci/run does)"
    );
    common::ensure_node_modules();
    let sb = Sandbox::new();
    sb.config(&stack(free_port()));
    let port = free_port();
    let _daemon = daemon(&sb, port);
    sb.run(&["start"]).ok();
    sb.run(&["wait", "--timeout", "20s"]).ok();
    let report = common::node_report(
        &sb,
        "dashboard.mjs",
        &[("PORT", port.to_string()), ("SESSION", "dash".into())],
    );
    assert!(
        report["exit_shown_ms"].as_f64().unwrap() <= 1000.0,
        "{report}"
    );
    assert!(report["log_line_ms"].as_f64().unwrap() <= 500.0, "{report}");
}
