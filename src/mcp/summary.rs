//! The short text of a tool result, for clients that read text only (the
//! structured content carries the whole document).

use serde_json::Value;

fn s(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|x| if key.is_empty() { s(x) } else { s(&x[key]) })
        .collect()
}

fn list(label: &str, items: Vec<String>) -> Option<String> {
    (!items.is_empty()).then(|| format!("{label}: {}", items.join(", ")))
}

/// The text of `command`'s result `r`; a start or restart with `wait` adds the
/// wait's.
pub fn summary(command: &str, r: &Value) -> String {
    let text = summary_of(command, r);
    match (command, r.get("wait")) {
        ("start" | "restart", Some(w)) if !w.is_null() => {
            format!("{text}\n{}", summary_of("wait", w))
        }
        _ => text,
    }
}

fn summary_of(command: &str, r: &Value) -> String {
    let lines: Vec<String> = match command {
        "status" => {
            let mut out = vec![format!(
                "session {} ({})",
                s(&r["session"]),
                if r["running"] == true {
                    "running"
                } else {
                    "not running"
                }
            )];
            for t in r["tasks"].as_array().into_iter().flatten() {
                let mut row = format!("{}: {}", s(&t["name"]), s(&t["state"]));
                for (k, label) in [("pid", "pid"), ("port", "port"), ("uptime", "up")] {
                    if !t[k].is_null() {
                        row.push_str(&format!(" {label} {}", s(&t[k])));
                    }
                }
                if t["restarts"].as_u64().is_some_and(|n| n > 0) {
                    row.push_str(&format!(" restarts {}", t["restarts"]));
                }
                if !t["reason"].is_null() {
                    row.push_str(&format!(" — {}", s(&t["reason"])));
                }
                out.push(row);
            }
            out
        }
        "health" => r["tasks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                let probe = &t["probe"];
                let detail = if probe.is_null() {
                    String::new()
                } else {
                    format!(" ({} {})", s(&probe["method"]), s(&probe["detail"]))
                };
                format!(
                    "{}: {}{detail}",
                    s(&t["task"]),
                    if t["healthy"] == true {
                        "healthy"
                    } else {
                        "unhealthy"
                    }
                )
            })
            .collect(),
        "start" => [
            list("started", names(&r["started"], "task")),
            list("already running", names(&r["already_running"], "")),
            list(
                "skipped",
                r["skipped"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|x| format!("{} ({})", s(&x["task"]), s(&x["reason"])))
                    .collect(),
            ),
            list(
                "failed",
                r["failed"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|x| format!("{} ({})", s(&x["task"]), s(&x["message"])))
                    .collect(),
            ),
        ]
        .into_iter()
        .flatten()
        .chain(
            names(&r["warnings"], "")
                .into_iter()
                .map(|w| format!("warning: {w}")),
        )
        .collect(),
        "stop" => [
            list("stopped", names(&r["stopped"], "task")),
            list("failed", names(&r["failed"], "task")),
        ]
        .into_iter()
        .flatten()
        .chain((r["session_ended"] == true).then(|| "session ended".to_string()))
        .collect(),
        "restart" => vec![summary("stop", &r["stop"]), summary("start", &r["start"])],
        "kill" => vec![format!(
            "killed {} (was {})",
            s(&r["task"]),
            if r["was_running"] == true {
                "running"
            } else {
                "not running"
            }
        )],
        "logs" => r["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| format!("{} {} | {}", s(&l["ts"]), s(&l["task"]), s(&l["line"])))
            .chain(
                r["cursor"]
                    .as_str()
                    .map(|c| format!("cursor (pass as after to read only what is new): {c}")),
            )
            .collect(),
        "mark" => vec![format!("cursor: {}", s(&r["cursor"]))],
        "wait" => {
            let mut out: Vec<String> = r["tasks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    let mut row = format!(
                        "{}: {} ({})",
                        s(&t["task"]),
                        s(&t["status"]),
                        s(&t["state"])
                    );
                    if !t["reason"].is_null() {
                        row.push_str(&format!(" — {}", s(&t["reason"])));
                    }
                    row
                })
                .collect();
            if !r["error"].is_null() {
                out.push(format!(
                    "error ({}): {}",
                    s(&r["error"]["code"]),
                    s(&r["error"]["message"])
                ));
            }
            out
        }
        "events" => r["events"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let ev: Result<crate::supervisor::events::Event, _> =
                    serde_json::from_value(e.clone());
                match ev {
                    Ok(ev) => format!("#{} {}", ev.seq, crate::supervisor::events::event_line(&ev)),
                    Err(_) => e.to_string(),
                }
            })
            .collect(),
        "check" => {
            let mut out: Vec<String> = ["errors", "warnings"]
                .iter()
                .flat_map(|k| r[*k].as_array().into_iter().flatten())
                .map(|f| {
                    format!(
                        "{} {} {}: {} (fix: {})",
                        s(&f["severity"]),
                        s(&f["code"]),
                        s(&f["task"]),
                        s(&f["message"]),
                        s(&f["fix"])
                    )
                })
                .collect();
            out.push(format!(
                "{}: {} task(s), {} error(s), {} warning(s)",
                s(&r["config"]),
                s(&r["tasks"]),
                r["errors"].as_array().map_or(0, Vec::len),
                r["warnings"].as_array().map_or(0, Vec::len)
            ));
            out
        }
        "add_task" => vec![format!(
            "added task '{}' to {}",
            s(&r["task"]),
            s(&r["config"])
        )],
        "remove_task" => vec![format!(
            "removed task '{}' from {}{}",
            s(&r["task"]),
            s(&r["config"]),
            if r["stopped"] == true {
                " (stopped it first)"
            } else {
                ""
            }
        )],
        _ => vec![r.to_string()],
    };
    if lines.is_empty() {
        return match command {
            "logs" => "no log lines".into(),
            "events" => "no events".into(),
            _ => "nothing to report".into(),
        };
    }
    lines.join("\n")
}
