#!/usr/bin/env bash
# What publishing costs tracepoints-trace itself: its CPU time (user +
# system, /usr/bin/time) per event while `core-replay --flood SECONDS
# --rate RATE` fires on CPU 0 and the tracer reads on CPU 1, for each way
# of delivering the events: `none` (`--format none`: read and decode only),
# `print` (`--format json` into a file in /dev/shm), `nats` (`--format none
# --nats`, to a local nats-server on CPU 1 too), `nats+print` (both) and
# `metrics` (`--format none --metrics`). Also the events lost or not
# published (a cost figure counts only beside them). Needs root.
#
#   scripts/bench/publish-cost.sh [SECONDS] [RATE] [EVENTS]
#
# SECONDS default 3, RATE default 100000, EVENTS `pings` (default) or
# `messages` (core-replay's message mix). REPEAT (default 3) runs each.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/stop-tracer.sh

seconds=${1:-3}
rate=${2:-100000}
events=${3:-pings}
repeat=${REPEAT:-3}
cargo build --quiet --release -p core-tracepoints --bin core-replay
cargo build --quiet --release --manifest-path tracer/Cargo.toml --target-dir target/tracer
replay="$PWD/target/release/core-replay"
trace="$PWD/target/tracer/release/tracepoints-trace"
dir=$(mktemp -d)
out=$(mktemp -d /dev/shm/publish-cost.XXXXXX)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$dir" "$out"' EXIT

nats_port=$(free_port)
taskset -c 1 nats-server -a 127.0.0.1 -p "$nats_port" 2>"$dir/nats" &
wait_for_line "Server is ready" "$dir/nats"

# run WAY -> "fired cpu_seconds lost_or_unpublished"
run() {
    local way=$1 args=(--provider net)
    case $way in
    none) args+=(--format none) ;;
    print) args+=(--format json) ;;
    nats) args+=(--format none --nats "nats://127.0.0.1:$nats_port") ;;
    nats+print) args+=(--format json --nats "nats://127.0.0.1:$nats_port") ;;
    metrics) args+=(--format none --metrics 127.0.0.1:0) ;;
    esac
    rm -f "$dir/go" "$dir/node" "$dir/err" "$dir/time" "$out/out"
    mkfifo "$dir/go"
    exec 3<>"$dir/go"
    taskset -c 0 "$replay" --wait --flood "$seconds" --rate "$rate" --events "$events" \
        <"$dir/go" >"$dir/fired" 2>"$dir/node" &
    local node=$!
    wait_for_line "waiting for a line" "$dir/node" || return 1
    taskset -c 1 /usr/bin/time -f "%U %S" -o "$dir/time" "$trace" "$replay" --pid "$node" "${args[@]}" \
        >"$out/out" 2>"$dir/err" &
    local tracer=$!
    wait_for_line "^Attached" "$dir/err" || return 1
    echo go >&3
    exec 3>&-
    wait "$node"
    # It exits by itself once the node is gone and everything is out.
    for _ in $(seq 300); do
        kill -0 "$tracer" 2>/dev/null || break
        sleep 0.1
    done
    stop_tracer "$tracer" || true
    local fired lost
    fired=$(awk '/^fired/ {print $2}' "$dir/fired")
    lost=$(tail -1 "$out/out" | python3 -c '
import json, sys
end = json.loads(sys.stdin.read())
print(end["lost"] + end.get("unpublished", 0))')
    echo "$fired $(awk '{print $1 + $2}' "$dir/time") $lost"
}

echo "| events | rate asked | delivery | fired/s | tracer CPU ns per event | lost or unpublished |"
echo "|---|---|---|---|---|---|"
for way in none print nats nats+print metrics; do
    for _ in $(seq "$repeat"); do
        if ! read -r fired cpu lost < <(run "$way"); then
            echo "| $events | $rate | $way | did not run | | |"
            continue
        fi
        awk -v e="$events" -v r="$rate" -v w="$way" -v f="$fired" -v c="$cpu" -v l="$lost" -v s="$seconds" \
            'BEGIN { printf "| %s | %s | %s | %.0f | %.0f | %s |\n", e, r, w, f / s, c * 1e9 / f, l }'
    done
done
