# Sourced by the scripts that prepare tracers (scripts/ci/setup-tracers.sh
# for the host, scripts/ci/setup-roots.sh for each Debian root).
#
# link_kernel_headers ROOT: BCC and bpftrace compile against the running
# kernel's headers, which this kernel does not ship: points ROOT's
# /lib/modules/$(uname -r)/build at ROOT's Debian amd64 headers and source/
# at the common headers they include (bpftrace looks for
# include/linux/kconfig.h). ROOT is "" for the host. Headers that already
# resolve are left as they are; no Debian headers in ROOT is an error.
link_kernel_headers() {
    local root=$1 modules hdr common
    modules="$root/lib/modules/$(uname -r)"
    if [ -e "$modules/build/include/linux/kconfig.h" ] || [ -e "$modules/source/include/linux/kconfig.h" ]; then
        return 0
    fi
    hdr=$(cd "$root/" && ls -d usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
    common=$(cd "$root/" && ls -d usr/src/linux-headers-*-common 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$hdr" ] || [ -z "$common" ]; then
        echo "link_kernel_headers: no $root/usr/src/linux-headers-*-{amd64,common}: install linux-headers-amd64" >&2
        return 1
    fi
    echo "linking $modules/build -> /$hdr and $modules/source -> /$common"
    mkdir -p "$modules"
    [ -e "$modules/build" ] || ln -sfn "/$hdr" "$modules/build"
    ln -sfn "/$common" "$modules/source"
}
