//! The API describes itself: one JSON Schema document of every request and every
//! result (served at `GET /schema`), derived from the types.

use super::Request;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The schema document: `{"requests": {oneOf: [...]}, "results": {NAME: schema}, "$defs"}`.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12();
    let mut generator = settings.into_generator();
    let requests = generator.subschema_for::<Request>();
    let results: serde_json::Map<String, Value> = super::result_schemas(&mut generator)
        .into_iter()
        .map(|(name, s)| (name.to_string(), s.to_value()))
        .collect();
    let defs: serde_json::Map<String, Value> = generator.take_definitions(true);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "taskmux WebSocket API",
        "description": "Requests are {\"id\"?, \"command\", \"params\"?}; a success answers {\"id\"?, \"ok\": true, \"command\", \"result\"} with the result's fields repeated at the top level; see docs/websocket-api.md.",
        "version": env!("CARGO_PKG_VERSION"),
        "requests": requests.to_value(),
        "results": results,
        "$defs": defs,
    })
}

/// Resolve a `{"$ref": "#/$defs/X"}` against the document.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/$defs/")
            .and_then(|name| doc["$defs"].get(name))
            .map_or(schema, |s| resolve(doc, s)),
        None => schema,
    }
}

/// Each command's params schema (resolved), by command name.
pub fn params_by_command() -> &'static BTreeMap<String, Value> {
    static MAP: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    MAP.get_or_init(|| {
        let doc = document();
        let requests = resolve(doc, &doc["requests"]);
        let variants = requests["oneOf"].as_array().cloned().unwrap_or_default();
        variants
            .iter()
            .filter_map(|v| {
                let v = resolve(doc, v);
                let name = v["properties"]["command"]["const"]
                    .as_str()
                    .or_else(|| v["properties"]["command"]["enum"][0].as_str())?;
                let params = resolve(doc, &v["properties"]["params"]).clone();
                Some((name.to_string(), params))
            })
            .collect()
    })
}

/// The params a command cannot do without.
pub fn required_params(command: &str) -> Vec<&'static str> {
    params_by_command()
        .get(command)
        .and_then(|p| p["required"].as_array())
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The names of a command's params.
pub fn param_names(command: &str) -> Vec<&'static str> {
    params_by_command()
        .get(command)
        .and_then(|p| p["properties"].as_object())
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_params_and_a_result() {
        for name in super::super::COMMANDS {
            assert!(params_by_command().contains_key(*name), "{name}");
            assert!(document()["results"].get(*name).is_some(), "{name}");
        }
        assert_eq!(required_params("kill"), vec!["task"]);
        assert!(required_params("start").is_empty());
        let mut logs = param_names("logs");
        logs.sort();
        assert_eq!(
            logs,
            vec!["after", "grep", "lines", "since", "task", "tasks"]
        );
    }
}
