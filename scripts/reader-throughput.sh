#!/usr/bin/env bash
# Reader throughput: how many events per second each generated reader of
# the `net` tracepoints takes from one probe (`net:inbound_connection`,
# fired by `core-replay --flood`), and how many it loses, side by side:
# bpftrace with net.bt, the BCC logger net_bcc.py, and net-tracer
# (libbpf-rs). Each run floods for SECONDS (default 2) at each rate of
# RATES (fires a second; `max`: as fast as it can). Needs root.
#   scripts/reader-throughput.sh [SECONDS] [RATES...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/stop-tracer.sh

seconds=${1:-2}
shift || true
rates=("${@:-10000 30000 100000 300000 1000000 max}")
read -r -a rates <<<"${rates[*]}"

cargo build --quiet --release -p core-tracepoints --bin core-replay
cargo build --quiet --release --manifest-path examples/net-tracer/Cargo.toml --target-dir target/net-tracer
replay="$PWD/target/release/core-replay"
tracing=examples/core-tracepoints/tracing
dir=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$dir"' EXIT

# run READER RATE -> "fired received lost" on stdout
run() {
    local reader=$1 rate=$2 ready
    local args=(--wait --flood "$seconds")
    [ "$rate" != max ] && args+=(--rate "$rate")
    rm -f "$dir/go"
    mkfifo "$dir/go"
    taskset -c 0 "$replay" "${args[@]}" <"$dir/go" >"$dir/fired" 2>/dev/null &
    local node=$!
    exec 3>"$dir/go"
    case $reader in
    bpftrace)
        BPFTRACE_STRLEN=200 bpftrace "$tracing/net.bt" "$replay" >"$dir/out" 2>"$dir/err" &
        ready="Reading 7 net tracepoints" ;;
    bcc)
        /usr/bin/python3 "$tracing/net_bcc.py" "$node" >"$dir/out" 2>"$dir/err" &
        ready="Attached 7 probes" ;;
    net-tracer)
        target/net-tracer/release/net-tracer "$replay" --pid "$node" >"$dir/out" 2>"$dir/err" &
        ready="Attached 7 probes" ;;
    esac
    local tracer=$!
    wait_for_line "$ready" "$dir/out" "$dir/err"
    echo go >&3
    exec 3>&-
    wait "$node"
    local fired received lost
    fired=$(awk '/^fired/ {print $2}' "$dir/fired")
    # The readers print what is still in their buffers after the program
    # ends: wait (10 s at most, the whole of it when events were lost) until
    # they have printed every fired event, then stop them.
    for _ in $(seq 100); do
        [ "$(grep -c 'inbound_connection' "$dir/out" || true)" -ge "${fired:-0}" ] && break
        sleep 0.1
    done
    stop_tracer "$tracer"
    received=$(grep -c 'inbound_connection' "$dir/out" || true)
    case $reader in
    bpftrace) lost=$(awk '/^Lost [0-9]+ events/ {n += $2} END {print n + 0}' "$dir/out") ;;
    *) lost=$(sed -n 's/^{"lost": *\([0-9]*\)}$/\1/p' "$dir/out" | tail -1) ;;
    esac
    echo "$fired $received ${lost:-?}"
}

echo "| reader | rate asked (fires/s) | fired/s | received/s | lost | lost % |"
echo "|---|---|---|---|---|---|"
for rate in "${rates[@]}"; do
    for reader in bpftrace bcc net-tracer; do
        read -r fired received lost < <(run "$reader" "$rate")
        awk -v r="$reader" -v a="$rate" -v f="$fired" -v n="$received" -v l="$lost" -v s="$seconds" 'BEGIN {
            pct = (f > 0 && l != "?") ? sprintf("%.1f", 100 * l / f) : "?"
            printf "| %s | %s | %.0f | %.0f | %s | %s |\n", r, a, f / s, n / s, l, pct
        }'
    done
done
