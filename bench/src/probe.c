/* The C baseline: net:inbound_connection's five arguments through
 * <sys/sdt.h>, gated by a semaphore the way Bitcoin Core's TRACEPOINT macro
 * does. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

__extension__ unsigned short cbench_inbound_connection_semaphore
	__attribute__((unused)) __attribute__((section(".probes")));

__attribute__((noinline)) void cbench_step(long long id, const char *addr, const char *conn_type,
					   unsigned int network, unsigned long long existing)
{
	if (__builtin_expect(cbench_inbound_connection_semaphore > 0, 0))
		STAP_PROBE5(cbench, inbound_connection, id, addr, conn_type, network, existing);
}

int cbench_enabled(void)
{
	return *(volatile unsigned short *)&cbench_inbound_connection_semaphore > 0;
}
