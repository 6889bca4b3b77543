//! The actor system: a SessionSupervisor owning one TaskActor per task.

pub mod daemon_messages;
pub mod events;
pub mod launch_spec;
pub mod policy;
pub mod session;
pub mod session_daemon;
pub mod session_messages;
pub mod state;
pub mod status;
pub mod task;
pub mod task_messages;
pub mod task_supervision;

pub use session::SessionSupervisor;
pub use task::TaskContext;
