#!/bin/sh
# Build taskmux and run it on the bundled full-stack example (python3 stand-ins
# for db → migrate → api → web). Leaves the stack running in tmux session
# "fullstack-example" so you can poke at it; stop it with the command printed at
# the end.
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
tm="$PWD/target/release/taskmux"
cd examples/fullstack
"$tm" check
"$tm" start
"$tm" wait --timeout 60s
"$tm" status
"$tm" health
"$tm" logs -n 15
echo
echo "The stack runs in tmux: tmux attach -t fullstack-example"
echo "Stop it with:         $tm --config $PWD/taskmux.toml stop"
