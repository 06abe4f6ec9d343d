#!/usr/bin/env bash
# What a reader costs the traced program: `core-replay --flood` pinned to
# CPU 0 at its full speed (and at RATES), each reader on CPU 1, and for each
# run the fires a second, core-replay's CPU time per fire (user + system,
# from /usr/bin/time) and the events the reader lost. The readers: bpftrace
# counting the fires in a map (the uprobe and a minimal BPF program: the
# floor every reader pays), the BCC logger and net-tracer, both as of now
# and as of BASELINE (a git revision; default: the last commit whose
# programs woke the reader for every record), net-tracer --write, and
# tracepoints-trace (`trace`: the one generic program, `--provider net`). Then
# the delay from fire to print at 1,000 pings a second (each ping carries
# its fire time), median and p99, before and after. Needs root.
#
#   scripts/bench/reader-cost.sh [SECONDS] [RATES...]
#
# SECONDS (default 3) per run; RATES (default "full 100000"), `full` being
# as fast as core-replay fires. EVENTS (default "pings connections"),
# READERS (default: all six) and REPEAT (default 1) pick the runs; a reader
# `trace-NAME` is the build $TRACE_BUILDS/tracepoints-trace-NAME, and
# DELAY=0 leaves out the delay table.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/stop-tracer.sh
. scripts/lib/reader-builds.sh

seconds=${1:-3}
shift || true
rates=("${@:-full 100000}")
read -r -a rates <<<"${rates[*]}"
read -r -a floods <<<"${EVENTS:-pings connections}"
read -r -a readers <<<"${READERS:-floor bcc-baseline bcc-now net-tracer-baseline net-tracer-now net-tracer-write trace}"
repeat=${REPEAT:-1}
baseline=${BASELINE:-9379fe7}

reader_builds "$baseline"

# start READER PID -> starts the reader of process PID on CPU 1 (its pid in
# $tracer) and waits until it is attached.
start() {
    local reader=$1 pid=$2 ready="Attached 7 probes"
    rm -f "$out/out" "$dir/err"
    case $reader in
    floor)
        taskset -c 1 bpftrace -e "BEGIN { printf(\"READY\\n\"); } usdt:$replay:net:$tracepoint { @n = count(); }" \
            >"$out/out" 2>"$dir/err" &
        ready=READY ;;
    bcc-*)
        local module=$tracing/net_bcc.py
        [ "$reader" = bcc-baseline ] && module=$dir/baseline/$tracing/net_bcc.py
        taskset -c 1 /usr/bin/python3 "$module" "$pid" >"$out/out" 2>"$dir/err" & ;;
    net-tracer-write)
        taskset -c 1 "$dir/net-tracer.now" "$replay" --pid "$pid" --write "$out/records" >"$out/out" 2>"$dir/err" & ;;
    trace)
        taskset -c 1 "$dir/tracepoints-trace" "$replay" --pid "$pid" --provider net >"$out/out" 2>"$dir/err" & ;;
    trace-*)
        # Another build of tracepoints-trace: $TRACE_BUILDS/tracepoints-trace-NAME
        # (scripts/bench/trace-cost-parts.sh makes them).
        taskset -c 1 "$TRACE_BUILDS/tracepoints-${reader}" "$replay" --pid "$pid" --provider net >"$out/out" 2>"$dir/err" & ;;
    net-tracer-*)
        taskset -c 1 "$dir/${reader/net-tracer-/net-tracer.}" "$replay" --pid "$pid" >"$out/out" 2>"$dir/err" & ;;
    esac
    tracer=$!
    for _ in $(seq 600); do
        grep -qs "$ready" "$out/out" "$dir/err" && return 0
        kill -0 "$tracer" 2>/dev/null || break
        sleep 0.1
    done
    grep -v "^;" "$dir/err" | tail -5 >&2
    return 1
}

# run READER FLOOD RATE -> "fired cpu_seconds lost"
run() {
    local reader=$1 flood=$2 rate=$3
    local args=(--wait --flood "$seconds" --events "$flood")
    [ "$rate" = full ] || args+=(--rate "$rate")
    rm -f "$dir/go" "$dir/node" "$dir/time"
    mkfifo "$dir/go"
    exec 3<>"$dir/go"
    # /usr/bin/time execs core-replay: the pid a reader attaches to is its
    # child's, read from the "waiting" line's process.
    taskset -c 0 /usr/bin/time -f "%U %S" -o "$dir/time" "$replay" "${args[@]}" <"$dir/go" >"$dir/fired" 2>"$dir/node" &
    local timer=$!
    wait_for_line "waiting for a line" "$dir/node" || return 1
    local node
    node=$(pgrep -n -f "^$replay --wait --flood") || return 1
    start "$reader" "$node" || return 1
    echo go >&3
    exec 3>&-
    wait "$timer"
    stop_tracer "$tracer" || true
    local fired lost
    fired=$(awk '/^fired/ {print $2}' "$dir/fired")
    case $reader in
    floor) lost=0 ;;
    *) lost=$(sed -n 's/^{"lost": *\([0-9]*\)[,}].*/\1/p' "$out/out" | tail -1) ;;
    esac
    # A reader that printed fewer events than were fired lost them too
    # (counted from its output, or from its record file).
    if [ "$reader" = net-tracer-write ]; then
        "$dir/net-tracer.now" --read "$out/records" >"$out/out" || true
    fi
    if [ "$reader" != floor ]; then
        local received
        received=$(grep -c "net:$tracepoint" "$out/out" || true)
        lost=$(( ${lost:-0} > fired - received ? ${lost:-0} : fired - received ))
    fi
    echo "$fired $(awk '{print $1 + $2}' "$dir/time") $lost"
}

echo "| events | reader | rate asked | fires/s | core-replay CPU ns per fire | × floor | lost |"
echo "|---|---|---|---|---|---|---|"
for flood in "${floods[@]}"; do
    case $flood in
    connections) tracepoint=inbound_connection ;;
    *) tracepoint=inbound_message ;;
    esac
    for rate in "${rates[@]}"; do
        floor_ns=""
        for reader in "${readers[@]}"; do
            for _ in $(seq "$repeat"); do
                if ! read -r fired cpu lost < <(run "$reader" "$flood" "$rate"); then
                    echo "| $flood | $reader | $rate | did not run | | | |"
                    continue
                fi
                ns=$(awk -v c="$cpu" -v f="$fired" 'BEGIN { printf "%.0f", (f > 0 ? c * 1e9 / f : 0) }')
                [ "$reader" = floor ] && floor_ns=$ns
                ratio=$(awk -v n="$ns" -v f="${floor_ns:-0}" 'BEGIN { if (f > 0) printf "%.2f", n / f; else print "-" }')
                echo "| $flood | $reader | $rate | $(awk -v f="$fired" -v s="$seconds" 'BEGIN { printf "%.0f", f / s }') | $ns | $ratio | $lost |"
            done
        done
    done
done

# DELAY=0: the cost table only.
[ "${DELAY:-1}" = 1 ] || exit 0

# The delay from fire to print at 1,000 pings a second: each line's arrival
# time less the fire time its ping carries.
delays() {
    /usr/bin/python3 -c '
import json, sys, time
delays = []
for line in sys.stdin:
    now = time.time_ns()
    try:
        event = json.loads(line)
    except ValueError:
        continue
    msg = event.get("args", {}).get("msg") if isinstance(event, dict) else None
    if msg:
        delays.append((now - int.from_bytes(bytes.fromhex(msg), "little")) / 1e6)
delays.sort()
if delays:
    print("%d %.2f %.2f" % (len(delays), delays[len(delays) // 2], delays[int(len(delays) * 0.99)]))
else:
    print("0 - -")
'
}
echo
echo "| reader | pings printed | delay median (ms) | delay p99 (ms) |"
echo "|---|---|---|---|"
for reader in bcc-baseline bcc-now net-tracer-baseline net-tracer-now trace; do
    rm -f "$dir/go" "$dir/node"
    mkfifo "$dir/go"
    exec 3<>"$dir/go"
    taskset -c 0 "$replay" --wait --flood "$seconds" --events pings --rate 1000 <"$dir/go" >"$dir/fired" 2>"$dir/node" &
    node=$!
    wait_for_line "waiting for a line" "$dir/node"
    rm -f "$dir/delays"
    case $reader in
    bcc-*)
        module=$tracing/net_bcc.py
        [ "$reader" = bcc-baseline ] && module=$dir/baseline/$tracing/net_bcc.py
        taskset -c 1 /usr/bin/python3 -u "$module" "$node" 2>"$dir/err" | delays >"$dir/delays" & ;;
    trace)
        taskset -c 1 "$dir/tracepoints-trace" "$replay" --pid "$node" --provider net 2>"$dir/err" | delays >"$dir/delays" & ;;
    *)
        taskset -c 1 "$dir/${reader/net-tracer-/net-tracer.}" "$replay" --pid "$node" 2>"$dir/err" | delays >"$dir/delays" & ;;
    esac
    for _ in $(seq 600); do
        grep -qs "Attached 7 probes" "$dir/err" && break
        sleep 0.1
    done
    echo go >&3
    exec 3>&-
    wait "$node"
    # The reader exits by itself once the node is gone.
    for _ in $(seq 100); do [ -s "$dir/delays" ] && break; sleep 0.1; done
    read -r n median p99 <"$dir/delays" || true
    echo "| $reader | ${n:-0} | ${median:--} | ${p99:--} |"
done
