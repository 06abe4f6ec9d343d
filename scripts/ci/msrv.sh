#!/usr/bin/env bash
# Builds and tests the user-facing crates with the declared minimum Rust
# version, Debian 13's rustc 1.85.1 (edition 2024's first release), in the
# trixie root of scripts/ci/setup-roots.sh, then checks the probe sites that
# compiler emitted with the host's `tracepoints-gen verify`.
#
# tracepoints-gen itself declares 1.89 (`File::lock` guards --out) and is
# not built here; cargo 1.85 refuses it by its rust-version.
set -euo pipefail
cd "$(dirname "$0")/../.."
checkout=$(pwd -P)
root=${TRACEPOINTS_ROOTS:-/var/lib/tracepoints/roots}/trixie

if [ ! -x "$root/usr/bin/cargo" ] || ! mountpoint -q "$root$checkout"; then
    echo "msrv.sh: no rustc in $root or the checkout is not mounted there: run scripts/ci/setup-roots.sh trixie" >&2
    exit 1
fi
msrv=$(awk -F'"' '/^rust-version/ { print $2; exit }' Cargo.toml)
have=$(chroot "$root" rustc --version | awk '{ print $2 }')
case "$have" in
    "$msrv" | "$msrv".*) ;;
    *)
        echo "msrv.sh: the workspace declares rust-version $msrv, the root has rustc $have" >&2
        exit 1
        ;;
esac

# The crate registry through the host's certificate authority (installing
# packages in the root rebuilt its own bundle without it).
in_root() {
    chroot "$root" env HOME=/root CARGO_TERM_COLOR=never \
        CARGO_HTTP_CAINFO=/etc/tracepoints-host-ca.crt SSL_CERT_FILE=/etc/tracepoints-host-ca.crt \
        CARGO_TARGET_DIR="$checkout/target/msrv" \
        sh -c "cd '$checkout' && $*"
}
crates="-p tracepoints -p tracepoints-macros -p tracepoints-codegen -p core-tracepoints -p p2p-node"
echo "msrv.sh: rustc $have: cargo test $crates"
in_root cargo test --locked $crates
echo "msrv.sh: rustc $have: release builds of p2p-node and core-replay"
in_root cargo build --locked --release -p p2p-node -p core-tracepoints
for bin in p2p-node core-replay; do
    cargo run -q -p tracepoints-gen -- verify --binary "target/msrv/release/$bin" \
        examples/core-tracepoints/src/providers.rs
done
echo "msrv.sh: rustc $have builds and tests the user-facing crates, and its probe sites verify"
