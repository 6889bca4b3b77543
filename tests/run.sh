#!/usr/bin/env bash
# The one test command (README.md): installs what the tests need when it is
# missing — tmux, python3, Node.js with npm, Debian's chromium for the browser
# tests, the Node packages of tests/node (from its lockfile) — then runs every
# test with `cargo test`. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
# The MCP SDK and playwright-core, exactly as locked.
if [ ! -d tests/node/node_modules/playwright-core ] || [ ! -d tests/node/node_modules/@modelcontextprotocol/sdk ]; then
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi

# Tests must never touch a user's tmux server.
unset TMUX TMUX_PANE TASKMUX_CONFIG TASKMUX_TMUX_SOCKET TASKMUX_TMUX_SOCKET_NAME
exec cargo test "$@"
