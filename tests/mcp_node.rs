//! `taskmux mcp` driven by a client of another implementation: the reference
//! TypeScript SDK (`@modelcontextprotocol/sdk`, tests/node), run by node. Its
//! packages are installed by this test from tests/node/package-lock.json when
//! they are missing (npm ci), so `cargo test` needs nothing else.

mod common;

use common::{free_port, Sandbox};

#[test]
fn the_typescript_sdk_client_gets_tools_errors_and_a_crash_notice() {
    common::ensure_node_modules();
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&format!(
        r#"name = "nodestack"

[tasks.web]
command = "python3 -m http.server {port} --bind 127.0.0.1"
port = {port}
health_url = "http://127.0.0.1:{port}/"

[tasks.worker]
command = "while true; do echo tick; sleep 0.2; done"
restart_policy = "always"
"#
    ));
    let report = common::node_report(&sb, "mcp_client.mjs", &[]);
    assert!(report["tools"].as_u64().unwrap() >= 13, "{report}");
    assert!(
        report["exit_notice_ms"].as_f64().unwrap() < 1000.0,
        "{report}"
    );

    // The daemon that start brought up serves the same over Streamable HTTP.
    sb.run(&["start"]).ok();
    sb.run(&["wait", "worker"]).ok();
    let state = sb.state_dir.to_string_lossy().into_owned();
    let report = common::node_report(
        &sb,
        "mcp_http_client.mjs",
        &[
            ("SESSION", "nodestack".into()),
            ("TASKMUX_STATE_DIR", state),
        ],
    );
    assert!(
        report["http_exit_notice_ms"].as_f64().unwrap() < 1000.0,
        "{report}"
    );
}
