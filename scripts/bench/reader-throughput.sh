#!/usr/bin/env bash
# Reader throughput: the highest rate at which each generated reader of the
# `net` tracepoints takes every event of a flood (`core-replay --flood`),
# and the payload bytes a second it delivers there, side by side: bpftrace
# with net.bt, the BCC logger net_bcc.py and net-tracer (libbpf-rs), the
# last two both as of now and as of BASELINE (a git revision; default: the
# last commit whose BPF records were reserved at their largest size), so
# one run shows what the record layout changed; and tracepoints-trace
# (`trace`: the one generic program, `--provider net`), also publishing
# every event to a local nats-server instead of printing it (`trace-nats`:
# `--nats URL --format none`; its events received are those it
# published, and an event it could not publish counts as lost). Needs root.
#
#   scripts/bench/reader-throughput.sh [SECONDS] [RATES...]
#
# Each run floods for SECONDS (default 2) at each rate of RATES (fires a
# second, ascending; a reader stops at its first rate with a loss). EVENTS
# (default "pings messages") picks the floods: `connections`
# (net:inbound_connection), `pings` (8-byte net:inbound_message) and
# `messages` (core-replay's message mix, `--events messages`); READERS
# (default: all eight) the readers, `net-tracer-write` and `bcc-write`
# being net-tracer and the BCC logger of now writing the records to a file
# (`--write`, in memory), whose events are counted from `net-tracer --read`
# once the reader has stopped (both write one record layout, which
# tests/tests/e2e.rs reads back through either); REPEAT (default 3) how
# many runs each rate gets: a rate counts as lossless when most of its
# runs are (these machines are shared: a reader now and then stalls for
# longer than its ring buffer lasts). The summary gives the slowest of
# those runs' firing rates when core-replay fell short of the rate asked.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/stop-tracer.sh
. scripts/lib/reader-builds.sh

seconds=${1:-2}
shift || true
rates=("${@:-10000 20000 50000 100000 200000 300000}")
read -r -a rates <<<"${rates[*]}"
read -r -a floods <<<"${EVENTS:-pings messages}"
repeat=${REPEAT:-3}
read -r -a readers <<<"${READERS:-bpftrace bcc-baseline bcc-now bcc-write net-tracer-baseline net-tracer-now net-tracer-write trace trace-nats}"
baseline=${BASELINE:-1b3e210}

reader_builds "$baseline"
# The NATS server of trace-nats, on a free port (stopped with the script's
# other children on exit).
if [[ " ${readers[*]} " == *" trace-nats "* ]]; then
    nats_port=$(free_port)
    nats-server -a 127.0.0.1 -p "$nats_port" 2>"$dir/nats" &
    wait_for_line "Server is ready" "$dir/nats"
fi
bcc_now=$tracing/net_bcc.py
bcc_baseline=$dir/baseline/$tracing/net_bcc.py

# run READER FLOOD RATE -> "fired received lost payload" on stdout, where
# payload is the payload bytes of the events received that the reader
# prints (bpftrace 0.17: the first 200 of each).
run() {
    local reader=$1 flood=$2 rate=$3 ready tracepoint cap=32568
    local args=(--wait --flood "$seconds" --events "$flood" --rate "$rate")
    case $flood in
    connections) tracepoint=inbound_connection ;;
    *) tracepoint=inbound_message ;;
    esac
    rm -f "$dir/go" "$dir/node"
    mkfifo "$dir/go"
    # Held open for writing first, so opening it to read does not block.
    exec 3<>"$dir/go"
    taskset -c 0 "$replay" "${args[@]}" <"$dir/go" >"$dir/fired" 2>"$dir/node" &
    local node=$!
    # PID is core-replay itself (not the shell before its exec) once it
    # says it waits: a reader attached by pid finds its probes.
    wait_for_line "waiting for a line" "$dir/node" || return 1
    [ "$reader" = bpftrace ] && cap=200
    local tracer attempt
    for attempt in 1 2 3; do
        # An earlier run's lines must not look like this one's.
        rm -f "$out/out" "$out/records" "$dir/err"
        case $reader in
        bpftrace)
            BPFTRACE_STRLEN=200 bpftrace "$tracing/net.bt" "$replay" >"$out/out" 2>"$dir/err" &
            ready="Reading 7 net tracepoints" ;;
        bcc-write)
            /usr/bin/python3 "$bcc_now" "$node" --write "$out/records" >"$out/out" 2>"$dir/err" &
            ready="Attached 7 probes" ;;
        bcc-*)
            local module=$bcc_now
            [ "$reader" = bcc-baseline ] && module=$bcc_baseline
            /usr/bin/python3 "$module" "$node" >"$out/out" 2>"$dir/err" &
            ready="Attached 7 probes" ;;
        net-tracer-write)
            "$dir/net-tracer.now" "$replay" --pid "$node" --write "$out/records" >"$out/out" 2>"$dir/err" &
            ready="Attached 7 probes" ;;
        trace)
            "$dir/tracepoints-trace" "$replay" --pid "$node" --provider net >"$out/out" 2>"$dir/err" &
            ready="Attached 7 probes" ;;
        trace-nats)
            "$dir/tracepoints-trace" "$replay" --pid "$node" --provider net --format none \
                --nats "nats://127.0.0.1:$nats_port" >"$out/out" 2>"$dir/err" &
            ready="Attached 7 probes" ;;
        net-tracer-*)
            "$dir/${reader/net-tracer-/net-tracer.}" "$replay" --pid "$node" >"$out/out" 2>"$dir/err" &
            ready="Attached 7 probes" ;;
        esac
        tracer=$!
        # Ready, or gone (60 s at most).
        local started=""
        for _ in $(seq 600); do
            if grep -qsE "$ready" "$out/out" "$dir/err"; then
                started=yes
                break
            fi
            kill -0 "$tracer" 2>/dev/null || break
            sleep 0.1
        done
        [ -n "$started" ] && break
        kill "$tracer" 2>/dev/null || true
        wait "$tracer" || true
        if [ "$attempt" = 3 ]; then
            grep -v "^;" "$dir/err" | grep -v "^ *File\|^    " | tail -8 >&2
            return 1
        fi
        # BCC 0.26, attached by pid right after an earlier BCC run, at
        # times fails "cannot attach uprobe": the earlier run's uprobe,
        # with BCC's own semaphore offset, may outlive its process for a
        # moment. Try again.
        sleep 1
    done
    echo go >&3
    exec 3>&-
    wait "$node"
    local fired received lost payload
    fired=$(awk '/^fired/ {print $2}' "$dir/fired")
    # The readers print what is still in their buffers after the program
    # ends: wait (10 s at most, the whole of it when events were lost) until
    # they have printed every fired event, then stop them.
    for _ in $(seq 100); do
        if [[ $reader == *-write || $reader == trace-nats ]]; then
            # It prints nothing but its lost count, once it has written
            # (or published) every record and exited (its pid is gone).
            kill -0 "$tracer" 2>/dev/null || break
        else
            [ "$(grep -c "$tracepoint" "$out/out" || true)" -ge "${fired:-0}" ] && break
        fi
        sleep 0.1
    done
    stop_tracer "$tracer" || true
    if [[ $reader == *-write ]]; then
        "$dir/net-tracer.now" --read "$out/records" >"$out/out" || true
    fi
    received=$(grep -c "$tracepoint" "$out/out" || true)
    if [ "$reader" = trace-nats ]; then
        received=$(sed -n 's/.*"published":\([0-9]*\).*/\1/p' "$out/out")
    fi
    if [ "$reader" = trace-nats ]; then
        # What it published is what was fired (when nothing was lost): the
        # payload core-replay says it kept.
        payload=$(awk '/^payload/ {print $2}' "$dir/fired")
    else
        # Every reader prints msg_size beside the payload: `msg_size=N` or
        # `"msg_size": N`.
        payload=$({ grep -o 'msg_size"\?[=:] *[0-9]*' "$out/out" || true; } | { grep -o '[0-9]*$' || true; } |
            awk -v cap="$cap" '{n += ($1 < cap ? $1 : cap)} END {print n + 0}')
    fi
    case $reader in
    bpftrace) lost=$(awk '/^Lost [0-9]+ events/ {n += $2} END {print n + 0}' "$out/out") ;;
    trace-nats) lost=$(sed -n 's/^{"lost":\([0-9]*\),.*"unpublished":\([0-9]*\),.*/\1 \2/p' "$out/out" |
        awk '{print $1 + $2}') ;;
    *) lost=$(sed -n 's/^{"lost": *\([0-9]*\)[,}].*/\1/p' "$out/out" | tail -1) ;;
    esac

    echo "$fired $received ${lost:-?} $payload"
}

summary=()
echo "| flood | reader | rate asked (fires/s) | fired/s | received/s | payload MB/s | lost | lost % |"
echo "|---|---|---|---|---|---|---|---|"
for flood in "${floods[@]}"; do
    for reader in "${readers[@]}"; do
        best="none"
        for rate in "${rates[@]}"; do
            clean=0 payloads=0 slowest=""
            for _ in $(seq "$repeat"); do
                if ! read -r fired received lost payload < <(run "$reader" "$flood" "$rate"); then
                    echo "| $flood | $reader | $rate | did not run: see the messages above | | | | |"
                    continue
                fi
                row=$(awk -v f="$fired" -v n="$received" -v l="$lost" -v p="$payload" -v s="$seconds" 'BEGIN {
                    pct = (f > 0 && l != "?") ? sprintf("%.1f", 100 * l / f) : "?"
                    printf "%.0f | %.0f | %.2f | %s | %s", f / s, n / s, p / s / 1e6, l, pct
                }')
                echo "| $flood | $reader | $rate | $row |"
                # Lossless: nothing lost, every fired event printed.
                if [ "$lost" = 0 ] && [ "$received" -ge "$fired" ]; then
                    clean=$((clean + 1))
                    payloads=$payload
                    # The producer can fall short of the rate asked: the
                    # summary says so with the slowest lossless run.
                    if [ -z "$slowest" ] || [ "$fired" -lt "$slowest" ]; then
                        slowest=$fired
                    fi
                fi
            done
            [ $((2 * clean)) -gt "$repeat" ] || break
            best=$(awk -v r="$rate" -v p="$payloads" -v s="$seconds" -v c="$clean" -v n="$repeat" -v f="$slowest" 'BEGIN {
                short = (f / s < 0.99 * r) ? sprintf(", the slowest firing %.0f", f / s) : ""
                printf "%s (%d of %d runs%s) | %.2f", r, c, n, short, p / s / 1e6
            }')
        done
        summary+=("| $flood | $reader | $best |")
    done
done
echo
echo "| flood | reader | highest lossless rate (fires/s; runs without a loss) | payload MB/s there |"
echo "|---|---|---|---|"
printf '%s\n' "${summary[@]}" | sed 's/| none |$/| none | - |/'
