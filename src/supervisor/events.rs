//! The session's event bus: seq-numbered events, a bounded in-memory ring for
//! resuming subscribers, and an append-only JSON-lines file in the state dir.

use actix::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;

/// How many recent events a subscriber can resume from.
pub const RING_SIZE: usize = 1024;

/// What kind of thing happened (docs/supervision.md#events lists each one's fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A run began (by request, by a supervisor's restart, or adopted).
    Started,
    /// A stop escalation ended the task.
    Stopped,
    /// The task's process ended on its own.
    Exited,
    /// The task was SIGKILLed and its window destroyed (or the window vanished).
    Killed,
    /// A probe verdict changed (healthy ↔ unhealthy).
    HealthChanged,
    /// A supervisor restart is scheduled after a backoff.
    Restarting,
    /// The supervisor gave up after max_restarts.
    Failed,
    /// Not started because a dependency never became healthy.
    Skipped,
    /// A restart for failing probes is held back: a dependency is not healthy.
    Waiting,
    /// A launch failed (hook, tmux).
    StartFailed,
    /// The daemon applied a changed config.
    ConfigReloaded,
    /// The config file changed but does not load.
    ConfigError,
    /// A kind this version does not know (an events file of a newer taskmux).
    #[serde(other)]
    Unknown,
}

impl EventKind {
    /// The name as the wire spells it.
    pub fn as_str(self) -> &'static str {
        use EventKind::*;
        match self {
            Started => "started",
            Stopped => "stopped",
            Exited => "exited",
            Killed => "killed",
            HealthChanged => "health_changed",
            Restarting => "restarting",
            Failed => "failed",
            Skipped => "skipped",
            Waiting => "waiting",
            StartFailed => "start_failed",
            ConfigReloaded => "config_reloaded",
            ConfigError => "config_error",
            Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing that happened: task started, stopped, exited, health changed,
/// restarting, failed, config reloaded …
#[derive(Debug, Clone, Serialize, Deserialize, Message, schemars::JsonSchema)]
#[rtype(result = "()")]
pub struct Event {
    /// Always "event" (lets clients tell events from responses).
    #[serde(rename = "type")]
    pub kind_tag: String,
    /// Increases by one per event within a daemon's life.
    pub seq: u64,
    /// RFC 3339 UTC with milliseconds.
    pub ts: String,
    /// started, stopped, exited, health_changed, restarting, failed, config_reloaded,
    /// config_error, killed, skipped …
    pub event: EventKind,
    /// The task concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Event-specific fields (code, signal, attempt, delay_ms, healthy, reason …).
    #[serde(flatten)]
    pub data: serde_json::Map<String, Value>,
}

/// Publishes events to subscribers, the ring and the events file.
pub struct EventBus {
    next_seq: u64,
    ring: VecDeque<Event>,
    subscribers: Vec<(u64, Recipient<Event>)>,
    next_subscriber: u64,
    file: Option<EventsFile>,
}

impl EventBus {
    /// A bus that appends to `file` (None: memory only).
    /// Seqs continue after the last event already in the file (a restarted daemon).
    pub fn new(file: Option<PathBuf>) -> Self {
        let last = file.as_deref().map_or(0, last_seq_in);
        EventBus {
            next_seq: last + 1,
            ring: VecDeque::with_capacity(RING_SIZE),
            subscribers: Vec::new(),
            next_subscriber: 1,
            file: file.map(EventsFile::open),
        }
    }

    /// Publish an event; `data` must be a JSON object (or null).
    pub fn publish(&mut self, event: EventKind, task: Option<&str>, data: Value) -> Event {
        let data = match data {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let ev = Event {
            kind_tag: "event".into(),
            seq: self.next_seq,
            ts: crate::timefmt::now_rfc3339(),
            event,
            task: task.map(str::to_string),
            data,
        };
        self.next_seq += 1;
        if self.ring.len() == RING_SIZE {
            self.ring.pop_front();
        }
        self.ring.push_back(ev.clone());
        if let Some(file) = &self.file {
            file.append(&ev);
        }
        self.subscribers
            .retain(|(_, r)| r.connected() && r.try_send(ev.clone()).is_ok());
        ev
    }

    /// Add a subscriber; returns its id and the events after `since_seq` still in the ring.
    pub fn subscribe(
        &mut self,
        who: Recipient<Event>,
        since_seq: Option<u64>,
    ) -> (u64, Vec<Event>) {
        let id = self.next_subscriber;
        self.next_subscriber += 1;
        self.subscribers.push((id, who));
        let missed = since_seq
            .map(|s| self.ring.iter().filter(|e| e.seq > s).cloned().collect())
            .unwrap_or_default();
        (id, missed)
    }

    /// Remove a subscriber.
    pub fn unsubscribe(&mut self, id: u64) {
        self.subscribers.retain(|(i, _)| *i != id);
    }

    /// The last seq published (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }
}

/// The seq of the last event in a JSON-lines file (0 when none): reads its tail only.
fn last_seq_in(path: &std::path::Path) -> u64 {
    match last_seq_of_file(path) {
        0 => {
            // Just rotated: the last seq is in the rotated file.
            let mut rotated = path.as_os_str().to_owned();
            rotated.push(".1");
            last_seq_of_file(std::path::Path::new(&rotated))
        }
        seq => seq,
    }
}

fn last_seq_of_file(path: &std::path::Path) -> u64 {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return 0;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut tail = String::new();
    let mut bytes = Vec::new();
    if f.read_to_end(&mut bytes).is_ok() {
        tail = String::from_utf8_lossy(&bytes).into_owned();
    }
    tail.lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok()?["seq"].as_u64())
        .unwrap_or(0)
}

/// Past this size the events file is rotated to `events.jsonl.1` (one kept).
const EVENTS_MAX_SIZE: u64 = 10 * 1024 * 1024;

/// The events file, appended to by a writer thread so that publishing never
/// waits on the disk. Dropping it (the supervisor ends, also in a one-shot CLI
/// run) waits until every published event is written.
struct EventsFile {
    lines: Option<mpsc::Sender<Vec<u8>>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl EventsFile {
    fn open(path: PathBuf) -> EventsFile {
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        let writer = std::thread::Builder::new()
            .name("taskmux-events".into())
            .spawn(move || {
                while let Ok(mut batch) = rx.recv() {
                    batch.extend(rx.try_iter().flatten());
                    append(&path, &batch);
                }
            })
            .map_err(|e| tracing::warn!("cannot start the events writer: {e}"))
            .ok();
        EventsFile {
            lines: writer.is_some().then_some(tx),
            writer,
        }
    }

    /// Queue one event as a JSON line.
    fn append(&self, ev: &Event) {
        if let (Some(tx), Ok(mut line)) = (&self.lines, serde_json::to_vec(ev)) {
            line.push(b'\n');
            let _ = tx.send(line);
        }
    }
}

impl Drop for EventsFile {
    fn drop(&mut self) {
        self.lines.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// Append whole lines (one O_APPEND write), rotating a file past its size limit.
fn append(path: &std::path::Path, lines: &[u8]) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if std::fs::metadata(path).is_ok_and(|m| m.len() > EVENTS_MAX_SIZE) {
        let mut rotated = path.as_os_str().to_owned();
        rotated.push(".1");
        let _ = std::fs::rename(path, rotated);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        if let Err(e) = f.write_all(lines) {
            tracing::warn!("cannot append to {}: {e}", path.display());
        }
    }
}

/// Events as the `watch` command prints them: `ts  event  task  details`.
pub fn event_line(ev: &Event) -> String {
    let details: Vec<String> = ev
        .data
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    format!(
        "{}  {:<15} {:<12} {}",
        ev.ts,
        ev.event,
        ev.task.as_deref().unwrap_or("-"),
        details.join(" ")
    )
    .trim_end()
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.jsonl");
        let mut bus = EventBus::new(Some(file.clone()));
        bus.publish(
            EventKind::Started,
            Some("web"),
            serde_json::json!({"pid": 5}),
        );
        bus.publish(
            EventKind::Exited,
            Some("web"),
            serde_json::json!({"code": 1}),
        );
        assert_eq!(bus.last_seq(), 2);
        drop(bus); // waits for the writer
        let text = std::fs::read_to_string(&file).unwrap();
        let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["type"], "event");
        assert_eq!(first["seq"], 1);
        assert_eq!(first["task"], "web");
        assert_eq!(first["pid"], 5);
        let mut again = EventBus::new(Some(file.clone()));
        assert_eq!(again.publish(EventKind::Killed, None, Value::Null).seq, 3);
    }
}
