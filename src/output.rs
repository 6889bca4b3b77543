//! Human output (aligned tables, colour on terminals only) versus `--json`.

use serde::Serialize;
use serde_json::{json, Value};
use std::io::IsTerminal;

/// Print a report: as one JSON document with `"ok"` added, or as human text.
pub fn emit<T: Serialize>(json_mode: bool, ok: bool, report: &T, human: impl FnOnce() -> String) {
    if json_mode {
        print_line(&to_json(ok, report));
    } else {
        let text = human();
        if !text.is_empty() {
            print_line(text.trim_end_matches('\n'));
        }
    }
}

/// Print one line on stdout; a reader that went away (`taskmux status | head`)
/// ends the process quietly instead of a panic.
pub fn print_line(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}

/// The JSON document of a report: its fields plus `"ok"`.
pub fn to_json<T: Serialize>(ok: bool, report: &T) -> String {
    let mut value = serde_json::to_value(report).unwrap_or(Value::Null);
    match &mut value {
        Value::Object(map) => {
            map.insert("ok".into(), Value::Bool(ok));
        }
        other => {
            value = json!({ "ok": ok, "result": other.take() });
        }
    }
    serde_json::to_string_pretty(&value).expect("JSON value serialises")
}

/// Print an error: JSON on stdout with --json, always the message on stderr.
pub fn emit_error(json_mode: bool, err: &crate::error::Error) {
    if json_mode {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "ok": false,
                "error": { "code": err.code, "message": err.message }
            }))
            .expect("JSON value serialises")
        );
    }
    eprintln!("{} {}", paint_stderr(Style::Red, "error:"), err.message);
}

/// Print a warning line on stderr.
pub fn warn(message: &str) {
    eprintln!("{} {message}", paint_stderr(Style::Yellow, "warning:"));
}

/// Colours used in human output.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    Green,
    Yellow,
    Red,
    Dim,
    Bold,
}

/// True when colour should be used on stdout.
pub fn colour_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// True when colour should be used on stderr (a terminal, NO_COLOR unset).
pub fn stderr_colour_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Wrap `text` in ANSI colour when colour is enabled on stdout.
pub fn paint(style: Style, text: &str) -> String {
    paint_if(colour_enabled(), style, text)
}

/// Wrap `text` in ANSI colour when colour is enabled on stderr.
pub fn paint_stderr(style: Style, text: &str) -> String {
    paint_if(stderr_colour_enabled(), style, text)
}

fn paint_if(enabled: bool, style: Style, text: &str) -> String {
    if !enabled {
        return text.to_string();
    }
    let code = match style {
        Style::Green => "32",
        Style::Yellow => "33",
        Style::Red => "31",
        Style::Dim => "2",
        Style::Bold => "1",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The colour of a task state label.
pub fn state_style(label: &str) -> Style {
    match label {
        "healthy" | "running" => Style::Green,
        done if done.starts_with("completed") => Style::Green,
        "starting" | "waiting" | "backoff" | "stopping" => Style::Yellow,
        "stopped" | "skipped" => Style::Dim,
        _ => Style::Red,
    }
}

/// Align rows under headers; `styles` colours whole cells after alignment.
pub fn table(headers: &[&str], rows: &[Vec<(String, Option<Style>)>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, (cell, _)) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<(String, Option<Style>)>| {
        let last = cells.len().saturating_sub(1);
        let mut s = String::new();
        for (i, (cell, style)) in cells.into_iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            let padded = if i == last {
                cell
            } else {
                format!("{cell}{}", " ".repeat(pad + 2))
            };
            s.push_str(&match style {
                Some(st) => paint(st, &padded),
                None => padded,
            });
        }
        s.trim_end().to_string()
    };
    out.push_str(&line(
        headers
            .iter()
            .map(|h| (h.to_string(), Some(Style::Bold)))
            .collect(),
    ));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.clone()));
        out.push('\n');
    }
    out
}

/// A plain cell.
pub fn cell(text: impl Into<String>) -> (String, Option<Style>) {
    (text.into(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_adds_ok() {
        let v: Value = serde_json::from_str(&to_json(true, &json!({"a": 1}))).unwrap();
        assert_eq!(v["ok"], true);
        assert_eq!(v["a"], 1);
    }

    #[test]
    fn table_aligns() {
        let t = table(&["A", "BB"], &[vec![cell("xxx"), cell("y")]]);
        assert_eq!(t, "A    BB\nxxx  y\n");
    }
}
