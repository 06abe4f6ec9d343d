#!/bin/bash
# Runs inside the aarch64 test machine (scripts/ci/aarch64-vm.sh run ...), in
# the checkout: the end-to-end tests of every generated bpftrace reader and
# of twelve arguments of every type (tests/tests/tracer_generations.rs) against the
# cross-built binaries, with the machine's own bpftrace. The binaries are copied to /tmp (tmpfs)
# first: the kernel places uprobes in a file's page cache, which a 9p share
# does not keep as a local file system does.
set -euo pipefail
build=target/aarch64/aarch64-unknown-linux-gnu/release
mkdir -p /tmp/bin
cp "$build/p2p-node" "$build/core-replay" "$build/fixture" /tmp/bin/
echo "aarch64-vm-tests.sh: $(uname -m) kernel $(uname -r), $(bpftrace --version), page size $(getconf PAGESIZE)"
# By default the tests of every bpftrace script and of twelve arguments of
# every type (arguments name others).
[ "$#" -gt 0 ] || set -- every_bpftrace_script_reads_both_binaries_under_every_generation \
    twelve_arguments_of_every_type_reach_bpftrace
# The scripts of bpftrace 0.27's own floor (0.24), attached before start and
# while running: the older floors' scripts differ in what bpftrace does
# with the values, not in how it reads them off the probe, and the host
# runs them under 0.27 already.
TRACEPOINTS_BINARIES=/tmp/bin TRACEPOINTS_GENERATIONS=host TRACEPOINTS_BPFTRACE_FLOORS=newest \
    target/aarch64/tracer_generations --exact --nocapture --test-threads 1 "$@"
# No tracer may leave the kernel worse: a lowered-too-often semaphore or a
# leaked uprobe is logged.
if dmesg | grep -E 'uprobe|ref_ctr'; then
    echo "aarch64-vm-tests.sh: the kernel logged the uprobe lines above" >&2
    exit 1
fi
