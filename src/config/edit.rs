//! Comment-preserving edits of taskmux.toml (add/remove tasks). (Being written.)
