//! The MCP tools, generated from the typed command surface: one tool per
//! command that is not a connection's own (`subscribe`/`unsubscribe`), with the
//! command's doc comment as its description, its params' JSON Schema as the
//! input schema and its result's (plus `ok`) as the output schema.

use crate::protocol::{schema, Access, CommandInfo, COMMAND_INFO};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// Lines `logs` answers with through MCP unless asked for more, and the most it
/// answers with (a model's context is small).
pub const MCP_LOG_LINES: u64 = 50;
pub const MCP_MAX_LOG_LINES: u64 = 1000;

/// The commands that are tools.
pub fn commands() -> impl Iterator<Item = &'static CommandInfo> {
    COMMAND_INFO
        .iter()
        .filter(|c| c.access != Access::Connection)
}

/// The command of a tool name.
pub fn command(name: &str) -> Option<&'static CommandInfo> {
    commands().find(|c| c.name == name)
}

/// Every tool, built once.
pub fn tools() -> &'static [Tool] {
    static TOOLS: OnceLock<Vec<Tool>> = OnceLock::new();
    TOOLS.get_or_init(|| commands().map(tool).collect())
}

fn tool(c: &CommandInfo) -> Tool {
    let doc = schema::document();
    let mut input = inline(doc, &schema::params_by_command()[c.name], 0);
    input["type"] = json!("object");
    input.as_object_mut().map(|o| o.remove("title"));
    if c.name == "logs" {
        input["properties"]["lines"]["description"] = json!(format!(
            "How many lines (default {MCP_LOG_LINES}, at most {MCP_MAX_LOG_LINES})."
        ));
    }
    let mut result = inline(doc, &doc["results"][c.name], 0);
    result["type"] = json!("object");
    result.as_object_mut().map(|o| o.remove("title"));
    result["properties"]["ok"] =
        json!({"type": "boolean", "description": "false when the command failed"});
    // A failed call carries {ok: false, error: {code, message}} instead (clients
    // validate structured content against this schema even then).
    let output = json!({
        "type": "object",
        "description": result.get("description").cloned().unwrap_or(json!("The command's result.")),
        "properties": {"ok": {"type": "boolean", "description": "false when the command failed"}},
        "required": ["ok"],
        "anyOf": [result, error_schema()],
    });
    let title = title(c.name);
    let annotations = ToolAnnotations::with_title(title.clone())
        .read_only(c.access == Access::Read)
        .destructive(c.access == Access::Destructive)
        .idempotent(matches!(
            c.name,
            "status"
                | "inspect"
                | "health"
                | "logs"
                | "events"
                | "check"
                | "stop"
                | "kill"
                | "start"
                | "wait"
        ))
        .open_world(false);
    let mut t = Tool::new(c.name, description(c), Arc::new(object(input)));
    t.title = Some(title);
    t.output_schema = Some(Arc::new(object(output)));
    t.annotations = Some(annotations);
    t
}

/// The document of a failed call.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["ok", "error"],
        "properties": {
            "ok": {"const": false},
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "stable error code (unknown_task, missing_cwd, timeout …)"},
                    "message": {"type": "string", "description": "what the CLI prints, with a did-you-mean where one helps"}
                }
            }
        }
    })
}

fn description(c: &CommandInfo) -> String {
    let text: Vec<&str> = c.doc.lines().map(str::trim).collect();
    let mut d = text.join(" ").trim().to_string();
    d.push_str(" Returns the same JSON document as `taskmux ");
    d.push_str(
        &c.name
            .replace('_', "-")
            .replace("add-task", "add")
            .replace("remove-task", "remove"),
    );
    d.push_str(" --json`.");
    d
}

fn title(name: &str) -> String {
    let mut t = name.replace('_', " ");
    if let Some(first) = t.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    t
}

fn object(v: Value) -> JsonObject {
    match v {
        Value::Object(m) => m,
        _ => JsonObject::new(),
    }
}

const RUST_FORMATS: &[&str] = &[
    "uint", "uint8", "uint16", "uint32", "uint64", "int", "int8", "int16", "int32", "int64",
    "float", "double",
];

/// `schema` with every `$ref` into the document's `$defs` replaced by its target
/// (MCP clients want self-contained schemas).
fn inline(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth > 32 {
        return json!({});
    }
    match schema {
        Value::Object(map) => {
            if let Some(target) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| doc["$defs"].get(name))
            {
                let mut resolved = inline(doc, target, depth + 1);
                // Siblings of the $ref (a description) stay.
                for (k, v) in map.iter().filter(|(k, _)| *k != "$ref") {
                    resolved[k] = inline(doc, v, depth + 1);
                }
                return resolved;
            }
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), inline(doc, v, depth + 1)))
                .collect();
            // schemars' Rust-width formats (uint32 …) are not JSON Schema's:
            // validators warn about them. A minimum says what they meant.
            if let Some(f) = out.get("format").and_then(Value::as_str) {
                if RUST_FORMATS.contains(&f) {
                    if f.starts_with('u') {
                        out.entry("minimum").or_insert(json!(0));
                    }
                    out.remove("format");
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| inline(doc, v, depth + 1)).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_self_contained_object_schemas() {
        let names: Vec<&str> = tools().iter().map(|t| t.name.as_ref()).collect();
        for want in [
            "status",
            "inspect",
            "health",
            "start",
            "stop",
            "restart",
            "kill",
            "logs",
            "wait",
            "events",
            "check",
            "add_task",
            "remove_task",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert!(!names.contains(&"subscribe"));
        for t in tools() {
            let input = serde_json::to_string(&*t.input_schema).unwrap();
            let output = serde_json::to_string(t.output_schema.as_deref().unwrap()).unwrap();
            assert!(
                !input.contains("$ref") && !output.contains("$ref"),
                "{}",
                t.name
            );
            assert_eq!(t.input_schema["type"], "object");
            assert!(
                t.description.as_deref().unwrap_or("").len() > 40,
                "{}",
                t.name
            );
        }
        let kill = tools().iter().find(|t| t.name == "kill").unwrap();
        assert_eq!(kill.input_schema["required"], json!(["task"]));
        let ann = kill.annotations.as_ref().unwrap();
        assert_eq!(ann.destructive_hint, Some(true));
        assert_eq!(ann.read_only_hint, Some(false));
    }
}
