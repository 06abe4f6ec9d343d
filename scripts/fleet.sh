#!/usr/bin/env bash
# A fleet on one machine: three example nodes (three copies of p2p-node,
# node1 to node3), a tracepoints-trace per node publishing to one
# nats-server (`--nats --node NAME`) and serving metrics (`--metrics`), and
# one prometheus scraping the three. Each node runs its demo scenario
# ROUNDS times (default 3); then the script shows, from the bus and from a
# Prometheus query, that all three were watched. Needs root (the tracers);
# installs nothing but what scripts/ci/setup-tracers.sh installs.
#
#   sudo scripts/fleet.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/stop-tracer.sh

if [ "$(id -u)" -ne 0 ]; then
    echo "fleet.sh: tracers need root: run 'sudo scripts/fleet.sh'" >&2
    exit 1
fi
rounds=${1:-3}
scripts/ci/setup-tracers.sh --host-only >&2
cargo build --quiet --release -p p2p-node
cargo build --quiet --release --manifest-path tracer/Cargo.toml --target-dir target/tracer
trace="$PWD/target/tracer/release/tracepoints-trace"

dir=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do stop_tracer "$pid" 2>/dev/null || true; done
    pkill -P $$ 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

# The bus.
nats_port=$(free_port)
nats-server -a 127.0.0.1 -p "$nats_port" 2>"$dir/nats.log" &
wait_for_line "Server is ready" "$dir/nats.log"
nats="nats://127.0.0.1:$nats_port"

# A subscriber of the whole fleet's events (the NATS protocol's text lines,
# read by a few lines of Python): one line per message, its subject then
# its JSON.
python3 -u - "$nats_port" >"$dir/bus" <<'EOF' &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(b'CONNECT {"verbose":false}\r\nSUB tracepoints.> 1\r\nPING\r\n')
for line in f:
    if line.startswith(b"PING"):
        s.sendall(b"PONG\r\n")
    elif line.startswith(b"PONG"):
        print("subscribed")
    elif line.startswith(b"MSG"):
        size = int(line.split()[-1])
        print(line.split()[1].decode(), f.read(size + 2)[:-2].decode())
EOF
wait_for_line "^subscribed" "$dir/bus"

# Three nodes, each its own copy of the binary (a tracer attached by path
# sees every process of its file), each with its tracer.
targets=""
for n in 1 2 3; do
    mkdir -p "$dir/node$n"
    cp target/release/p2p-node "$dir/node$n/p2p-node"
    port=$(free_port)
    "$trace" "$dir/node$n/p2p-node" --node "node$n" --nats "$nats" \
        --metrics "127.0.0.1:$port" --format none >"$dir/trace$n.out" 2>"$dir/trace$n.err" &
    pids+=($!)
    wait_for_line "^Attached" "$dir/trace$n.err"
    targets+="      - targets: ['127.0.0.1:$port']\n        labels: {node: node$n}\n"
done

# Prometheus, scraping the three tracers every second.
prometheus_port=$(free_port)
printf 'global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tracepoints\n    static_configs:\n%b' \
    "$targets" >"$dir/prometheus.yml"
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prometheus" \
    --web.listen-address="127.0.0.1:$prometheus_port" 2>"$dir/prometheus.log" &
wait_for_line "Server is ready to receive web requests" "$dir/prometheus.log"

# The nodes run their scenario, side by side.
nodes=()
for round in $(seq "$rounds"); do
    for n in 1 2 3; do
        "$dir/node$n/p2p-node" demo --fired-log "$dir/fired$n.$round" >/dev/null 2>&1 &
        nodes+=($!)
    done
    wait "${nodes[@]}"
    nodes=()
done
fired=$(cat "$dir"/fired1.* | wc -l)
echo "Each node fired $fired events ($rounds demo rounds)."

# Every event on the bus (each tracer publishes what it read; 30 s at most).
for _ in $(seq 300); do
    [ "$(grep -c '^tracepoints\.' "$dir/bus" || true)" -ge $((3 * fired)) ] && break
    sleep 0.1
done
echo
echo "From the bus (subject tracepoints.>): events by node and tracepoint"
grep '^tracepoints\.' "$dir/bus" | python3 -c '
import collections, json, sys
counts = collections.Counter()
for line in sys.stdin:
    subject, event = line.split(" ", 1)
    counts[(json.loads(event)["node"], subject)] += 1
for (node, subject), n in sorted(counts.items()):
    print(f"  {node}  {subject:40} {n}")
'
echo "  one of them: $(grep -m1 'tracepoints.net.inbound_connection' "$dir/bus" | cut -d' ' -f2-)"

# What Prometheus holds (once it has scraped every count; 30 s at most).
query() {
    curl -s --get "http://127.0.0.1:$prometheus_port/api/v1/query" --data-urlencode "query=$1" |
        python3 -c '
import json, sys
for series in json.load(sys.stdin)["data"]["result"]:
    labels = ",".join(f"{k}={v}" for k, v in sorted(series["metric"].items()))
    value = series["value"][1]
    print(f"  {{{labels}}} {value}")
'
}
for _ in $(seq 300); do
    [ "$(query 'sum by (node) (tracepoints_events_total)' | grep -c " $fired$" || true)" = 3 ] && break
    sleep 0.1
done
echo
echo "From Prometheus: sum by (node) (tracepoints_events_total)"
query 'sum by (node) (tracepoints_events_total)'
echo "From Prometheus: sum by (node, network) (tracepoints_net_inbound_connection_network_total)"
query 'sum by (node, network) (tracepoints_net_inbound_connection_network_total) > 0'
echo "From Prometheus: histogram_quantile(0.5, sum by (node, le) (tracepoints_net_inbound_message_msg_size_bytes_bucket))"
query 'histogram_quantile(0.5, sum by (node, le) (tracepoints_net_inbound_message_msg_size_bytes_bucket))'
