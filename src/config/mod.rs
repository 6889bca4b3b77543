//! Configuration: the model, loading with validation, and comment-preserving edits.

pub mod dotenv;
pub mod edit;
pub mod graph;
pub mod keys;
pub mod load;
pub mod model;
pub mod port_refs;
mod read_config;
mod read_refs;
mod read_task;
mod reader;
pub mod units;

pub use load::{find_config, load};
pub use model::*;
