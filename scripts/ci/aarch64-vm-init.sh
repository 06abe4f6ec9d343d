#!/bin/busybox sh
# /init of the aarch64 test machine's initramfs (scripts/ci/aarch64-vm.sh):
# loads 9p, mounts the arm64 tree (read-only) as the new root and the
# checkout at its own path, runs the command the kernel line names in the
# checkout, writes its status to target/aarch64/vm-status and powers off.
# The kernel gives init `tp_checkout` and `tp_cmd` (both base64: a path may
# hold spaces) from its line.
/bin/busybox --install -s /bin
checkout=$(echo "$tp_checkout" | base64 -d)
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in netfs 9pnet 9pnet_virtio 9p; do
    insmod "/modules/$m.ko" || echo "init: insmod $m failed"
done
opts=trans=virtio,version=9p2000.L,msize=1048576,cache=loose
mount -t 9p -o "$opts,ro" root /newroot || echo "init: no root share"
new=/newroot
mount -t tmpfs tmp "$new/tmp"
mount -t tmpfs run "$new/run"
# A checkout under /tmp or /run needs its mount point in the new tmpfs
# (elsewhere aarch64-vm.sh made it in the read-only tree).
mkdir -p "$new$checkout" 2>/dev/null
mount -t 9p -o "$opts" checkout "$new$checkout" || echo "init: no checkout share"
mount --move /proc "$new/proc"
mount --move /sys "$new/sys"
mount --move /dev "$new/dev"
# What udev would make: bpftrace writes through /dev/fd.
ln -s /proc/self/fd "$new/dev/fd"
ln -s /proc/self/fd/0 "$new/dev/stdin"
ln -s /proc/self/fd/1 "$new/dev/stdout"
ln -s /proc/self/fd/2 "$new/dev/stderr"
mkdir -p "$new/dev/shm" "$new/dev/pts"
mount -t tmpfs shm "$new/dev/shm"
mount -t tracefs tracefs "$new/sys/kernel/tracing"
mount -t debugfs debugfs "$new/sys/kernel/debug"
mount -t bpf bpf "$new/sys/fs/bpf"
# The example node connects over loopback.
ifconfig lo 127.0.0.1 up
cmd=$(echo "$tp_cmd" | base64 -d)
echo "init: $(uname -r), $(nproc) CPUs; running: $cmd"
# What runs gets a plain environment, the checkout as its directory.
chroot "$new" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp \
    TRACEPOINTS_E2E="$tp_e2e" /bin/sh -c 'cd "$1" && eval "$2"' sh "$checkout" "$cmd"
status=$?
echo "$status" >"$new$checkout/target/aarch64/vm-status"
sync
echo "init: exit status $status; powering off"
echo o >"$new/proc/sysrq-trigger"
sleep 10
