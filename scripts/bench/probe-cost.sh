#!/usr/bin/env bash
# Probe-site benchmark: native backend vs the `usdt` crate backend vs C
# <sys/sdt.h>, side by side in one run on this machine.
#   1. disabled cost: instructions per call (valgrind --tool=callgrind),
#      from the difference of a 2M-call and a 1M-call run;
#   2. traced cost: ns per fire with bpftrace counting the probes attached
#      (2M fires per variant, 5 interleaved rounds, median), and ratios;
#   3. heap allocations per enabled fire;
#   4. red zone: corrupted runs of a leaf function keeping data in the red
#      zone across a traced nop5 probe, with and without the rsp shift.
#   5. reader throughput: events a second the bpftrace reader, the BCC logger
#      and net-tracer take from one probe, and what each loses
#      (scripts/bench/reader-throughput.sh).
# Needs root (bpftrace); installs valgrind and systemtap-sdt-dev.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/stop-tracer.sh

if [ "$(id -u)" -ne 0 ]; then
    echo "probe-cost.sh: bpftrace needs root: run 'sudo scripts/bench/probe-cost.sh'" >&2
    exit 1
fi
scripts/ci/setup-tracers.sh --host-only >&2
for p in valgrind systemtap-sdt-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done

echo "probe-cost.sh: building (native and usdt backends)" >&2
cargo build --quiet --release --manifest-path bench/Cargo.toml --target-dir target/bench-native
cargo build --quiet --release --manifest-path bench/Cargo.toml --target-dir target/bench-usdt --features usdt
cargo build --quiet --release -p tracepoints-tests --bin fixture

instructions() { # binary variant n
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" count "$2" "$3" 2>&1 |
        awk '/Collected/ {print $NF}'
}
per_call() { # binary variant
    local one two
    one=$(instructions "$1" "$2" 1000000)
    two=$(instructions "$1" "$2" 2000000)
    echo $(((two - one) / 1000000))
}

native=target/bench-native/release/tracepoints-bench
usdt=target/bench-usdt/release/tracepoints-bench
none_ir=$(per_call "$native" none)
native_ir=$(per_call "$native" rust)
usdt_ir=$(per_call "$usdt" rust)
c_ir=$(per_call "$native" c)

traced() { # binary -> lines "traced <variant> ns_per_fire=.. allocations_per_fire=.."
    local bin="$PWD/$1" out err
    out=$(mktemp) err=$(mktemp)
    "$bin" traced 2000000 >"$out" 2>"$err" &
    local bench=$!
    sleep 0.2
    bpftrace -e "usdt:$bin:bench:inbound_connection { @rust = count(); } usdt:$bin:cbench:inbound_connection { @c = count(); }" >/dev/null 2>&1 &
    local tracer=$!
    wait "$bench" || { cat "$err" >&2; kill "$tracer"; exit 1; }
    stop_tracer "$tracer"
    cat "$out"
    rm -f "$out" "$err"
}
native_traced=$(traced "$native")
usdt_traced=$(traced "$usdt")
field() { echo "$1" | awk -v v="$2" -v f="$3" '$2 == v { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }'; }
native_ns=$(field "$native_traced" native ns_per_fire)
c_ns=$(field "$native_traced" c ns_per_fire)
usdt_ns=$(field "$usdt_traced" usdt ns_per_fire)
native_alloc=$(field "$native_traced" native allocations_per_fire)
usdt_alloc=$(field "$usdt_traced" usdt allocations_per_fire)
c_alloc=$(field "$native_traced" c allocations_per_fire)

fixture="$PWD/target/release/fixture"
ready=$(mktemp)
bpftrace -e "BEGIN { printf(\"READY\\n\"); } usdt:$fixture:redzone:protected { @p = count(); } usdt:$fixture:redzone:unprotected { @u = count(); }" >"$ready" 2>&1 &
tracer=$!
wait_for_line '^READY' "$ready"
redzone=$("$fixture" redzone 200000)
stop_tracer "$tracer"
rm -f "$ready"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cat <<TABLE
Kernel $(uname -r), $(bpftrace --version), $(nproc) cores; $(date -u +%Y-%m-%d).
Command: scripts/bench/probe-cost.sh

| probe (net:inbound_connection's 5 args) | disabled: instructions per call | over no probe | traced: ns per fire | native / this | heap allocations per enabled fire |
|---|---|---|---|---|---|
| no probe (same call) | $none_ir | 0 | - | - | - |
| native backend | $native_ir | $((native_ir - none_ir)) | $native_ns | 1.00 | $native_alloc |
| usdt backend (usdt 0.6) | $usdt_ir | $((usdt_ir - none_ir)) | $usdt_ns | $(ratio "$native_ns" "$usdt_ns") | $usdt_alloc |
| C <sys/sdt.h> (called from Rust) | $c_ir | $((c_ir - none_ir)) | $c_ns | $(ratio "$native_ns" "$c_ns") | $c_alloc |

Red zone, 200000 traced runs each (leaf function with 16 canaries below rsp): $redzone
TABLE

echo
echo "Reader throughput (scripts/bench/reader-throughput.sh): net:inbound_message pings and the message mix flooded by core-replay, 2 s per run, readers of now and of the baseline"
echo
scripts/bench/reader-throughput.sh 2
