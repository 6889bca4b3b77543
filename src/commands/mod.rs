//! One file per command family; `run` dispatches a parsed command line.

pub mod check;
pub mod completions;
pub mod daemon;
pub mod edit;
pub mod init;
pub mod lifecycle;
pub mod query;
pub mod runtime;
pub mod supervise;
pub mod wait;

use crate::cli::{Cli, Command};
use crate::config::{self, Config};
use crate::error::Result;

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let json = cli.json;
    match cli.command {
        Command::Start(a) => lifecycle::start(&load(&cli.config)?, a.tasks, json),
        Command::Stop(a) => lifecycle::stop(&load(&cli.config)?, a.tasks, json),
        Command::Restart(a) => lifecycle::restart(&load(&cli.config)?, a.tasks, json),
        Command::Kill(a) => lifecycle::kill(&load(&cli.config)?, a.task, json),
        Command::Status => query::status(&load(&cli.config)?, json),
        Command::Inspect(a) => query::inspect(&load(&cli.config)?, a.task),
        Command::Health => query::health(&load(&cli.config)?, json),
        Command::Add(a) => edit::add(cli.config.as_deref(), a, json),
        Command::Remove(a) => edit::remove(cli.config.as_deref(), a.task, json),
        Command::Logs(a) => crate::logs::run_logs(&load(&cli.config)?, &a, json),
        Command::LogSink(a) => crate::logs::run_sink(&a).map(|_| 0),
        Command::LogMark(a) => crate::logs::run_mark(&a).map(|_| 0),
        Command::Exec(a) => crate::exec_env::run_exec(&a),
        Command::Init(a) => init::init(
            cli.config.as_deref(),
            init::InitOptions {
                defaults: a.defaults,
                force: a.force,
                agents_only: a.agents_only,
            },
            json,
        ),
        Command::Check => check::check(&load(&cli.config)?, json),
        Command::Wait(a) => wait::wait(&load(&cli.config)?, a.tasks, &a.timeout, json),
        Command::Completions(a) => completions::completions(a.shell, json),
        Command::Daemon(a) => daemon::run(&load(&cli.config)?, a, json),
        Command::Watch => supervise::watch(load(&cli.config)?, json),
        Command::Events(a) => supervise::events(&load(&cli.config)?, a, json),
    }
}

/// Find and load the configuration.
pub fn load(explicit: &Option<std::path::PathBuf>) -> Result<Config> {
    let path = config::find_config(explicit.as_deref())?;
    config::load(&path)
}
