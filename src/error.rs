//! One error type for the whole binary: a stable code, a message, an exit code.

use std::fmt;

/// Exit code for an operation that failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code for bad usage or an invalid configuration.
pub const EXIT_USAGE: i32 = 2;

/// An error the user sees: `code` is stable (for `--json`), `message` says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: &'static str,
    pub message: String,
    pub exit_code: i32,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: &'static str, message: impl Into<String>, exit_code: i32) -> Self {
        Error {
            code,
            message: message.into(),
            exit_code,
        }
    }

    /// The configuration file is invalid (exit 2).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new("invalid_config", message, EXIT_USAGE)
    }

    /// Bad command-line usage or a bad argument (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new("bad_usage", message, EXIT_USAGE)
    }

    /// A task name that the configuration does not define (exit 2).
    pub fn unknown_task(name: &str, known: &[&str]) -> Self {
        let mut msg = format!("unknown task '{name}'");
        if let Some(s) = crate::suggest::closest(name, known.iter().copied()) {
            msg.push_str(&format!(" (did you mean '{s}'?)"));
        }
        if known.is_empty() {
            msg.push_str("; the config defines no tasks");
        } else {
            msg.push_str(&format!("; known tasks: {}", known.join(", ")));
        }
        Self::new("unknown_task", msg, EXIT_USAGE)
    }

    /// An operation that was tried and failed (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new("failed", message, EXIT_FAILED)
    }

    /// tmux could not be run or answered with an error (exit 1).
    pub fn tmux(message: impl Into<String>) -> Self {
        Self::new("tmux_error", message, EXIT_FAILED)
    }

    /// An I/O error, with what was being done (exit 1).
    pub fn io(context: impl fmt::Display, err: std::io::Error) -> Self {
        Self::new("io_error", format!("{context}: {err}"), EXIT_FAILED)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
