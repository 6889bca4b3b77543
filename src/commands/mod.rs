//! One file per command family; `run` dispatches a parsed command line.

pub mod check;
pub mod completions;
pub mod daemon;
pub mod dashboard;
pub mod edit;
pub mod help;
pub mod init;
pub mod init_prompt;
pub mod lifecycle;
pub mod mcp;
pub mod projects;
pub mod query;
pub mod runtime;
pub mod supervise;
pub mod wait;
pub mod why;

use crate::cli::{Cli, Command};
use crate::config::{self, Config};
use crate::error::Result;

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let json = cli.json;
    match cli.command {
        Command::Help(a) => help::help(&a.topic, json),
        Command::Start(a) => {
            let cfg = load(&cli.config, &cli.session)?;
            if a.daemon || cfg.daemon == Some(true) {
                crate::daemon::background::ensure_background(&cfg)?;
            }
            let wait = a.then.deadline()?;
            lifecycle::start(&cfg, a.tasks, wait, json)
        }
        Command::Stop(a) => lifecycle::stop(&load(&cli.config, &cli.session)?, a.tasks, json),
        Command::Restart(a) => {
            let wait = a.then.deadline()?;
            lifecycle::restart(&load(&cli.config, &cli.session)?, a.tasks, wait, json)
        }
        Command::Kill(a) => lifecycle::kill(&load(&cli.config, &cli.session)?, a.task, json),
        Command::Projects | Command::Status(crate::cli::StatusArgs { all: true }) => {
            projects::projects(json)
        }
        Command::Status(_) => match load(&cli.config, &cli.session) {
            Ok(cfg) => query::status(&cfg, json),
            // Mid-edit: still show what runs, with the error under it.
            Err(e) if e.code == crate::error::ErrorCode::InvalidConfig => {
                query::status_despite(&cli.config, &cli.session, e, json)
            }
            Err(e) => Err(e),
        },
        Command::Inspect(a) => query::inspect(&load(&cli.config, &cli.session)?, a.task),
        Command::Health => query::health(&load(&cli.config, &cli.session)?, json),
        Command::Add(a) => edit::add(cli.config.as_deref(), a, json),
        Command::Remove(a) => edit::remove(cli.config.as_deref(), &cli.session, a.task, json),
        Command::Logs(a) => crate::logs::run_logs(&load(&cli.config, &cli.session)?, &a, json),
        Command::Why(a) => why::why(&load(&cli.config, &cli.session)?, a.task, json),
        Command::Mark(a) => query::mark(&load(&cli.config, &cli.session)?, a.tasks, json),
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
        Command::Check => check::check(&load(&cli.config, &cli.session)?, json),
        Command::Wait(a) => {
            let cfg = load(&cli.config, &cli.session)?;
            let cond = crate::supervisor::wait_for::Condition::parse(&a.condition)
                .map_err(crate::error::Error::usage)?;
            wait::wait(&cfg, a.tasks, &a.timeout, cond, a.after.as_deref(), json)
        }
        Command::Completions(a) => completions::completions(a.shell, json),
        Command::Daemon(a) => daemon::run(&load(&cli.config, &cli.session)?, a, json),
        Command::Watch => supervise::watch(load(&cli.config, &cli.session)?, json),
        Command::Events(a) => supervise::events(&load(&cli.config, &cli.session)?, a, json),
        Command::Mcp(ref a) => mcp::run(&cli, a),
        Command::Dashboard(a) => {
            dashboard::dashboard(&load(&cli.config, &cli.session)?, a.no_open, json)
        }
    }
}

/// Find and load the configuration; `session` (--session, TASKMUX_SESSION)
/// replaces its `name`.
pub fn load(explicit: &Option<std::path::PathBuf>, session: &Option<String>) -> Result<Config> {
    let path = config::find_config(explicit.as_deref())?;
    with_session(config::load(&path)?, session)
}

/// `cfg` with its session name replaced by `session`, when given.
pub use crate::config::load::with_session;
