//! Messages a [`WsSession`](super::WsSession) handles besides its frames (it also
//! handles the supervisor's [`Event`](crate::supervisor::events::Event)).

use crate::protocol::ApiLogLine;
use actix::Message;

/// Log lines appended to the logs this connection follows.
#[derive(Message)]
#[rtype(result = "()")]
pub struct FollowedLines(pub Vec<ApiLogLine>);
