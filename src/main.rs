//! taskmux: a tmux-based task supervisor for development stacks.

mod agents;
mod api;
mod cli;
mod client;
mod commands;
mod config;
mod daemon;
mod error;
mod graph;
mod hooks;
mod logs;
mod output;
mod paths;
mod probe;
mod process;
mod process_exit;
mod suggest;
mod supervisor;
mod timefmt;
mod tmux;
mod watch;

use clap::Parser;

fn main() {
    let argv: Vec<String> = std::env::args().collect();
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
