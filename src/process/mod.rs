//! Processes, process groups, sessions and listening ports, read from Linux `/proc`
//! (no lsof, no ps), and the captured shell runner shared by probes and hooks.
//!
//! * `procfs.rs` — `/proc/PID/stat`, argv, children, sessions;
//! * `launching.rs` — whether a pane's process is still in taskmux's launch steps;
//! * `tcp_table.rs` — /proc/net/tcp{,6} rows (one parser for all);
//! * `ports.rs` — who listens on a TCP port, freeing a port;
//! * `sock_diag.rs` — the kernel's socket tables over netlink (a socket's owner,
//!   every listening socket): microseconds where /proc/net/tcp takes milliseconds;
//! * `listening.rs` — the ports each of several process trees listens on;
//! * `signals.rs` — signals, liveness of processes and groups;
//! * `shell.rs` — the shell to use, quoting, running a command with captured output.
//!
//! Everything sync here is a cheap `/proc` read unless documented otherwise; the
//! functions that scan every process's file descriptors have async wrappers that
//! run them on the blocking pool.

mod launching;
mod listening;
mod ports;
mod procfs;
mod shell;
mod signals;
pub mod sock_diag;
pub mod tcp_table;

pub use launching::*;
pub use listening::*;
pub use ports::*;
pub use procfs::*;
pub use shell::*;
pub use signals::*;

#[cfg(test)]
mod tests;
