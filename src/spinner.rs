//! A progress spinner on stderr while a slow command waits (terminals only).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Spinner frames.
pub const FRAMES: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Show nothing for commands quicker than this.
const QUIET_FOR: Duration = Duration::from_millis(300);

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
                    eprint!(
                        "\r\x1b[2K{} {label} ({:.1}s)",
                        FRAMES[frame % FRAMES.len()],
                        started.elapsed().as_secs_f64()
                    );
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
    let out = work();
    done.store(true, Ordering::Relaxed);
    let _ = drawer.join();
    out
}
