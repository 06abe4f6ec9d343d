#!/bin/bash
# Runs inside the aarch64 test machine (scripts/aarch64-vm.sh run ...), in
# the checkout: the end-to-end test of every generated bpftrace reader
# (tests/tests/generations.rs) against the cross-built example binaries,
# with the machine's own bpftrace. The binaries are copied to /tmp (tmpfs)
# first: the kernel places uprobes in a file's page cache, which a 9p share
# does not keep as a local file system does.
set -euo pipefail
build=target/aarch64/aarch64-unknown-linux-gnu/release
mkdir -p /tmp/bin
cp "$build/p2p-node" "$build/core-replay" /tmp/bin/
echo "aarch64-vm-tests.sh: $(uname -m) kernel $(uname -r), $(bpftrace --version), page size $(getconf PAGESIZE)"
# By default the test of every bpftrace script (arguments name others).
[ "$#" -gt 0 ] || set -- every_bpftrace_script_reads_both_binaries_under_every_generation
TRACEPOINTS_BINARIES=/tmp/bin TRACEPOINTS_GENERATIONS=host \
    target/aarch64/generations --exact --nocapture --test-threads 1 "$@"
# No tracer may leave the kernel worse: a lowered-too-often semaphore or a
# leaked uprobe is logged.
if dmesg | grep -E 'uprobe|ref_ctr'; then
    echo "aarch64-vm-tests.sh: the kernel logged the uprobe lines above" >&2
    exit 1
fi
