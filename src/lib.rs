//! taskmux: a tmux-based task supervisor for development stacks, built for LLM
//! coding agents. The binary (`src/main.rs`) parses the command line and calls
//! [`commands::run`]; tests and the benchmark reuse these modules.

pub mod agents;
pub mod api;
pub mod cli;
pub mod client;
pub mod commands;
pub mod completion;
pub mod config;
pub mod daemon;
pub mod dashboard;
pub mod error;
pub mod exec_env;
pub mod hooks;
pub mod lint;
pub mod lockfile;
pub mod logs;
pub mod mcp;
pub mod output;
pub mod paths;
pub mod probe;
pub mod process;
pub mod process_exit;
pub mod protocol;
pub mod spinner;
pub mod suggest;
pub mod supervisor;
pub mod timefmt;
pub mod tmux;
pub mod watch;
