//! STUB (replaced by the logs branch).
#![allow(dead_code, unused_variables)]
use std::path::Path;
pub enum Marker {
    Start {
        run: u32,
        pid: u32,
    },
    Exit {
        code: Option<i32>,
        signal: Option<i32>,
    },
    Restart {
        run: u32,
    },
    Stop {
        by: String,
    },
    Kill,
}
pub fn write_marker(session: &str, task: &str, marker: &Marker) -> crate::error::Result<()> {
    Ok(())
}
pub fn pipe_command(
    exe: &Path,
    session: &str,
    task: &str,
    max_size: u64,
    max_files: u32,
) -> String {
    String::new()
}
