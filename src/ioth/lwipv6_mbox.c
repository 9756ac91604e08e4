/*
 * lwipv6_mbox.c - liblwipv6's mailboxes made safe with many
 * descriptors, its timers run only between messages, its receive wait
 * bounded, and a mailbox wait that can be ended (lwipv6_fix.c hooks
 * them).
 *
 * liblwipv6 (1.5a) implements each mailbox as a pipe, one per socket and
 * more per listener, and waits on it with select(): FD_SET() on a
 * descriptor >= FD_SETSIZE (1024) writes past the fd_set on the stack.
 * With ~200 connections a process passes that number, and the next
 * blocking call overwrites its own frame (a segfault in sys_mbox_fetch, or
 * heap corruption: "unaligned tcache chunk detected").  It also ignores a
 * failed pipe(), leaving the mailbox with uninitialised descriptors that
 * it then writes message pointers to.
 *
 * The library calls its own sys_arch_mbox_fetch() and pipe() through its
 * PLT; this file points those two slots of the loaded library (found from
 * its dynamic section) at equivalents that are safe:
 *  - the mailbox wait uses poll(), which takes any descriptor, with the
 *    same contract (wait up to timeout ms, 0 = no limit; read one message
 *    pointer; return the ms waited, or SYS_ARCH_TIMEOUT with *msg NULL);
 *  - pipe() failing leaves both descriptors at -1, on which the wait
 *    returns SYS_ARCH_TIMEOUT at once and posts fail harmlessly;
 *  - a post to a missing mailbox (NULL: what the stack thread is left
 *    with for an incoming connection when descriptors run out) is
 *    dropped instead of dereferenced.
 * The mailbox layout relied on is the one of sys_mbox_new(): two ints,
 * read end first.
 *
 * Timers: each stack thread keeps its timers (TCP, ARP, IPv6
 * autoconfiguration...) in a per-thread list that the library's
 * sys_mbox_fetch() and sys_sem_wait() run whenever the wait would outlast
 * the next timer.  sys_sem_wait() is also the library's lock: the stack
 * thread takes the socket and select locks in the middle of tcp_input()
 * (to post socket events), and when the lock was busy (an application
 * thread in lwip_close() or lwip_event_subscribe()), the TCP timers ran
 * there, inside the input processing of a segment: pcbs and connections
 * freed or resent under the feet of the code that was using them, and a
 * semaphore of a freed connection signalled (heap corruption:
 * "unaligned tcache chunk detected" or a segfault, at the next
 * allocation; about 1 run in 100 of walk_methods.py, at its end).  Both
 * library functions also read a timer's "raw" flag after freeing it, and
 * write its next field when that byte is 1 (a reused block).  The
 * library's calls are replaced: sys_sem_wait() is a plain wait that runs
 * no timer (a lock, as upstream lwIP's is), sys_sem_wait_timeout() a
 * plain timed wait, and sys_mbox_fetch(), the stack thread's main wait,
 * runs expired timers with the flag read before the free.  Timers now
 * run only between messages, never nested in another handler.  Layouts
 * relied on (liblwipv6 1.5a, lwIP 1.x): a timer is {next, u32 time,
 * handler, arg, u8 raw} (raw at 32), the per-thread list one pointer to
 * the first; MEMP_SYS_TIMEOUT is pool 9.
 *
 * Bounded receive: once lwip_recvfrom() decides a socket has data (its
 * counter can be wrong, after a link died for instance) it waits in
 * netconn_recv() on the mailbox without limit.  lwipv6_io.c arms a deadline
 * for that one wait (ioth_lwipv6_rx_deadline()); past it the wait hands
 * netconn_recv() an empty message (a buffer for TCP, a datagram for the
 * others), the call returns 0 bytes and lwipv6_io.c reports the timeout
 * (ioth_lwipv6_rx_expired()).  A receive with MSG_PEEK keeps that
 * message as the socket's next data; ioth_lwipv6_rx_drop() reads it
 * away.  Layout relied on: a netbuf is {p, ptr, 16-byte address, port}
 * (netbuf_new(), netbuf_fromaddr() and netbuf_fromport() of 1.5a).
 *
 * Mailbox note (lwipv6_conn.c): a thread's next sys_mbox_fetch() can
 * store the mailbox it waits on, for ioth_lwipv6_mbox_wake() to end that
 * wait with an empty message once nothing else can answer it.
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

long l6fix_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static uint32_t mbox_fetch(void *mbox, void **msg, uint32_t timeout)
{
	const int *fd = mbox;
	struct pollfd p = { .events = POLLIN };
	struct timespec t0;
	void *m = NULL;
	long waited = 0;
	ssize_t n;

	if (fd == NULL || fd[0] < 0)
		goto timeout;
	p.fd = fd[0];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int r;

		if (timeout != 0) {
			waited = l6fix_ms_since(&t0);
			if (waited >= (long) timeout)
				goto timeout;
		}
		r = poll(&p, 1, timeout == 0 ? -1 :
		         (int) ((long) timeout - waited));
		if (r > 0)
			break;
		if (r == 0 || errno != EINTR)
			goto timeout;
	}
	do
		n = read(fd[0], &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	if (msg != NULL)
		*msg = n == (ssize_t) sizeof(m) ? m : NULL;
	if (timeout == 0)
		return 0;
	waited = l6fix_ms_since(&t0);
	return waited < (long) timeout ? (uint32_t) waited : timeout;
timeout:
	if (msg != NULL)
		*msg = NULL;
	return SYS_ARCH_TIMEOUT;
}

/* A bounded receive (ioth_lwipv6_rx_deadline()): the next mailbox wait
 * of this thread, netconn_recv()'s, lasts at most rx_ms; when it expires
 * it hands netconn_recv() an empty message of the kind it expects: for
 * TCP an empty data buffer (a pbuf), for other sockets an empty datagram
 * (a netbuf holding an empty pbuf, from the unspecified address, port
 * 0).  lwip_recvfrom() returns it as 0 bytes and frees it (with
 * MSG_PEEK it keeps it for the next call: ioth_lwipv6_rx_drop() takes it
 * out), and rx_expired says the 0 was this timeout. */
static __thread int rx_armed;
static __thread uint32_t rx_ms;
static __thread int rx_dgram;
static __thread int rx_expired;
static void *(*real_pbuf_alloc)(int layer, uint16_t size, int flag);
static uint8_t (*real_pbuf_free)(void *p);
static void *(*real_netbuf_new)(void);

#define PBUF_RAW 3              /* lwIP 1.x pbuf_layer: no headroom */
#define PBUF_RAM 0              /* pbuf_flag: one allocation */

/* A netbuf of liblwipv6 1.5a (what netbuf_new(), netbuf_fromaddr() and
 * netbuf_fromport() use). */
struct netbuf6 {
	void *p;                /* the data, a pbuf chain */
	void *ptr;              /* the buffer of the chain being read */
	uint32_t from[4];       /* source address (v4-mapped for IPv4) */
	uint16_t port;          /* source port */
};

void ioth_lwipv6_rx_deadline(int ms, int dgram)
{
	rx_armed = ms > 0;
	rx_ms = ms > 0 ? (uint32_t) ms : 0;
	rx_dgram = dgram;
	rx_expired = 0;
}

int ioth_lwipv6_rx_expired(void)
{
	int r = rx_expired;

	rx_armed = 0;
	rx_expired = 0;
	return r;
}

int ioth_lwipv6_rx_drop(ssize_t (*lwip_recvfrom)(int s, void *mem, int len,
                                                 unsigned int flags,
                                                 struct sockaddr *from,
                                                 socklen_t *fromlen),
                        int s)
{
	char c;

	/* the kept message is read (0 bytes) and freed; no wait: the
	 * library only waits when it keeps none */
	return (int) lwip_recvfrom(s, &c, 1, MSG_DONTWAIT, NULL, NULL);
}

/* The empty message that ends an expired wait, or NULL. */
static void *empty_msg(void)
{
	struct netbuf6 *nb;
	void *p = real_pbuf_alloc(PBUF_RAW, 0, PBUF_RAM);

	if (p == NULL || !rx_dgram)
		return p;
	nb = real_netbuf_new();
	if (nb == NULL) {
		real_pbuf_free(p);
		return NULL;
	}
	nb->p = p;
	nb->ptr = p;
	memset(nb->from, 0, sizeof(nb->from));
	nb->port = 0;
	return nb;
}

/* The armed wait: 1 when it handled the fetch, 0 to wait as usual. */
static int rx_fetch(void *mbox, void **msg)
{
	void *m;

	rx_armed = 0;
	if (mbox_fetch(mbox, msg, rx_ms) != SYS_ARCH_TIMEOUT)
		return 1;
	m = empty_msg();
	if (m == NULL)
		return 0;       /* cannot bound it: wait as the library does */
	rx_expired = 1;
	if (msg != NULL)
		*msg = m;
	return 1;
}

/* Where this thread's next sys_mbox_fetch() notes its mailbox. */
static __thread void **mbox_note;

void ioth_lwipv6_note_mbox(void **where)
{
	mbox_note = where;
}

static void mbox_post(void *mbox, void *msg);

void ioth_lwipv6_mbox_wake(void *mbox)
{
	mbox_post(mbox, NULL);
}

/* A timer of liblwipv6 1.5a (struct sys_timeout). */
struct timer6 {
	struct timer6 *next;
	uint32_t time;          /* ms after the previous one */
	void (*h)(void *arg);
	void *arg;
	uint8_t raw;            /* 1: not allocated by the library */
};

#define MEMP_SYS_TIMEOUT 9

static struct timer6 **(*real_arch_timeouts)(void);
static void (*real_memp_free)(int type, void *mem);

/* sys_mbox_fetch(): wait for a message, running the timers that expire
 * meanwhile (the flag of each read before it is freed). */
static void mbox_fetch_timers(void *mbox, void **msg)
{
	if (mbox_note != NULL) {
		__atomic_store_n(mbox_note, mbox, __ATOMIC_RELEASE);
		mbox_note = NULL;
	}
	if (rx_armed && rx_fetch(mbox, msg))
		return;
	for (;;) {
		struct timer6 **list = real_arch_timeouts();
		struct timer6 *t = list != NULL ? *list : NULL;
		void (*h)(void *);
		void *arg;
		uint32_t w;
		int raw;

		if (t == NULL) {
			mbox_fetch(mbox, msg, 0);
			return;
		}
		w = t->time > 0 ? mbox_fetch(mbox, msg, t->time) :
		    SYS_ARCH_TIMEOUT;
		if (w != SYS_ARCH_TIMEOUT) {
			t->time = w <= t->time ? t->time - w : 0;
			return;
		}
		*list = t->next;
		h = t->h;
		arg = t->arg;
		raw = t->raw == 1;
		if (!raw)
			real_memp_free(MEMP_SYS_TIMEOUT, t);
		if (h != NULL)
			h(arg);
		if (raw)
			t->next = NULL;
	}
}

static void mbox_post(void *mbox, void *msg)
{
	const int *fd = mbox;
	ssize_t n;

	if (fd == NULL || fd[1] < 0)
		return;
	do
		n = write(fd[1], &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
}

static int safe_pipe(int fd[2])
{
	if (fd == NULL) {               /* sys_mbox_new's malloc failed */
		errno = EFAULT;
		return -1;
	}
	if (pipe(fd) == 0)
		return 0;
	fd[0] = fd[1] = -1;
	return -1;
}

/* The library's functions this file calls, and its calls it takes. */
const struct l6fix_part l6fix_mbox = {
	.real = {
		L6FIX_REAL(real_arch_timeouts, "sys_arch_timeouts"),
		L6FIX_REAL(real_memp_free, "memp_free"),
		L6FIX_REAL(real_pbuf_alloc, "pbuf_alloc"),
		L6FIX_REAL(real_pbuf_free, "pbuf_free"),
		L6FIX_REAL(real_netbuf_new, "netbuf_new"),
	},
	.hook = {
		L6FIX_HOOK("pipe", safe_pipe),
		L6FIX_HOOK("sys_arch_mbox_fetch", mbox_fetch),
		L6FIX_HOOK("sys_mbox_post", mbox_post),
		L6FIX_HOOK("sys_mbox_fetch", mbox_fetch_timers),
	},
};
