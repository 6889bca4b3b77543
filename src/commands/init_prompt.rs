//! init's question: the session name, asked on a terminal, read from a pipe,
//! never a hang.

use crate::config;
use crate::error::{Error, Result};
use std::io::{BufRead, IsTerminal, Write as _};
use std::path::Path;

/// The session name: asked on a terminal unless `defaults`.
pub fn ask_name(dir: &Path, defaults: bool) -> Result<String> {
    let default = crate::config::load::sanitize_name(
        &dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    if defaults {
        return Ok(default);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        // Not a terminal: a name piped in (`echo web | taskmux init`) is taken;
        // nothing there within a moment (or EOF) means the default, never a hang.
        if !readable_soon(&stdin, 200) {
            return Ok(default);
        }
        let mut line = String::new();
        let _ = stdin.lock().read_line(&mut line);
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(default);
        }
        if !config::load::valid_name(answer) {
            return Err(Error::usage(format!(
                "invalid session name {answer:?} on standard input: use only letters, digits, '_' and '-'"
            )));
        }
        return Ok(answer.to_string());
    }
    loop {
        eprint!("Session name [{default}]: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
            return Ok(default);
        }
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(default);
        }
        if config::load::valid_name(answer) {
            return Ok(answer.to_string());
        }
        eprintln!("invalid name {answer:?}: use only letters, digits, '_' and '-'");
    }
}

/// True when `stdin` has input (or EOF) within `ms` milliseconds.
fn readable_soon(stdin: &std::io::Stdin, ms: i32) -> bool {
    use std::os::fd::AsRawFd;
    let mut fds = [libc::pollfd {
        fd: stdin.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    }];
    // SAFETY: one valid pollfd for the duration of the call.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), 1, ms) };
    n > 0 && fds[0].revents & (libc::POLLIN | libc::POLLHUP) != 0
}
