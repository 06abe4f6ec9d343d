/*
 * A generic libbpf loader for the generated libbpf programs, for the
 * end-to-end half of the generative test (tests/tests/generative_e2e.rs)
 * and the tracer-generation test (tests/tests/generations.rs):
 *
 *   libbpf-loader OBJECT PID BINARY RING_BUFFER LOST_COUNTER PROGRAM=PROVIDER:NAME...
 *
 * loads OBJECT (a compiled `<provider>.bpf.c`), attaches each PROGRAM to
 * the USDT probe PROVIDER:NAME of BINARY in process PID (-1: in every
 * process of BINARY, those started later included), says "Attached N
 * probes" on stderr, and prints every ring-buffer record as one JSON
 * string of hex digits (decoders turn them into events). It stops on
 * SIGINT or SIGTERM, or once PID is gone, drains the ring buffer, and
 * prints {"lost": N, "lost_by_kind": [...]}: the per-CPU lost counters
 * summed, in all and for each event kind from 1.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void stop(int signum)
{
	(void)signum;
	stopping = 1;
}

static int print_record(void *ctx, void *data, size_t size)
{
	const unsigned char *bytes = data;
	(void)ctx;
	putchar('"');
	for (size_t i = 0; i < size; i++)
		printf("%02x", bytes[i]);
	puts("\"");
	return 0;
}

static int fail(const char *what)
{
	fprintf(stderr, "libbpf-loader: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: libbpf-loader OBJECT PID BINARY RING_BUFFER LOST_COUNTER PROGRAM=PROVIDER:NAME...\n");
		return 2;
	}
	pid_t pid = atoi(argv[2]);
	struct bpf_object *object = bpf_object__open_file(argv[1], NULL);
	if (!object || bpf_object__load(object))
		return fail("load the object");
	int attached = 0;
	for (int i = 6; i < argc; i++) {
		char *program = argv[i];
		char *provider = strchr(program, '=');
		char *name = provider ? strchr(provider, ':') : NULL;
		if (!name) {
			fprintf(stderr, "libbpf-loader: %s: not PROGRAM=PROVIDER:NAME\n", program);
			return 2;
		}
		*provider++ = '\0';
		*name++ = '\0';
		struct bpf_program *prog = bpf_object__find_program_by_name(object, program);
		if (!prog || !bpf_program__attach_usdt(prog, pid, argv[3], provider, name, NULL))
			return fail(program);
		attached++;
	}
	struct bpf_map *ring = bpf_object__find_map_by_name(object, argv[4]);
	struct bpf_map *lost = bpf_object__find_map_by_name(object, argv[5]);
	if (!ring || !lost)
		return fail("find the maps");
	struct ring_buffer *buffer = ring_buffer__new(bpf_map__fd(ring), print_record, NULL, NULL);
	if (!buffer)
		return fail("open the ring buffer");
	signal(SIGINT, stop);
	signal(SIGTERM, stop);
	fprintf(stderr, "Attached %d probes to pid %d\n", attached, pid);
	while (!stopping) {
		/* Most records come without a wakeup: read the ring after
		 * each poll, woken or not. */
		int polled = ring_buffer__poll(buffer, 100);
		if (polled < 0 && polled != -EINTR)
			return fail("poll the ring buffer");
		if (ring_buffer__consume(buffer) < 0)
			return fail("read the ring buffer");
		if (pid != -1 && kill(pid, 0) != 0)
			break;
	}
	if (ring_buffer__consume(buffer) < 0)
		return fail("drain the ring buffer");
	int cpus = libbpf_num_possible_cpus();
	unsigned long long *counts = calloc(cpus, sizeof(*counts));
	unsigned int kinds = bpf_map__max_entries(lost);
	unsigned long long sum = 0;
	char by_kind[4096] = "";
	/* Key 0 is unused; key K counts the events of kind K. */
	for (unsigned int key = 1; key < kinds; key++) {
		if (!counts || bpf_map_lookup_elem(bpf_map__fd(lost), &key, counts))
			return fail("read the lost counter");
		unsigned long long kind = 0;
		for (int cpu = 0; cpu < cpus; cpu++)
			kind += counts[cpu];
		sum += kind;
		size_t used = strlen(by_kind);
		snprintf(by_kind + used, sizeof(by_kind) - used, "%s%llu", key > 1 ? ", " : "", kind);
	}
	printf("{\"lost\": %llu, \"lost_by_kind\": [%s]}\n", sum, by_kind);
	ring_buffer__free(buffer);
	bpf_object__close(object);
	return 0;
}
