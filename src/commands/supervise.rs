//! `watch` (the resident supervisor in the foreground) and `events` (the events file).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::supervisor::events::event_line;
use crate::supervisor::events::Event;
use crate::supervisor::session::resident_messages::Subscribe;
use crate::supervisor::SessionSupervisor;
use crate::supervisor::TaskContext;
use actix::prelude::*;
use tokio::signal::unix::{signal, SignalKind};

/// Prints each event it receives as a line (or a JSON line).
struct Printer {
    json: bool,
}

impl Actor for Printer {
    type Context = Context<Self>;
}

impl Handler<Event> for Printer {
    type Result = ();

    fn handle(&mut self, ev: Event, _: &mut Context<Self>) {
        if self.json {
            crate::output::print_line(&serde_json::to_string(&ev).unwrap_or_default());
        } else {
            crate::output::print_line(&event_line(&ev));
        }
    }
}

/// Supervise the session in the foreground, reload on config edits, print events,
/// until SIGINT/SIGTERM (the tasks keep running).
pub fn watch(cfg: Config, json: bool) -> Result<i32> {
    // One resident supervisor per session: the daemon's lock covers `watch` too.
    let Some(_lock) = crate::daemon::record::DaemonLock::try_acquire(&cfg.name)? else {
        return Err(crate::daemon::already_running(&cfg.name));
    };
    let system = System::new();
    system.block_on(async move {
        let mut term = signal(SignalKind::terminate())
            .map_err(|e| Error::io("cannot watch for SIGTERM", e))?;
        let mut int =
            signal(SignalKind::interrupt()).map_err(|e| Error::io("cannot watch for SIGINT", e))?;
        eprintln!(
            "taskmux: supervising session '{}' ({}, {}); Ctrl-C stops watching, tasks keep running",
            cfg.name,
            cfg.path.display(),
            cfg.strategy.as_str()
        );
        let ctx = TaskContext::for_config(&cfg);
        crate::supervisor::session::owner::check_now(&ctx, &cfg.path).await?;
        let path = cfg.path.clone();
        let sup = SessionSupervisor::supervising(cfg, ctx).start();
        let printer = Printer { json }.start();
        sup.send(Subscribe {
            who: printer.recipient(),
            since_seq: Some(0),
        })
        .await?;
        let watcher = actix::spawn(crate::watch::watch_config(path, sup.clone(), |_| {}));
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        watcher.abort();
        Ok(0)
    })
}

/// Print the session's recorded events, optionally of one task, recent ones
/// only, and at most the last `lines` of them.
pub fn events(cfg: &Config, args: crate::cli::EventsArgs, json: bool) -> Result<i32> {
    let crate::cli::EventsArgs { task, since, lines } = args;
    cfg.check_names(task.as_slice())?;
    let cutoff = since
        .as_deref()
        .map(crate::logs::read::parse_when)
        .transpose()?;
    let filter = crate::supervisor::recorded::EventFilter {
        task,
        since: cutoff,
        after_seq: None,
        last: lines,
    };
    for (line, ev) in crate::supervisor::recorded::read(&cfg.name, &filter)? {
        if json {
            crate::output::print_line(&line);
        } else {
            crate::output::print_line(&event_line(&ev));
        }
    }
    Ok(0)
}
