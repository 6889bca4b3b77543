//! The actor system: a SessionSupervisor owning one TaskActor per task.

pub mod context;
pub mod events;
pub mod launch_spec;
pub mod policy;
pub mod recorded;
pub mod session;
pub mod state;
pub mod status;
pub mod task;
pub mod wait;
pub mod wait_for;
pub mod why;

pub use context::TaskContext;
pub use session::SessionSupervisor;
