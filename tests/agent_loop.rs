//! The agent's loop in one call: `start --wait` / `restart --wait` return once
//! what they started is healthy, or say why not.

mod common;

use common::{free_port, Sandbox};

#[test]
fn start_and_restart_wait_until_healthy_or_say_why() {
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&format!(
        "name = \"loop\"\n\n[tasks.web]\ncommand = \"sleep 0.3; exec python3 -m http.server {port} --bind 127.0.0.1\"\nport = {port}\nhealth_url = \"http://127.0.0.1:{port}/\"\n\n[tasks.bad]\ncommand = \"echo boom >&2; exit 3\"\nauto_start = false\n"
    ));
    let v = sb.json(&["start", "--wait", "--timeout", "20s"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["started"][0]["task"], "web");
    assert_eq!(v["wait"]["tasks"][0]["status"], "met", "{v}");
    // Healthy right when it returns: the probe answers.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());

    let r = sb
        .run(&["start", "bad", "--wait", "--timeout", "20s"])
        .code(1);
    assert!(
        r.stderr.contains("will not become healthy") && r.stderr.contains("exited (code 3)"),
        "{}",
        r.stderr
    );

    let v = sb.json(&["restart", "web", "--wait"]);
    assert_eq!(v["wait"]["tasks"][0]["status"], "met", "{v}");
    assert_eq!(v["start"]["started"][0]["task"], "web");
    // Without --wait, --timeout is refused (it would mean nothing).
    sb.run(&["restart", "web", "--timeout", "5s"]).code(2);
}
