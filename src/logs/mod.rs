//! Task logs: the pipe-pane sink that writes them, markers, reading, following,
//! and the `logs` command. File layout and format: docs/logs.md.

pub mod cmd;
pub mod cmd_after;
pub mod cursor;
pub mod follow;
pub mod format;
pub mod marker;
pub mod read;
pub mod since_cursor;
pub mod sink;

pub use cmd::{grep_regex, run_logs, LogsArgs};
pub use follow::Follower;
pub use marker::{mark_command, run_mark, write_marker_soon, MarkArgs, Marker};
pub use read::{parse_when, query, LogLine, Query};
pub use sink::{pipe_command, run_sink, SinkArgs};
