#!/usr/bin/env bash
# Which tracers can hold one binary's probes at the same time: for every
# ordered pair of TRACERS, the first is attached to a waiting core-replay
# (a copy of its own per pair, so that no earlier pair's uprobe is on the
# same file) and the second started beside it; prints whether the second
# attached, and the line it exited with when it did not. Needs root and
# the roots of scripts/ci/setup-roots.sh.
#
#   scripts/bench/tracer-clash.sh
#
# TRACERS (default: all) picks from bt-bookworm, bt-trixie, bt-sid
# (bpftrace 0.17, 0.23, 0.27, attached by path), bcc-bookworm, bcc-trixie,
# bcc-sid (the generated BCC logger under BCC 0.26, 0.31, 0.37, by pid),
# lb-bookworm, lb-trixie, lb-sid (the tests' libbpf loader with libbpf 1.1,
# 1.5, 1.7, by pid) and net-tracer (libbpf-rs, by pid). Every tracer is
# stopped with SIGINT (scripts/lib/stop-tracer.sh), never killed first: a
# killed tracer can leave a uprobe the kernel cannot unregister.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/stop-tracer.sh

roots=${TRACEPOINTS_ROOTS:-/var/lib/tracepoints/roots}
read -r -a tracers <<<"${TRACERS:-bt-bookworm bt-trixie bt-sid bcc-bookworm bcc-trixie bcc-sid lb-bookworm lb-trixie lb-sid net-tracer}"
# Under /tmp, which the roots mount: their tracers see the same paths.
dir=$(mktemp -d /tmp/tracer-clash.XXXXXX)
cleanup() {
    pkill -P $$ 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

cargo build --quiet --release -p core-tracepoints --bin core-replay
cargo build --quiet --release --manifest-path examples/net-tracer/Cargo.toml --target-dir target/net-tracer
tracing=$PWD/examples/core-tracepoints/tracing

# in SUITE COMMAND...: runs COMMAND on the host (bookworm) or in SUITE's root.
in_suite() {
    local suite=$1
    shift
    if [ "$suite" = bookworm ]; then "$@"; else chroot "$roots/$suite" "$@"; fi
}

# The libbpf loader and net.bpf.c of each suite, with its own libbpf.
for suite in bookworm trixie sid; do
    in_suite "$suite" cc -O2 -o "$dir/loader-$suite" "$PWD/tests/src/libbpf_loader.c" -lbpf
    in_suite "$suite" clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu \
        -c "$tracing/net.bpf.c" -o "$dir/net-$suite.o"
done
programs=()
for t in inbound_message outbound_message inbound_connection outbound_connection closed_connection \
    evicted_inbound_connection misbehaving_connection; do
    programs+=("net_$t=net:$t")
done

# start TRACER BIN PID LOG: starts TRACER on process PID of BIN, writing to
# LOG; its pid in $started. (A simple command, not a shell function, is put
# in the background, and chroot execs the tracer: $! is the tracer itself,
# which SIGINT reaches.)
start() {
    local tracer=$1 bin=$2 pid=$3 log=$4 suite=${1#*-} python=python3
    local root=()
    if [ "$suite" = bookworm ]; then
        python=/usr/bin/python3
    else
        root=(chroot "$roots/$suite")
    fi
    case $tracer in
    bt-*) "${root[@]}" bpftrace -e "usdt:$bin:net:inbound_connection { @n = count(); }" >"$log" 2>&1 & ;;
    bcc-*) "${root[@]}" "$python" "$tracing/net_bcc.py" "$pid" >"$log" 2>&1 & ;;
    lb-*) "${root[@]}" "$dir/loader-$suite" "$dir/net-$suite.o" "$pid" "$bin" net_events net_lost \
        "${programs[@]}" >"$log" 2>&1 & ;;
    net-tracer) target/net-tracer/release/net-tracer "$bin" --pid "$pid" >"$log" 2>&1 & ;;
    esac
    started=$!
}

# attached LOG PID: 0 once the tracer says it is attached (bpftrace:
# "Attaching N probes" and no error line after it), 1 when it exits first.
attached() {
    local log=$1 pid=$2
    # bpftrace 0.17 says "ERROR: ... RLIMIT_MEMLOCK" and goes on.
    failed() { grep -v RLIMIT_MEMLOCK "$log" | grep -qs ERROR; }
    for _ in $(seq 600); do
        failed && return 1
        if grep -qsE "Attached [0-9]+ probes?( |$)" "$log" ||
            { grep -qs "Attaching [0-9]* probe" "$log" && sleep 1 && ! failed && kill -0 "$pid" 2>/dev/null; }; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

echo "| first (holding) | second | second attached | what the second said |"
echo "|---|---|---|---|"
n=0
for first in "${tracers[@]}"; do
    for second in "${tracers[@]}"; do
        [ "$first" = "$second" ] && continue
        n=$((n + 1))
        bin="$dir/core-replay-$n"
        cp target/release/core-replay "$bin"
        mkfifo "$dir/go"
        exec 3<>"$dir/go"
        "$bin" --wait <"$dir/go" >/dev/null 2>"$dir/node" &
        node=$!
        wait_for_line "waiting for a line" "$dir/node"
        start "$first" "$bin" "$node" "$dir/first"
        holder=$started
        if ! attached "$dir/first" "$holder"; then
            echo "| $first | $second | (the first did not attach: $(grep -v RLIMIT "$dir/first" | tail -1)) | |"
        else
            start "$second" "$bin" "$node" "$dir/second"
            other=$started
            if attached "$dir/second" "$other"; then
                echo "| $first | $second | yes | |"
            else
                said=$(grep -v "RLIMIT\|^Attaching\|WARNING" "$dir/second" | tail -1 | cut -c1-120)
                echo "| $first | $second | no | ${said//|/\\|} |"
            fi
            stop_tracer "$other" >/dev/null || true
        fi
        stop_tracer "$holder" >/dev/null || true
        echo go >&3
        exec 3>&-
        wait "$node" || true
        rm -f "$dir/go" "$bin"
    done
done
