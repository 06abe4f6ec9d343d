#!/usr/bin/env bash
# Install the tracers of Debian 13 (trixie) and Debian unstable (sid) beside
# the host's, each in a minimal root from Debian's packages, and mount what a
# tracer needs there: /proc, /sys, /dev, /tmp and this checkout at its own
# path. The end-to-end tests run `chroot ROOT bpftrace|python3|...` against
# the host's binaries (tests/src/tracer_generations.rs). Idempotent: safe to run again.
#
#   scripts/ci/setup-roots.sh              # both roots
#   scripts/ci/setup-roots.sh trixie       # one
#   scripts/ci/setup-roots.sh --unmount    # undo the mounts (e.g. before
#                                       # deleting a checkout)
#
# Roots live in $TRACEPOINTS_ROOTS (default /var/lib/tracepoints/roots). Needs
# root, debootstrap and the network access to Debian's mirror.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/kernel-headers.sh
checkout=$(pwd -P)

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-roots.sh: needs root (debootstrap, chroot, mount)." >&2
    exit 1
fi

roots=${TRACEPOINTS_ROOTS:-/var/lib/tracepoints/roots}

if [ "${1:-}" = "--unmount" ]; then
    # Deepest first; lazily, so that a tracer still running there does not
    # keep a mount.
    grep -o " $roots/[^ ]*" /proc/mounts | sort -r | while read -r mount; do
        umount -l "$mount"
    done
    echo "setup-roots.sh: nothing mounted under $roots any more"
    exit 0
fi
suites=("$@")
[ "${#suites[@]}" -gt 0 ] || suites=(trixie sid)
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

# What each root holds: the tracers (bpftrace, BCC and its Python module),
# clang and libbpf for the generated BPF-C programs and the test loader, the
# kernel headers BCC compiles against.
pkgs=bpftrace,bpfcc-tools,python3-bpfcc,clang,libbpf-dev,libc6-dev,libelf-dev,zlib1g-dev,binutils,gcc,pkg-config,linux-headers-amd64

if ! command -v debootstrap >/dev/null; then
    echo "setup-roots.sh: installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# Mount $1 on ROOT$1 unless it is already mounted there. A mount of a
# directory since removed and made again (a checkout cloned anew at the
# same path) still shows the removed one: it is mounted again.
bind() {
    local root=$1 dir=$2 how=$3
    mkdir -p "$root$dir"
    if mountpoint -q "$root$dir" && [ "$(stat -c %d:%i "$dir")" != "$(stat -c %d:%i "$root$dir")" ]; then
        umount -l "$root$dir"
    fi
    mountpoint -q "$root$dir" || mount "$how" "$dir" "$root$dir"
}

# Make each missing root (in parallel: each is mostly waiting on the
# mirror), trying twice.
make_root() {
    local suite=$1 root="$roots/$1"
    # A root left half-made by an interrupted run is made again, but never
    # removed while something (the checkout, /dev) is mounted in it.
    if grep -q " $root/" /proc/mounts; then
        echo "setup-roots.sh: $root is half-made and has mounts; unmount them (umount -R $root/...) and run again" >&2
        return 1
    fi
    for attempt in 1 2; do
        rm -rf "$root"
        mkdir -p "$root"
        if debootstrap --variant=minbase --include="$pkgs" "$suite" "$root" "$mirror" \
            >"$roots/$suite.log" 2>&1; then
            touch "$root/.tracepoints-ready"
            return 0
        fi
        echo "setup-roots.sh: debootstrap $suite failed (attempt $attempt); the end of $roots/$suite.log:" >&2
        tail -n 20 "$roots/$suite.log" >&2
    done
    return 1
}
mkdir -p "$roots"
pids=()
for suite in "${suites[@]}"; do
    if [ ! -e "$roots/$suite/.tracepoints-ready" ]; then
        echo "setup-roots.sh: debootstrap $suite into $roots/$suite (about 2 minutes)"
        make_root "$suite" &
        pids+=($!)
    fi
done
for pid in "${pids[@]}"; do
    wait "$pid" || exit 1
done

for suite in "${suites[@]}"; do
    root="$roots/$suite"
    bind "$root" /proc --rbind
    bind "$root" /sys --rbind
    bind "$root" /dev --rbind
    bind "$root" /tmp --bind
    bind "$root" "$checkout" --bind
    # BCC and bpftrace look for the running kernel's headers: the root's
    # own Debian headers.
    link_kernel_headers "$root"
    if [ "$suite" = trixie ]; then
        # Debian 13's rustc is the workspace's minimum Rust version
        # (scripts/ci/msrv.sh); its cargo reaches the crate registry through
        # the host's certificate authority.
        if [ ! -x "$root/usr/bin/cargo" ]; then
            chroot "$root" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends rustc cargo >/dev/null
        fi
        cp /etc/ssl/certs/ca-certificates.crt "$root/etc/tracepoints-host-ca.crt"
    fi
    echo "setup-roots.sh: $suite ready: $(chroot "$root" bpftrace --version), BCC $(chroot "$root" dpkg-query -W -f='${Version}' python3-bpfcc), libbpf $(chroot "$root" dpkg-query -W -f='${Version}' libbpf-dev)"
done
