//! One WsSession actor per WebSocket connection (like the actix chat example):
//! requests run concurrently as futures; responses echo `id`; subscribed events
//! and log lines are pushed as they come.

pub mod messages;

use super::logs_bridge;
use super::ApiState;
use crate::error::{Error, ErrorCode};
use crate::protocol::envelope::{self, Envelope};
use crate::protocol::{Request, SubscribeParams, SubscribeResult, UnsubscribeResult};
use crate::supervisor::events::Event;
use crate::supervisor::session::resident_messages::{Subscribe, Unsubscribe};
use actix::prelude::*;
use actix_web::web;
use actix_web_actors::ws;
use messages::FollowedLines;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Ping interval, and how long a silent client is kept.
const HEARTBEAT: Duration = Duration::from_secs(30);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(90);
/// Requests per second a connection may sustain, and its burst.
const RATE: f64 = 2000.0;
const BURST: f64 = 2000.0;
/// Requests of one connection being worked on at once.
const MAX_INFLIGHT: usize = 64;
/// Mailbox capacity of a connection (events waiting to be written).
const EVENT_MAILBOX: usize = 4096;
/// Rejected requests (rate, busy, malformed) before the connection is dropped.
const MAX_STRIKES: u32 = 1000;

pub struct WsSession {
    state: web::Data<ApiState>,
    last_seen: Instant,
    /// Event subscription id at the supervisor.
    sub_id: Option<u64>,
    /// A subscribe is waiting for its replay: live events are held back.
    sub_pending: bool,
    held: Vec<Event>,
    last_seq_sent: u64,
    /// The task following subscribed logs (see `logs_bridge::follow`).
    follower: Option<tokio::task::JoinHandle<()>>,
    tokens: f64,
    refilled: Instant,
    inflight: usize,
    strikes: u32,
}

impl WsSession {
    pub fn new(state: web::Data<ApiState>) -> Self {
        WsSession {
            state,
            last_seen: Instant::now(),
            sub_id: None,
            sub_pending: false,
            held: Vec::new(),
            last_seq_sent: 0,
            follower: None,
            tokens: BURST,
            refilled: Instant::now(),
            inflight: 0,
            strikes: 0,
        }
    }

    /// Take one token from the bucket.
    fn admit(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.refilled).as_secs_f64() * RATE).min(BURST);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Count a rejected request; drop the connection after too many.
    fn strike(&mut self, ctx: &mut ws::WebsocketContext<Self>, reply: String) {
        self.strikes += 1;
        if self.strikes > MAX_STRIKES {
            tracing::warn!("closing a WebSocket client that keeps sending rejected requests");
            ctx.close(Some(ws::CloseReason {
                code: ws::CloseCode::Policy,
                description: Some("too many rejected requests".into()),
            }));
            ctx.stop();
        } else {
            ctx.text(reply);
        }
    }

    fn on_text(&mut self, text: &str, ctx: &mut ws::WebsocketContext<Self>) {
        if !self.admit() {
            let err = Error::new(ErrorCode::RateLimited, "too many requests; slow down");
            return self.strike(ctx, envelope::error_response(None, None, &err));
        }
        let env = match envelope::parse(text) {
            Ok(env) => env,
            Err(rejected) => return self.strike(ctx, rejected.response()),
        };
        match &env.request {
            Request::Status(_) => {
                // Fast path: answer from a recent snapshot without a round trip.
                if let Some(raw) = self.state.clone().into_inner().status_now() {
                    return ctx.text(envelope::ok_raw_response(env.id.as_ref(), "status", &raw));
                }
                self.spawn_request(env, ctx);
            }
            Request::Subscribe(p) => {
                let p = p.clone();
                self.subscribe(env, p, ctx)
            }
            Request::Unsubscribe(_) => self.unsubscribe(env, ctx),
            _ => self.spawn_request(env, ctx),
        }
    }

    /// Run a request as a future of this connection; its response goes out when done.
    fn spawn_request(&mut self, env: Envelope, ctx: &mut ws::WebsocketContext<Self>) {
        if self.inflight >= MAX_INFLIGHT {
            let err = Error::new(
                ErrorCode::Busy,
                format!("{MAX_INFLIGHT} requests of this connection are in progress"),
            );
            return self.strike(ctx, envelope::respond(&env, Err(err)));
        }
        self.inflight += 1;
        let state = self.state.clone().into_inner();
        let fut = async move {
            let result = super::dispatch::execute(state, &env.request).await;
            envelope::respond(&env, result)
        };
        ctx.spawn(fut.into_actor(self).map(|reply, act, ctx| {
            act.inflight -= 1;
            ctx.text(reply);
        }));
    }

    fn subscribe(
        &mut self,
        req: Envelope,
        params: SubscribeParams,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        let SubscribeParams {
            events,
            logs,
            since_seq,
        } = params;
        let events = events.unwrap_or(true);
        if let Some(l) = &logs {
            if let Err(e) = super::dispatch::check_tasks(&self.state, l) {
                return ctx.text(envelope::respond(&req, Err(e)));
            }
        }
        // Logs: replace any follower; the new one is positioned before the answer.
        self.stop_following();
        let session = self.state.session.clone();
        let follow = logs
            .clone()
            .filter(|t| !t.is_empty())
            .map(|tasks| logs_bridge::follow(session, tasks, ctx.address().recipient()));
        self.drop_subscription();
        let subscribe = events.then(|| {
            self.sub_pending = true;
            self.held.clear();
            let who = ctx.address().recipient::<Event>();
            self.state.supervisor.send(Subscribe { who, since_seq })
        });
        let logs_v = logs.unwrap_or_default();
        let ready = async move {
            let follower = match follow {
                Some(f) => f.await,
                None => None,
            };
            let answer = match subscribe {
                Some(s) => Some(s.await),
                None => None,
            };
            (follower, answer)
        };
        ctx.spawn(
            ready
                .into_actor(self)
                .map(move |(follower, answer), act, ctx| {
                    if let Some(handle) = follower {
                        act.stop_following();
                        act.follower = Some(handle);
                    }
                    let (id, missed) = match answer {
                        None => {
                            let result = SubscribeResult {
                                events: false,
                                logs: logs_v,
                                subscription: None,
                                replayed: None,
                            };
                            return ctx.text(envelope::respond(&req, Ok(to_value(result))));
                        }
                        Some(Ok(a)) => a,
                        Some(Err(e)) => {
                            act.sub_pending = false;
                            return ctx.text(envelope::respond(&req, Err(Error::from(e))));
                        }
                    };
                    act.sub_pending = false;
                    act.sub_id = Some(id);
                    let result = SubscribeResult {
                        events: true,
                        logs: logs_v,
                        subscription: Some(id),
                        replayed: Some(missed.len()),
                    };
                    ctx.text(envelope::respond(&req, Ok(to_value(result))));
                    for ev in missed.into_iter().chain(std::mem::take(&mut act.held)) {
                        act.push_event(ev, ctx);
                    }
                }),
        );
    }

    fn unsubscribe(&mut self, req: Envelope, ctx: &mut ws::WebsocketContext<Self>) {
        let unsubscribed = self.sub_id.is_some() || self.follower.is_some();
        self.drop_subscription();
        self.stop_following();
        let result = UnsubscribeResult { unsubscribed };
        ctx.text(envelope::respond(&req, Ok(to_value(result))));
    }

    fn stop_following(&mut self) {
        if let Some(handle) = self.follower.take() {
            handle.abort();
        }
    }

    fn drop_subscription(&mut self) {
        if let Some(id) = self.sub_id.take() {
            self.state.supervisor.do_send(Unsubscribe { id });
        }
    }

    /// Send an event once, in seq order.
    fn push_event(&mut self, ev: Event, ctx: &mut ws::WebsocketContext<Self>) {
        if ev.seq <= self.last_seq_sent {
            return;
        }
        self.last_seq_sent = ev.seq;
        match serde_json::to_string(&ev) {
            Ok(text) => ctx.text(text),
            Err(e) => tracing::warn!("cannot serialise event {}: {e}", ev.seq),
        }
    }
}

fn to_value<T: serde::Serialize>(r: T) -> serde_json::Value {
    serde_json::to_value(r).unwrap_or(serde_json::Value::Null)
}

impl Actor for WsSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Events are delivered with try_send: a small mailbox would lose the
        // subscription on a burst (restarting a whole stack).
        ctx.set_mailbox_capacity(EVENT_MAILBOX);
        ctx.run_interval(HEARTBEAT, |act, ctx| {
            if act.last_seen.elapsed() > CLIENT_TIMEOUT {
                tracing::info!("dropping a silent WebSocket client");
                ctx.stop();
            } else {
                ctx.ping(b"");
            }
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.drop_subscription();
        self.stop_following();
        self.state.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Handler<FollowedLines> for WsSession {
    type Result = ();

    fn handle(&mut self, FollowedLines(lines): FollowedLines, ctx: &mut Self::Context) {
        for l in lines {
            let msg = json!({"type": "log", "task": l.task, "ts": l.ts, "line": l.line});
            ctx.text(msg.to_string());
        }
    }
}

impl Handler<Event> for WsSession {
    type Result = ();

    fn handle(&mut self, ev: Event, ctx: &mut Self::Context) {
        if self.sub_id.is_none() && !self.sub_pending {
            return;
        }
        if self.sub_pending {
            self.held.push(ev);
        } else {
            self.push_event(ev, ctx);
        }
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for WsSession {
    fn handle(&mut self, msg: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        self.last_seen = Instant::now();
        match msg {
            Ok(ws::Message::Text(text)) => self.on_text(&text, ctx),
            Ok(ws::Message::Binary(bytes)) => match std::str::from_utf8(&bytes) {
                Ok(text) => self.on_text(text, ctx),
                Err(_) => {
                    let err = Error::bad_request("binary frames must hold UTF-8 JSON");
                    self.strike(ctx, envelope::error_response(None, None, &err));
                }
            },
            Ok(ws::Message::Ping(p)) => ctx.pong(&p),
            Ok(ws::Message::Pong(_)) | Ok(ws::Message::Nop) => {}
            Ok(ws::Message::Close(reason)) => {
                ctx.close(reason);
                ctx.stop();
            }
            Ok(ws::Message::Continuation(_)) => {
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::Unsupported,
                    description: Some("fragmented messages are not supported".into()),
                }));
                ctx.stop();
            }
            Err(e) => {
                // A client that went away without a close frame is not news.
                let gone = matches!(&e, ws::ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof);
                if gone {
                    tracing::debug!("a WebSocket client went away: {e}");
                } else {
                    tracing::info!("closing a WebSocket connection: {e}");
                }
                let code = match e {
                    ws::ProtocolError::Overflow => ws::CloseCode::Size,
                    _ => ws::CloseCode::Protocol,
                };
                ctx.close(Some(ws::CloseReason {
                    code,
                    description: Some(e.to_string()),
                }));
                ctx.stop();
            }
        }
    }
}
