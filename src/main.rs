//! taskmux: a tmux-based task supervisor for development stacks.

use clap::Parser;
use taskmux::{cli, commands, error, logs, output};

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    // The log sink runs once per task, for the task's whole life: keep it lean.
    if argv.get(1).map(String::as_str) == Some("_log-sink") {
        if let Some(args) = logs::SinkArgs::from_argv(&argv[2..]) {
            let code = match logs::run_sink(&args) {
                Ok(()) => 0,
                Err(err) => {
                    eprintln!("taskmux log sink: {}", err.message);
                    err.exit_code
                }
            };
            std::process::exit(code);
        }
    }
    // A shell asking for completions (`COMPLETE=bash taskmux -- …`): answer, exit.
    if std::env::var_os("COMPLETE").is_some() {
        commands::completions::answer_if_asked();
    }
    let json = argv.iter().any(|a| a == "--json");
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { error::EXIT_USAGE } else { 0 };
            if json && code != 0 {
                output::emit_error(
                    true,
                    &error::Error::usage(e.render().to_string().trim().to_string()),
                );
                std::process::exit(code);
            }
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let json = cli.json;
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            output::emit_error(json, &err);
            err.exit_code
        }
    };
    std::process::exit(code);
}
