//! Time formatting shared by state records and output.

use chrono::{DateTime, SecondsFormat, Utc};

/// Now as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Seconds elapsed since an RFC 3339 time, if it parses.
pub fn seconds_since(rfc3339: &str) -> Option<u64> {
    let t = DateTime::parse_from_rfc3339(rfc3339).ok()?;
    let secs = Utc::now().signed_duration_since(t).num_seconds();
    Some(secs.max(0) as u64)
}

/// Time elapsed since an RFC 3339 time (to the millisecond), if it parses.
pub fn elapsed_since(rfc3339: &str) -> Option<std::time::Duration> {
    let t = DateTime::parse_from_rfc3339(rfc3339).ok()?;
    let ms = Utc::now().signed_duration_since(t).num_milliseconds();
    Some(std::time::Duration::from_millis(ms.max(0) as u64))
}

/// The `Instant` of an RFC 3339 time in the past (None if it does not parse).
pub fn instant_of(rfc3339: &str) -> Option<std::time::Instant> {
    std::time::Instant::now().checked_sub(elapsed_since(rfc3339)?)
}

/// A compact human duration: 45s, 3m12s, 2h05m, 3d04h.
pub fn compact_duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d{:02}h", s / 86400, (s % 86400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compact() {
        assert_eq!(super::compact_duration(5), "5s");
        assert_eq!(super::compact_duration(192), "3m12s");
        assert_eq!(super::compact_duration(7500), "2h05m");
    }
}
