#!/usr/bin/env bash
# An aarch64 Linux machine for the tests: Debian unstable's arm64 kernel
# under qemu-system-aarch64 (TCG: no KVM here), its root an arm64 Debian
# unstable tree with bpftrace, shared from the host over 9p with this
# checkout at its own path, so the cross-built binaries and tests run there
# as they do on the host. Everything lives in the unstable tracer root of
# scripts/ci/setup-roots.sh, which must exist, and whose qemu boots it.
#
#   scripts/ci/aarch64-vm.sh setup          # the cross toolchain, the arm64
#                                        # tree, kernel and initramfs (once)
#   scripts/ci/aarch64-vm.sh build          # cross-build the examples and the
#                                        # aarch64 tests into target/aarch64
#   scripts/ci/aarch64-vm.sh run CMD [ARG]  # boot, run CMD (a path under the
#                                        # checkout, or on the arm64 tree) in
#                                        # the checkout, power off; exits
#                                        # with CMD's status
#
# `run` prints the machine's console; VM_TIMEOUT (seconds, default 1800)
# bounds the whole boot-run-poweroff.
set -euo pipefail
cd "$(dirname "$0")/../.."
checkout=$(pwd -P)

roots=${TRACEPOINTS_ROOTS:-/var/lib/tracepoints/roots}
sid="$roots/sid"
vm="$sid/srv/aarch64" # seen as /srv/aarch64 inside the root
target=aarch64-unknown-linux-gnu
in_sid() { chroot "$sid" env -C "$checkout" "$@"; }
apt_sid() {
    in_sid env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false "$@"
}

if [ ! -e "$sid/.tracepoints-ready" ] || [ ! -e "$sid$checkout/Cargo.toml" ]; then
    echo "aarch64-vm.sh: no Debian unstable root with this checkout mounted at $sid (run scripts/ci/setup-roots.sh)" >&2
    exit 1
fi

# The cross toolchain in the unstable root: its rustc with the aarch64
# standard library, GNU's aarch64 linker and C library, the qemu that boots
# the machine and the cpio that packs its initramfs.
setup_toolchain() {
    if ! in_sid dpkg-query -W -f='${Status}' libstd-rust-dev:arm64 2>/dev/null | grep -q 'install ok installed' ||
        [ ! -x "$sid/usr/bin/qemu-system-aarch64" ] || [ ! -x "$sid/usr/bin/cpio" ]; then
        echo "aarch64-vm.sh: installing the aarch64 cross toolchain and qemu in $sid (about 40 s)"
        in_sid dpkg --add-architecture arm64
        apt_sid update -qq
        apt_sid install -y -qq --no-install-recommends rustc cargo libstd-rust-dev:arm64 \
            gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm cpio >/dev/null
    fi
    cp /etc/ssl/certs/ca-certificates.crt "$sid/etc/tracepoints-host-ca.crt"
}

# The arm64 tree: debootstrap's first stage only resolves and downloads
# (nothing arm64 runs here), then every package is unpacked into place;
# no maintainer script runs, which bpftrace and the kernel do not need.
setup_tree() {
    [ -e "$vm/root/.tracepoints-ready" ] && return 0
    local mirror
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    echo "aarch64-vm.sh: downloading the arm64 tree into $vm/root (about 1 minute)"
    rm -rf "$vm/root"
    mkdir -p "$vm"
    for attempt in 1 2; do
        if debootstrap --foreign --arch=arm64 --variant=minbase \
            --include=bpftrace,linux-image-arm64,busybox-static,util-linux,procps \
            sid "$vm/root" "$mirror" >"$vm/debootstrap.log" 2>&1; then
            break
        fi
        echo "aarch64-vm.sh: debootstrap failed (attempt $attempt); the end of $vm/debootstrap.log:" >&2
        tail -n 20 "$vm/debootstrap.log" >&2
        [ "$attempt" = 2 ] && return 1
        rm -rf "$vm/root"
    done
    for deb in "$vm"/root/var/cache/apt/archives/*.deb; do
        dpkg-deb -x "$deb" "$vm/root"
    done
    rm -f "$vm"/root/var/cache/apt/archives/*.deb
    # What an installer would write: the example node resolves localhost.
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' >"$vm/root/etc/hosts"
    touch "$vm/root/.tracepoints-ready"
}

# The kernel and an initramfs of busybox, the 9p modules (the kernel has
# them as modules) and `init` (scripts/ci/aarch64-vm-init.sh).
setup_boot() {
    local modules kernel dir="$vm/initramfs.d"
    modules=$(ls -d "$vm"/root/usr/lib/modules/*-arm64 | sort -V | tail -n 1)
    kernel=$(basename "$modules")
    cp "$modules/vmlinuz" "$vm/vmlinuz"
    rm -rf "$dir"
    mkdir -p "$dir/bin" "$dir/modules" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/newroot"
    cp "$vm/root/usr/bin/busybox" "$dir/bin/busybox"
    for m in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
        xz -dc "$modules/kernel/$m.ko.xz" >"$dir/modules/$(basename "$m").ko"
    done
    cp scripts/ci/aarch64-vm-init.sh "$dir/init"
    chmod +x "$dir/init"
    chroot "$sid" sh -c 'cd /srv/aarch64/initramfs.d && find . | cpio -o -H newc --quiet | gzip -1' \
        >"$vm/initramfs.gz.new"
    mv "$vm/initramfs.gz.new" "$vm/initramfs.gz"
    rm -rf "$dir"
    echo "aarch64-vm.sh: kernel $kernel, $(du -h "$vm/initramfs.gz" | cut -f1) initramfs"
}

# What the tests need built for aarch64, into target/aarch64: both example
# binaries, the tests' fixture and the end-to-end test that runs in the
# machine.
build() {
    in_sid env CARGO_HTTP_CAINFO=/etc/tracepoints-host-ca.crt \
        CARGO_TARGET_DIR="$checkout/target/aarch64" \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
        cargo build --release --quiet --target "$target" -p p2p-node -p core-tracepoints --bins \
        -p tracepoints-tests --bin fixture
    local tests
    tests=$(in_sid env CARGO_HTTP_CAINFO=/etc/tracepoints-host-ca.crt \
        CARGO_TARGET_DIR="$checkout/target/aarch64" \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
        cargo test --release --quiet --no-run --target "$target" -p tracepoints-tests --test tracer_generations \
        --message-format=json | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
    [ -n "$tests" ] || { echo "aarch64-vm.sh: no test executable built" >&2; exit 1; }
    ln -sfn "$tests" "$checkout/target/aarch64/tracer_generations"
    echo "aarch64-vm.sh: built target/aarch64/$target/release/{p2p-node,core-replay,fixture} and target/aarch64/tracer_generations"
}

# Boots the machine to run "$@" in the checkout; its status comes back in
# target/aarch64/vm-status (the console is no place to read it from).
run() {
    [ -e "$vm/initramfs.gz" ] || { echo "aarch64-vm.sh: run 'scripts/ci/aarch64-vm.sh setup' first" >&2; exit 1; }
    local status="$checkout/target/aarch64/vm-status" cmd
    mkdir -p "$checkout/target/aarch64" "$vm/root$checkout"
    rm -f "$status"
    cmd=$(printf '%q ' "$@")
    # The kernel passes unknown `name=value` parameters to init as its
    # environment: where the checkout is and what to run.
    local started=$SECONDS ran=0
    timeout --kill-after=10 "${VM_TIMEOUT:-1800}" chroot "$sid" qemu-system-aarch64 \
        -M virt -cpu max -smp 2 -m 3072 -nographic -no-reboot \
        -kernel /srv/aarch64/vmlinuz -initrd /srv/aarch64/initramfs.gz \
        -virtfs local,path=/srv/aarch64/root,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$checkout,mount_tag=checkout,security_model=none,multidevs=remap" \
        -append "console=ttyAMA0 panic=-1 quiet tp_checkout=$(printf '%s' "$checkout" | base64 -w0) tp_e2e=${TRACEPOINTS_E2E:-} tp_cmd=$(printf '%s' "$cmd" | base64 -w0)" ||
        ran=$?
    if [ ! -s "$status" ]; then
        if [ "$ran" = 124 ] || [ "$ran" = 137 ]; then
            echo "aarch64-vm.sh: the machine did not finish within ${VM_TIMEOUT:-1800} s: stopped it" >&2
        else
            echo "aarch64-vm.sh: the machine powered off after $((SECONDS - started)) s without reporting a status (qemu's status $ran): its console above says why" >&2
        fi
        exit 1
    fi
    exit "$(cat "$status")"
}

case "${1:-}" in
    setup)
        setup_toolchain
        setup_tree
        setup_boot
        ;;
    build) build ;;
    run)
        shift
        [ "$#" -gt 0 ] || { echo "aarch64-vm.sh run: what to run?" >&2; exit 2; }
        run "$@"
        ;;
    *)
        echo "usage: scripts/ci/aarch64-vm.sh setup|build|run CMD [ARG...]" >&2
        exit 2
        ;;
esac
