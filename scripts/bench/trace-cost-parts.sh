#!/usr/bin/env bash
# What the generic reader's cost per fire is made of: three builds of
# tracepoints-trace whose BPF program (tracer/src/bpf/trace.bpf.c) does
# less each, run as readers of scripts/bench/reader-cost.sh beside the floor:
#   record:    writes each record with no argument in it (the loop over
#              the arguments left at once);
#   arguments: reads every argument with bpf_usdt_arg but copies no string
#              or buffer (the bpf_probe_read_user* calls removed);
#   copies:    the program as it is.
# The differences are what the record, the arguments and the copies cost.
# Needs root.
#
#   scripts/bench/trace-cost-parts.sh [SECONDS] [RATES...]   # default: 3 full
set -euo pipefail
cd "$(dirname "$0")/../.."
builds=$(mktemp -d)
tree=$(mktemp -d)
trap 'git worktree remove --force "$tree/checkout" 2>/dev/null || true; rm -rf "$builds" "$tree"' EXIT
git worktree add --quiet --detach "$tree/checkout" HEAD
program="$tree/checkout/tracer/src/bpf/trace.bpf.c"
cp "$program" "$tree/copies.c"
python3 - "$tree/copies.c" "$tree" <<'PY'
import sys
source = open(sys.argv[1]).read()
loop = "for (__u32 i = 0; i < MAX_ARGS; i++) {\n\t\tif (i >= nargs)"
assert loop in source
record = source.replace(loop, "for (__u32 i = 0; i < MAX_ARGS; i++) {\n\t\tif (1)", 1)
edits = [
    ("long kept = bpf_probe_read_user_str(field, cap, (const void *)value);", "long kept = 0;"),
    ("\t\t\tbpf_probe_read_user(field, cap, (const void *)value);", "\t\t\t;"),
    ("\t\t\tif (kept)\n\t\t\t\tbpf_probe_read_user(field, kept, (const void *)value);", ""),
]
arguments = source
for old, new in edits:
    assert old in arguments, old
    arguments = arguments.replace(old, new, 1)
assert "bpf_probe_read_user" not in arguments
open(sys.argv[2] + "/record.c", "w").write(record)
open(sys.argv[2] + "/arguments.c", "w").write(arguments)
PY
for part in record arguments copies; do
    cp "$tree/$part.c" "$program"
    cargo build --quiet --release --manifest-path "$tree/checkout/tracer/Cargo.toml" --target-dir target/tracer-parts
    cp target/tracer-parts/release/tracepoints-trace "$builds/tracepoints-trace-$part"
done
seconds=${1:-3}
shift || true
rates=("${@:-full}")
TRACE_BUILDS=$builds READERS="floor trace-record trace-arguments trace-copies" DELAY=0 \
    REPEAT=${REPEAT:-3} scripts/bench/reader-cost.sh "$seconds" "${rates[@]}"
