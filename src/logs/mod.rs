//! Task logs: the pipe-pane sink that writes them, markers, reading, following,
//! and the `logs` command. File layout and format: docs/logs.md.

pub mod cmd;
pub mod follow;
pub mod format;
pub mod marker;
pub mod read;
pub mod sink;

#[allow(unused_imports)]
pub use cmd::{run_logs, LogsArgs};
#[allow(unused_imports)]
pub use follow::Follower;
#[allow(unused_imports)]
pub use marker::{
    mark_command, run_mark, write_marker, write_marker_soon, MarkArgs, MarkKind, Marker,
};
#[allow(unused_imports)]
pub use read::{parse_when, query, query_groups, LogLine, Query};
#[allow(unused_imports)]
pub use sink::{pipe_command, run_sink, SinkArgs};
