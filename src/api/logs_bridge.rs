//! The API's view of task logs: `logs` queries and live log lines for subscribers.
//! Thin adapters over `crate::logs` (the files written by the log sink).

use super::ws::messages::FollowedLines;
use crate::error::Result;
use crate::protocol::ApiLogLine;
use actix::Recipient;
use chrono::{DateTime, Utc};
use regex::Regex;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The last `lines` lines of `tasks` (matching `grep`, not before `since`),
/// interleaved by timestamp.
pub fn query(
    session: &str,
    tasks: Vec<String>,
    lines: usize,
    grep: Option<Regex>,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<ApiLogLine>> {
    let mut q = crate::logs::Query::new(tasks, lines);
    q.grep = grep;
    q.since = since;
    Ok(crate::logs::query(session, &q)?
        .into_iter()
        .map(ApiLogLine::from)
        .collect())
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
