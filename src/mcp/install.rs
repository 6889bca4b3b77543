//! `taskmux mcp install` (next step).
