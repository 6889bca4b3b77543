//! Processes, process groups, sessions and listening ports, read from Linux `/proc`
//! (no lsof, no ps), and the captured shell runner shared by probes and hooks.
//!
//! * `procfs.rs` — `/proc/PID/stat`, argv, children, sessions;
//! * `task_pid.rs` — which process is the task (through taskmux's wrapper shell);
//! * `tcp_table.rs` — /proc/net/tcp{,6} rows (one parser for all);
//! * `ports.rs` — who listens on a TCP port, freeing a port;
//! * `signals.rs` — signals, liveness of processes and groups;
//! * `shell.rs` — the shell to use, quoting, running a command with captured output.
//!
//! Everything sync here is a cheap `/proc` read unless documented otherwise; the
//! functions that scan every process's file descriptors have async wrappers that
//! run them on the blocking pool.

mod ports;
mod procfs;
mod shell;
mod signals;
mod task_pid;
pub mod tcp_table;

pub use ports::*;
pub use procfs::*;
pub use shell::*;
pub use signals::*;
pub use task_pid::*;

#[cfg(test)]
mod tests;
