# Sourced by the scripts that attach a tracer: one way to stop it, to wait
# for what a process printed, and to pick a free port for a server.
#
# stop_tracer PID: SIGINT, up to 15 s for the tracer to exit (printing its
# maps or its {"lost": N} line on the way out), a second SIGINT if it
# stalls (bpftrace 0.17 sometimes does once its traced program has exited),
# up to 15 s more, then SIGKILL, which is an error: it prints why and
# returns 1. Reaps the tracer (it must be a child of the calling shell).
stop_tracer() {
    local pid=$1 attempt
    for attempt in 1 2; do
        kill -INT "$pid" 2>/dev/null || break
        for _ in $(seq 150); do
            kill -0 "$pid" 2>/dev/null || break 2
            sleep 0.1
        done
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        echo "stop_tracer: tracer $pid did not exit after two SIGINTs; killed it (its exit output is lost)" >&2
        return 1
    fi
    wait "$pid" 2>/dev/null || true
}

# wait_for_line PATTERN FILE... : waits (60 s at most) until one of FILEs
# holds a line matching PATTERN (grep -E); returns 1 with a message if none
# does.
wait_for_line() {
    local pattern=$1
    shift
    for _ in $(seq 600); do
        grep -qsE "$pattern" "$@" && return 0
        sleep 0.1
    done
    echo "wait_for_line: no line matching '$pattern' in $* within 60 s" >&2
    return 1
}

# free_port: a TCP port free on 127.0.0.1 now (the kernel's pick for port
# 0), for a server a script starts.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
