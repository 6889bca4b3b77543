//! completions: the shell's registration script, and the completions themselves
//! (clap_complete's dynamic engine: the shell asks `taskmux` on every Tab, so
//! task names come from the taskmux.toml of the directory you are in).

use crate::cli::Cli;
use crate::error::Result;
use clap::CommandFactory;
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use clap_complete::Shell;

/// The environment variable that turns a run of `taskmux` into a completion.
const VAR: &str = "COMPLETE";

/// Answer a completion request, and exit, when the shell made one (`COMPLETE`
/// is set); else return at once (the command line is not even built).
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .complete();
}

/// `taskmux completions SHELL`: the script that registers taskmux's completions
/// with the shell (source it from the shell's rc file).
pub fn completions(shell: Shell, json: bool) -> Result<i32> {
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Elvish => &Elvish,
        Shell::PowerShell => &Powershell,
        other => {
            return Err(crate::error::Error::usage(format!(
                "no completions for {other}"
            )))
        }
    };
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "taskmux".into());
    let mut buf = Vec::new();
    completer
        .write_registration(VAR, "taskmux", "taskmux", &exe, &mut buf)
        .map_err(|e| crate::error::Error::io("writing the completion script", e))?;
    let script = String::from_utf8_lossy(&buf).into_owned();
    if json {
        let report = serde_json::json!({ "shell": shell.to_string(), "script": script });
        crate::output::print_line(&crate::output::to_json(true, &report));
    } else {
        print!("{script}");
    }
    Ok(0)
}
