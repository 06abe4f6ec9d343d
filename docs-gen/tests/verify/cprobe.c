/* One USDT probe, cprobe:fired(u64) behind a semaphore, with its stapsdt
 * note written out as sys/sdt.h writes one. `tests/verify.rs` builds it as
 * a non-PIE executable and as a shared library (both must verify), and
 * with one thing wrong each: -DODD_SEMAPHORE (a semaphore at an odd
 * address), -DNO_BASE (a note naming a base without a .stapsdt.base). */
#include <stdint.h>

#ifdef ODD_SEMAPHORE
struct odd {
	char pad;
	unsigned short semaphore;
} __attribute__((packed));
__attribute__((section(".probes"), used, aligned(2))) volatile struct odd cprobe_semaphores;
#define SEMAPHORE cprobe_semaphores.semaphore
#define SEMAPHORE_ASM "cprobe_semaphores+1"
#else
__attribute__((section(".probes"), used, aligned(2))) volatile unsigned short cprobe_semaphore;
#define SEMAPHORE cprobe_semaphore
#define SEMAPHORE_ASM "cprobe_semaphore"
#endif

#ifdef NO_BASE
#define BASE_ASM ".8byte 1\n"
#define BASE_SECTION ""
#else
#define BASE_ASM ".8byte _.stapsdt.base\n"
#define BASE_SECTION                                                              \
	".ifndef _.stapsdt.base\n"                                                \
	".pushsection .stapsdt.base, \"aG\", \"progbits\", .stapsdt.base, comdat\n" \
	".weak _.stapsdt.base\n"                                                  \
	".hidden _.stapsdt.base\n"                                                \
	"_.stapsdt.base: .space 1\n"                                              \
	".size _.stapsdt.base, 1\n"                                               \
	".popsection\n"                                                           \
	".endif\n"
#endif

__attribute__((noinline)) void cprobe_fire(uint64_t n)
{
	if (SEMAPHORE)
		__asm__ volatile("990: nop\n"
				 ".pushsection .note.stapsdt, \"\", \"note\"\n"
				 ".balign 4\n"
				 ".4byte 992f-991f, 994f-993f, 3\n"
				 "991: .asciz \"stapsdt\"\n"
				 "992: .balign 4\n"
				 "993: .8byte 990b\n" BASE_ASM
				 ".8byte " SEMAPHORE_ASM "\n"
				 ".asciz \"cprobe\"\n"
				 ".asciz \"fired\"\n"
				 ".asciz \"8@%0\"\n"
				 "994: .balign 4\n"
				 ".popsection\n" BASE_SECTION
				 :
				 : "r"(n));
}

#ifndef LIBRARY
int main(int argc, char **argv)
{
	(void)argv;
	cprobe_fire((uint64_t)argc);
	return 0;
}
#endif
