#!/usr/bin/env bash
# How long `tracepoints-gen` (release build) takes to generate every
# artifact of one provider of N tracepoints (each an `i64` and a
# `#[max_len(32)] &str`), for each N given: wall time and peak memory
# (/usr/bin/time).
#
#   scripts/bench/generation-time.sh [N...]      # default: 1000 4000 10000
#
# GEN=PATH times another build of tracepoints-gen (an older revision's).
set -euo pipefail
cd "$(dirname "$0")/../.."
gen=${GEN:-}
if [ -z "$gen" ]; then
    cargo build --quiet --release -p tracepoints-gen
    gen=target/release/tracepoints-gen
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "| tracepoints | wall time | peak memory |"
echo "|---|---|---|"
counts=("$@")
[ "${#counts[@]}" -gt 0 ] || counts=(1000 4000 10000)
for n in "${counts[@]}"; do
    {
        printf '#[tracepoints::provider]\nmod big {\n'
        for i in $(seq 0 $((n - 1))); do
            printf '    /// Tracepoint %d.\n    fn t%d(\n        /// An id\n        id: i64,\n        /// A name\n        #[max_len(32)]\n        name: &str,\n    );\n' "$i" "$i"
        done
        printf '}\n'
    } >"$dir/big.rs"
    rm -rf "$dir/out"
    /usr/bin/time -f "%e %M" -o "$dir/time" "$gen" --out "$dir/out" "$dir/big.rs" >/dev/null 2>&1
    read -r seconds kb <"$dir/time"
    echo "| $n | $seconds s | $((kb / 1024)) MiB |"
done
