/*
 * lwipv6_drain.c - let what a closed TCP socket of liblwipv6 still holds
 * reach the peer: neither its close nor the deletion of its stack drops
 * it.
 *
 * Close: liblwipv6's close hands the connection to the stack thread
 * (netconn_delete(), whose do_delconn() unhooks the socket's callbacks
 * and calls tcp_close()), and returns at once, as a kernel's does.  But
 * when the connection's send queue is full, tcp_close() cannot queue the
 * FIN and fails (its state unchanged), and do_delconn() then aborts the
 * connection: a RST, and whatever the queue held is gone.  A sender that
 * fills the queue and closes lost the end of its data.  Upstream lwIP
 * (1.4 on) retries such a close from the connection's sent and poll
 * callbacks instead.  So does this file: the library's calls to
 * tcp_close() (through its PLT) go to close_hook(), which, when the
 * close of a connection no socket holds any more (no callback argument,
 * no receive callback) fails to queue the FIN, hooks retry_sent() and
 * retry_poll() on it and reports success; each retries the close (as
 * acknowledgements free the queue, and every POLL_TICKS of the slow
 * timer) and unhooks itself once it succeeded.  Meanwhile the connection
 * is the stack thread's, as any closed one: it sends what it holds, and
 * the library's own rules end it (its retransmission limit, a RST).
 *
 * Deletion: the stack is the process's: deleting it, or the process
 * exiting, ends the retransmissions, and the peer missed the end of the
 * data (test_bulk_10mb[lwipv6] lost its last 1.5-18 KB about 1 run in
 * 15 when the server exited right after its close;
 * test_sent_data_outlives_sender, where the peer reads only after that
 * exit, lost all but the 32 KB its window held, every run).  So before
 * the deletion, once every socket is closed, the stack's TCP connections
 * are looked at every POLL_MS until none holds data or a FIN not yet
 * acknowledged, for at most L6DRAIN_MS (5 s, as the lwip and vdestack
 * back-ends wait): a peer that is gone holds the process no longer than
 * that.
 *
 * The connections are read where they live: a probe runs on the stack
 * thread (tcpip_callback(), asynchronous: its message is freed by that
 * thread), walking the stack's list of active pcbs.  Layout relied on
 * (liblwipv6 1.5a; read from tcp_fasttmr(), tcp_close() and
 * tcp_rexmit_rto() of Debian's build, 1.5a-9 amd64, and, for the close,
 * from tcp_arg(), tcp_recv(), tcp_sent(), tcp_input()'s and
 * tcp_slowtmr()'s calls of the callbacks): the stack's tcp_active_pcbs
 * at 0x51510; in a pcb, its stack at 0x00, next at 0x38, the state (an
 * int, lwIP 1.x's enum: SYN_SENT 2, SYN_RCVD 3, ESTABLISHED 4,
 * FIN_WAIT_1 5, CLOSE_WAIT 7, CLOSING 8, LAST_ACK 9) at 0x40, the
 * callback argument at 0x50, unsent at 0xb0, unacked at 0xb8, the
 * sent callback at 0xc8 (called as sent(arg, pcb, u16 acked)) and the
 * receive callback at 0xd0; poll(arg, pcb) is called from the slow
 * timer.  None of this is
 * used unless the loaded library has the GNU build ID of that build,
 * and each pcb walked must name the stack as its own; otherwise
 * (another build) the library's close is left as it is, connections
 * cannot be seen and the wait is blind: a stack whose TCP sockets sent
 * data waits L6DRAIN_BLIND_MS, which a transfer ending on a local
 * network needs, but not a peer that reads late.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lwipv6_drain.h"
#include "plt.h"

#define POLL_MS 10
#define MAX_PCBS 100000         /* a list longer than that is not one */

#define STACK_TCP_ACTIVE 0x51510
#define PCB_STACK 0x00
#define PCB_NEXT 0x38
#define PCB_STATE 0x40
#define PCB_ARG 0x50
#define PCB_UNSENT 0xb0
#define PCB_UNACKED 0xb8
#define PCB_SENT 0xc8
#define PCB_RECV 0xd0
enum {
	SYN_SENT = 2, SYN_RCVD = 3, ESTABLISHED = 4, FIN_WAIT_1 = 5,
	CLOSE_WAIT = 7, CLOSING = 8, LAST_ACK = 9
};
#define POLL_TICKS 1            /* retry_poll() every slow timer tick
                                 * (500 ms) */

/* GNU build ID of /usr/lib/liblwipv6.so.2.1.0 of Debian's liblwipv6-2
 * 1.5a-9 (amd64), whose layout is the one above. */
static const uint8_t known_id[] = {
	0x8f, 0xf6, 0xd5, 0x00, 0x33, 0x5e, 0xb5, 0x49, 0xfc, 0xda,
	0xbc, 0xfb, 0xa8, 0x28, 0x14, 0x33, 0xb4, 0xca, 0x78, 0x2c,
};

static int8_t (*tcpip_callback)(void *stack, void (*f)(void *ctx),
                                void *ctx, int sync);
static int exact;               /* the layout above may be read */

#define AT(p, off, type) (*(type const *) (const void *) \
                          ((const char *) (p) + (off)))

/* --- close ------------------------------------------------------------- */

typedef int8_t (*sent_fn)(void *arg, void *pcb, uint16_t len);
typedef int8_t (*poll_fn)(void *arg, void *pcb);

static int8_t (*real_tcp_close)(void *pcb);
static void (*tcp_sent)(void *pcb, sent_fn f);
static void (*tcp_poll)(void *pcb, poll_fn f, uint8_t interval);

static int8_t retry_sent(void *arg, void *pcb, uint16_t len);

/* Stack thread: close pcb again; once the FIN is queued, unhook. */
static void retry(void *pcb)
{
	if (real_tcp_close(pcb) != 0)
		return;                 /* still no room: the next ack, or poll */
	tcp_sent(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

static int8_t retry_sent(void *arg, void *pcb, uint16_t len)
{
	(void) arg;
	(void) len;
	retry(pcb);
	return 0;
}

static int8_t retry_poll(void *arg, void *pcb)
{
	(void) arg;
	retry(pcb);
	return 0;
}

/* No socket holds pcb any more: do_delconn() unhooked it (or we did). */
static int orphan(const void *pcb)
{
	const void *sent = AT(pcb, PCB_SENT, void *);

	return AT(pcb, PCB_ARG, void *) == NULL &&
	       AT(pcb, PCB_RECV, void *) == NULL &&
	       (sent == NULL || sent == (const void *) retry_sent);
}

/* Stack thread: the library's tcp_close(). */
static int8_t close_hook(void *pcb)
{
	int8_t r = real_tcp_close(pcb);
	int state;

	if (r == 0 || pcb == NULL || !orphan(pcb))
		return r;       /* done (pcb may be freed), or a socket's */
	state = AT(pcb, PCB_STATE, int);
	if (state != SYN_RCVD && state != ESTABLISHED && state != CLOSE_WAIT)
		return r;
	/* the FIN found no room: retried, instead of an abort */
	tcp_sent(pcb, retry_sent);
	tcp_poll(pcb, retry_poll, POLL_TICKS);
	return 0;
}

/* --- which build -------------------------------------------------------- */

struct find_id {
	ElfW(Addr) base;        /* the library's load address */
	int match;
};

/* 1 when the notes of one PT_NOTE segment hold the known build ID. */
static int note_match(const char *p, size_t len)
{
	while (len >= sizeof(ElfW(Nhdr))) {
		const ElfW(Nhdr) *n = (const void *) p;
		size_t name = (n->n_namesz + 3) & ~(size_t) 3;
		size_t desc = (n->n_descsz + 3) & ~(size_t) 3;
		size_t all = sizeof(*n) + name + desc;
		const char *d = p + sizeof(*n) + name;

		if (all > len)
			return 0;
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
		    memcmp(p + sizeof(*n), "GNU", 4) == 0)
			return n->n_descsz == sizeof(known_id) &&
			       memcmp(d, known_id, sizeof(known_id)) == 0;
		p += all;
		len -= all;
	}
	return 0;
}

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find_id *f = arg;
	int i;

	(void) size;
	if (info->dlpi_addr != f->base)
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_NOTE &&
		    note_match((const char *) (info->dlpi_addr + ph->p_vaddr),
		               ph->p_memsz))
			f->match = 1;
	}
	return 1;
}

int l6drain_setup(void *handle)
{
	struct link_map *lm;
	struct find_id f = { 0, 0 };

	exact = 0;
	*(void **) &tcpip_callback = dlsym(handle, "tcpip_callback");
	*(void **) &real_tcp_close = dlsym(handle, "tcp_close");
	*(void **) &tcp_sent = dlsym(handle, "tcp_sent");
	*(void **) &tcp_poll = dlsym(handle, "tcp_poll");
	if (tcpip_callback == NULL || real_tcp_close == NULL ||
	    tcp_sent == NULL || tcp_poll == NULL ||
	    dlinfo(handle, RTLD_DI_LINKMAP, &lm) < 0)
		return 0;
	f.base = lm->l_addr;
	dl_iterate_phdr(phdr_cb, &f);
	if (!f.match || ioth_plt_set(lm, "tcp_close", (void *) close_hook,
	                             NULL) < 0)
		return 0;
	exact = 1;
	return 1;
}

/* --- deletion ----------------------------------------------------------- */

void l6drain_init(struct l6drain *d, void *stack)
{
	memset(d, 0, sizeof(*d));
	d->stack = stack;
}

void l6drain_note_send(struct l6drain *d)
{
	__atomic_store_n(&d->sent, 1, __ATOMIC_RELAXED);
}

/* Stack thread: count the connections holding data or a FIN.  A SYN
 * (SYN_SENT, SYN_RCVD) is not data: a connect in progress is dropped
 * with the stack, as a kernel drops it at close.  The queues count in
 * every other state: LWIPv6 (as lwIP 1.x) moves FIN_WAIT_1 to
 * FIN_WAIT_2 on an ACK of all it sent even while the FIN and data
 * behind it are still queued (seen: FIN_WAIT_2 with both queues full,
 * the exit then cut the transfer short, 1 run in ~10 under load). */
static void probe(void *arg)
{
	struct l6drain *d = arg;
	const void *pcb = AT(d->stack, STACK_TCP_ACTIVE, void *);
	long busy = 0;
	long n;

	for (n = 0; pcb != NULL && busy >= 0; n++) {
		int state = AT(pcb, PCB_STATE, int);

		if (n == MAX_PCBS || AT(pcb, PCB_STACK, void *) != d->stack)
			busy = -1;      /* not the layout expected */
		else if (state == FIN_WAIT_1 || state == CLOSING ||
		         state == LAST_ACK ||
		         (state != SYN_SENT && state != SYN_RCVD &&
		          (AT(pcb, PCB_UNSENT, void *) != NULL ||
		           AT(pcb, PCB_UNACKED, void *) != NULL)))
			busy++;
		pcb = AT(pcb, PCB_NEXT, void *);
	}
	d->busy = busy;
	__atomic_add_fetch(&d->answered, 1, __ATOMIC_RELEASE);
}

static void add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Connections holding data, -1: cannot be seen, -ETIMEDOUT: no answer
 * before end. */
static long ask(struct l6drain *d, const struct timespec *end)
{
	struct timespec now;

	/* a probe of an earlier call still queued is waited for */
	if (__atomic_load_n(&d->answered, __ATOMIC_ACQUIRE) == d->asked) {
		if (tcpip_callback(d->stack, probe, d, 0) < 0)
			return 1;       /* no message memory: ask again */
		d->asked++;
	}
	while (__atomic_load_n(&d->answered, __ATOMIC_ACQUIRE) != d->asked) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!before(&now, end))
			return -ETIMEDOUT;
		usleep(1000);
	}
	return d->busy;
}

void l6drain_wait(struct l6drain *d)
{
	struct timespec end;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	add_ms(&end, L6DRAIN_MS);
	for (;;) {
		long busy = exact ? ask(d, &end) : -1;

		if (busy == 0 || busy == -ETIMEDOUT)
			return;
		if (busy < 0) {         /* blind */
			if (__atomic_load_n(&d->sent, __ATOMIC_RELAXED))
				usleep(L6DRAIN_BLIND_MS * 1000);
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		add_ms(&now, POLL_MS);
		if (!before(&now, &end))
			return;
		usleep(POLL_MS * 1000);
	}
}
