/*
 * lwip_sock.c - sockets of the "lwip" back-end: lwIP sockets behind
 * pollable descriptors, with blocking done here rather than inside lwIP.
 *
 * Pollable sockets: each lwIP socket is paired with an ioth_pollfd whose
 * descriptor is what callers see.  The netconn event callback installed by
 * lwIP's socket layer is chained: after lwIP updates its counters, the
 * readiness of the socket is copied to the pollfd.  Calls made through this
 * file refresh readiness again on return, because lwIP changes some state
 * (leftover receive data) without raising an event.
 *
 * Blocking: every lwIP socket is non-blocking inside lwIP.  A call that
 * must block waits in lwip_wait.c, where the waiting thread reads frames
 * from the network itself (one thread hop less per packet than waking on
 * lwIP's semaphores), honouring SO_RCVTIMEO/SO_SNDTIMEO and O_NONBLOCK.
 *
 * Lifetime: entries are reference counted.  ioth_close() unlinks the
 * descriptor and wakes threads waiting on it (their calls fail with
 * EBADF); the lwIP socket and the pollfd are released by the last user.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <netinet/in.h>

#include "lwip/opt.h"
#include "lwip/api.h"
#include "lwip/sockets.h"
#include "lwip/tcpip.h"
#include "lwip/priv/sockets_priv.h"

#include "lwip_netif.h"
#include "lwip_sock.h"
#include "pollfd.h"

#define MAXFD   65536   /* descriptors and lwIP socket numbers tracked */

struct lsock {
	int s;                  /* lwIP socket number */
	int refs;               /* the table's, plus one per call running */
	int closed;             /* ioth_close() was called */
	int connecting;         /* a non-blocking connect is in progress */
	int nonblock;           /* O_NONBLOCK as the caller set it */
	int rcvtimeo;           /* SO_RCVTIMEO in ms, -1: none */
	int sndtimeo;           /* SO_SNDTIMEO in ms, -1: none */
	int backlog;            /* listen() backlog, -1: not listening */
	int unreach;            /* aborted by lwip_arpfail.c */
	unsigned long serial;   /* tells sockets reusing a descriptor apart */
	struct ioth_pollfd pfd;
};

static struct lsock *by_fd[MAXFD];
static struct lsock *by_sock[MAXFD];
static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static netconn_callback lwip_cb;        /* lwIP's own socket callback */
static unsigned long serials;

/* --- readiness ---------------------------------------------------------- */

/* POLLIN/POLLOUT as lwIP's counters say (both on error or close). */
static int readiness(const struct lsock *e)
{
	struct lwip_sock *sk;
	int r = POLLIN | POLLOUT;

	if (e->closed)
		return r | POLLNVAL;
	sk = lwip_socket_dbg_get_socket(e->s);
	if (sk != NULL) {
		SYS_ARCH_DECL_PROTECT(lev);
		SYS_ARCH_PROTECT(lev);
		r = 0;
		if (sk->lastdata.pbuf != NULL || sk->rcvevent > 0 ||
		    sk->errevent != 0)
			r |= POLLIN;
		if (sk->sendevent != 0 || sk->errevent != 0)
			r |= POLLOUT;
		SYS_ARCH_UNPROTECT(lev);
	}
	return r;
}

static void refresh_locked(struct lsock *e)
{
	int r = readiness(e);

	ioth_pollfd_set(&e->pfd, (r & POLLIN) != 0, (r & POLLOUT) != 0);
}

static void refresh(struct lsock *e)
{
	pthread_mutex_lock(&tab_lock);
	if (!e->closed)
		refresh_locked(e);
	pthread_mutex_unlock(&tab_lock);
}

/* Sockets whose readiness changed while this thread fed a batch of frames
 * to lwIP (see ioth_lwip_batch_begin()). */
#define DEFER_MAX 32
static __thread int defer_on;
static __thread int defer_n;
static __thread int defer_s[DEFER_MAX];

static void refresh_sock(int s)
{
	pthread_mutex_lock(&tab_lock);
	if (by_sock[s] != NULL)
		refresh_locked(by_sock[s]);
	pthread_mutex_unlock(&tab_lock);
}

static void event_cb(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	int s;
	int i;

	lwip_cb(conn, evt, len);
	s = conn->socket;
	if (s < 0 || s >= MAXFD)
		return;
	if (defer_on) {
		for (i = 0; i < defer_n; i++)
			if (defer_s[i] == s)
				return;
		if (defer_n < DEFER_MAX) {
			defer_s[defer_n++] = s;
			return;
		}
	}
	refresh_sock(s);
}

/* The thread feeding frames to lwIP wakes the socket's reader first (lwIP
 * posts to its mailbox); updating the pollfd there would hold the core
 * lock through a syscall, and the woken reader, which takes that lock at
 * once, would sleep on it: one more context switch per message.  So
 * updates raised between begin and end are applied by end, called after
 * the core lock is released.  Sockets are kept by lwIP number and looked
 * up again, as they may be closed meanwhile. */
void ioth_lwip_batch_begin(void)
{
	defer_on = 1;
	defer_n = 0;
}

void ioth_lwip_batch_end(void)
{
	int i;

	defer_on = 0;
	for (i = 0; i < defer_n; i++)
		refresh_sock(defer_s[i]);
	defer_n = 0;
}

/* --- the table ------------------------------------------------------------ */

static struct lsock *lookup(int fd)
{
	struct lsock *e = NULL;

	if (fd < 0 || fd >= MAXFD)
		return NULL;
	pthread_mutex_lock(&tab_lock);
	if (by_fd[fd] != NULL) {
		e = by_fd[fd];
		e->refs++;
	}
	pthread_mutex_unlock(&tab_lock);
	return e;
}

static void put(struct lsock *e)
{
	int last;

	pthread_mutex_lock(&tab_lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&tab_lock);
	if (!last)
		return;
	lwip_close(e->s);
	ioth_pollfd_close(&e->pfd);
	free(e);
}

/* Wrap lwIP socket s in a pollable descriptor.  Closes s on failure. */
static int track(int s)
{
	struct lwip_sock *sk = lwip_socket_dbg_get_socket(s);
	struct lsock *e;
	int err;

	if (sk == NULL || s >= MAXFD) {
		lwip_close(s);
		return -EMFILE;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		lwip_close(s);
		return -ENOMEM;
	}
	e->s = s;
	e->refs = 1;
	e->rcvtimeo = -1;
	e->sndtimeo = -1;
	e->backlog = -1;
	err = ioth_pollfd_open(&e->pfd);
	if (err == 0 && e->pfd.fd >= MAXFD) {
		ioth_pollfd_close(&e->pfd);
		err = -EMFILE;
	}
	if (err < 0) {
		free(e);
		lwip_close(s);
		return err;
	}
	lwip_fcntl(s, F_SETFL, O_NONBLOCK);     /* we block, not lwIP */
	LOCK_TCPIP_CORE();
	if (sk->conn->callback != event_cb) {
		lwip_cb = sk->conn->callback;
		sk->conn->callback = event_cb;
	}
	UNLOCK_TCPIP_CORE();
	pthread_mutex_lock(&tab_lock);
	e->serial = ++serials;
	by_fd[e->pfd.fd] = e;
	by_sock[s] = e;
	refresh_locked(e);
	pthread_mutex_unlock(&tab_lock);
	return e->pfd.fd;
}

int ioth_lwip_sock_close(int fd)
{
	struct lsock *e;

	if (fd < 0 || fd >= MAXFD)
		return -EBADF;
	pthread_mutex_lock(&tab_lock);
	e = by_fd[fd];
	if (e == NULL) {
		pthread_mutex_unlock(&tab_lock);
		return -EBADF;
	}
	by_fd[fd] = NULL;
	if (by_sock[e->s] == e)
		by_sock[e->s] = NULL;
	e->closed = 1;
	ioth_pollfd_set(&e->pfd, 1, 1);         /* wake its waiters */
	pthread_mutex_unlock(&tab_lock);
	put(e);
	return 0;
}

void ioth_lwip_sock_close_all(void)
{
	int fd;

	for (fd = 0; fd < MAXFD; fd++)
		if (by_fd[fd] != NULL)
			ioth_lwip_sock_close(fd);
}

/* --- waiting -------------------------------------------------------------- */

static int ready_cb(void *arg)
{
	return readiness(arg);
}

/* Wait for events on e; 0 on timeout, > 0 when ready, or -errno. */
static int wait_for(struct lsock *e, int events, int timeout_ms)
{
	int r = ioth_lwip_wait(e->pfd.fd, e->serial, events, timeout_ms,
	                       ready_cb, e);

	if (r > 0 && e->closed)
		return -EBADF;
	return r;
}

int ioth_lwip_sock_wait(int fd, int events, int timeout_ms)
{
	struct lsock *e = lookup(fd);
	int r;

	if (e == NULL)
		return -EBADF;
	r = wait_for(e, events, timeout_ms);
	refresh(e);
	put(e);
	return r;
}

/* --- calls ---------------------------------------------------------------- */

/* The errno lwIP reports for e, as this back-end reports it. */
static int errno_of(const struct lsock *e, int err)
{
	int unreach = __atomic_load_n(&e->unreach, __ATOMIC_RELAXED);

	return err == ECONNABORTED && unreach ? EHOSTUNREACH : err;
}

void ioth_lwip_sock_unreachable(int s)
{
	if (s < 0 || s >= MAXFD)
		return;
	pthread_mutex_lock(&tab_lock);
	if (by_sock[s] != NULL)
		__atomic_store_n(&by_sock[s]->unreach, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&tab_lock);
}

/* Finish a call: refresh readiness, drop the reference, -1/errno to
 * -errno. */
static long done(struct lsock *e, long r)
{
	int err = errno_of(e, errno);

	refresh(e);
	put(e);
	return r < 0 ? -err : r;
}

#define GET(e, fd) struct lsock *e = lookup(fd); \
	if (e == NULL) return -EBADF

/* Block until events or the timeout: 0 to retry the call, else -errno
 * (EAGAIN if the call would block or timed out). */
static int block(struct lsock *e, int flags, int events, int timeout_ms)
{
	int r;

	if (e->nonblock || (flags & MSG_DONTWAIT))
		return -EAGAIN;
	r = wait_for(e, events, timeout_ms);
	if (r == 0)
		return -EAGAIN;
	return r < 0 ? r : 0;
}

int ioth_lwip_sock_nonblock(int fd, int on)
{
	GET(e, fd);
	e->nonblock = on;
	put(e);
	return 0;
}

int ioth_lwip_sock_socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int s;
	int fd;

	s = lwip_socket(domain, base, protocol);
	if (s < 0)
		return -errno;
	fd = track(s);
	if (fd >= 0 && (type & SOCK_NONBLOCK))
		ioth_lwip_sock_nonblock(fd, 1);
	return fd;
}

int ioth_lwip_sock_bind(int fd, const struct sockaddr *a, socklen_t l)
{
	int r;

	GET(e, fd);
	r = ioth_lwip_addr_bindable(a, l);
	if (r < 0) {
		put(e);
		return r;
	}
	return (int) done(e, lwip_bind(e->s, a, l));
}

static int conn_error(struct lsock *e)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (lwip_getsockopt(e->s, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		return errno;
	err = errno_of(e, err);
	return err == ECONNRESET ? ECONNREFUSED : err;  /* RST to a SYN */
}

int ioth_lwip_sock_connect(int fd, const struct sockaddr *a, socklen_t l)
{
	long r;
	int w;

	GET(e, fd);
	r = lwip_connect(e->s, a, l);
	if (r < 0 && errno == ECONNRESET)
		errno = ECONNREFUSED;   /* RST in SYN_SENT: refused */
	if (r == 0 || errno != EINPROGRESS)
		return (int) done(e, r);
	e->connecting = 1;
	ioth_arpfail_watch();
	w = block(e, 0, POLLOUT, e->sndtimeo);
	if (w == -EAGAIN) {             /* non-blocking, or timed out */
		errno = EINPROGRESS;
		return (int) done(e, -1);
	}
	if (w < 0) {
		errno = -w;
		return (int) done(e, -1);
	}
	e->connecting = 0;
	errno = conn_error(e);
	return (int) done(e, errno != 0 ? -1 : 0);
}

int ioth_lwip_sock_listen(int fd, int backlog)
{
	long r;

	GET(e, fd);
	r = lwip_listen(e->s, backlog);
	if (r == 0) {
		pthread_mutex_lock(&tab_lock);
		e->backlog = backlog < 0 ? 0 : backlog;
		pthread_mutex_unlock(&tab_lock);
	}
	return (int) done(e, r);
}

int ioth_lwip_sock_backlog(int s)
{
	int b = -1;

	if (s < 0 || s >= MAXFD)
		return -1;
	pthread_mutex_lock(&tab_lock);
	if (by_sock[s] != NULL)
		b = by_sock[s]->backlog;
	pthread_mutex_unlock(&tab_lock);
	return b;
}

int ioth_lwip_sock_accept(int fd, struct sockaddr *a, socklen_t *l)
{
	int ns;
	int w;

	GET(e, fd);
	for (;;) {
		ns = lwip_accept(e->s, a, l);
		if (ns >= 0 || errno != EWOULDBLOCK)
			break;
		w = block(e, 0, POLLIN, e->rcvtimeo);
		if (w < 0) {
			errno = -w;
			break;
		}
	}
	ns = (int) done(e, ns);
	if (ns < 0)
		return ns;
	return track(ns);
}

ssize_t ioth_lwip_sock_recvfrom(int fd, void *buf, size_t len, int flags,
                                struct sockaddr *a, socklen_t *l)
{
	int all = flags & MSG_WAITALL;
	int dontwait = flags & MSG_DONTWAIT;
	size_t got = 0;
	long r;
	int w;

	GET(e, fd);
	flags = (flags & ~MSG_WAITALL) | MSG_DONTWAIT;
	for (;;) {
		r = lwip_recvfrom(e->s, (char *) buf + got, len - got, flags,
		                  a, l);
		if (r > 0 && all && got + (size_t) r < len &&
		    !(flags & MSG_PEEK)) {
			got += (size_t) r;      /* MSG_WAITALL: fill buf */
			continue;
		}
		if (r >= 0 || errno != EWOULDBLOCK)
			break;
		w = block(e, dontwait, POLLIN, e->rcvtimeo);
		if (w < 0) {
			errno = -w;
			break;
		}
	}
	if (got > 0)    /* a short MSG_WAITALL read: what arrived, then the
	                 * error (or EOF) on the next call */
		return done(e, (long) got + (r > 0 ? r : 0));
	return done(e, r);
}

ssize_t ioth_lwip_sock_sendto(int fd, const void *buf, size_t len,
                              int flags, const struct sockaddr *a,
                              socklen_t l)
{
	int dontwait = flags & MSG_DONTWAIT;
	size_t sent = 0;
	long r;
	int w;

	GET(e, fd);
	flags = (flags & ~MSG_NOSIGNAL) | MSG_DONTWAIT;
	for (;;) {
		const char *p = (const char *) buf + sent;
		r = a == NULL ? lwip_send(e->s, p, len - sent, flags)
		    : lwip_sendto(e->s, p, len - sent, flags, a, l);
		if (r >= 0) {
			sent += (size_t) r;
			if (sent >= len || e->nonblock || dontwait)
				break;
			continue;       /* blocking: all of it goes */
		}
		if (errno != EWOULDBLOCK)
			break;
		w = block(e, dontwait, POLLOUT, e->sndtimeo);
		if (w < 0) {
			errno = -w;
			break;
		}
	}
	return done(e, sent > 0 ? (long) sent : r);
}

int ioth_lwip_sock_shutdown(int fd, int how)
{
	GET(e, fd);
	return (int) done(e, lwip_shutdown(e->s, how));
}

static int sk_connected(int s)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);

	return lwip_getpeername(s, (struct sockaddr *) &ss, &l) == 0;
}

int ioth_lwip_sock_getsockopt(int fd, int level, int name, void *val,
                              socklen_t *len)
{
	int r;

	GET(e, fd);
	r = lwip_getsockopt(e->s, level, name, val, len);
	if (r == 0 && level == SOL_SOCKET && name == SO_ERROR &&
	    *len >= sizeof(int))
		*(int *) val = errno_of(e, *(int *) val);
	if (r == 0 && level == SOL_SOCKET && name == SO_ERROR &&
	    *len >= sizeof(int) && e->connecting) {
		int *v = val;
		if (*v == ECONNRESET)
			*v = ECONNREFUSED;
		if (*v != 0 || sk_connected(e->s))
			e->connecting = 0;
	}
	return (int) done(e, r);
}

static int timeo_ms(const void *val, socklen_t len)
{
	const struct timeval *tv = val;
	long long ms;

	if (len < sizeof(*tv))
		return -2;
	ms = (long long) tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
	if (ms <= 0)
		return -1;              /* zero: no timeout, as on Linux */
	return ms > 0x7fffffff ? 0x7fffffff : (int) ms;
}

int ioth_lwip_sock_setsockopt(int fd, int level, int name, const void *val,
                              socklen_t len)
{
	int r;

	GET(e, fd);
	r = lwip_setsockopt(e->s, level, name, val, len);
	if (r == 0 && level == SOL_SOCKET &&
	    (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		int ms = timeo_ms(val, len);
		if (ms >= -1)
			*(name == SO_RCVTIMEO ? &e->rcvtimeo : &e->sndtimeo) =
				ms;
	}
	return (int) done(e, r);
}

int ioth_lwip_sock_getsockname(int fd, struct sockaddr *a, socklen_t *l)
{
	GET(e, fd);
	return (int) done(e, lwip_getsockname(e->s, a, l));
}

int ioth_lwip_sock_getpeername(int fd, struct sockaddr *a, socklen_t *l)
{
	GET(e, fd);
	return (int) done(e, lwip_getpeername(e->s, a, l));
}
