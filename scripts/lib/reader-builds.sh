# Sourced by the reader benchmarks (reader-throughput.sh, reader-cost.sh):
# builds what they run, once, and removes it on exit.
#
# reader_builds BASELINE: a temporary directory $dir (and $out in
# /dev/shm, for the readers' output: on disk, writeback throttling stalls a
# reader for longer than its ring buffer lasts); core-replay built
# ($replay); net-tracer as of now ($dir/net-tracer.now) and as of the git
# revision BASELINE ($dir/net-tracer.baseline), whose checkout is
# $dir/baseline (its BCC logger: $dir/baseline/$tracing/net_bcc.py); and
# tracepoints-trace ($dir/tracepoints-trace).
reader_builds() {
    local baseline=$1
    dir=$(mktemp -d)
    out=$(mktemp -d /dev/shm/reader-bench.XXXXXX)
    trap reader_builds_cleanup EXIT
    cargo build --quiet --release -p core-tracepoints --bin core-replay
    replay="$PWD/target/release/core-replay"
    tracing=examples/core-tracepoints/tracing
    cargo build --quiet --release --manifest-path examples/net-tracer/Cargo.toml --target-dir target/net-tracer
    cp target/net-tracer/release/net-tracer "$dir/net-tracer.now"
    cargo build --quiet --release --manifest-path tracer/Cargo.toml --target-dir target/tracer
    cp target/tracer/release/tracepoints-trace "$dir/tracepoints-trace"
    git worktree add --quiet --detach "$dir/baseline" "$baseline"
    # Its own target directory: cargo hashes both checkouts' net-tracer
    # alike, so in one directory the baseline's BPF objects would stay in
    # the build script's output, fresh to cargo, for today's next build to
    # embed.
    cargo build --quiet --release --manifest-path "$dir/baseline/examples/net-tracer/Cargo.toml" --target-dir target/net-tracer-baseline
    cp target/net-tracer-baseline/release/net-tracer "$dir/net-tracer.baseline"
}

reader_builds_cleanup() {
    pkill -P $$ 2>/dev/null || true
    git worktree remove --force "$dir/baseline" 2>/dev/null || true
    rm -rf "$dir" "$out"
}
