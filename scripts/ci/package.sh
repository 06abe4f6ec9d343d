#!/usr/bin/env bash
# Packages every crate a user installs, as `cargo publish` would (each
# package is built from its own .crate, the others from the packaged
# copies), lists each package's files and size, then installs
# tracepoints-gen from its packaged crate and runs it on the examples.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(tracepoints-codegen tracepoints-macros tracepoints tracepoints-gen)
args=()
for p in "${packages[@]}"; do args+=(-p "$p"); done

# The verification builds take the packaged crates from a registry in
# target/package, which cargo unpacks under $CARGO_HOME/registry/src/-HASH
# (a local registry's directory) and never unpacks again at the same
# version: remove those copies so that a second run builds what it just
# packaged, not the first run's sources.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
for p in "${packages[@]}"; do
    rm -rf "$cargo_home"/registry/src/-*/"$p"-[0-9]*
done

# For the same reason (a registry crate is never rebuilt at the same
# version), the verification builds get a target directory of their own,
# emptied first.
verify_target=target/package-verify
rm -rf "$verify_target"

# --allow-dirty: what is checked here is the packages' content; a
# working tree with uncommitted changes packages them too.
cargo package --allow-dirty --target-dir "$verify_target" "${args[@]}"

version=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="tracepoints"))')
out=$verify_target/package
for p in "${packages[@]}"; do
    crate="$out/$p-$version.crate"
    listing=$(tar -tzf "$crate")
    files=$(grep -cv '/$' <<<"$listing")
    for must in LICENSE-MIT LICENSE-APACHE README.md Cargo.toml; do
        if ! grep -qx "$p-$version/$must" <<<"$listing"; then
            echo "package.sh: $crate has no $must" >&2
            exit 1
        fi
    done
    echo "package.sh: $p $version: $files files, $(stat -c %s "$crate") bytes compressed"
done

# `cargo install` of the packaged CLI, unpacked outside the workspace, its
# codegen dependency taken from the packaged crate too (it is not on
# crates.io yet).
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
for p in tracepoints-gen tracepoints-codegen; do
    tar -xzf "$out/$p-$version.crate" -C "$root"
done
cargo install --quiet --path "$root/tracepoints-gen-$version" --root "$root" \
    --target-dir target/install \
    --config "patch.crates-io.tracepoints-codegen.path=\"$root/tracepoints-codegen-$version\""
"$root/bin/tracepoints-gen" --check --out examples/core-tracepoints/tracing \
    --log-script log_p2p_connections.bt examples/core-tracepoints/src/providers.rs
echo "package.sh: tracepoints-gen installed from its package checks the examples' artifacts"
