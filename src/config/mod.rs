//! Configuration: the model, loading with validation, and comment-preserving edits.

pub mod edit;
pub mod load;
pub mod model;

#[allow(unused_imports)] // used by the CLI (another branch)
pub use load::{find_config, load};
#[allow(unused_imports)]
pub use model::*;
