//! taskmux: a tmux-based task supervisor for development stacks.

mod config;
mod error;
mod graph;
mod logs;
mod paths;
mod suggest;

fn main() {
    println!("taskmux");
}
