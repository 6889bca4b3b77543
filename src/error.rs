//! One error type for the whole binary: a stable code, a message, an exit code.

use std::fmt;

/// Exit code for an operation that failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code for bad usage or an invalid configuration.
pub const EXIT_USAGE: i32 = 2;

/// The stable code of an error, as `--json` and the API spell it (`unknown_task`).
/// Code branches on these, never on message text.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The configuration file is invalid.
    InvalidConfig,
    /// No configuration file was found.
    NoConfig,
    /// Bad command-line usage or a bad argument.
    BadUsage,
    /// A task name the configuration does not define.
    UnknownTask,
    /// `add` of a task that exists (without --force).
    TaskExists,
    /// `remove` of a task others depend on.
    HasDependents,
    /// The tmux session belongs to another project's config.
    SessionConflict,
    /// A task whose `cwd` does not exist (it is never started elsewhere).
    MissingCwd,
    /// A start of a task that runs already.
    AlreadyRunning,
    /// A lifecycle hook failed or timed out.
    HookFailed,
    /// `wait`: a task exited or failed, so it will not become healthy.
    TaskNotRunning,
    /// `wait`: the deadline passed first.
    Timeout,
    /// tmux could not be run or answered with an error.
    TmuxError,
    /// An I/O error.
    IoError,
    /// API: a malformed request (JSON, types, values).
    BadRequest,
    /// API: a required parameter is missing.
    MissingParam,
    /// API: a command that does not exist.
    UnknownCommand,
    /// API: too many requests per second.
    RateLimited,
    /// API: too many requests in progress.
    Busy,
    /// An operation that was tried and failed.
    #[serde(other)]
    Failed,
}

impl ErrorCode {
    /// The process exit code an error of this kind ends a CLI command with.
    pub fn exit_code(self) -> i32 {
        use ErrorCode::*;
        match self {
            InvalidConfig | NoConfig | BadUsage | UnknownTask | TaskExists | HasDependents
            | SessionConflict | BadRequest | MissingParam | UnknownCommand => EXIT_USAGE,
            AlreadyRunning | MissingCwd | HookFailed | TaskNotRunning | Timeout | TmuxError
            | IoError | RateLimited | Busy | Failed => EXIT_FAILED,
        }
    }

    /// The code as the wire spells it.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidConfig => "invalid_config",
            NoConfig => "no_config",
            BadUsage => "bad_usage",
            UnknownTask => "unknown_task",
            TaskExists => "task_exists",
            HasDependents => "has_dependents",
            SessionConflict => "session_conflict",
            AlreadyRunning => "already_running",
            MissingCwd => "missing_cwd",
            HookFailed => "hook_failed",
            TaskNotRunning => "task_not_running",
            Timeout => "timeout",
            TmuxError => "tmux_error",
            IoError => "io_error",
            BadRequest => "bad_request",
            MissingParam => "missing_param",
            UnknownCommand => "unknown_command",
            RateLimited => "rate_limited",
            Busy => "busy",
            Failed => "failed",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error the user sees: `code` is stable (for `--json`), `message` says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub exit_code: i32,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `code`, ending a CLI command with that code's exit code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            exit_code: code.exit_code(),
        }
    }

    /// The configuration file is invalid (exit 2).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidConfig, message)
    }

    /// Bad command-line usage or a bad argument (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadUsage, message)
    }

    /// A malformed API request (exit 2 when a CLI command meets it).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
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
        Self::new(ErrorCode::UnknownTask, msg)
    }

    /// An operation that was tried and failed (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Failed, message)
    }

    /// tmux could not be run or answered with an error (exit 1).
    pub fn tmux(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::TmuxError, message)
    }

    /// An I/O error, with what was being done (exit 1).
    pub fn io(context: impl fmt::Display, err: std::io::Error) -> Self {
        Self::new(ErrorCode::IoError, format!("{context}: {err}"))
    }

    /// An actor that did not answer (it stopped, or its mailbox is closed).
    pub fn unavailable(who: &str, e: actix::MailboxError) -> Self {
        Self::failed(format!("internal error: {who} unavailable ({e})"))
    }
}

impl From<actix::MailboxError> for Error {
    fn from(e: actix::MailboxError) -> Self {
        Error::unavailable("supervisor", e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Run blocking work (file reads, /proc scans, flock, a synchronous client) on
/// the blocking pool, off any actor's thread; a panic there is a failure.
pub async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::failed(format!("internal error: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_failed() {
        for code in [
            ErrorCode::UnknownTask,
            ErrorCode::HookFailed,
            ErrorCode::Busy,
        ] {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, code.as_str());
            assert_eq!(serde_json::from_value::<ErrorCode>(wire).unwrap(), code);
        }
        let weird: ErrorCode = serde_json::from_str("\"weird\"").unwrap();
        assert_eq!(weird, ErrorCode::Failed);
        assert_eq!(ErrorCode::UnknownTask.exit_code(), EXIT_USAGE);
        assert_eq!(ErrorCode::HookFailed.exit_code(), EXIT_FAILED);
    }
}
