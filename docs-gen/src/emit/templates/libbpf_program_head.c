#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "@HEADER@"

char @LICENSE@[] SEC("license") = "GPL";

/* The ring buffer: a loader may set another size before loading
 * (bpf_map__set_max_entries; a power of two, a multiple of the page size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, @RING_BUFFER_BYTES@);
} @RING_BUFFER@ SEC(".maps");
