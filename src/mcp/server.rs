//! The MCP server handler: tools from the command surface, resources, the
//! legacy `resources/subscribe` and logging notifications, and the 2026-07-28
//! `subscriptions/listen` streams.
// MCP logging is deprecated from 2026-07-28 (SEP-2577) but clients on the
// earlier revisions still use it: the crash notices go out that way too.
#![allow(deprecated)]

use super::backend::Backend;
use super::push::{Change, Hub};
use super::{resources, summary, tools};
use crate::error::Error;
use crate::protocol::{envelope, Request};
use crate::supervisor::events::EventKind;
use rmcp::model::*;
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, Peer, RoleServer, ServerHandler};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Log lines a notification about a crash carries.
const CRASH_LINES: usize = 5;

/// One MCP connection's server.
#[derive(Clone)]
pub struct TaskmuxServer {
    backend: Arc<Backend>,
    hub: Arc<Hub>,
    /// Resources subscribed with `resources/subscribe` (before 2026-07-28).
    subscribed: Arc<Mutex<BTreeSet<String>>>,
    /// `logging/setLevel` (default info).
    level: Arc<Mutex<LoggingLevel>>,
    /// The seq this reader of `taskmux://events` saw last.
    events_cursor: Arc<Mutex<Option<u64>>>,
}

fn rank(level: LoggingLevel) -> u8 {
    use LoggingLevel::*;
    match level {
        Debug => 0,
        Info => 1,
        Notice => 2,
        Warning => 3,
        Error => 4,
        Critical => 5,
        Alert => 6,
        Emergency => 7,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A failed command as a tool result: its code and the CLI's message.
fn tool_error(e: &Error) -> CallToolResult {
    let doc = json!({"ok": false, "error": {"code": e.code, "message": e.message}});
    let mut r = CallToolResult::structured_error(doc);
    r.content = vec![ContentBlock::text(format!(
        "error ({}): {}",
        e.code, e.message
    ))];
    r
}

fn mcp_error(e: Error) -> McpError {
    McpError::invalid_params(format!("{} ({})", e.message, e.code), None)
}

impl TaskmuxServer {
    pub fn new(backend: Arc<Backend>, hub: Arc<Hub>) -> Self {
        TaskmuxServer {
            backend,
            hub,
            subscribed: Arc::default(),
            level: Arc::new(Mutex::new(LoggingLevel::Info)),
            events_cursor: Arc::default(),
        }
    }

    /// Parse a tool call into a request, with the MCP bounds applied.
    fn request(name: &str, args: Option<JsonObject>) -> Result<Request, Error> {
        let mut params = Value::Object(args.unwrap_or_default());
        if name == "logs" {
            // 50 lines unless asked for more, never more than the hard cap (a
            // value that is not a number is left for the parser to reject).
            match &params["lines"] {
                Value::Null => params["lines"] = json!(tools::MCP_LOG_LINES),
                v => {
                    if let Some(n) = v.as_u64() {
                        params["lines"] = json!(n.min(tools::MCP_MAX_LOG_LINES));
                    }
                }
            }
        }
        let text = json!({"command": name, "params": params}).to_string();
        envelope::parse(&text)
            .map(|env| env.request)
            .map_err(|rejected| rejected.error)
    }

    /// Forward pushed changes to a client on a revision before 2026-07-28:
    /// `notifications/resources/updated` for what it subscribed to, and the
    /// events as `notifications/message`.
    pub async fn forward_legacy(self, peer: Peer<RoleServer>) {
        let mut rx = self.hub.listen();
        loop {
            let change = match rx.recv().await {
                Ok(c) => c,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            };
            let subscribed: Vec<String> = {
                let s = lock(&self.subscribed);
                change
                    .uris()
                    .into_iter()
                    .filter(|u| s.contains(u))
                    .collect()
            };
            for uri in subscribed {
                if peer
                    .notify_resource_updated(ResourceUpdatedNotificationParam::new(uri))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            if let Change::Event(ev) = &change {
                let (level, data) = self.log_message(ev).await;
                if rank(level) >= rank(*lock(&self.level)) {
                    let sent = peer
                        .notify_logging_message(
                            LoggingMessageNotificationParam::new(level, data)
                                .with_logger("taskmux"),
                        )
                        .await;
                    if sent.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// An event as a log message: its level, and the event with the task's last
    /// log lines when it went wrong.
    async fn log_message(&self, ev: &crate::supervisor::events::Event) -> (LoggingLevel, Value) {
        let unhealthy =
            ev.event == EventKind::HealthChanged && ev.data.get("healthy") == Some(&json!(false));
        let completed = ev.data.get("completed") == Some(&json!(true));
        let level = match ev.event {
            EventKind::Exited if completed => LoggingLevel::Info,
            EventKind::Failed | EventKind::StartFailed => LoggingLevel::Error,
            EventKind::Exited | EventKind::ConfigError | EventKind::Skipped => {
                LoggingLevel::Warning
            }
            _ if unhealthy => LoggingLevel::Warning,
            _ => LoggingLevel::Info,
        };
        let mut data = serde_json::to_value(ev).unwrap_or(Value::Null);
        data["message"] = json!(crate::supervisor::events::event_line(ev));
        if let (true, Some(task)) = (level != LoggingLevel::Info, &ev.task) {
            let params = crate::protocol::LogsParams {
                selection: crate::protocol::TaskSelection::of(vec![task.clone()]),
                lines: Some(CRASH_LINES as u64),
                ..Default::default()
            };
            if let Ok(v) = self.backend.execute(Request::Logs(params)).await {
                let lines: Vec<Value> = v["lines"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|l| l["line"].clone())
                    .collect();
                data["last_lines"] = json!(lines);
            }
        }
        (level, data)
    }
}

impl ServerHandler for TaskmuxServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_resources_subscribe()
                .enable_logging()
                .build(),
        )
        .with_server_info(Implementation::new("taskmux", env!("CARGO_PKG_VERSION")))
        .with_instructions(super::INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(tools::tools().to_vec()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.as_ref();
        if tools::command(name).is_none() {
            let hint = crate::suggest::closest(name, tools::commands().map(|c| c.name))
                .map(|c| format!(" (did you mean '{c}'?)"))
                .unwrap_or_default();
            return Err(McpError::invalid_params(
                format!("unknown tool '{name}'{hint}"),
                None,
            ));
        }
        let req = match Self::request(name, request.arguments) {
            Ok(r) => r,
            Err(e) => return Ok(tool_error(&e).into()),
        };
        let result = match self.backend.execute(req).await {
            Ok(mut doc) => {
                // A start or restart with `wait` fails when its wait did.
                let failed = !doc["error"].is_null() || !doc["wait"]["error"].is_null();
                let text = summary::summary(name, &doc);
                if let Value::Object(m) = &mut doc {
                    m.insert("ok".into(), json!(!failed));
                }
                let mut r = if failed {
                    CallToolResult::structured_error(doc)
                } else {
                    CallToolResult::structured(doc)
                };
                r.content = vec![ContentBlock::text(text)];
                r
            }
            Err(e) => tool_error(&e),
        };
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let cfg = self.backend.config().await.map_err(mcp_error)?;
        Ok(ListResourcesResult::with_all_items(resources::list(
            &cfg.task_names(),
        )))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let uri = request.uri;
        match resources::read(&self.backend, &uri, &self.events_cursor).await {
            Ok((text, mime)) => {
                Ok(ReadResourceResult::new(vec![
                    ResourceContents::text(text, uri).with_mime_type(mime)
                ])
                .into())
            }
            Err(e)
                if e.code == crate::error::ErrorCode::UnknownTask
                    || e.code == crate::error::ErrorCode::BadRequest =>
            {
                Err(McpError::resource_not_found(
                    e.message,
                    Some(json!({"uri": uri})),
                ))
            }
            Err(e) => Err(McpError::internal_error(
                format!("{} ({})", e.message, e.code),
                None,
            )),
        }
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if !resources::known(&request.uri) {
            return Err(McpError::resource_not_found(
                format!("unknown resource {}", request.uri),
                None,
            ));
        }
        if lock(&self.subscribed).insert(request.uri.clone()) {
            self.hub.watch(&request.uri);
        }
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if lock(&self.subscribed).remove(&request.uri) {
            self.hub.unwatch(&request.uri);
        }
        Ok(())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        let mut accepted = requested.supported_by(&self.get_info().capabilities);
        if let Some(uris) = &mut accepted.resource_subscriptions {
            uris.retain(|u| resources::known(u));
        }
        Some(accepted)
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let uris: Vec<String> = context
            .accepted()
            .resource_subscriptions
            .clone()
            .unwrap_or_default();
        for u in &uris {
            self.hub.watch(u);
        }
        let mut rx = self.hub.listen();
        loop {
            tokio::select! {
                _ = context.cancelled() => break,
                change = rx.recv() => match change {
                    Ok(change) => {
                        for uri in change.uris().into_iter().filter(|u| uris.contains(u)) {
                            if context.sink().notify_resource_updated(uri).await.is_err() {
                                break;
                            }
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                },
            }
        }
        for u in &uris {
            self.hub.unwatch(u);
        }
        Ok(())
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        *lock(&self.level) = request.level;
        Ok(())
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        // A client that initialised speaks a revision with logging and
        // resources/subscribe: forward pushed changes to it.
        tokio::spawn(self.clone().forward_legacy(context.peer.clone()));
    }
}
