//! What shell completion offers for a task argument: the tasks of the config the
//! current directory finds (the shell asks the binary on every Tab).

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

/// Task-name candidates for a task argument: the tasks of the config found from
/// the current directory (or `TASKMUX_CONFIG`), each with its command as help.
pub fn task_names() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let explicit = std::env::var_os("TASKMUX_CONFIG").map(std::path::PathBuf::from);
        let Ok(path) = crate::config::find_config(explicit.as_deref()) else {
            return Vec::new();
        };
        let Ok(cfg) = crate::config::load(&path) else {
            return Vec::new();
        };
        cfg.tasks
            .iter()
            .map(|t| {
                CompletionCandidate::new(&t.name).help(Some(t.command.trim().to_string().into()))
            })
            .collect()
    })
}
