//! help: a command's help (as `--help` prints it), or the reference of every
//! taskmux.toml key (`taskmux help config`, built into the binary, so an
//! installed taskmux can answer it without the repository).

use crate::cli::Cli;
use crate::error::{Error, Result};
use clap::CommandFactory;

/// docs/configuration.md, as it was when this binary was built.
const CONFIG_REFERENCE: &str = include_str!("../../docs/configuration.md");

/// Topics beside the commands.
const TOPICS: &[&str] = &["config"];

pub fn help(topic: &[String], json: bool) -> Result<i32> {
    let words: Vec<&str> = topic.iter().map(String::as_str).collect();
    let text = match words.as_slice() {
        ["config" | "configuration" | "taskmux.toml"] => CONFIG_REFERENCE.to_string(),
        _ => command_help(&words)?,
    };
    if json {
        let doc = serde_json::json!({ "topic": topic.join(" "), "text": text });
        crate::output::print_line(&crate::output::to_json(true, &doc));
    } else {
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    }
    Ok(0)
}

/// The long help of the (sub)command `words` names (none: taskmux's own).
fn command_help(words: &[&str]) -> Result<String> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut at = &mut cmd;
    for w in words {
        let known: Vec<String> = at
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| c.get_name().to_string())
            .chain(TOPICS.iter().map(|t| t.to_string()))
            .collect();
        match at.find_subcommand_mut(w) {
            Some(sub) => at = sub,
            None => {
                let hint = crate::suggest::closest(w, known.iter().map(String::as_str))
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                return Err(Error::usage(format!(
                    "no help on '{w}'{hint}; topics: config, or any command ({})",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(at.render_long_help().to_string())
}
