/*
 * lwipv6_frag.c - liblwipv6's IP fragmentation made to leave its packet
 * intact (lwipv6_fix.c hooks it).
 *
 * Fragmentation: the library's ip4_frag() and ip6_frag() copy each
 * fragment out of the packet by moving the packet's own buffers forward
 * (payload and len of each pbuf of the chain), and leave them moved.
 * For TCP that packet is the segment kept for retransmission.  When TCP
 * resends it, it moves the payload back to its header, adding the same
 * amount to len and tot_len: len is right again, tot_len too long by
 * what the fragmentation consumed (a 1528-byte segment became 3028 bytes
 * long with one 1528-byte buffer), and the next fragmentation reads past
 * the end of the chain: a NULL dereference on the stack thread, in the
 * retransmission timer.  Fragmentation is not rare: LWIPv6's MSS is 1488
 * bytes, so between two LWIPv6 stacks every full segment (1528 bytes) is
 * over an MTU of 1500 and fragmented, and any retransmission of one, as
 * when a peer vanishes with data in flight, crashed the process.  The
 * library's calls to both are wrapped: the wrapper saves each buffer's
 * payload and len and restores them once the fragments are out, as
 * upstream lwIP's fragmentation leaves its packet.  A chain whose lengths
 * do not add up (what the bug made) is dropped instead of fragmented: TCP
 * resends a dropped segment.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lwipv6_fix.h"
#include "lwipv6_fix_be.h"

/* A pbuf of liblwipv6 1.5a (lwIP 1.x layout). */
struct pbuf6 {
	struct pbuf6 *next;
	void *payload;
	uint16_t tot_len;       /* this and the rest of the chain */
	uint16_t len;           /* this buffer */
};

struct pbuf_pos {
	void *payload;
	uint16_t len;
};

#define ERR_BUF (-2)            /* lwIP's "buffer error" */
#define FRAG_SAVE 64            /* buffers saved on the stack, more: heap */

typedef int8_t (*frag_fn)(void *stack, struct pbuf6 *p, void *netif,
                          void *dest);

static frag_fn real_ip4_frag;
static frag_fn real_ip6_frag;

/* The number of buffers in chain p, or -1 if its lengths do not add up
 * (each tot_len is len plus the next one's tot_len, the last one's is
 * its len). */
static long chain_count(const struct pbuf6 *p)
{
	long n = 0;

	for (; p != NULL; p = p->next, n++) {
		unsigned rest = p->next != NULL ? p->next->tot_len : 0;

		if ((unsigned) p->tot_len != (unsigned) p->len + rest)
			return -1;
	}
	return n;
}

/* Fragment p with f, leaving p's buffers as they were. */
static int8_t frag_keep(frag_fn f, void *stack, struct pbuf6 *p,
                        void *netif, void *dest)
{
	struct pbuf_pos local[FRAG_SAVE];
	struct pbuf_pos *pos = local;
	struct pbuf6 *q;
	long n = p != NULL ? chain_count(p) : -1;
	long i;
	int8_t r;

	if (n <= 0)
		return ERR_BUF;
	if (n > FRAG_SAVE) {
		pos = malloc((size_t) n * sizeof(*pos));
		if (pos == NULL)
			return ERR_BUF;
	}
	for (q = p, i = 0; i < n; q = q->next, i++) {
		pos[i].payload = q->payload;
		pos[i].len = q->len;
	}
	r = f(stack, p, netif, dest);
	for (q = p, i = 0; i < n; q = q->next, i++) {
		q->payload = pos[i].payload;
		q->len = pos[i].len;
	}
	if (pos != local)
		free(pos);
	return r;
}

static int8_t ip4_frag_hook(void *stack, struct pbuf6 *p, void *netif,
                            void *dest)
{
	return frag_keep(real_ip4_frag, stack, p, netif, dest);
}

static int8_t ip6_frag_hook(void *stack, struct pbuf6 *p, void *netif,
                            void *dest)
{
	return frag_keep(real_ip6_frag, stack, p, netif, dest);
}

/* The library's functions this file calls, and its calls it takes. */
const struct l6fix_part l6fix_frag = {
	.real = {
		L6FIX_REAL(real_ip4_frag, "ip4_frag"),
		L6FIX_REAL(real_ip6_frag, "ip6_frag"),
	},
	.hook = {
		L6FIX_HOOK("ip4_frag", ip4_frag_hook),
		L6FIX_HOOK("ip6_frag", ip6_frag_hook),
	},
};
