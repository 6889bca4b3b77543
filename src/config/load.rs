//! Parse and validate taskmux.toml. (Being written.)
use crate::config::model::Config;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Find the config: `explicit` if given, else taskmux.toml in the current directory.
pub fn find_config(explicit: Option<&Path>) -> Result<PathBuf> {
    let _ = explicit;
    Err(Error::config("not yet implemented"))
}

/// Load and validate the config file at `path`.
pub fn load(path: &Path) -> Result<Config> {
    let _ = path;
    Err(Error::config("not yet implemented"))
}
