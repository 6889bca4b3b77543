//! The tmux layer: an async client with exact targets, and pane-state parsing.

pub mod client;
pub mod options;
pub mod panes;
pub mod target;
pub mod window;

pub use client::{Tmux, THEN};
pub use panes::{PaneInfo, SessionSnapshot};
