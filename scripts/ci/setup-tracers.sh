#!/usr/bin/env bash
# Install and prepare the tracers the end-to-end tests attach to the example
# node: bpftrace, BCC, clang + libbpf, gdb, and Debian 13's and Debian
# unstable's tracers in roots of their own (scripts/ci/setup-roots.sh).
# Idempotent: safe to run again. `--host-only`: the host's tracers only.
#
# Needs root: it installs Debian packages, mounts tracefs and links kernel
# headers for BCC and bpftrace (docs/guide.md, "Attach each tracer", says why).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/kernel-headers.sh

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-tracers.sh: needs root (apt-get install, mount tracefs, link kernel headers)." >&2
    echo "setup-tracers.sh: run it as root, e.g. 'sudo scripts/ci/setup-tracers.sh'." >&2
    exit 1
fi

# mold: a linker of the build-configuration matrix (tests/tests/matrix.rs);
# libelf-dev, zlib1g-dev, pkg-config: the libbpf that libbpf-rs builds for
# examples/net-tracer.
# debootstrap: the Debian 13 and unstable tracer roots (scripts/ci/setup-roots.sh).
# nats-server, prometheus: the servers tracepoints-trace --nats and --metrics
# are tested against (tests/tests/fleet.rs starts them; scripts/fleet.sh);
# python3-jsonschema: the validator the fleet tests check events with.
pkgs=(debootstrap bpftrace bpfcc-tools python3-bpfcc linux-headers-amd64 clang libbpf-dev gdb binutils mold libelf-dev zlib1g-dev pkg-config nats-server prometheus python3-jsonschema)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup-tracers.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bpftrace and BCC attach uprobes through tracefs.
if [ -z "$(ls -A /sys/kernel/tracing 2>/dev/null)" ]; then
    echo "setup-tracers.sh: mounting tracefs on /sys/kernel/tracing"
    mount -t tracefs nodev /sys/kernel/tracing
fi

# BCC and bpftrace compile against the running kernel's headers.
link_kernel_headers ""

# The tracers of Debian 13 and Debian unstable, beside the host's (the
# tests run every reader under each), and the aarch64 machine the tests
# boot (its cross toolchain and qemu in the unstable root); `--host-only`
# (scripts/demo.sh) skips them.
if [ "${1:-}" != "--host-only" ]; then
    scripts/ci/setup-roots.sh
    scripts/ci/aarch64-vm.sh setup
fi

echo "setup-tracers.sh: ready: $(bpftrace --version 2>/dev/null), clang $(clang -dumpversion), $(uname -r)"
