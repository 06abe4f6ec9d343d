#!/usr/bin/env bash
# Runs every test of the workspace: formatting, clippy, unit, snapshot,
# compile-fail and end-to-end tracer tests. As root it first installs and
# prepares the tracers (scripts/ci/setup-tracers.sh); as a normal user the
# tracer tests say why they skip.
set -euo pipefail
cd "$(dirname "$0")/.."

# A checkout whose path holds a space or tab builds and runs nothing that
# needs make (libbpf-sys builds libbpf with it) or a probe path (bpftrace's
# `usdt:PATH:...`): as root, the suite runs from a bind mount of the
# checkout at a path without one, which it removes when it ends.
case "$PWD" in
*[[:space:]]*)
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: the checkout's path ($PWD) holds a space, which libbpf's make and bpftrace's probe paths cannot take: move it, or run as root (the suite then runs from a bind mount without one)" >&2
        exit 1
    fi
    plain=$(mktemp -d /tmp/tracepoints-checkout.XXXXXX)
    mount --bind "$PWD" "$plain"
    echo "test.sh: the checkout's path holds a space: running from $plain, a bind mount of it" >&2
    status=0
    (cd "$plain" && scripts/test.sh "$@") || status=$?
    # The tracer roots mount the checkout at its path too (msrv.sh, the
    # generation tests): those mounts go with it.
    for root in /var/lib/tracepoints/roots/*; do
        ! mountpoint -q "$root$plain" || umount "$root$plain"
    done
    umount "$plain" && rmdir "$plain"
    exit "$status"
    ;;
esac

if [ "$(id -u)" -eq 0 ]; then
    scripts/ci/setup-tracers.sh
else
    echo "test.sh: not root: tracers are not installed and the end-to-end tracer tests will skip" >&2
fi

cargo fmt --all -- --check
cargo fmt --manifest-path tests/matrix/Cargo.toml --all -- --check
cargo fmt --manifest-path examples/net-tracer/Cargo.toml -- --check
cargo fmt --manifest-path tracer/Cargo.toml -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --all-targets --features tracepoints-tests/usdt -- -D warnings
# The Rust tracer example and the tracepoints-trace command (outside the
# workspace: their build scripts run clang), in the target directories the
# tests build them in.
if command -v clang >/dev/null; then
    cargo clippy --release --manifest-path examples/net-tracer/Cargo.toml --target-dir target/net-tracer -- -D warnings
    cargo clippy --release --manifest-path tracer/Cargo.toml --target-dir target/tracer -- -D warnings
fi
# Every package a user installs passes `cargo package` (its verification
# build included), and tracepoints-gen installs from its package.
scripts/ci/package.sh
# The declared minimum Rust version builds and tests the user-facing crates
# (Debian 13's rustc, in the root setup-tracers.sh made).
if [ "$(id -u)" -eq 0 ]; then
    scripts/ci/msrv.sh
elif [ "${TRACEPOINTS_E2E:-}" = require ]; then
    echo "test.sh: the minimum-Rust-version build needs root (a chroot)" >&2
    exit 1
else
    echo "test.sh: not root: the minimum-Rust-version build (scripts/ci/msrv.sh) is skipped" >&2
fi
# aarch64: the examples and the end-to-end test cross-built (Debian
# unstable's rustc), then every generated bpftrace reader attached to both
# binaries in an aarch64 kernel under qemu (about 6 minutes); the host's
# tests/aarch64.rs checks the cross-built probe sites with verify.
if [ "$(id -u)" -eq 0 ]; then
    scripts/ci/aarch64-vm.sh build
    scripts/ci/aarch64-vm.sh run scripts/ci/aarch64-vm-tests.sh
elif [ "${TRACEPOINTS_E2E:-}" = require ]; then
    echo "test.sh: the aarch64 build and machine need root (a chroot)" >&2
    exit 1
else
    echo "test.sh: not root: the aarch64 build and machine (scripts/ci/aarch64-vm.sh) are skipped" >&2
fi
# The reference (the crates' rustdoc) and the generated rustdoc of the
# examples' tracepoints build without warnings.
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p tracepoints -p tracepoints-macros \
    -p tracepoints-codegen -p tracepoints-gen -p core-tracepoints -p p2p-node
# Native probe sites (the default), then the `usdt` crate backend: both
# must pass everything, the tracer tests included.
# --show-output keeps the tracer tests' reports (events read per tracer,
# red-zone and semaphore results) in the log.
INSTA_UPDATE=no cargo test --workspace -- --show-output
INSTA_UPDATE=no cargo test --workspace --features tracepoints-tests/usdt -- --show-output
# The user-facing check of a shipped binary, on the example node's release
# build (the suite built it last with the `usdt` backend; rebuild the
# default one).
cargo build --release -p p2p-node
cargo run -q -p tracepoints-gen -- verify --binary target/release/p2p-node examples/core-tracepoints/src/providers.rs
