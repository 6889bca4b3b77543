//! One project, one session: a session records the config it was created for
//! (`@taskmux-config`), and a command from another config is refused with both
//! paths and the way out.

use crate::error::{Error, ErrorCode, Result};
use crate::tmux::SessionSnapshot;
use std::path::{Path, PathBuf};

/// Ok when the session is `ours` (or records no config: made by hand or by an
/// older taskmux); else the conflict, naming both configs.
pub async fn check(session: &str, ours: &Path, snap: &SessionSnapshot) -> Result<()> {
    let Some(owner) = snap.config.as_deref().filter(|o| Path::new(o) != ours) else {
        return Ok(());
    };
    let (owner, ours_buf) = (owner.to_string(), ours.to_path_buf());
    let worktree = tokio::task::spawn_blocking(move || linked_worktree(&ours_buf))
        .await
        .ok()
        .flatten();
    Err(conflict(session, &owner, ours, worktree.as_deref()))
}

/// Read the session once and [`check`] it (before a resident supervisor starts).
pub async fn check_now(ctx: &crate::supervisor::context::TaskContext, ours: &Path) -> Result<()> {
    let snap = crate::tmux::panes::snapshot(&ctx.tmux, &ctx.session).await?;
    check(&ctx.session, ours, &snap).await
}

/// The refusal: who owns the session, and how to run this copy beside it.
pub fn conflict(session: &str, owner: &str, ours: &Path, worktree: Option<&str>) -> Error {
    let suggested = match worktree {
        Some(w) => format!("{session}-{w}"),
        None => format!("{session}-2"),
    };
    let mut msg = format!(
        "tmux session '{session}' belongs to {owner}, not to {} (both configs say name = \"{session}\"). \
         Run this copy as its own session: taskmux --session {suggested} <command> \
         (or export TASKMUX_SESSION={suggested}); or give it another `name`",
        ours.display()
    );
    if worktree.is_some() {
        msg.push_str("; this directory is a linked git worktree, so --session is the way to keep the committed config");
    }
    Error::new(ErrorCode::SessionConflict, msg)
}

/// The name of the linked git worktree `config` lives in (its `.git` is a file
/// pointing into `…/worktrees/NAME`), if any.
fn linked_worktree(config: &Path) -> Option<String> {
    let mut dir: Option<PathBuf> = config.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        let git = d.join(".git");
        if git.is_dir() {
            return None;
        }
        if let Ok(text) = std::fs::read_to_string(&git) {
            let target = text.trim().strip_prefix("gitdir:")?.trim().to_string();
            if target.contains("/worktrees/") {
                return d.file_name().map(|n| n.to_string_lossy().into_owned());
            }
            return None;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_names_both_configs_and_the_way_out() {
        let e = conflict("web", "/a/taskmux.toml", Path::new("/b/taskmux.toml"), None);
        assert_eq!(e.code, ErrorCode::SessionConflict);
        assert_eq!(e.exit_code, crate::error::EXIT_USAGE);
        assert!(e.message.contains("/a/taskmux.toml") && e.message.contains("/b/taskmux.toml"));
        assert!(e.message.contains("--session web-2"), "{}", e.message);
        let e = conflict(
            "web",
            "/a/taskmux.toml",
            Path::new("/b/taskmux.toml"),
            Some("feat"),
        );
        assert!(e.message.contains("--session web-feat"), "{}", e.message);
        assert!(e.message.contains("worktree"), "{}", e.message);
    }

    #[test]
    fn finds_a_linked_worktree() {
        let dir = tempfile::tempdir().unwrap();
        let wt = dir.path().join("feat");
        std::fs::create_dir_all(&wt).unwrap();
        std::fs::write(wt.join(".git"), "gitdir: /repo/.git/worktrees/feat\n").unwrap();
        assert_eq!(
            linked_worktree(&wt.join("taskmux.toml")).as_deref(),
            Some("feat")
        );
        let main = dir.path().join("main");
        std::fs::create_dir_all(main.join(".git")).unwrap();
        assert_eq!(linked_worktree(&main.join("taskmux.toml")), None);
    }
}
