//! The dependency graph of tasks. (Being written.)
