/*
 * lwipv6_tab.c - the pollable sockets of the "lwipv6" back-end: the
 * table from descriptor to LWIPv6 socket, readiness, and the helpers
 * every socket call uses (waits with a timeout, results, the state of a
 * connect running in the background).
 *
 * LWIPv6 descriptors are placeholders that never become ready, so each
 * socket is paired with an ioth_pollfd.  Readiness comes from
 * lwip_event_subscribe(): it returns the ready events or, if none, arms
 * a one-shot callback (run by the stack thread while it holds its event
 * lock, so the callback only raises the pollfd state).  After every
 * call the state is recomputed; a generation counter per direction
 * keeps a callback that races with that recomputation from being lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/time.h>

#include "lwipv6_be.h"
#include "lwipv6_fix.h"
#include "lwipv6_port.h"

static struct v6sock *by_fd[MAXFD];
static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;

struct v6sock *l6_lookup(int fd)
{
	struct v6sock *e;

	if (fd < 0 || fd >= MAXFD)
		return NULL;
	pthread_mutex_lock(&tab_lock);
	e = by_fd[fd];
	pthread_mutex_unlock(&tab_lock);
	return e;
}

/* Stack thread: an armed direction became ready. */
static void ready_cb(void *arg)
{
	char *tag = arg;
	int dir = *tag;
	struct v6sock *e = (struct v6sock *) (void *)
		(tag - dir - offsetof(struct v6sock, tag));

	pthread_mutex_lock(&e->lock);
	e->gen[dir]++;
	if (!e->conn_running)   /* else ready when the connect ends */
		ioth_pollfd_set(&e->pfd, dir == 0 ? 1 : e->pfd.in,
		                dir == 1 ? 1 : e->pfd.out);
	pthread_mutex_unlock(&e->lock);
}

void l6_refresh(struct v6sock *e)
{
	unsigned g0, g1;
	int rin, rout;

	pthread_mutex_lock(&e->lock);
	g0 = e->gen[0];
	g1 = e->gen[1];
	pthread_mutex_unlock(&e->lock);
	rin = l6lib.event_subscribe(ready_cb, &e->tag[0], e->s, POLLIN);
	rout = l6lib.event_subscribe(ready_cb, &e->tag[1], e->s, POLLOUT);
	pthread_mutex_lock(&e->lock);
	if (e->conn_running)
		ioth_pollfd_set(&e->pfd, 0, 0);  /* ready when it ends */
	else
		ioth_pollfd_set(&e->pfd, rin != 0 || g0 != e->gen[0],
		                rout != 0 || g1 != e->gen[1]);
	pthread_mutex_unlock(&e->lock);
}

/* LWIPv6 takes descriptors for every socket (a pipe per mailbox) and,
 * when pipe() fails, carries on with mailboxes that lose messages, which
 * crashed processes at the descriptor limit.  So a socket is only made,
 * or accepted, while FD_RESERVE more descriptors could still be opened:
 * beyond that the call fails with EMFILE, a clear error, and the rest is
 * left for the connections the stack thread sets up on its own. */
#define FD_RESERVE 64

int l6_fd_headroom(void)
{
	int fd[FD_RESERVE];
	int n;
	int i;

	for (n = 0; n < FD_RESERVE; n++) {
		fd[n] = eventfd(0, EFD_CLOEXEC);
		if (fd[n] < 0)
			break;
	}
	for (i = 0; i < n; i++)
		close(fd[i]);
	return n == FD_RESERVE ? 0 : -EMFILE;
}

/* Wrap LWIPv6 socket s; closes s on failure. */
int l6_track(void *owner, int s)
{
	struct v6sock *e = calloc(1, sizeof(*e));
	int err;

	if (e == NULL) {
		ioth_lwipv6_close(l6lib.close, s);
		return -ENOMEM;
	}
	e->s = s;
	e->owner = owner;
	e->tag[0] = 0;
	e->tag[1] = 1;
	pthread_mutex_init(&e->lock, NULL);
	err = ioth_pollfd_open(&e->pfd);
	if (err == 0 && e->pfd.fd >= MAXFD) {
		ioth_pollfd_close(&e->pfd);
		err = -EMFILE;
	}
	if (err < 0) {
		pthread_mutex_destroy(&e->lock);
		free(e);
		ioth_lwipv6_close(l6lib.close, s);
		return err;
	}
	pthread_mutex_lock(&tab_lock);
	by_fd[e->pfd.fd] = e;
	pthread_mutex_unlock(&tab_lock);
	l6_refresh(e);
	return e->pfd.fd;
}

/* A socket closed while its connect ran, once the library returned. */
static void close_late(int s)
{
	ioth_lwipv6_close(l6lib.close, s);
}

int l6_untrack(int fd)
{
	struct v6sock *e;

	pthread_mutex_lock(&tab_lock);
	e = fd >= 0 && fd < MAXFD ? by_fd[fd] : NULL;
	if (e != NULL)
		by_fd[fd] = NULL;
	pthread_mutex_unlock(&tab_lock);
	if (e == NULL)
		return -EBADF;
	/* disarm: no callback runs once these return */
	l6lib.event_subscribe(NULL, &e->tag[0], e->s, POLLIN);
	l6lib.event_subscribe(NULL, &e->tag[1], e->s, POLLOUT);
	if (e->conn == NULL || l6conn_abandon(e->conn, close_late))
		ioth_lwipv6_close(l6lib.close, e->s);
	ioth_pollfd_close(&e->pfd);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return 0;
}

void l6_close_all(void *owner)
{
	int fd;

	for (fd = 0; fd < MAXFD; fd++) {
		struct v6sock *e = l6_lookup(fd);
		if (e != NULL && e->owner == owner)
			l6_untrack(fd);
	}
}

/* Another socket of the stack is bound to a's port: LWIPv6 would bind
 * it again; the kernel's rule (allowed only when both set SO_REUSEADDR
 * and the other one does not listen). */
int l6_port_taken(struct v6sock *e, const struct sockaddr *a,
                  socklen_t l)
{
	int fd;
	int r = 0;

	pthread_mutex_lock(&tab_lock);
	for (fd = 0; fd < MAXFD && r == 0; fd++) {
		struct v6sock *o = by_fd[fd];

		if (o == NULL || o == e || o->owner != e->owner ||
		    o->stream != e->stream || o->locallen == 0 ||
		    (e->reuse && o->reuse && !o->listening))
			continue;
		r = l6_port_clash(a, l, (struct sockaddr *) &o->local,
		                  o->locallen);
	}
	pthread_mutex_unlock(&tab_lock);
	return r;
}

/* ms minus the ms since t0 */
long l6_ms_left(const struct timespec *t0, int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ms - ((t.tv_sec - t0->tv_sec) * 1000 +
	             (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Before a blocking call with a timeout: wait for events; 0 when ready
 * (or no timeout applies), -EAGAIN when the timeout passed. */
int l6_timed_wait(struct v6sock *e, int flags, short events, int ms)
{
	struct pollfd p = { .fd = e->pfd.fd, .events = events };
	struct timespec t0;
	long left = ms;
	int r;

	if (ms <= 0 || e->nonblock || (flags & MSG_DONTWAIT))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = poll(&p, 1, (int) left);
		if (r != 0 && !(r < 0 && errno == EINTR))
			return 0;       /* ready (or poll failed: let the call
			                 * report it) */
		left = l6_ms_left(&t0, ms);
		if (left <= 0)
			return -EAGAIN;
	}
}

/* Results of LWIPv6 calls: refresh readiness, convert -1/errno. */
long l6_done(struct v6sock *e, long r)
{
	int err = errno != 0 ? errno : EIO;

	l6_refresh(e);
	return r < 0 ? -err : r;
}

/* The result of a connect: 0 or -errno. */
int l6_conn_result(struct v6sock *e, int r, const struct sockaddr *a,
                   socklen_t l)
{
	if (r == 0 && a != NULL && l <= sizeof(e->peer)) {
		memcpy(&e->peer, a, l);
		e->peerlen = l;
	}
	return r == -ECONNRESET ? -ECONNREFUSED : r;   /* RST in SYN_SENT */
}

/* How long a call may wait: 0 non-blocking, else its timeout ms or -1. */
int l6_io_ms(const struct v6sock *e, int flags, int timeo)
{
	if (e->nonblock || (flags & MSG_DONTWAIT))
		return 0;
	return timeo > 0 ? timeo : -1;
}

/* 1 while the socket's connect runs (the library must not be called on
 * the socket): after waiting for it up to ms (< 0: no limit) */
int l6_conn_busy(struct v6sock *e, int ms)
{
	return e->conn != NULL && l6conn_wait(e->conn, ms) == -EINPROGRESS;
}
