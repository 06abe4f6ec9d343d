#!/usr/bin/env bash
# The main job: builds the example node, attaches the generated bpftrace
# logging script to it, runs the demo scenario and prints the connection log.
# Run as root on a fresh Debian machine: it installs the tracers first.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "demo.sh: bpftrace needs root: run 'sudo scripts/demo.sh'" >&2
    exit 1
fi
scripts/setup-tracers.sh >&2
cargo build --quiet --release -p p2p-node

bin="$PWD/target/release/p2p-node"
script="examples/core-tracepoints/tracing/log_p2p_connections.bt"
out=$(mktemp)
trap 'kill "$tracer" 2>/dev/null || true; rm -f "$out"' EXIT

# The script's #! line sets BPFTRACE_STRLEN=200; `bpftrace FILE` needs it
# in the environment.
BPFTRACE_STRLEN=200 BPFTRACE_MAX_STRLEN=200 bpftrace "$script" "$bin" >"$out" 2>/dev/null &
tracer=$!
for _ in $(seq 300); do
    grep -q '^Logging' "$out" && break
    kill -0 "$tracer" 2>/dev/null || { echo "demo.sh: bpftrace failed to start" >&2; exit 1; }
    sleep 0.1
done
grep -q '^Logging' "$out" || { echo "demo.sh: bpftrace did not attach within 30s" >&2; exit 1; }

"$bin" demo
sleep 0.5
kill -INT "$tracer"
wait "$tracer" || true
grep -v '^$' "$out"
