//! `taskmux mcp install` on files that already hold other servers and comments:
//! every other byte kept, idempotent, --dry-run writes nothing, and the entry it
//! writes starts a working server.

mod common;

use common::Sandbox;
use serde_json::Value;

const CLAUDE: &str = "{\n  \"mcpServers\": {\n    \"db\": { \"command\": \"pg-mcp\", \"args\": [\"--ro\"] }\n  },\n  \"note\": \"keep\"\n}\n";
const GEMINI: &str = "{\n  // Gemini CLI settings, with a comment\n  \"theme\": \"GitHub\",\n  \"mcpServers\": {}\n}\n";
const CODEX: &str =
    "# Codex config\nmodel = \"gpt-5\"\n\n[mcp_servers.db]\ncommand = \"pg-mcp\" # read only\n";

#[test]
fn install_keeps_other_entries_byte_for_byte_and_is_idempotent() {
    let sb = Sandbox::new();
    sb.config("name = \"inst\"\n[tasks.a]\ncommand = \"sleep 60\"\n");
    std::fs::write(sb.path(".mcp.json"), CLAUDE).unwrap();
    std::fs::create_dir_all(sb.path(".gemini")).unwrap();
    std::fs::write(sb.path(".gemini/settings.json"), GEMINI).unwrap();
    std::fs::create_dir_all(sb.path(".codex")).unwrap();
    std::fs::write(sb.path(".codex/config.toml"), CODEX).unwrap();

    // --dry-run shows the change and writes nothing.
    let dry = sb
        .run(&["mcp", "install", "--client", "all", "--dry-run"])
        .ok();
    assert!(
        dry.stdout.contains("+     \"taskmux\": {"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        std::fs::read_to_string(sb.path(".mcp.json")).unwrap(),
        CLAUDE
    );
    assert!(!sb.path(".cursor/mcp.json").exists());

    let report = sb.json(&["mcp", "install", "--client", "all"]);
    let actions: Vec<(&str, &str)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["client"].as_str().unwrap(), c["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("claude", "added"),
            ("codex", "added"),
            ("cursor", "created"),
            ("opencode", "created"),
            ("gemini", "added")
        ]
    );
    let claude = std::fs::read_to_string(sb.path(".mcp.json")).unwrap();
    assert!(claude.starts_with("{\n  \"mcpServers\": {\n    \"db\": { \"command\": \"pg-mcp\", \"args\": [\"--ro\"] },\n    \"taskmux\": {"), "{claude}");
    assert!(
        claude.ends_with("  },\n  \"note\": \"keep\"\n}\n"),
        "{claude}"
    );
    let gemini = std::fs::read_to_string(sb.path(".gemini/settings.json")).unwrap();
    assert!(gemini.starts_with("{\n  // Gemini CLI settings, with a comment\n  \"theme\": \"GitHub\",\n  \"mcpServers\": {\n    \"taskmux\""), "{gemini}");
    let codex = std::fs::read_to_string(sb.path(".codex/config.toml")).unwrap();
    assert!(codex.starts_with(CODEX), "{codex}");
    assert!(codex.contains("[mcp_servers.taskmux]"), "{codex}");
    let opencode: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("opencode.json")).unwrap()).unwrap();
    assert_eq!(opencode["mcp"]["taskmux"]["type"], "local");

    // Again: nothing changes.
    let again = sb.json(&["mcp", "install", "--client", "all"]);
    assert!(
        again["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["action"] == "unchanged"),
        "{again}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.path(".mcp.json")).unwrap(),
        claude
    );

    // The user scope writes under HOME.
    sb.run(&["mcp", "install", "--client", "claude", "--scope", "user"])
        .ok();
    let user: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.home.join(".claude.json")).unwrap())
            .unwrap();
    assert_eq!(user["mcpServers"]["taskmux"]["args"][0], "mcp");

    // A broken file is reported, not overwritten.
    std::fs::write(sb.path(".cursor/mcp.json"), "{ not json").unwrap();
    let bad = sb.run(&["mcp", "install", "--client", "cursor"]).code(2);
    assert!(
        bad.stderr.contains(".cursor/mcp.json") && bad.stderr.contains("not valid JSON"),
        "{}",
        bad.stderr
    );
    assert_eq!(
        std::fs::read_to_string(sb.path(".cursor/mcp.json")).unwrap(),
        "{ not json"
    );

    // The registered command is a working MCP server in this project.
    let entry: Value = serde_json::from_str(&claude).unwrap();
    let command = entry["mcpServers"]["taskmux"]["command"]
        .as_str()
        .unwrap()
        .to_string();
    let cmd = sb.cmd(&[]);
    let mut child = std::process::Command::new(&command)
        .args(["mcp"])
        .envs(
            cmd.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .current_dir(&sb.work)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::{BufRead, Write};
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-06-18","capabilities":{{}},"clientInfo":{{"name":"t","version":"1"}}}}}}"#).unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    drop(stdin);
    let answer: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        answer["result"]["serverInfo"]["name"], "taskmux",
        "{answer}"
    );
    let _ = child.wait();
}
