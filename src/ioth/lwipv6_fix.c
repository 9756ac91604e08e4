/*
 * lwipv6_fix.c - make liblwipv6's mailboxes safe with many descriptors,
 * its close free of deadlock, its retransmission of fragmented segments,
 * its timers, its stack deletion and the end of its writes free of
 * crashes and hangs, and its receive wait bounded.
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
 * Close: liblwipv6's lwip_close() takes the library's global socket lock
 * and, holding it, waits in netconn_delete() for the stack thread; the
 * stack thread takes that lock to make the socket of every incoming
 * connection.  A close racing a new connection deadlocks both threads
 * (the whole stack stops; its peers block).  Upstream lwIP deletes the
 * netconn before taking the lock.  The library's calls to sys_sem_wait()
 * and netconn_delete() are wrapped for that order: while this thread runs
 * lwip_close() (ioth_lwipv6_close()), the first semaphore it takes is the
 * socket lock, released around netconn_delete() and taken back after.
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
 * netconn_recv() on the mailbox without limit.  lwipv6.c arms a deadline
 * for that one wait (ioth_lwipv6_rx_deadline()); past it the wait hands
 * netconn_recv() an empty message (a buffer for TCP, a datagram for the
 * others), the call returns 0 bytes and lwipv6.c reports the timeout
 * (ioth_lwipv6_rx_expired()).  A receive with MSG_PEEK keeps that
 * message as the socket's next data; ioth_lwipv6_rx_drop() reads it
 * away.  Layout relied on: a netbuf is {p, ptr, 16-byte address, port}
 * (netbuf_new(), netbuf_fromaddr() and netbuf_fromport() of 1.5a).
 *
 * Stack deletion: each stack has an interface thread that poll()s the
 * interfaces' descriptors and calls their receive function; a pipe wakes
 * it, and EOF on that pipe makes it leave (signalling a semaphore).  The
 * library's netif_shutdown() first closes the interfaces (the VDE
 * connection is freed), then closes the pipe and waits for the thread
 * with a wait that also runs the deleting thread's timers.  A thread
 * between its poll() and an interface's receive then read through the
 * freed connection (segfaults in vde_recv()), and the IPv6 router
 * solicitation timer ran on the closed interface (segfaults in
 * rtr_sol_timeout()): 5 of 5 runs deleting 150 stacks while broadcasts
 * arrive crashed.  The library's call to it is replaced by the same steps
 * in a safe order: stop the thread with a plain wait, then close the
 * interfaces.  The stack fields used (the semaphore and the pipe's two
 * ends, at 0x18, 0x20 and 0x24) are those netif_shutdown() of liblwipv6
 * 1.5a reads.
 *
 * Interface receive: the interface thread calls vde_recv() (libvdeplug,
 * found with dlsym()) once poll() says a VDE socket is ready, and takes
 * the result as a frame length without checking it (-1 became a
 * 65535-byte frame read from a 1514-byte buffer).  When the switch died,
 * the first send to it (from the stack thread) made the kernel drop what
 * the socket still held, so the frame announced by poll() could be gone
 * and the receive blocked for good; deleting the stack then waited for
 * that thread for ever (the process hung at exit after a switch kill,
 * 1 run in 20).  The library's dlsym() hands it vde_recv_hook() instead:
 * it notes which thread (by the wake-up pipe of the library's one
 * poll(), the interface thread's) is in a receive since when, and hands
 * a frame of zeros (to nobody, of no type: dropped) when the receive
 * returns nothing or an error.  The stack deletion waits for its
 * interface thread STUCK_MS at a time and shuts reading down on the
 * sockets of that thread's receives that have lasted STUCK_MS: the
 * receive returns 0, the thread sees its pipe closed and leaves.
 *
 * Write semaphore: netconn_write() creates the connection's semaphore
 * (conn->sem) at each call, waits on it while the send buffer is full,
 * and frees it (and clears the field) before it returns.  The stack
 * thread signals that semaphore from its TCP callbacks (data acked,
 * poll, error) whenever the field is not NULL, reading the field
 * without any lock.  An ACK processed while a write ends read the
 * field, the writer freed the semaphore, and the stack thread then
 * locked and counted in freed memory: the first word of a freed 96-byte
 * block became 1, which glibc found at the next allocations of that
 * size ("malloc(): unaligned tcache chunk detected"; at exit, where
 * lwip_del_stack() allocates semaphores, after a switch was killed
 * during 8 KB echoes: 1 run in 3).  Seen by quarantining freed
 * semaphores: the late signal came from tcp_input() (the sent
 * callback), the free from netconn_write() in lwip_send().  The
 * library's calls to netconn_write() are wrapped: the free of that
 * connection's semaphore at the end of the write is skipped and the
 * semaphore put back in the field, so it lives as long as the
 * connection (netconn_delete() frees it, after the stack thread has
 * unhooked the connection's callbacks).  A leftover count only wakes
 * the next wait early, and both waits of netconn_write() (and the one
 * of netconn_close()) check again after waking.  The field read twice
 * by the stack thread can still be NULL for an instant between the
 * library clearing it and the wrapper restoring it: the library's
 * sys_sem_signal() ignores NULL.  Layout relied on: conn->sem at 0x30
 * (what netconn_write(), netconn_delete() and the callbacks of 1.5a
 * use).
 *
 * Bounded write: netconn_write() loops until the whole message is taken,
 * waiting on the connection's semaphore while the send buffer is full
 * (snd_buf 0) or tcp_write() found no memory (its queue of segments
 * full), without limit.  When lwipv6.c bounds a send
 * (ioth_lwipv6_tx_bound()), the wrapper hands the library only what
 * fits in snd_buf (one chunk), and the wait for memory of that chunk,
 * before which nothing of the call was sent, lasts at most the time
 * given: past it the connection's error is set to ERR_TX_WAIT, which
 * ends the library's loop, and taken back after (unless the stack thread
 * set a real one meanwhile); ioth_lwipv6_tx_taken() says how much was
 * taken (lwip_send() reports the whole message).  Layout relied on:
 * the connection's type (u8 at 0x08, 0: TCP), error (s8 at 0x0c), pcb
 * (0x10), the pcb's snd_buf (u16 at 0xaa).
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
#include "plt.h"

#define SYS_ARCH_TIMEOUT 0xffffffffU

static void (*real_sem_signal)(void *sem);
static int8_t (*real_netconn_delete)(void *conn);
static __thread int in_close;   /* this thread runs lwip_close() */
static __thread void *close_lock;       /* the lock it took there */

static uint32_t (*real_arch_sem_wait)(void *sem, uint32_t ms);

static int tx_sem_wait(void *sem);

static void sem_wait_hook(void *sem)
{
	if (tx_sem_wait(sem))
		return;
	real_arch_sem_wait(sem, 0);     /* 0: no limit, and no timer */
	if (in_close && close_lock == NULL)
		close_lock = sem;
}

static __thread int delete_depth;       /* nested netconn_delete() */

/* netconn_delete() of a listener deletes its unaccepted connections
 * with nested calls: only the outer one gives the lock back. */
static int8_t netconn_delete_hook(void *conn)
{
	void *held = in_close && delete_depth == 0 ? close_lock : NULL;
	int8_t r;

	if (held != NULL)
		real_sem_signal(held);
	delete_depth++;
	r = real_netconn_delete(conn);
	delete_depth--;
	if (held != NULL)
		real_arch_sem_wait(held, 0);
	return r;
}

/* 1 when sem was taken, 0 when ms (0: no limit) passed first. */
static int sem_wait_timeout_hook(void *sem, uint32_t ms)
{
	if (ms == 0) {
		sem_wait_hook(sem);
		return 1;
	}
	return real_arch_sem_wait(sem, ms) == SYS_ARCH_TIMEOUT ? 0 : 1;
}

int ioth_lwipv6_close(int (*lwip_close)(int), int s)
{
	int r;

	in_close = 1;
	close_lock = NULL;
	r = lwip_close(s);
	in_close = 0;
	close_lock = NULL;
	return r;
}

static long ms_since(const struct timespec *t0)
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
			waited = ms_since(&t0);
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
	waited = ms_since(&t0);
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

/* The write semaphore: a netconn_write() of this thread, and the
 * semaphore whose free it skipped. */
#define CONN_SEM 0x30

typedef int8_t (*write_fn)(void *conn, const void *data, uint16_t size,
                           uint8_t copy);

static write_fn real_netconn_write;
static void (*real_sem_free)(void *sem);
static __thread void *write_conn;
static __thread void *write_kept;

static void **conn_sem(void *conn)
{
	return (void **) (void *) ((char *) conn + CONN_SEM);
}

/* A bounded write (ioth_lwipv6_tx_bound()): the room in the send buffer
 * of a TCP connection, its pcb's snd_buf (fields of liblwipv6 1.5a, as
 * netconn_write() reads them), or -1 when it does not apply. */
#define CONN_TYPE 0x08          /* u8, 0: TCP */
#define CONN_PCB 0x10
#define PCB_SND_BUF 0xaa        /* u16 */

#define CONN_ERR 0x0c          /* s8 */
#define ERR_TX_WAIT (-100)      /* not one of lwIP's: ours */

static __thread int tx_armed;
static __thread long tx_taken;
static __thread int tx_ms;              /* the wait for memory allowed */
static __thread void *tx_conn;          /* the bounded write's */
static __thread int tx_gave_up;

void ioth_lwipv6_tx_bound(int ms)
{
	tx_armed = 1;
	tx_taken = -1;
	tx_ms = ms > 0 ? ms : 1;
}

long ioth_lwipv6_tx_taken(void)
{
	long n = tx_taken;

	tx_armed = 0;
	tx_taken = -1;
	return n;
}

static void **conn_sem(void *conn);

/* The wait of a bounded write after tcp_write() found no memory (its
 * queue of segments full): nothing of this call was sent yet, so past
 * tx_ms the write is given up; the connection's error, which ends the
 * library's loop, is set to ours, taken back by netconn_write_hook().
 * 1 when it handled the wait. */
static int tx_sem_wait(void *sem)
{
	int8_t *err;

	if (tx_conn == NULL || sem != *conn_sem(tx_conn))
		return 0;
	if (real_arch_sem_wait(sem, (uint32_t) tx_ms) != SYS_ARCH_TIMEOUT)
		return 1;
	err = (int8_t *) (void *) ((char *) tx_conn + CONN_ERR);
	if (__atomic_load_n(err, __ATOMIC_ACQUIRE) == 0)
		__atomic_store_n(err, (int8_t) ERR_TX_WAIT, __ATOMIC_RELEASE);
	tx_gave_up = 1;
	return 1;
}

static long tx_room(void *conn)
{
	const char *c = conn;
	const char *pcb;

	if (c[CONN_TYPE] != 0)
		return -1;
	pcb = __atomic_load_n((const char *const *) (const void *)
	                      (c + CONN_PCB), __ATOMIC_ACQUIRE);
	if (pcb == NULL)
		return -1;      /* closed: the library reports it */
	return __atomic_load_n((const uint16_t *) (const void *)
	                       (pcb + PCB_SND_BUF), __ATOMIC_RELAXED);
}

static int8_t netconn_write_hook(void *conn, const void *data, uint16_t size,
                                 uint8_t copy)
{
	int8_t r;

	if (tx_armed && conn != NULL) {
		long room = tx_room(conn);

		tx_armed = 0;
		if (room >= 0) {
			/* what fits: the library's wait for room then
			 * returns at once (its snd_buf only grows
			 * meanwhile: this thread is the connection's
			 * writer), and one chunk is sent */
			tx_conn = conn;
			tx_gave_up = 0;
			tx_taken = room < size ? room : size;
			if (room == 0)
				return 0;       /* ERR_OK, nothing sent */
			size = (uint16_t) tx_taken;
		}
	}
	write_conn = conn;
	write_kept = NULL;
	r = real_netconn_write(conn, data, size, copy);
	if (write_kept != NULL)
		__atomic_store_n(conn_sem(conn), write_kept, __ATOMIC_RELEASE);
	write_conn = NULL;
	write_kept = NULL;
	if (tx_conn == conn && tx_gave_up) {
		int8_t *err = (int8_t *) (void *) ((char *) conn + CONN_ERR);
		int8_t ours = ERR_TX_WAIT;

		/* nothing sent; the error is taken back unless the stack
		 * thread set a real one meanwhile */
		tx_taken = 0;
		if (__atomic_compare_exchange_n(err, &ours, 0, 0,
		                                __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			r = 0;
	}
	tx_conn = NULL;
	tx_gave_up = 0;
	return r;
}

static void sem_free_hook(void *sem)
{
	if (write_conn != NULL && sem != NULL &&
	    sem == __atomic_load_n(conn_sem(write_conn), __ATOMIC_ACQUIRE)) {
		write_kept = sem;       /* the connection keeps it */
		return;
	}
	real_sem_free(sem);
}

static void sem_signal_hook(void *sem)
{
	if (sem != NULL)
		real_sem_signal(sem);
}

static void (*real_netif_cleanup)(void *stack);

#define STACK_IF_DONE 0x18      /* the thread's exit semaphore */
#define STACK_IF_RD 0x20        /* its wake-up pipe: read end */
#define STACK_IF_WR 0x24        /* write end */

/* The VDE receive of the interface threads (vde_recv() of libvdeplug,
 * which the library finds with dlsym()). */
typedef ssize_t (*vde_recv_fn)(void *conn, void *buf, size_t len, int flags);

static vde_recv_fn real_vde_recv;
static int (*real_vde_datafd)(void *conn);
static __thread int if_pipe = -1;       /* this interface thread's pipe */

#define IN_RECV_MAX 64
#define STUCK_MS 100            /* a receive after poll() said "ready"
                                 * that lasts this long will not return */
#define DROP_LEN 60             /* the frame handed over instead */

/* The receives running now: their thread's pipe, connection, start. */
static struct in_recv {
	int pipe;
	void *conn;
	struct timespec t0;
} in_recv[IN_RECV_MAX];
static pthread_mutex_t in_recv_lock = PTHREAD_MUTEX_INITIALIZER;

static int poll_hook(struct pollfd *fds, nfds_t n, int ms)
{
	if_pipe = n > 0 ? fds[0].fd : -1;
	return poll(fds, n, ms);
}

static struct in_recv *recv_enter(void *conn)
{
	struct in_recv *e = NULL;
	int i;

	pthread_mutex_lock(&in_recv_lock);
	for (i = 0; i < IN_RECV_MAX && e == NULL; i++)
		if (in_recv[i].conn == NULL)
			e = &in_recv[i];
	if (e != NULL) {
		e->pipe = if_pipe;
		e->conn = conn;
		clock_gettime(CLOCK_MONOTONIC, &e->t0);
	}
	pthread_mutex_unlock(&in_recv_lock);
	return e;
}

static void recv_leave(struct in_recv *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&in_recv_lock);
	e->conn = NULL;
	pthread_mutex_unlock(&in_recv_lock);
}

static ssize_t vde_recv_hook(void *conn, void *buf, size_t len, int flags)
{
	struct in_recv *e = recv_enter(conn);
	ssize_t n = real_vde_recv(conn, buf, len, flags);

	recv_leave(e);
	if (n > 0)
		return n;
	/* nothing (the read was shut down) or an error: the library would
	 * take -1 as a 65535-byte frame and 0 as an empty one; a frame of
	 * zeros is to nobody (not its address, not multicast) and of no
	 * type, dropped */
	n = len < DROP_LEN ? (ssize_t) len : DROP_LEN;
	memset(buf, 0, (size_t) n);
	return n;
}

/* Shut the reading down on the connections whose receive, in the
 * interface thread polling pipe rd, has lasted STUCK_MS or more. */
static void recv_unblock(int rd)
{
	int i;

	pthread_mutex_lock(&in_recv_lock);
	for (i = 0; i < IN_RECV_MAX; i++) {
		struct in_recv *e = &in_recv[i];

		if (e->conn != NULL && e->pipe == rd &&
		    ms_since(&e->t0) >= STUCK_MS)
			shutdown(real_vde_datafd(e->conn), SHUT_RD);
	}
	pthread_mutex_unlock(&in_recv_lock);
}

static void *dlsym_hook(void *h, const char *name)
{
	void *f = dlsym(h, name);

	if (f == NULL || strcmp(name, "vde_recv") != 0)
		return f;
	if (real_vde_datafd == NULL)
		*(void **) &real_vde_datafd = dlsym(h, "vde_datafd");
	if (real_vde_datafd == NULL)
		return f;       /* cannot unblock it: leave it as it is */
	real_vde_recv = (vde_recv_fn) f;
	return (void *) vde_recv_hook;
}

static void netif_shutdown_hook(void *stack)
{
	char *st = stack;
	int *wr = (int *) (void *) (st + STACK_IF_WR);
	int rd = *(int *) (void *) (st + STACK_IF_RD);
	void *done = *(void **) (void *) (st + STACK_IF_DONE);
	int w = *wr;

	*wr = -1;               /* wake-ups from the cleanup fail (EBADF)
	                         * instead of reaching a reused descriptor */
	close(w);               /* EOF: the thread leaves its loop ... */
	/* ... and says so.  A plain wait: the library's own runs this
	 * thread's timers meanwhile, and the interfaces' (IPv6 router
	 * solicitation) crash once the IP layer is shut down; the cleanup
	 * removes them.  A thread blocked in an interface's receive is
	 * unblocked. */
	while (real_arch_sem_wait(done, STUCK_MS) == SYS_ARCH_TIMEOUT)
		recv_unblock(rd);
	real_netif_cleanup(stack);      /* nobody polls the interfaces now */
	real_sem_free(done);
	close(rd);
}

/* The library's functions called through the tables below. */
#define REAL(f, name) { (void **) &(f), name }
#define HOOK(name, f) { name, (void *) (f) }

int ioth_lwipv6_fix(void *handle)
{
	static const struct { void **f; const char *name; } real[] = {
		REAL(real_arch_timeouts, "sys_arch_timeouts"),
		REAL(real_memp_free, "memp_free"),
		REAL(real_pbuf_alloc, "pbuf_alloc"),
		REAL(real_pbuf_free, "pbuf_free"),
		REAL(real_netbuf_new, "netbuf_new"),
		REAL(real_sem_signal, "sys_sem_signal"),
		REAL(real_netconn_delete, "netconn_delete"),
		REAL(real_netif_cleanup, "netif_cleanup"),
		REAL(real_arch_sem_wait, "sys_arch_sem_wait"),
		REAL(real_sem_free, "sys_sem_free"),
		REAL(real_ip4_frag, "ip4_frag"),
		REAL(real_ip6_frag, "ip6_frag"),
		REAL(real_netconn_write, "netconn_write"),
	};
	/* the library's calls to name (through its PLT) go to f */
	static const struct { const char *name; void *f; } hook[] = {
		HOOK("pipe", safe_pipe),
		HOOK("sys_arch_mbox_fetch", mbox_fetch),
		HOOK("sys_mbox_post", mbox_post),
		HOOK("sys_sem_wait", sem_wait_hook),
		HOOK("sys_sem_wait_timeout", sem_wait_timeout_hook),
		HOOK("sys_mbox_fetch", mbox_fetch_timers),
		HOOK("netconn_delete", netconn_delete_hook),
		HOOK("ip4_frag", ip4_frag_hook),
		HOOK("ip6_frag", ip6_frag_hook),
		HOOK("netif_shutdown", netif_shutdown_hook),
		HOOK("netconn_write", netconn_write_hook),
		HOOK("sys_sem_free", sem_free_hook),
		HOOK("sys_sem_signal", sem_signal_hook),
		HOOK("poll", poll_hook),
		HOOK("dlsym", dlsym_hook),
	};
	struct link_map *lm;
	size_t i;
	int r = 0;

	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) < 0)
		return -ENOENT;
	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		*real[i].f = dlsym(handle, real[i].name);
		if (*real[i].f == NULL)
			return -ENOENT;
	}
	for (i = 0; r == 0 && i < sizeof(hook) / sizeof(hook[0]); i++)
		r = ioth_plt_set(lm, hook[i].name, hook[i].f, NULL);
	return r;
}
