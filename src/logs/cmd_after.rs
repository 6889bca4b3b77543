//! How `taskmux logs` prints a read that ends with a cursor: the lines, then the
//! cursor — a last JSON line `{"cursor", "lost"?, "more"?}` with `--json`, or a
//! hint on stderr for people (stdout stays the lines).

use super::read::LogLine;
use super::since_cursor::Read;
use std::io::{self, Write};

/// `after`: the read was `--after` (its next cursor is always worth saying).
pub fn print(
    read: &Read,
    out: &mut impl Write,
    json: bool,
    after: bool,
    format: impl Fn(&LogLine) -> String,
) -> io::Result<()> {
    for l in &read.lines {
        writeln!(out, "{}", format(l))?;
    }
    if json {
        let mut tail = serde_json::json!({"cursor": read.cursor});
        if read.lost {
            tail["lost"] = true.into();
        }
        if read.more {
            tail["more"] = true.into();
        }
        writeln!(out, "{tail}")?;
    } else {
        if read.lost {
            eprintln!("warning: some lines were lost: the log rotated past the cursor");
        }
        if read.more {
            eprintln!("more lines are waiting: ask again with the cursor below");
        }
        if after || io::IsTerminal::is_terminal(&io::stderr()) {
            eprintln!("next: taskmux logs --after {}", read.cursor);
        }
    }
    out.flush()
}
