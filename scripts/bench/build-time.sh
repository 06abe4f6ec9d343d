#!/usr/bin/env bash
# Cold release build of a new crate that declares one tracepoint and fires
# it, three ways: with `tracepoints` (this workspace, and, when REV is
# given, the workspace at git revision REV for comparison), with the
# `usdt` crate, and with the `probe` crate. Each build starts from an empty
# target directory (dependencies included, registry sources already
# downloaded), one after the other on the same machine. Prints a Markdown
# table: seconds (wall clock) and crates compiled.
#   scripts/bench/build-time.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
rev=${1:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"; [ -n "$rev" ] && git -C "$root" worktree remove --force "$dir/before" 2>/dev/null || true' EXIT

# crate NAME DEPENDENCY-LINE MAIN.RS
crate() {
    mkdir -p "$dir/$1/src"
    cat >"$dir/$1/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
$2

[workspace]
TOML
    printf '%s\n' "$3" >"$dir/$1/src/main.rs"
}

tracepoints_main='#[tracepoints::provider]
mod net {
    /// Fired when a peer misbehaves.
    fn misbehaving_connection(
        /// Connection ID
        id: i64,
        /// Reason
        #[max_len(128)]
        message: &str,
    );
}

fn main() {
    tracepoints::fire!(net::misbehaving_connection(1, "bad"));
}'

crate with-tracepoints "tracepoints = { path = \"$root/runtime\" }" "$tracepoints_main"
if [ -n "$rev" ]; then
    git -C "$root" worktree add --quiet --detach "$dir/before" "$rev"
    crate with-tracepoints-before "tracepoints = { path = \"$dir/before/runtime\" }" "$tracepoints_main"
fi
crate with-usdt 'usdt = "=0.6.0"' '#[usdt::provider]
mod net {
    fn misbehaving_connection(id: i64, message: &str) {}
}

fn main() {
    usdt::register_probes().ok();
    net::misbehaving_connection!(|| (1, "bad"));
}'
crate with-probe 'probe = "0.5"' 'fn main() {
    let message = std::ffi::CString::new("bad").unwrap();
    probe::probe!(net, misbehaving_connection, 1i64, message.as_ptr());
}'

# Fetch every dependency first, so that only compiling is timed.
for c in "$dir"/with-*; do
    cargo fetch --quiet --manifest-path "$c/Cargo.toml"
done

echo "| crate | cold release build (s) | crates compiled |"
echo "|---|---|---|"
for c in "$dir"/with-*; do
    name=$(basename "$c")
    start=$(date +%s.%N)
    log=$(cargo build --release --manifest-path "$c/Cargo.toml" --target-dir "$c/target" 2>&1) || {
        echo "$log" >&2
        exit 1
    }
    end=$(date +%s.%N)
    compiled=$(grep -c '^ *Compiling ' <<<"$log" || true)
    awk -v n="$name" -v s="$start" -v e="$end" -v c="$compiled" 'BEGIN { printf "| %s | %.1f | %d |\n", n, e - s, c }'
done
