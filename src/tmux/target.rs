//! Exact tmux targets: `=SESSION:` and `=SESSION:=WINDOW`, so `web` never matches `webpack`.

/// Target for a whole session (usable by option commands and list-panes).
pub fn session(session: &str) -> String {
    format!("={session}:")
}

/// Target for one task's window.
pub fn window(session: &str, task: &str) -> String {
    format!("={session}:={task}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_are_exact() {
        assert_eq!(super::session("dev"), "=dev:");
        assert_eq!(super::window("dev", "web"), "=dev:=web");
    }
}
