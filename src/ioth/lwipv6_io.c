/*
 * lwipv6_io.c - receive and send of the "lwipv6" back-end: LWIPv6 has
 * no timeouts and blocks where the kernel would not (a non-blocking
 * receive whose data counter is wrong, a send until the whole message
 * is taken), so its waits are bounded here and in lwipv6_mbox.c
 * (receive) and lwipv6_write.c (send).
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

/* How long a non-blocking receive lets LWIPv6 wait for the data it
 * says it has (it posts data just after counting it: microseconds) */
#define NB_BOUND_MS 50

/* LWIPv6's receive, with its wait for the data it says it has bounded
 * to ms (its counter of data can be wrong: then it waited for ever);
 * *expired is 1 when that wait ran out (the call returned 0). */
static long recv_bounded(struct v6sock *e, void *buf, size_t len, int flags,
                         struct sockaddr *a, socklen_t *l, int ms,
                         int *expired)
{
	long r;

	errno = 0;
	ioth_lwipv6_rx_deadline(ms, !e->stream);
	r = l6lib.recvfrom(e->s, buf, (int) len, (unsigned) flags, a, l);
	*expired = ioth_lwipv6_rx_expired();
	if (*expired && (flags & MSG_PEEK))
		ioth_lwipv6_rx_drop(l6lib.recvfrom, e->s);
	return r;
}

ssize_t l6_recvfrom(void *priv, int fd, void *buf, size_t len,
                    int flags, struct sockaddr *a, socklen_t *l)
{
	int expired;
	long r;
	int w;

	GET(e, fd);
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	if (l6_conn_busy(e, l6_io_ms(e, flags, e->rcvtimeo)))
		return -EAGAIN;         /* no data before it is connected */
	if (e->rcvtimeo > 0 && !e->nonblock && !(flags & MSG_DONTWAIT)) {
		/* LWIPv6 waits without limit once it blocks (after the
		 * link died, for ever: issue 9), and its readiness can be
		 * wrong (a receive counter that went below 0 stays
		 * "readable"): wait here, ask it only when it says it has
		 * data, and bound its own wait for that data */
		struct timespec t0;
		long left = e->rcvtimeo;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			w = l6_timed_wait(e, flags, POLLIN, (int) left);
			if (w < 0)
				return w;
			left = l6_ms_left(&t0, e->rcvtimeo);
			if (left <= 0)
				return -EAGAIN;
			r = recv_bounded(e, buf, len, flags | MSG_DONTWAIT, a,
			                 l, (int) left, &expired);
			if (expired) {
				l6_refresh(e);
				return -EAGAIN;
			}
			if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				return l6_done(e, r);
			l6_refresh(e);
			left = l6_ms_left(&t0, e->rcvtimeo);
			if (left <= 0)
				return -EAGAIN;
		}
	}
	if (e->nonblock || (flags & MSG_DONTWAIT)) {
		/* non-blocking, and LWIPv6 blocks when its counter is
		 * wrong: bound that wait too */
		r = recv_bounded(e, buf, len, flags, a, l, NB_BOUND_MS,
		                 &expired);
		if (expired) {
			l6_refresh(e);
			return -EAGAIN;
		}
		return l6_done(e, r);
	}
	w = l6_timed_wait(e, flags, POLLIN, e->rcvtimeo);
	if (w < 0)
		return w;
	return l6_done(e, l6lib.recvfrom(e->s, buf, (int) len, (unsigned) flags,
	                            a, l));
}

/* One send, of what fits in the send buffer of a TCP socket when
 * bounded: 0 when nothing did. */
static long send_once(struct v6sock *e, const void *buf, size_t len,
                      int flags, const struct sockaddr *a, socklen_t l,
                      int bounded, int ms)
{
	long r;
	long n;

	if (bounded)
		ioth_lwipv6_tx_bound(ms);
	errno = 0;
	if (a == NULL)
		r = l6lib.send(e->s, buf, (int) len, (unsigned) flags);
	else
		r = l6lib.sendto(e->s, buf, (int) len, (unsigned) flags, a, l);
	n = bounded ? ioth_lwipv6_tx_taken() : -1;
	if (r > 0 && n != 0 && e->stream)
		l6drain_note_send(&((struct v6stack *) e->owner)->drain);
	return r >= 0 && n >= 0 && n < r ? n : r;
}

ssize_t l6_sendto(void *priv, int fd, const void *buf, size_t len,
                  int flags, const struct sockaddr *a, socklen_t l)
{
	struct timespec t0;
	struct timespec pause = { 0, 1000000 };
	long left;
	long r;
	int ms;
	int w;

	GET(e, fd);
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	ms = l6_io_ms(e, flags, e->sndtimeo);
	if (l6_conn_busy(e, ms))
		return -EAGAIN;         /* no room before it is connected */
	flags &= ~MSG_NOSIGNAL;
	if (!e->stream || ms < 0) {     /* no limit: all is taken */
		w = l6_timed_wait(e, flags, POLLOUT, e->sndtimeo);
		if (w < 0)
			return w;
		return l6_done(e, send_once(e, buf, len, flags, a, l, 0, 0));
	}
	/* LWIPv6 waits until it has taken the whole message, MSG_DONTWAIT
	 * or not: give it what fits (a short count, as the kernel's), and
	 * wait for room within the timeout here */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	left = ms;
	for (;;) {
		w = l6_timed_wait(e, flags, POLLOUT, (int) left);
		if (w < 0)
			return w;
		r = send_once(e, buf, len, flags, a, l, 1, (int) left);
		if (r != 0 || len == 0)
			return l6_done(e, r);
		l6_refresh(e);
		left = l6_ms_left(&t0, ms);
		if (ms == 0 || left <= 0)
			return -EAGAIN;
		nanosleep(&pause, NULL);        /* readiness can be stale */
	}
}
