//! A task's exact environment, kept in a file: the launch writes it (the
//! environment of the `taskmux` call that started the task, plus env_file, env,
//! PORT …) and the pane runs `taskmux _exec --env-file FILE -- SHELL -c CMD`, which
//! replaces its whole environment with the file's and execs the shell (same pid).
//!
//! Why a file and not `new-window -e`: tmux refuses a command over 16 KB ("command
//! too long"), which a developer's environment easily is; and a supervisor's
//! automatic restart reuses the file, so a restarted task gets exactly the
//! environment it was first started with, not the daemon's.

use crate::error::{Error, Result};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Variables the pane gets from tmux itself and keeps.
const FROM_TMUX: &[&str] = &["TMUX", "TMUX_PANE"];

/// Arguments of the hidden `_exec` subcommand.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// NUL-separated KEY=VALUE entries: the whole environment of the program.
    #[arg(long)]
    pub env_file: PathBuf,
    /// The program and its arguments.
    #[arg(last = true, required = true)]
    pub argv: Vec<String>,
}

/// The file keeping the environment of a task.
pub fn env_file(session: &str, task: &str) -> PathBuf {
    crate::paths::session_dir(session)
        .join("env")
        .join(format!("{task}.env"))
}

/// Write `env` to `path` (mode 0600, atomically), off the async threads.
pub async fn write(path: PathBuf, env: Vec<(String, String)>) -> Result<()> {
    tokio::task::spawn_blocking(move || write_now(&path, &env))
        .await
        .map_err(|e| Error::failed(format!("writing a task environment: {e}")))?
}

fn write_now(path: &Path, env: &[(String, String)]) -> Result<()> {
    let dir = path.parent().expect("env files live in a directory");
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut data = Vec::new();
    for (k, v) in env {
        data.extend_from_slice(k.as_bytes());
        data.push(b'=');
        data.extend_from_slice(v.as_bytes());
        data.push(0);
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    f.write_all(&data)
        .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Parse an env file's bytes.
fn parse(data: &[u8]) -> Vec<(String, String)> {
    data.split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            let s = String::from_utf8_lossy(e);
            let (k, v) = s.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// `_exec`: replace the environment with the file's and exec the program.
/// Returns only on failure.
pub fn run_exec(args: &ExecArgs) -> Result<i32> {
    use std::os::unix::process::CommandExt;
    let data = std::fs::read(&args.env_file)
        .map_err(|e| Error::io(format!("reading {}", args.env_file.display()), e))?;
    let (program, rest) = args.argv.split_first().expect("clap requires argv");
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest).env_clear();
    for (k, v) in parse(&data) {
        if !FROM_TMUX.contains(&k.as_str()) {
            cmd.env(k, v);
        }
    }
    for k in FROM_TMUX {
        if let Some(v) = std::env::var_os(k) {
            cmd.env(k, v);
        }
    }
    let err = cmd.exec();
    Err(Error::failed(format!("cannot run {program}: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_values_with_newlines_and_equals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("env/t.env");
        let env = vec![
            ("A".to_string(), "x=y".to_string()),
            ("B".to_string(), "line1\nline2".to_string()),
            ("EMPTY".to_string(), String::new()),
        ];
        write_now(&path, &env).unwrap();
        assert_eq!(parse(&std::fs::read(&path).unwrap()), env);
        let mode = std::fs::metadata(&path).unwrap().permissions();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.mode() & 0o777, 0o600);
    }
}
