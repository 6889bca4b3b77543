//! Configuration: the model, loading with validation, and comment-preserving edits.

pub mod edit;
pub mod graph;
pub mod load;
pub mod model;

pub use load::{find_config, load};
pub use model::*;
