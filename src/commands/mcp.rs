//! mcp: serve MCP over stdio, or register taskmux in agents' config files.

use crate::cli::{Cli, McpAction, McpArgs, McpInstallArgs};
use crate::error::{Error, Result};
use crate::mcp::install::{self, Change};
use crate::output::{emit, paint, Style};
use serde_json::json;

pub fn run(cli: &Cli, args: &McpArgs) -> Result<i32> {
    match &args.action {
        None => crate::mcp::serve_stdio(cli.config.clone(), cli.session.clone()),
        Some(McpAction::Install(a)) => install_cmd(cli, a),
    }
}

fn install_cmd(cli: &Cli, a: &McpInstallArgs) -> Result<i32> {
    let project = install::project_dir(cli.config.as_deref())?;
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from)
        .ok_or_else(|| Error::usage("HOME is not set: cannot find your user-wide agent configs"))?;
    let changes = install::install(a.client, a.scope, &project, &home, a.dry_run)?;
    let report = json!({
        "dry_run": a.dry_run,
        "command": format!("{} mcp", install::server_command()),
        "changes": changes,
    });
    emit(cli.json, true, &report, || human(&changes, a.dry_run));
    Ok(0)
}

fn human(changes: &[Change], dry_run: bool) -> String {
    let mut out = Vec::new();
    for c in changes {
        let verb = match (c.action, dry_run) {
            ("unchanged", _) => {
                out.push(format!(
                    "{}: {} already registers taskmux",
                    c.client, c.file
                ));
                continue;
            }
            (a, true) => format!("would be {a}"),
            (a, false) => a.to_string(),
        };
        out.push(format!(
            "{}: {} {verb}",
            paint(Style::Bold, c.client),
            c.file
        ));
        if dry_run {
            let before = std::fs::read_to_string(&c.file).unwrap_or_default();
            out.push(diff(&before, &c.text));
        }
    }
    if !dry_run && changes.iter().any(|c| c.action != "unchanged") {
        out.push("restart the agent (or reload its MCP servers) to pick taskmux up".into());
    }
    out.join("\n")
}

/// The changed lines between two texts (one hunk: our edits are contiguous).
fn diff(before: &str, after: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out: Vec<String> = Vec::new();
    for l in &a[head..a.len() - tail] {
        out.push(paint(Style::Red, &format!("  - {l}")));
    }
    for l in &b[head..b.len() - tail] {
        out.push(paint(Style::Green, &format!("  + {l}")));
    }
    out.join("\n")
}
