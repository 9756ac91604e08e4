/*
 * lwipv6_race_test.c - races of liblwipv6 threads that lwipv6_fix.c
 * closes, made deterministic by observing the library through its PLT
 * (plt.c).
 *
 * lwipv6_race_test wsem VDE_SWITCH: the library, as patched, never frees
 * the write semaphore of a connection that is still open.
 * netconn_write() made a semaphore at each call, waited on it while the
 * send buffer was full and freed it at its end; the stack thread signals
 * it from its TCP callbacks whenever the connection's field is set,
 * reading the field without a lock, so an ACK processed just as a write
 * ended signalled freed memory (heap corruption found at exit, "malloc():
 * unaligned tcache chunk detected": test_switch_killed_mid_echo[lwipv6],
 * 1 run in 3).  The race itself is a few instructions wide; this test
 * checks, deterministically, the rule that excludes it: between two
 * stacks of this process, 60 KB writes have to wait for room (the stack
 * thread signals the write semaphore), and no semaphore that a stack
 * thread signalled may be freed while the connection is open (unpatched,
 * every such write freed its own at its end).  The library's calls to
 * sys_sem_signal() and mem_free() are observed.
 *
 * lwipv6_race_test recv VDE_SWITCH: deleting a stack whose interface
 * thread is blocked in the VDE receive ends.  The thread reads a frame
 * once poll() says the socket is ready; when the switch died, the first
 * send to it (by the stack thread) purged the socket's queue between the
 * two, and the thread blocked in recv() for good: the deletion, which
 * waits for that thread, hung (2 runs of test_switch_killed_mid_echo in
 * 40).  Here the library's poll() reports the socket ready once while
 * it holds nothing, the thread blocks in its receive, and the stack is
 * deleted: that must end within DELETE_S.
 *
 * lwipv6_race_test rx VDE_SWITCH: a receive with a timeout returns when
 * the library said a socket had data that its mailbox does not hold (its
 * counter of messages posted and its mailbox disagree: seen after a link
 * died), for UDP and for TCP with MSG_PEEK too, and the next data is
 * then read as it comes (not a 0 left by the expired wait).  The
 * mismatch is made by dropping one message the stack thread posts to the
 * socket's mailbox (after it counted it); unbounded, the receive waited
 * for ever.
 *
 * Exit 0 pass, 1 fail, 77 skip (testnet.c says when).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plt.h"
#include "testnet.h"

#define PORT 7
#define CHUNK 60000     /* LWIPv6 sends at most 65535 per call */
#define WRITES 8
#define MAXSEM 256

static void (*next_signal)(void *sem);
static void (*next_free)(void *mem);
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t writer;
static pthread_t reader;
static void *signalled[MAXSEM]; /* semaphores signalled by stack threads */
static int nsig;
static int conn_open;
static int signals;             /* stack-thread signals while it was */
static int freed_live;          /* signalled semaphores freed while it was */

static int stack_thread(void)
{
	pthread_t t = pthread_self();

	return !pthread_equal(t, writer) && !pthread_equal(t, reader);
}

static void on_signal(void *sem)
{
	int i;

	pthread_mutex_lock(&mu);
	if (conn_open && sem != NULL && stack_thread()) {
		signals++;
		for (i = 0; i < nsig && signalled[i] != sem; i++)
			;
		if (i == nsig && nsig < MAXSEM)
			signalled[nsig++] = sem;
	}
	pthread_mutex_unlock(&mu);
	next_signal(sem);
}

static void on_free(void *mem)
{
	int i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < nsig; i++) {
		if (signalled[i] != mem)
			continue;
		signalled[i] = signalled[--nsig];
		if (conn_open)
			freed_live++;
		break;
	}
	pthread_mutex_unlock(&mu);
	next_free(mem);
}

/* Point the library's calls to name at f (the previous target in
 * *next). */
static int hook(const char *name, void *f, void **next)
{
	void *h = dlopen("liblwipv6.so.2", RTLD_NOW | RTLD_LOCAL |
	                 RTLD_DEEPBIND | RTLD_NOLOAD);
	struct link_map *lm;

	if (h == NULL || dlinfo(h, RTLD_DI_LINKMAP, &lm) < 0)
		FAIL("liblwipv6 not loaded: %s", dlerror());
	if (ioth_plt_set(lm, name, f, next) < 0)
		FAIL("no PLT slot for %s in liblwipv6", name);
	return 0;
}

struct peer {
	struct ioth *s;
	int fd;
	long got;
};

static void *read_all(void *arg)
{
	static char buf[16384];
	struct peer *p = arg;
	ssize_t n;

	while (p->got < (long) CHUNK * WRITES) {
		n = ioth_recvfrom(p->s, p->fd, buf, sizeof(buf), 0, NULL, NULL);
		if (n <= 0)
			break;
		p->got += n;
	}
	return NULL;
}

static int wsem(struct ioth *srv, struct ioth *cli)
{
	static char buf[CHUNK];
	struct sockaddr_in a = { .sin_family = AF_INET,
	                         .sin_port = htons(PORT) };
	struct peer p = { .s = srv };
	int l = ioth_socket(srv, AF_INET, SOCK_STREAM, 0);
	int c = ioth_socket(cli, AF_INET, SOCK_STREAM, 0);
	ssize_t r = 0;
	int i;

	CHECK(hook("sys_sem_signal", (void *) on_signal,
	           (void **) &next_signal) == 0);
	CHECK(hook("mem_free", (void *) on_free, (void **) &next_free) == 0);
	CHECK(l >= 0 && c >= 0);
	CHECK(ioth_bind(srv, l, (void *) &a, sizeof(a)) == 0);
	CHECK(ioth_listen(srv, l, 1) == 0);
	inet_pton(AF_INET, "10.40.0.1", &a.sin_addr);
	CHECK(ioth_connect(cli, c, (void *) &a, sizeof(a)) == 0);
	CHECK(tn_wait(l, POLLIN, 10000));
	p.fd = ioth_accept(srv, l, NULL, NULL);
	CHECK(p.fd >= 0);
	memset(buf, 'w', sizeof(buf));
	writer = pthread_self();
	pthread_mutex_lock(&mu);
	conn_open = 1;
	pthread_mutex_unlock(&mu);
	CHECK(pthread_create(&reader, NULL, read_all, &p) == 0);
	for (i = 0; i < WRITES; i++) {
		size_t off;

		for (off = 0; off < CHUNK; off += (size_t) r) {
			r = ioth_sendto(cli, c, buf + off, CHUNK - off, 0,
			                NULL, 0);
			if (r <= 0)
				break;
		}
		if (r <= 0)
			break;
	}
	pthread_join(reader, NULL);
	pthread_mutex_lock(&mu);
	conn_open = 0;
	pthread_mutex_unlock(&mu);
	ioth_close(cli, c);
	ioth_close(srv, p.fd);
	ioth_close(srv, l);
	if (r <= 0)
		FAIL("send: %s", r == 0 ? "0 bytes" : strerror((int) -r));
	if (p.got != (long) CHUNK * WRITES)
		FAIL("received %ld of %ld bytes", p.got, (long) CHUNK * WRITES);
	if (signals == 0)
		FAIL("no stack thread signalled a semaphore during %d writes "
		     "of %d bytes: the test did not reach the write wait",
		     WRITES, CHUNK);
	if (freed_live > 0)
		FAIL("%d semaphores signalled by a stack thread were freed "
		     "while their connection was open (netconn_write() "
		     "frees its own: a signal racing that free writes freed "
		     "memory)", freed_live);
	printf("PASS: %d signals of %d semaphores by the stack threads "
	       "during %d writes, none freed while the connection was "
	       "open\n", signals, nsig, WRITES);
	return 0;
}

/* --- recv ------------------------------------------------------------------ */

#define DELETE_S 10

static int (*next_poll)(struct pollfd *fds, nfds_t n, int ms);
static volatile int fake_armed;         /* the next poll() lies once */
static volatile int faked;              /* ... and did */
static volatile int deleted;

/* The interface thread's poll(): its wake-up pipe, then the VDE socket. */
static int on_poll(struct pollfd *fds, nfds_t n, int ms)
{
	nfds_t i;

	if (!fake_armed || n < 2)
		return next_poll(fds, n, ms);
	next_poll(fds, n, 0);
	for (i = 0; i < n; i++)
		fds[i].revents = 0;
	fds[1].revents = POLLIN;        /* ready, and nothing there */
	fake_armed = 0;
	faked = 1;
	return 1;
}

static void *delete_stack(void *arg)
{
	ioth_delete(arg);
	deleted = 1;
	return NULL;
}

static int recv_stuck(struct ioth *s)
{
	pthread_t t;
	int i;

	CHECK(hook("poll", (void *) on_poll, (void **) &next_poll) == 0);
	fake_armed = 1;
	for (i = 0; i < 100 && !faked; i++)
		usleep(50000);
	CHECK(faked);
	usleep(200000);         /* the thread is in its receive by now */
	CHECK(pthread_create(&t, NULL, delete_stack, s) == 0);
	for (i = 0; i < DELETE_S * 20 && !deleted; i++)
		usleep(50000);
	if (!deleted)
		FAIL("deleting a stack whose interface thread is blocked in "
		     "its receive did not end in %d s", DELETE_S);
	pthread_join(t, NULL);
	printf("PASS: a stack whose interface thread was blocked in its "
	       "receive was deleted\n");
	return 0;
}

/* --- rx -------------------------------------------------------------------- */

#define RX_TIMEO_MS 500
#define RX_LIMIT_S 3            /* the receive must end within this */

static void (*next_fetch)(void *mbox, void **msg);
static void (*next_post)(void *mbox, void *msg);
static pthread_t rx_thread;
static void *volatile rx_mbox;  /* the socket's mailbox, once seen */
static volatile int learn;      /* note the mailbox of rx_thread's next wait */
static volatile int drop;       /* lose the next post to rx_mbox */
static volatile int dropped;

static void on_fetch(void *mbox, void **msg)
{
	if (learn && pthread_equal(pthread_self(), rx_thread)) {
		rx_mbox = mbox;
		learn = 0;
	}
	next_fetch(mbox, msg);
}

static void on_post(void *mbox, void *msg)
{
	if (drop && mbox == rx_mbox) {
		drop = 0;
		dropped = 1;    /* counted by the library, never delivered */
		return;
	}
	next_post(mbox, msg);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + t.tv_nsec / 1e9;
}

/* Receive exactly what was sent on tx; the first call notes the
 * socket's mailbox. */
static int rx_expect(struct ioth *rs, int r, struct ioth *ts, int t,
                     const char *what)
{
	char buf[64];
	ssize_t n;

	CHECK(ioth_sendto(ts, t, what, strlen(what), 0, NULL, 0) ==
	      (ssize_t) strlen(what));
	learn = rx_mbox == NULL;
	n = ioth_recvfrom(rs, r, buf, sizeof(buf), 0, NULL, NULL);
	if (n != (ssize_t) strlen(what) || memcmp(buf, what, (size_t) n) != 0)
		FAIL("sent \"%s\", received %zd bytes%s", what, n,
		     n == 0 ? " (0: EOF)" : "");
	CHECK(rx_mbox != NULL);
	return 0;
}

/* Lose the next message to socket r, then receive with flags: the
 * receive times out (EAGAIN) within RX_LIMIT_S, and the next data is
 * read. */
static int rx_lost(struct ioth *rs, int r, struct ioth *ts, int t, int flags,
                   const char *kind)
{
	char buf[64];
	double t0;
	ssize_t n;
	int i;

	dropped = 0;
	drop = 1;
	CHECK(ioth_sendto(ts, t, "lost", 4, 0, NULL, 0) == 4);
	for (i = 0; i < 100 && !dropped; i++)
		usleep(20000);
	CHECK(dropped);
	t0 = now_s();
	n = ioth_recvfrom(rs, r, buf, sizeof(buf), flags, NULL, NULL);
	if (n != -EAGAIN)
		FAIL("%s: a receive of a lost message returned %zd, not "
		     "EAGAIN", kind, n);
	if (now_s() - t0 > RX_LIMIT_S)
		FAIL("%s: the receive took %.1f s (timeout %d ms)", kind,
		     now_s() - t0, RX_TIMEO_MS);
	return rx_expect(rs, r, ts, t, "after");
}

static void rx_hung(int sig)
{
	static const char msg[] = "FAIL: a receive with a timeout, of a "
		"message the library counted but never got did not return "
		"in 30 s\n";

	(void) sig;
	(void) !write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

static int rx_timeo(struct ioth *s, int fd)
{
	struct timeval tv = { .tv_usec = RX_TIMEO_MS * 1000 };

	CHECK(ioth_setsockopt(s, fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	                      sizeof(tv)) == 0);
	return 0;
}

static int rx_bound(struct ioth *a, struct ioth *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	                          .sin_port = htons(PORT) };
	int u = ioth_socket(a, AF_INET, SOCK_DGRAM, 0);
	int v = ioth_socket(b, AF_INET, SOCK_DGRAM, 0);
	int l = ioth_socket(a, AF_INET, SOCK_STREAM, 0);
	int c = ioth_socket(b, AF_INET, SOCK_STREAM, 0);
	int r;

	CHECK(u >= 0 && v >= 0 && l >= 0 && c >= 0);
	rx_thread = pthread_self();
	CHECK(hook("sys_mbox_fetch", (void *) on_fetch,
	           (void **) &next_fetch) == 0);
	CHECK(hook("sys_mbox_post", (void *) on_post,
	           (void **) &next_post) == 0);
	signal(SIGALRM, rx_hung);
	alarm(30);              /* unbounded, a receive waits for ever */
	/* UDP */
	CHECK(ioth_bind(a, u, (void *) &sa, sizeof(sa)) == 0);
	inet_pton(AF_INET, "10.40.0.1", &sa.sin_addr);
	CHECK(ioth_connect(b, v, (void *) &sa, sizeof(sa)) == 0);
	CHECK(rx_timeo(a, u) == 0);
	CHECK(rx_expect(a, u, b, v, "udp") == 0);
	CHECK(rx_lost(a, u, b, v, 0, "UDP") == 0);
	CHECK(rx_lost(a, u, b, v, MSG_PEEK, "UDP, MSG_PEEK") == 0);
	/* TCP */
	rx_mbox = NULL;
	sa.sin_addr.s_addr = INADDR_ANY;
	CHECK(ioth_bind(a, l, (void *) &sa, sizeof(sa)) == 0);
	CHECK(ioth_listen(a, l, 1) == 0);
	inet_pton(AF_INET, "10.40.0.1", &sa.sin_addr);
	CHECK(ioth_connect(b, c, (void *) &sa, sizeof(sa)) == 0);
	CHECK(tn_wait(l, POLLIN, 10000));
	r = ioth_accept(a, l, NULL, NULL);
	CHECK(r >= 0);
	CHECK(rx_timeo(a, r) == 0);
	CHECK(rx_expect(a, r, b, c, "tcp") == 0);
	CHECK(rx_lost(a, r, b, c, MSG_PEEK, "TCP, MSG_PEEK") == 0);
	alarm(0);
	ioth_close(a, r);
	ioth_close(a, l);
	ioth_close(b, c);
	ioth_close(a, u);
	ioth_close(b, v);
	printf("PASS: receives of messages counted but lost timed out "
	       "(UDP, UDP with MSG_PEEK, TCP with MSG_PEEK), and the next "
	       "data was read\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct ioth *srv = NULL;
	struct ioth *cli = NULL;
	int r;

	if (argc != 3 || (strcmp(argv[1], "wsem") != 0 &&
	                  strcmp(argv[1], "recv") != 0 &&
	                  strcmp(argv[1], "rx") != 0)) {
		fprintf(stderr, "usage: %s wsem | recv | rx VDE_SWITCH\n",
		        argv[0]);
		return 2;
	}
	tn_crash_handlers();
	r = tn_switch_stacks(argv[2], "lwipv6", &srv,
	                     strcmp(argv[1], "recv") != 0 ? &cli : NULL);
	if (r != 0)
		return r;
	if (cli != NULL) {
		r = strcmp(argv[1], "wsem") == 0 ? wsem(srv, cli) :
		    rx_bound(srv, cli);
		ioth_delete(cli);
		ioth_delete(srv);
	} else {
		r = recv_stuck(srv);    /* deletes srv unless it hangs */
		if (r != 0 && !deleted) {
			tn_switch_stop();
			_exit(r);       /* the deletion still waits */
		}
	}
	tn_switch_stop();
	return r;
}
