//! Runs tmux commands asynchronously against the chosen server.
//!
//! The default server is the user's (so `tmux attach -t NAME` works); `TMUX_TMPDIR`
//! (honoured by tmux itself), `TASKMUX_TMUX_SOCKET` (a socket path, `-S`) or
//! `TASKMUX_TMUX_SOCKET_NAME` (`-L`) select another one.

use crate::error::{Error, Result};
use std::process::Stdio;

/// Environment variable naming a tmux socket path to use instead of the default.
pub const SOCKET_ENV: &str = "TASKMUX_TMUX_SOCKET";
/// Environment variable naming a tmux socket name (`-L`) to use instead of the default.
pub const SOCKET_NAME_ENV: &str = "TASKMUX_TMUX_SOCKET_NAME";

/// A handle on one tmux server; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Tmux {
    socket_args: Vec<String>,
}

/// The separator chained tmux commands are joined with.
pub const THEN: &str = ";";

impl Tmux {
    /// The server chosen by the environment.
    pub fn from_env() -> Self {
        Tmux {
            socket_args: socket_args(),
        }
    }

    /// Run one tmux invocation (commands may be chained with [`THEN`]); returns stdout.
    pub async fn run<S: AsRef<str>>(&self, args: &[S]) -> Result<String> {
        let output = self
            .command(args)
            .output()
            .await
            .map_err(|e| Error::tmux(format!("cannot run tmux: {e} (is tmux installed?)")))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
            Err(Error::tmux(format!(
                "tmux {} failed: {}",
                args.first().map(|a| a.as_ref()).unwrap_or(""),
                if stderr.is_empty() {
                    format!("exit status {}", output.status)
                } else {
                    stderr
                }
            )))
        }
    }

    /// Like [`Tmux::run`], but a failure is `Ok(None)` (for "does it exist" queries).
    pub async fn try_run<S: AsRef<str>>(&self, args: &[S]) -> Result<Option<String>> {
        let output = self
            .command(args)
            .output()
            .await
            .map_err(|e| Error::tmux(format!("cannot run tmux: {e} (is tmux installed?)")))?;
        Ok(output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned()))
    }

    /// Block (asynchronously) on `wait-for CHANNEL` until someone signals it; false when
    /// tmux refused (no server yet, server gone). The child dies with the future.
    pub async fn wait_for(&self, channel: &str) -> bool {
        let mut cmd = self.command(&["wait-for", channel]);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        matches!(cmd.status().await, Ok(status) if status.success())
    }

    /// A synchronous std command for this server (for `exec`-ing `tmux attach`).
    pub fn std_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(program());
        cmd.args(&self.socket_args).env_remove("TMUX");
        cmd
    }

    fn command<S: AsRef<str>>(&self, args: &[S]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(program());
        // -u: without a UTF-8 locale (LANG unset, as in CI and cron) tmux prints
        // every control character of a -F format, our field separator included,
        // as `_`; -u makes it print them as they are.
        cmd.arg("-u")
            .args(&self.socket_args)
            .args(args.iter().map(|a| a.as_ref()))
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }
}

/// The tmux binary: found on `PATH` once per process rather than by every spawn
/// (each spawn would otherwise try every `PATH` entry before tmux's).
fn program() -> &'static std::ffi::OsStr {
    static PROGRAM: std::sync::OnceLock<std::ffi::OsString> = std::sync::OnceLock::new();
    PROGRAM.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join("tmux"))
            .find(|p| {
                p.metadata()
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
            .map_or_else(|| "tmux".into(), |p| p.into_os_string())
    })
}

fn socket_args() -> Vec<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let Some(path) = env(SOCKET_ENV) {
        vec!["-S".into(), path]
    } else if let Some(name) = env(SOCKET_NAME_ENV) {
        vec!["-L".into(), name]
    } else {
        Vec::new()
    }
}
