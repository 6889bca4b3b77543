//! `taskmux mcp` driven by a client of another implementation: the reference
//! TypeScript SDK (`@modelcontextprotocol/sdk`, tests/node), run by node. Its
//! packages are installed by this test from tests/node/package-lock.json when
//! they are missing (npm ci), so `cargo test` needs nothing else.

mod common;

use common::{free_port, Sandbox};
use std::process::Command;

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
    let env = sb.cmd(&[]);
    let script = common::node_dir().join("mcp_client.mjs");
    let out = Command::new("node")
        .arg(&script)
        .envs(
            env.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .env("TASKMUX_BIN", common::bin())
        .current_dir(&sb.work)
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the node client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("report");
    assert!(report["tools"].as_u64().unwrap() >= 13, "{report}");
    assert!(
        report["exit_notice_ms"].as_f64().unwrap() < 1000.0,
        "{report}"
    );
}
