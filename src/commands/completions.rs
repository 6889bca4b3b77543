//! completions: shell completion scripts generated from the clap definitions.

use crate::cli::Cli;
use crate::error::Result;
use clap::CommandFactory;
use clap_complete::Shell;

pub fn completions(shell: Shell, json: bool) -> Result<i32> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "taskmux", &mut buf);
    let script = String::from_utf8_lossy(&buf).into_owned();
    if json {
        let report = serde_json::json!({ "shell": shell.to_string(), "script": script });
        crate::output::print_line(&crate::output::to_json(true, &report));
    } else {
        print!("{script}");
    }
    Ok(0)
}
