/*
 * lwipv6_reass.c - liblwipv6's IPv6 reassembly made to leave the
 * fragment it was given readable until the packet is handled
 * (lwipv6_fix.c hooks it).
 *
 * Reassembly: the stack thread's ip_input() walks an IPv6 packet's
 * extension headers; for a fragment header it calls ip6_reass(), which
 * copies the fragment into the packet being rebuilt and frees the
 * fragment's buffer, and then reads the fragment header's next-header
 * byte through its old pointer: inside the freed buffer (valgrind:
 * "Invalid read of size 1 ... 94 bytes inside a block of size 1,552
 * free'd", by ip6_reass).  Once another thread (the interface thread,
 * allocating a buffer for the next frame) has reused that memory, the
 * byte is whatever was written there: a value naming an unsupported
 * extension header frees the rebuilt packet and leaves it NULL while
 * reporting success, and the NULL reaches nat_pbuf_reset(): a segfault
 * in nat_pbuf_put() on the stack thread (ctest ioth_lwipv6_tcp: 3 runs
 * in 80 reported, 1 in 200 here two at a time).  Fragmentation is not rare: between two
 * LWIPv6 stacks every full TCP segment is over the MTU (lwipv6_frag.c).
 * With freed memory filled (glibc's perturb, below), every run crashed.
 *
 * The library's calls to ip6_reass(), mem_free() and ip_input() (through
 * its PLT) are wrapped: while ip6_reass() runs, a free of the buffer
 * holding the fragment header it was given is held back (the library
 * sees it freed; its memory stays as it was), and the held buffers are
 * freed when the stack thread's ip_input() returns, after the last read
 * through that header.  Nothing of the library's layout is used (the
 * buffer is found by its bounds, malloc_usable_size()); the state is the
 * stack thread's own (thread-local), one stack thread per stack.  An
 * ip6_reass() given no packet (a fragment header following one whose
 * fragment was kept for later: only a forged packet has two) returns
 * none instead of reading through NULL.
 */
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

#include "lwipv6_fix.h"
#include "lwipv6_fix_be.h"

#define HOLD_MAX 8      /* buffers held back during one ip_input() */

static void *(*real_ip6_reass)(void *stack, void *p, void *fhdr, void *prev);
static void (*real_mem_free)(void *mem);
static void (*real_ip_input)(void *p, void *inp);

static __thread const char *reass_hdr;  /* header ip6_reass() was given */
static __thread void *held[HOLD_MAX];   /* frees held back */
static __thread int nheld;
static __thread int input_depth;        /* nested ip_input() */

static void *ip6_reass_hook(void *stack, void *p, void *fhdr, void *prev)
{
	void *r;

	if (p == NULL)
		return NULL;
	reass_hdr = fhdr;
	r = real_ip6_reass(stack, p, fhdr, prev);
	reass_hdr = NULL;
	return r;
}

static int holds(void *mem, const char *x)
{
	const char *m = mem;

	return x >= m && x < m + malloc_usable_size(mem);
}

static void mem_free_hook(void *mem)
{
	if (reass_hdr != NULL && mem != NULL && nheld < HOLD_MAX &&
	    holds(mem, reass_hdr)) {
		held[nheld++] = mem;
		return;
	}
	real_mem_free(mem);
}

static void ip_input_hook(void *p, void *inp)
{
	input_depth++;
	real_ip_input(p, inp);
	if (--input_depth > 0)
		return;
	while (nheld > 0)
		real_mem_free(held[--nheld]);
}

/* The library's functions this file calls, and its calls it takes. */
const struct l6fix_part l6fix_reass = {
	.real = {
		L6FIX_REAL(real_ip6_reass, "ip6_reass"),
		L6FIX_REAL(real_mem_free, "mem_free"),
		L6FIX_REAL(real_ip_input, "ip_input"),
	},
	.hook = {
		L6FIX_HOOK("ip6_reass", ip6_reass_hook),
		L6FIX_HOOK("mem_free", mem_free_hook),
		L6FIX_HOOK("ip_input", ip_input_hook),
	},
};
