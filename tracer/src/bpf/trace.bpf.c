/* The one BPF program of tracepoints-trace: it serves every tracepoint of
 * every provider, reading each probe's layout from a map instead of being
 * generated for it. One copy of the object is loaded per provider (its own
 * ring buffer, lost counters and layouts), so that the ring buffer carries
 * exactly the records the generated libbpf program of that provider
 * writes: the event struct (`kind`, then every argument, the variable
 * tail last) cut after the bytes its tail keeps, rounded up to a size
 * class. The loader attaches the program to each probe with the probe's
 * index in `layouts` as its USDT cookie.
 *
 * A record is built in a per-CPU slot of a plain array (per-CPU map values
 * stop at 32 KiB; records reach 33 KiB) and copied out with
 * bpf_ringbuf_output, which takes a size known only at run time. */

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

/* The most arguments a probe has (what the native probe sites carry). */
#define MAX_ARGS 12
/* The most probes one provider has. */
#define MAX_PROBES 256
/* The largest record, a power of two; a slot holds twice as much so that
 * any offset below it plus any length below it stays inside the slot,
 * which is how the verifier sees each copy bounded. */
#define RECORD_MAX 65536
#define BOUND(n) ((n) & (RECORD_MAX - 1))
/* The smallest room a record leaves for its tail. */
#define SMALLEST_CLASS 16

/* How an argument reaches its field. */
enum arg_kind {
	/* An integer or bool of `size` bytes, stored as is. */
	ARG_INT = 0,
	/* A NUL-terminated string, at most `cap` bytes with its NUL. */
	ARG_STR = 1,
	/* Exactly `cap` bytes. */
	ARG_FIXED = 2,
	/* As many bytes as argument `len_arg` says, at most `cap`. */
	ARG_LEN = 3,
};

struct arg_layout {
	__u32 offset;
	__u32 cap;
	__u8 kind;
	__u8 size;
	__u8 len_arg;
	__u8 pad;
};

/* One probe's record: written by the loader (tracepoints-trace's
 * layout.rs, which must match it byte for byte). */
struct probe_layout {
	/* The record's `kind`: the tracepoint's position, from 1. */
	__u32 kind;
	__u32 nargs;
	/* The whole struct: the size of a record without a tail. */
	__u32 size;
	/* The tail's argument (MAX_ARGS when none), its offset and cap. */
	__u32 tail;
	__u32 tail_offset;
	__u32 tail_cap;
	struct arg_layout args[MAX_ARGS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PROBES);
	__type(key, __u32);
	__type(value, struct probe_layout);
} layouts SEC(".maps");

/* The ring buffer: the loader sets its size before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8388608);
} events SEC(".maps");

/* Records dropped because the ring buffer was full, per CPU, at the index
 * of their kind (0 unused). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PROBES + 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* The bytes of records submitted so far: the wakeup policy's count. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} wakeup SEC(".maps");

/* A record being built, one slot per CPU: the loader sets max_entries to
 * the number of possible CPUs. */
struct slot {
	__u8 bytes[2 * RECORD_MAX];
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");

/* The flags to submit a record of `size` bytes with: no wakeup (the
 * reader also reads on a timer) but each time the bytes submitted pass a
 * multiple of 1/16 of the ring: the generated programs' policy. */
static __always_inline __u64 wakeup_flags(__u64 size)
{
	__u64 share = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 16;
	__u32 zero = 0;
	__u64 *submitted = bpf_map_lookup_elem(&wakeup, &zero);
	if (!submitted || !share)
		return 0;
	__u64 before = *submitted;
	*submitted = before + size;
	if (before / share == (before + size) / share)
		return BPF_RB_NO_WAKEUP;
	return BPF_RB_FORCE_WAKEUP;
}

/* The room for a tail that keeps `kept` bytes: 16 doubled until it holds
 * them, at most `cap`. */
static __always_inline __u32 room_for(__u32 kept, __u32 cap)
{
	__u32 room = SMALLEST_CLASS;
	for (int i = 0; i < 20 && room < kept; i++)
		room *= 2;
	return room < cap ? room : cap;
}

SEC("usdt")
int trace(struct pt_regs *ctx)
{
	__u32 index = bpf_usdt_cookie(ctx);
	struct probe_layout *layout = bpf_map_lookup_elem(&layouts, &index);
	if (!layout)
		return 0;
	__u32 cpu = bpf_get_smp_processor_id();
	struct slot *slot = bpf_map_lookup_elem(&slots, &cpu);
	if (!slot)
		return 0;
	__u8 *record = slot->bytes;
	__u32 kind = layout->kind;
	*(__u32 *)record = kind;
	__u32 nargs = layout->nargs;
	__u32 tail_kept = 0;
	for (__u32 i = 0; i < MAX_ARGS; i++) {
		if (i >= nargs)
			break;
		struct arg_layout *arg = &layout->args[i];
		long value = 0;
		if (bpf_usdt_arg(ctx, i, &value))
			value = 0;
		__u8 *field = record + BOUND(arg->offset);
		__u32 cap = BOUND(arg->cap);
		switch (arg->kind) {
		case ARG_INT:
			switch (arg->size) {
			case 1:
				*field = value;
				break;
			case 2:
				*(__u16 *)field = value;
				break;
			case 4:
				*(__u32 *)field = value;
				break;
			default:
				*(__u64 *)field = value;
			}
			break;
		case ARG_STR: {
			if (!cap)
				break;
			long kept = bpf_probe_read_user_str(field, cap, (const void *)value);
			if (kept < 1) {
				*field = 0;
				kept = 1;
			}
			if (i == layout->tail)
				tail_kept = kept;
			break;
		}
		case ARG_FIXED:
			bpf_probe_read_user(field, cap, (const void *)value);
			break;
		case ARG_LEN: {
			long len = 0;
			if (bpf_usdt_arg(ctx, arg->len_arg, &len))
				len = 0;
			__u64 kept = (__u64)len < cap ? (__u64)len : cap;
			kept = BOUND(kept);
			if (kept)
				bpf_probe_read_user(field, kept, (const void *)value);
			if (i == layout->tail)
				tail_kept = kept;
			break;
		}
		}
	}
	__u32 size = layout->size;
	if (layout->tail < MAX_ARGS)
		size = layout->tail_offset + room_for(tail_kept, layout->tail_cap);
	size = BOUND(size);
	if (!size)
		return 0;
	if (bpf_ringbuf_output(&events, record, size, wakeup_flags(size))) {
		__u64 *count = bpf_map_lookup_elem(&lost, &kind);
		if (count)
			(*count)++;
	}
	return 0;
}
