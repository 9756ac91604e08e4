/*
 * lwipv6_sock.c - the socket calls of the "lwipv6" back-end that make,
 * connect, bind, listen on, accept, shut down and close sockets.  TCP
 * connects that must not block run on a thread of their own
 * (lwipv6_conn.c).
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

/* Connect thread: the connect ended; the socket is ready again. */
static void conn_ready(void *arg)
{
	struct v6sock *e = arg;

	pthread_mutex_lock(&e->lock);
	e->conn_running = 0;
	pthread_mutex_unlock(&e->lock);
	l6_refresh(e);
}

/* A TCP connect that does not block (EINPROGRESS) or waits for the
 * socket's send timeout (then EINPROGRESS too, as the kernel's: the
 * connect goes on).  The result is reported once, by connect() or
 * SO_ERROR (lwipv6_conn.c). */
static int connect_bg(struct v6sock *e, const struct sockaddr *a,
                      socklen_t l)
{
	struct v6stack *st = e->owner;
	int ms = e->nonblock ? 0 : e->sndtimeo > 0 ? e->sndtimeo : -1;
	int r;

	if (e->conn != NULL) {
		r = l6conn_wait(e->conn, ms);
		if (r == -EINPROGRESS)
			return e->nonblock ? -EALREADY : -EINPROGRESS;
		if (!e->conn_told) {
			e->conn_told = 1;
			return l6_conn_result(e, r, NULL, 0);
		}
		if (r == 0)
			return -EISCONN;
		l6conn_abandon(e->conn, NULL);  /* ended: freed */
		e->conn = NULL;
	}
	if (l <= sizeof(e->peer)) {
		memcpy(&e->peer, a, l);
		e->peerlen = l;
	}
	pthread_mutex_lock(&e->lock);
	e->conn_running = 1;
	ioth_pollfd_set(&e->pfd, 0, 0);
	pthread_mutex_unlock(&e->lock);
	e->conn_told = 0;
	r = l6conn_start(&e->conn, &st->conns, l6lib.connect, e->s, a, l,
	                 conn_ready, e);
	if (r < 0) {
		e->conn = NULL;
		pthread_mutex_lock(&e->lock);
		e->conn_running = 0;
		pthread_mutex_unlock(&e->lock);
		l6_refresh(e);
		return r;
	}
	if (e->nonblock)
		return -EINPROGRESS;
	r = l6conn_wait(e->conn, ms);
	if (r == -EINPROGRESS)
		return r;
	e->conn_told = 1;
	return l6_conn_result(e, r, NULL, 0);
}

int l6_socket(void *priv, int domain, int type, int protocol)
{
	struct v6stack *st = priv;
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int s;

	s = l6_fd_headroom();
	if (s < 0)
		return s;
	errno = 0;
	s = l6lib.msocket(st->stack, domain, base, protocol);
	if (s < 0)
		return -(errno != 0 ? errno : ENOMEM);
	if (type & SOCK_NONBLOCK)
		l6lib.fcntl(s, F_SETFL, O_NONBLOCK);
	s = l6_track(priv, s);
	if (s >= 0 && (type & SOCK_NONBLOCK))
		l6_lookup(s)->nonblock = 1;
	if (s >= 0)
		l6_lookup(s)->stream = base == SOCK_STREAM;
	return s;
}

int l6_set_nonblock(void *priv, int fd, int on)
{
	GET(e, fd);
	e->nonblock = on;
	return (int) l6_done(e, l6lib.fcntl(e->s, F_SETFL, on ? O_NONBLOCK : 0));
}

int l6_bind(void *priv, int fd, const struct sockaddr *a, socklen_t l)
{
	long r;

	GET(e, fd);
	if (l6_conn_busy(e, 0))
		return -EINVAL;         /* connecting: bound already */
	if (l6_port_taken(e, a, l))
		return -EADDRINUSE;
	r = l6lib.bind(e->s, a, l);
	if (r == 0 && l <= sizeof(e->local)) {
		memcpy(&e->local, a, l);
		e->locallen = l;
	}
	return (int) l6_done(e, r);
}

int l6_connect(void *priv, int fd, const struct sockaddr *a,
               socklen_t l)
{
	long r;

	GET(e, fd);
	if (e->stream && (e->nonblock || e->sndtimeo > 0 || e->conn != NULL))
		return connect_bg(e, a, l);
	r = l6lib.connect(e->s, a, l);
	return l6_conn_result(e, (int) l6_done(e, r), a, l);
}

int l6_listen(void *priv, int fd, int backlog)
{
	int r;

	GET(e, fd);
	if (l6_conn_busy(e, 0))
		return -EINVAL;
	r = (int) l6_done(e, l6lib.listen(e->s, backlog));
	if (r == 0)
		e->listening = 1;
	return r;
}

int l6_accept(void *priv, int fd, struct sockaddr *a, socklen_t *l)
{
	int ns;

	GET(e, fd);
	if (l6_conn_busy(e, 0))
		return -EINVAL;
	/* LWIPv6's accept() blocks even on non-blocking sockets; a NULL
	 * callback queries readiness without arming anything */
	if (e->nonblock && l6lib.event_subscribe(NULL, NULL, e->s, POLLIN) == 0) {
		l6_refresh(e);
		return -EAGAIN;
	}
	if (e->rcvtimeo > 0 && !e->nonblock) {
		/* LWIPv6 waits without limit once called: only call it
		 * when a connection is there (readiness can be stale) */
		struct timespec t0;
		long left = e->rcvtimeo;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			ns = l6_timed_wait(e, 0, POLLIN, (int) left);
			if (ns < 0)
				return ns;
			if (l6lib.event_subscribe(NULL, NULL, e->s, POLLIN) != 0)
				break;
			l6_refresh(e);
			left = l6_ms_left(&t0, e->rcvtimeo);
			if (left <= 0)
				return -EAGAIN;
		}
	}
	ns = l6_fd_headroom();
	if (ns < 0)
		return ns;
	ns = (int) l6_done(e, l6lib.accept(e->s, a, l));
	if (ns < 0)
		return ns;
	ns = l6_track(e->owner, ns);
	if (ns >= 0)
		l6_lookup(ns)->stream = 1;
	return ns;
}

int l6_shutdown(void *priv, int fd, int how)
{
	GET(e, fd);
	if (l6_conn_busy(e, 0))
		return -ENOTCONN;
	return (int) l6_done(e, l6lib.shutdown(e->s, how));
}

int l6_close(void *priv, int fd)
{
	(void) priv;
	return l6_untrack(fd);
}
