//! The API's view of task logs: `logs` queries and live log lines for subscribers.
//! Thin adapters over `crate::logs` (the files written by the log sink).

use super::ws::messages::FollowedLines;
use crate::error::Result;
use crate::protocol::{ApiLogLine, LogsResult};
use actix::Recipient;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The `logs` answer: the last `p.line_count()` lines of `tasks` (or what was
/// written after `p.after`), filtered by `grep`/`since`, with its cursor.
pub fn query(
    session: &str,
    tasks: Vec<String>,
    p: &crate::protocol::LogsParams,
) -> Result<LogsResult> {
    let mut q = crate::logs::Query::new(tasks, p.line_count());
    q.grep = p.grep.as_ref().map(|g| g.value.clone());
    q.since = p.since.as_ref().map(|w| w.value);
    let read = crate::logs::since_cursor::read(session, &q, p.after.as_deref())?;
    Ok(LogsResult {
        lines: read.lines.into_iter().map(ApiLogLine::from).collect(),
        cursor: read.cursor,
        lost: read.lost,
        more: read.more,
    })
}

/// How often followed logs are polled.
const LOG_POLL: Duration = Duration::from_millis(100);

/// Start following `tasks`' logs from their current end. Resolves once the
/// follower is positioned (so nothing written after that is missed) to a task
/// that polls every 100 ms on the blocking pool, off any actor, and sends what
/// was appended to `to`. The task ends when `to`'s actor is gone; abort it to
/// stop sooner.
pub async fn follow(
    session: String,
    tasks: Vec<String>,
    to: Recipient<FollowedLines>,
) -> Option<JoinHandle<()>> {
    let follower =
        tokio::task::spawn_blocking(move || crate::logs::Follower::new(&session, tasks, None))
            .await
            .ok()?;
    Some(actix::spawn(poll_loop(follower, to)))
}

async fn poll_loop(mut follower: crate::logs::Follower, to: Recipient<FollowedLines>) {
    loop {
        tokio::time::sleep(LOG_POLL).await;
        let polled = tokio::task::spawn_blocking(move || {
            let lines = follower.poll();
            (follower, lines)
        })
        .await;
        let Ok((back, lines)) = polled else { return };
        follower = back;
        if lines.is_empty() {
            continue;
        }
        let lines = lines.into_iter().map(ApiLogLine::from).collect();
        if to.send(FollowedLines(lines)).await.is_err() {
            return;
        }
    }
}
