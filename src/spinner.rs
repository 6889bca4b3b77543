//! A progress spinner on stderr while a slow command waits (terminals only).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Spinner frames.
pub const FRAMES: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The longest spinner line (a wider one would wrap and smear the terminal).
const MAX_WIDTH: usize = 160;

/// Show nothing for commands quicker than this.
const QUIET_FOR: Duration = Duration::from_millis(300);

/// What the work is waiting for right now ("waiting for db: tcp probe: connection
/// refused, 27s left"), as the code doing it last said.
static NOTE: Mutex<String> = Mutex::new(String::new());

/// Say what the running work waits for now (shown beside the spinner's label;
/// nothing is drawn when there is no spinner).
pub fn note(text: impl Into<String>) {
    if let Ok(mut n) = NOTE.lock() {
        *n = text.into();
    }
}

fn current_note() -> String {
    NOTE.lock().map(|n| n.clone()).unwrap_or_default()
}

/// Run `work`, showing `label` with a spinner on stderr once it takes a while.
/// Nothing is drawn when stderr is not a terminal (agents, pipes, CI).
pub fn while_running<T>(label: &str, work: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let done = Arc::new(AtomicBool::new(false));
    let drawer = {
        let (done, label) = (done.clone(), label.to_string());
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut drawn = false;
            let mut frame = 0;
            while !done.load(Ordering::Relaxed) {
                if started.elapsed() >= QUIET_FOR {
                    let note = current_note();
                    let mut line = format!(
                        "{} {label} ({:.1}s){}{note}",
                        FRAMES[frame % FRAMES.len()],
                        started.elapsed().as_secs_f64(),
                        if note.is_empty() { "" } else { ": " },
                    );
                    if let Some((cut, _)) = line.char_indices().nth(MAX_WIDTH) {
                        line.truncate(cut);
                    }
                    eprint!("\r\x1b[2K{line}");
                    let _ = std::io::stderr().flush();
                    drawn = true;
                    frame += 1;
                }
                std::thread::sleep(Duration::from_millis(80));
            }
            if drawn {
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
            }
        })
    };
    note("");
    let out = work();
    done.store(true, Ordering::Relaxed);
    note("");
    let _ = drawer.join();
    out
}
