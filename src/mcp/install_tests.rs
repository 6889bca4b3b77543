use super::*;

fn run(format: Format, before: Option<&str>) -> (String, &'static str) {
    edit(format, before, "taskmux").unwrap()
}

#[test]
fn json_keeps_every_other_byte_and_is_idempotent() {
    let before = "{\n    // my servers\n    \"mcpServers\": {\n        \"other\": { \"command\": \"x\", \"args\": [] }\n    },\n    \"zeta\": 1, \"alpha\": [1,2]\n}\n";
    let (after, action) = run(Format::McpServers("mcpServers"), Some(before));
    assert_eq!(action, "added");
    let expected = "{\n    // my servers\n    \"mcpServers\": {\n        \"other\": { \"command\": \"x\", \"args\": [] },\n        \"taskmux\": {\n            \"command\": \"taskmux\",\n            \"args\": [\n                \"mcp\"\n            ]\n        }\n    },\n    \"zeta\": 1, \"alpha\": [1,2]\n}\n";
    assert_eq!(after, expected);
    let (again, action) = run(Format::McpServers("mcpServers"), Some(&after));
    assert_eq!(action, "unchanged");
    assert_eq!(again, after);
}

#[test]
fn json_without_the_container_or_with_an_old_entry() {
    let (after, action) = run(
        Format::McpServers("mcpServers"),
        Some("{\"theme\": \"dark\"}"),
    );
    assert_eq!(action, "added");
    let v: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(v["theme"], "dark");
    assert_eq!(v["mcpServers"]["taskmux"]["args"], json!(["mcp"]));
    assert!(after.starts_with("{\"theme\": \"dark\","), "{after}");
    let old = "{\"mcpServers\": {\"taskmux\": {\"command\": \"/old/taskmux\"}, \"b\": {}}}";
    let (after, action) = run(Format::McpServers("mcpServers"), Some(old));
    assert_eq!(action, "updated");
    assert!(after.ends_with(", \"b\": {}}}"), "{after}");
    let v: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(v["mcpServers"]["taskmux"]["command"], "taskmux");
    let (_, action) = run(Format::McpServers("mcpServers"), Some("{}"));
    assert_eq!(action, "added");
    assert!(edit(
        Format::McpServers("mcpServers"),
        Some("{\"mcpServers\": 3}"),
        "t"
    )
    .is_err());
    assert!(edit(Format::McpServers("mcpServers"), Some("{oops"), "t").is_err());
}

#[test]
fn opencode_and_new_files() {
    let (text, action) = run(Format::OpenCode, None);
    assert_eq!(action, "created");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["mcp"]["taskmux"]["command"], json!(["taskmux", "mcp"]));
    assert_eq!(v["mcp"]["taskmux"]["type"], "local");
}

#[test]
fn codex_toml_keeps_comments_and_other_servers() {
    let before =
        "# my codex config\nmodel = \"o4\"\n\n[mcp_servers.other]\ncommand = \"x\" # keep me\n";
    let (after, action) = run(Format::CodexToml, Some(before));
    assert_eq!(action, "added");
    assert!(after.starts_with(before), "{after}");
    assert!(
        after.contains("[mcp_servers.taskmux]\ncommand = \"taskmux\"\nargs = [\"mcp\"]"),
        "{after}"
    );
    let (again, action) = run(Format::CodexToml, Some(&after));
    assert_eq!((again.as_str(), action), (after.as_str(), "unchanged"));
    let (fresh, action) = run(Format::CodexToml, None);
    assert_eq!(action, "created");
    assert_eq!(
        fresh,
        "[mcp_servers.taskmux]\ncommand = \"taskmux\"\nargs = [\"mcp\"]\n"
    );
}
