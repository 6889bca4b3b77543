//! dashboard: the URL of the session's web dashboard (starting its daemon in the
//! background when none runs), opened in a browser where one is available.

use crate::config::Config;
use crate::daemon::record::DaemonRecord;
use crate::error::{Error, Result};
use crate::output::emit;
use serde_json::json;

pub fn dashboard(cfg: &Config, no_open: bool, json_mode: bool) -> Result<i32> {
    crate::daemon::background::ensure_background(cfg)?;
    let rec = DaemonRecord::running(&cfg.name).ok_or_else(|| {
        Error::failed(format!(
            "the daemon of session '{}' is not running",
            cfg.name
        ))
    })?;
    let url = url_of(&rec);
    let opened = !no_open && !json_mode && open(&url);
    let report = json!({"session": cfg.name, "url": url, "opened": opened});
    emit(json_mode, true, &report, || {
        if opened {
            format!("opened {url}")
        } else {
            url.clone()
        }
    });
    Ok(0)
}

/// The page's URL; it carries the token only where the daemon needs one (not
/// bound to loopback: other users may reach it).
pub fn url_of(rec: &DaemonRecord) -> String {
    let loopback = matches!(
        rec.host.as_str(),
        "127.0.0.1" | "localhost" | "::1" | "[::1]"
    );
    let host = rec.connect_host();
    if loopback {
        format!("http://{host}:{}/ui", rec.port)
    } else {
        format!("http://{host}:{}/ui?token={}", rec.port, rec.token)
    }
}

/// Open `url` with $BROWSER or xdg-open when a display is there.
fn open(url: &str) -> bool {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    let opener = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.is_empty())
        .or_else(|| has_display.then(|| "xdg-open".to_string()));
    let Some(opener) = opener.filter(|o| crate::agents::find_on_path(o).is_some()) else {
        return false;
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
