#!/usr/bin/env bash
# The main job: builds the example node, attaches the generated bpftrace
# logging script to it, runs the demo scenario and prints the connection log.
# Run as root on a fresh Debian machine: it installs the tracers first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/stop-tracer.sh

if [ "$(id -u)" -ne 0 ]; then
    echo "demo.sh: bpftrace needs root: run 'sudo scripts/demo.sh'" >&2
    exit 1
fi
scripts/ci/setup-tracers.sh --host-only >&2
cargo build --quiet --release -p p2p-node

bin="$PWD/target/release/p2p-node"
# The newest of the generated logging scripts this bpftrace runs: each
# says in its header which bpftrace it serves ("Serves bpftrace 0.23 and
# later").
version=$(bpftrace --version | sed -n 's/^bpftrace v\([0-9.]*\).*/\1/p')
script=$(
    for file in examples/core-tracepoints/tracing/log_p2p_connections*.bt; do
        serves=$(sed -n 's|^// Serves bpftrace \([0-9.]*\) and later.*|\1|p' "$file")
        # Kept when it serves this version: `serves` sorts first.
        if [ "$(printf '%s\n%s\n' "$serves" "$version" | sort -V | head -n 1)" = "$serves" ]; then
            printf '%s %s\n' "$serves" "$file"
        fi
    done | sort -V | tail -n 1 | cut -d' ' -f2
)
[ -n "$script" ] || { echo "demo.sh: no generated script serves bpftrace $version" >&2; exit 1; }
out=$(mktemp)
fired=$(mktemp)
# On any exit the tracer is stopped the way it stops (SIGINT, then a
# second one): a killed tracer can leave a uprobe the kernel cannot remove.
tracer=
trap '[ -z "$tracer" ] || stop_tracer "$tracer" || true; rm -f "$out" "$fired"' EXIT

# The 0.17 script's #! line sets BPFTRACE_STRLEN=200; `bpftrace FILE`
# needs it in the environment (the newer scripts set max_strlen themselves).
if [ "${script%.bt}" = "examples/core-tracepoints/tracing/log_p2p_connections" ]; then
    export BPFTRACE_STRLEN=200
fi
bpftrace "$script" "$bin" >"$out" 2>/dev/null &
tracer=$!
wait_for_line '^Logging' "$out" || { echo "demo.sh: bpftrace did not attach" >&2; exit 1; }

"$bin" demo --fired-log "$fired"

# Every connection event the node fired is one log line: wait (10 s at
# most) until bpftrace has printed them all.
want=$(grep -c -E '"net:(inbound|outbound|closed|evicted_inbound|misbehaving)_connection"' "$fired" || true)
for _ in $(seq 100); do
    got=$(grep -c -E '^(INBOUND|OUTBOUND|CLOSED|EVICTED|MISBEHAVING) conn' "$out" || true)
    [ "$got" -ge "$want" ] && break
    sleep 0.1
done

stop_tracer "$tracer"
grep -v '^$' "$out"
