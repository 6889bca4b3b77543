//! What the MCP server pushes: one pump follows the session's events (from the
//! daemon's event stream when a daemon runs, else from the recorded events
//! file) and the log files someone listens to, and broadcasts each change to
//! every listener (the legacy subscriber, each `subscriptions/listen` stream).
//! Events carry their `seq`: none is delivered twice, none lost across a daemon
//! restart (the file fills the gap).

use super::backend::Backend;
use crate::daemon::record::DaemonRecord;
use crate::error::off_thread;
use crate::supervisor::events::{Event, EventKind};
use crate::supervisor::recorded::{self, EventFilter};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// How often the events file is looked at when no daemon runs.
const FILE_POLL: Duration = Duration::from_millis(200);
/// How often listened-to log files are stat'ed (new lines are coalesced per tick).
const LOG_POLL: Duration = Duration::from_millis(250);

/// The resource URIs.
pub const STATUS_URI: &str = "taskmux://status";
pub const EVENTS_URI: &str = "taskmux://events";
pub const LOGS_PREFIX: &str = "taskmux://logs/";

/// One thing a listener may care about.
#[derive(Debug, Clone)]
pub enum Change {
    /// A task event (it changes `taskmux://status` and `taskmux://events`).
    Event(Arc<Event>),
    /// New lines in a task's log.
    LogsGrew(String),
}

impl Change {
    /// The resources this change updates.
    pub fn uris(&self) -> Vec<String> {
        match self {
            Change::Event(ev) if ev.event == EventKind::Unknown => vec![EVENTS_URI.into()],
            Change::Event(_) => vec![STATUS_URI.into(), EVENTS_URI.into()],
            Change::LogsGrew(task) => vec![format!("{LOGS_PREFIX}{task}")],
        }
    }
}

/// The broadcast of changes, and which task logs are listened to.
pub struct Hub {
    tx: broadcast::Sender<Change>,
    watched: Mutex<BTreeMap<String, usize>>,
}

impl Hub {
    pub fn new() -> Arc<Hub> {
        Arc::new(Hub {
            tx: broadcast::channel(1024).0,
            watched: Mutex::new(BTreeMap::new()),
        })
    }

    /// Hear every change from now on.
    pub fn listen(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }

    fn send(&self, change: Change) {
        let _ = self.tx.send(change);
    }

    fn watched(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, usize>> {
        self.watched.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Someone listens to `uri`: a log resource's file is watched from now.
    pub fn watch(&self, uri: &str) {
        if let Some(task) = uri.strip_prefix(LOGS_PREFIX) {
            *self.watched().entry(task.to_string()).or_default() += 1;
        }
    }

    /// One listener of `uri` fewer.
    pub fn unwatch(&self, uri: &str) {
        if let Some(task) = uri.strip_prefix(LOGS_PREFIX) {
            let mut w = self.watched();
            if let Some(n) = w.get_mut(task) {
                *n -= 1;
                if *n == 0 {
                    w.remove(task);
                }
            }
        }
    }
}

/// Follow the session forever, broadcasting every change on `hub`.
pub async fn pump(backend: Arc<Backend>, hub: Arc<Hub>) {
    let mut last_seq: Option<u64> = None;
    let mut sizes: HashMap<String, u64> = HashMap::new();
    let mut file_size: Option<u64> = None;
    loop {
        let Ok(cfg) = backend.config().await else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        let session = cfg.name.clone();
        let seq = match last_seq {
            Some(s) => s,
            // From now on: what happened before the server started is history.
            None => {
                let s = latest_seq(&session).await;
                last_seq = Some(s);
                s
            }
        };
        // What the file holds first (one-shot commands, or the gap of a daemon restart).
        let events_file = crate::paths::events_file(&session);
        let size = off_thread(move || Ok(std::fs::metadata(&events_file).ok().map(|m| m.len())))
            .await
            .ok()
            .flatten();
        let mut seq = seq;
        if size != file_size {
            file_size = size;
            for ev in after(&session, seq).await {
                seq = ev.seq;
                hub.send(Change::Event(Arc::new(ev)));
            }
            last_seq = Some(seq);
        }
        let s = session.clone();
        let daemon = off_thread(move || Ok(DaemonRecord::running(&s)))
            .await
            .ok()
            .flatten();
        let Some(rec) = daemon else {
            poll_logs(&hub, &session, &mut sizes).await;
            tokio::select! {
                _ = tokio::time::sleep(FILE_POLL) => {}
                _ = backend.daemon_started.notified() => {}
            }
            continue;
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
        std::thread::spawn(move || {
            let _ = crate::client::stream_events(&rec, seq, |ev| tx.send(ev).is_ok());
        });
        let began = std::time::Instant::now();
        let mut tick = tokio::time::interval(LOG_POLL);
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => {
                        if ev.seq > last_seq.unwrap_or(0) {
                            last_seq = Some(ev.seq);
                            hub.send(Change::Event(Arc::new(ev)));
                        }
                    }
                    // The daemon went away: the file, then whoever runs next.
                    None => break,
                },
                _ = tick.tick() => poll_logs(&hub, &session, &mut sizes).await,
            }
        }
        file_size = None;
        if began.elapsed() < Duration::from_millis(500) {
            // A daemon whose record says it runs but that does not answer: do
            // not spin on it.
            tokio::time::sleep(FILE_POLL).await;
        }
    }
}

/// Inside the daemon: the supervisor's own event bus feeds the hub, and the
/// watched log files are polled.
pub async fn pump_resident(state: Arc<crate::api::ApiState>, hub: Arc<Hub>) {
    use actix::Actor;
    let feeder = Feeder {
        hub: hub.clone(),
        state: state.clone(),
    }
    .start();
    let subscribe = crate::supervisor::session::resident_messages::Subscribe {
        who: feeder.recipient(),
        since_seq: None,
    };
    if state.supervisor.send(subscribe).await.is_err() {
        return;
    }
    let mut sizes = HashMap::new();
    let mut tick = tokio::time::interval(LOG_POLL);
    loop {
        tick.tick().await;
        poll_logs(&hub, &state.session, &mut sizes).await;
    }
}

/// Hands the supervisor's events to the hub; each one also makes the API's
/// cached status stale (a crash shows in the next status at once).
struct Feeder {
    hub: Arc<Hub>,
    state: Arc<crate::api::ApiState>,
}

impl actix::Actor for Feeder {
    type Context = actix::Context<Self>;
}

impl actix::Handler<Event> for Feeder {
    type Result = ();

    fn handle(&mut self, ev: Event, _: &mut Self::Context) {
        self.state.invalidate_status();
        self.hub.send(Change::Event(Arc::new(ev)));
    }
}

/// The seq of the newest recorded event (0: none).
pub async fn latest_seq(session: &str) -> u64 {
    let filter = EventFilter {
        last: Some(1),
        ..EventFilter::default()
    };
    let s = session.to_string();
    off_thread(move || recorded::read(&s, &filter))
        .await
        .ok()
        .and_then(|v| v.last().map(|(_, e)| e.seq))
        .unwrap_or(0)
}

async fn after(session: &str, seq: u64) -> Vec<Event> {
    let filter = EventFilter {
        after_seq: Some(seq),
        ..EventFilter::default()
    };
    let s = session.to_string();
    off_thread(move || recorded::read(&s, &filter))
        .await
        .map(|v| v.into_iter().map(|(_, e)| e).collect())
        .unwrap_or_default()
}

/// Stat the watched log files; a file that grew is one change (coalesced).
async fn poll_logs(hub: &Hub, session: &str, sizes: &mut HashMap<String, u64>) {
    let tasks: Vec<String> = hub.watched().keys().cloned().collect();
    if tasks.is_empty() {
        return;
    }
    let s = session.to_string();
    let now: Vec<(String, u64)> = off_thread(move || {
        Ok(tasks
            .into_iter()
            .map(|t| {
                let size = std::fs::metadata(crate::paths::task_log(&s, &t)).map_or(0, |m| m.len());
                (t, size)
            })
            .collect())
    })
    .await
    .unwrap_or_default();
    for (task, size) in now {
        let before = sizes.insert(task.clone(), size);
        if before.is_some_and(|b| size != b) {
            hub.send(Change::LogsGrew(task));
        }
    }
}
