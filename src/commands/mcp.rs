//! mcp: serve MCP over stdio, or register taskmux in agents' config files.

use crate::cli::{Cli, McpAction, McpArgs};
use crate::error::Result;

pub fn run(cli: &Cli, args: &McpArgs) -> Result<i32> {
    match &args.action {
        None => crate::mcp::serve_stdio(cli.config.clone(), cli.session.clone()),
        Some(McpAction::Install(_)) => Err(crate::error::Error::failed("not yet")),
    }
}
