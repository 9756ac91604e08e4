/*
 * lwipv6.c - the "lwipv6" back-end: the LWIPv6 library of the original
 * PycoTCP (liblwipv6-dev), many stacks per process.
 *
 * liblwipv6 exports the same symbol names as Debian's lwIP (lwip_socket,
 * lwip_init...), so it is loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND)
 * and used through the function table below; both back-ends can then live
 * in one process.
 *
 * Pollable sockets: LWIPv6 descriptors are placeholders that never become
 * ready, so each socket is paired with an ioth_pollfd.  Readiness comes
 * from lwip_event_subscribe(): it returns the ready events or, if none,
 * arms a one-shot callback (run by the stack thread while it holds its
 * event lock, so the callback only raises the pollfd state).  After every
 * call the state is recomputed; a generation counter per direction keeps a
 * callback that races with that recomputation from being lost.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <poll.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <unistd.h>
#include <time.h>

#include "lwipv6_conn.h"
#include "lwipv6_drain.h"
#include "lwipv6_fix.h"
#include "lwipv6_port.h"
#include "ops.h"
#include "pollfd.h"

#define NETIF_FLAG_AUTOCONF 0x800U
#define NETIF_FLAG_DHCP     0x4000U
#define MAXIF 8

struct v6addr {
	uint32_t addr[4];
};

struct lib {
	void *(*add_stack)(unsigned long flags);
	void (*del_stack)(void *stack);
	void *(*add_vdeif)(void *stack, void *arg, int flags);
	int (*add_addr)(void *netif, struct v6addr *ip, struct v6addr *mask);
	int (*add_route)(void *stack, struct v6addr *dst, struct v6addr *mask,
	                 struct v6addr *nexthop, void *netif, int flags);
	int (*ifup_flags)(void *netif, int flags);
	int (*msocket)(void *stack, int domain, int type, int protocol);
	int (*fcntl)(int s, int cmd, long arg);
	int (*bind)(int s, const struct sockaddr *a, socklen_t l);
	int (*connect)(int s, const struct sockaddr *a, socklen_t l);
	int (*listen)(int s, int backlog);
	int (*accept)(int s, struct sockaddr *a, socklen_t *l);
	ssize_t (*recvfrom)(int s, void *mem, int len, unsigned int flags,
	                    struct sockaddr *from, socklen_t *fromlen);
	ssize_t (*sendto)(int s, const void *data, int size,
	                  unsigned int flags, const struct sockaddr *to,
	                  socklen_t tolen);
	ssize_t (*send)(int s, const void *data, int size, unsigned int flags);
	int (*shutdown)(int s, int how);
	int (*close)(int s);
	int (*getsockopt)(int s, int level, int name, void *v, socklen_t *l);
	int (*setsockopt)(int s, int level, int name, const void *v,
	                  socklen_t l);
	int (*getsockname)(int s, struct sockaddr *a, socklen_t *l);
	int (*getpeername)(int s, struct sockaddr *a, socklen_t *l);
	int (*event_subscribe)(void (*cb)(void *), void *arg, int fd,
	                       int how);
};

static struct lib lib;
static int lib_err = -ENOSYS;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

#define SYM(field, name) { (void **) &lib.field, name }

static void lib_load(void)
{
	static const struct { void **f; const char *name; } tab[] = {
		SYM(add_stack, "lwip_add_stack"),
		SYM(del_stack, "lwip_del_stack"),
		SYM(add_vdeif, "lwip_add_vdeif"),
		SYM(add_addr, "lwip_add_addr"),
		SYM(add_route, "lwip_add_route"),
		SYM(ifup_flags, "lwip_ifup_flags"),
		SYM(msocket, "lwip_msocket"),
		SYM(fcntl, "lwip_fcntl"),
		SYM(bind, "lwip_bind"),
		SYM(connect, "lwip_connect"),
		SYM(listen, "lwip_listen"),
		SYM(accept, "lwip_accept"),
		SYM(recvfrom, "lwip_recvfrom"),
		SYM(sendto, "lwip_sendto"),
		SYM(send, "lwip_send"),
		SYM(shutdown, "lwip_shutdown"),
		SYM(close, "lwip_close"),
		SYM(getsockopt, "lwip_getsockopt"),
		SYM(setsockopt, "lwip_setsockopt"),
		SYM(getsockname, "lwip_getsockname"),
		SYM(getpeername, "lwip_getpeername"),
		SYM(event_subscribe, "lwip_event_subscribe"),
	};
	void *h = dlopen("liblwipv6.so.2", RTLD_NOW | RTLD_LOCAL |
	                 RTLD_DEEPBIND);
	size_t i;

	if (h == NULL) {
		lib_err = -ENOSYS;      /* liblwipv6 is not installed */
		return;
	}
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		*tab[i].f = dlsym(h, tab[i].name);
		if (*tab[i].f == NULL) {
			lib_err = -ENOSYS;
			return;
		}
	}
	/* its mailboxes overrun the stack past FD_SETSIZE descriptors:
	 * never use it unpatched */
	lib_err = ioth_lwipv6_fix(h) < 0 ? -ELIBBAD : 0;
	l6drain_setup(h);       /* wraps its tcp_close(); 0: another build,
	                         * whose close is left and wait is blind */
}

static void close_all(void *owner);

struct v6stack {
	void *stack;
	void *ifs[MAXIF];
	struct l6conn_group conns;      /* its connects (lwipv6_conn.c) */
	struct l6drain drain;           /* what its TCP connections still
	                                 * hold, at deletion (lwipv6_drain.c) */
};

static int l6_create(void **priv)
{
	struct v6stack *st;

	pthread_once(&lib_once, lib_load);
	if (lib_err < 0)
		return lib_err;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->stack = lib.add_stack(0);
	if (st->stack == NULL) {
		free(st);
		return -ENOMEM;
	}
	l6conn_group_init(&st->conns);
	l6drain_init(&st->drain, st->stack);
	*priv = st;
	return 0;
}

static void l6_destroy(void *priv)
{
	struct v6stack *st = priv;

	close_all(priv);
	/* the stack dies with the process: what its connections still hold
	 * is delivered first (up to L6DRAIN_MS), as a kernel would after
	 * the process exited */
	l6drain_wait(&st->drain);
	/* with the connects still running (lwipv6_conn.c) */
	l6conn_group_end(&st->conns, lib.del_stack, st->stack);
	free(st);
}

static void *get_if(struct v6stack *st, int ifindex)
{
	if (ifindex < 1 || ifindex > MAXIF)
		return NULL;
	return st->ifs[ifindex - 1];
}

static int l6_if_add(void *priv, const char *vnl, const char *ifname)
{
	struct v6stack *st = priv;
	int i;

	(void) ifname;          /* LWIPv6 names its interfaces vdN */
	for (i = 0; i < MAXIF && st->ifs[i] != NULL; i++)
		;
	if (i == MAXIF)
		return -ENOSPC;
	errno = 0;
	st->ifs[i] = lib.add_vdeif(st->stack, (void *) vnl,
	                           NETIF_FLAG_AUTOCONF);
	if (st->ifs[i] == NULL)
		return errno != 0 ? -errno : -ENOENT;
	if (lib.ifup_flags(st->ifs[i], 0) < 0)
		return -EIO;
	return i + 1;
}

static int l6_if_set_mac(void *priv, int ifindex, const uint8_t mac[6])
{
	(void) priv; (void) ifindex; (void) mac;
	return -EOPNOTSUPP;     /* LWIPv6 has no API to change a MAC */
}

static int l6_if_set_mtu(void *priv, int ifindex, unsigned int mtu)
{
	(void) priv; (void) ifindex; (void) mtu;
	return -EOPNOTSUPP;     /* LWIPv6 has no API to change an MTU */
}

/* LWIPv6 stores IPv4 as v4-mapped IPv6 with an all-ones mapped mask. */
static void to_v6(int family, const void *addr, int prefixlen,
                  struct v6addr *ip, struct v6addr *mask)
{
	int bits = prefixlen;
	int i;

	memset(ip, 0, sizeof(*ip));
	if (family == AF_INET) {
		ip->addr[2] = htonl(0xffff);
		memcpy(&ip->addr[3], addr, 4);
		bits = prefixlen < 0 ? -1 : prefixlen + 96;
	} else {
		memcpy(ip->addr, addr, 16);
	}
	if (mask == NULL)
		return;
	for (i = 0; i < 4; i++) {
		int b = bits - 32 * i;
		uint32_t m = b >= 32 ? ~0U : b <= 0 ? 0 : ~0U << (32 - b);
		mask->addr[i] = htonl(m);
	}
}

static int l6_addr_add(void *priv, int ifindex, int family, const void *addr,
                       int prefixlen)
{
	struct v6addr ip;
	struct v6addr mask;
	void *n = get_if(priv, ifindex);

	if (n == NULL)
		return -ENODEV;
	to_v6(family, addr, prefixlen, &ip, &mask);
	if (lib.add_addr(n, &ip, &mask) < 0)
		return -EINVAL;
	return 0;
}

static int l6_route_add(void *priv, int family, const void *gw)
{
	struct v6stack *st = priv;
	struct v6addr any;
	struct v6addr amask;
	struct v6addr nh;
	static const uint8_t zero[16];  /* the unspecified address, either family */

	to_v6(family, zero, 0, &any, &amask);
	to_v6(family, gw, -1, &nh, NULL);
	if (lib.add_route(st->stack, &any, &amask, &nh, NULL, 0) < 0)
		return -ENETUNREACH;
	return 0;
}

static int l6_autoconf(void *priv, int ifindex, int family)
{
	void *n = get_if(priv, ifindex);

	if (n == NULL)
		return -ENODEV;
	if (family == AF_INET)
		return lib.ifup_flags(n, NETIF_FLAG_DHCP) < 0 ? -EIO : 0;
	return 0;       /* interfaces are created with NETIF_FLAG_AUTOCONF */
}

/* --- pollable sockets ------------------------------------------------------ */

#define MAXFD 65536

struct v6sock {
	int s;                  /* LWIPv6 descriptor */
	void *owner;            /* the struct v6stack */
	pthread_mutex_t lock;   /* guards pfd and the generations */
	unsigned gen[2];        /* callbacks seen: [0] POLLIN, [1] POLLOUT */
	char tag[2];            /* distinct callback arguments per direction */
	struct l6conn *conn;    /* the last connect made in the background,
	                         * or NULL */
	int conn_running;       /* it runs: the library must not be called
	                         * on the socket, which is not ready */
	int conn_told;          /* its result was reported */
	int nonblock;           /* O_NONBLOCK set through us */
	int stream;             /* TCP */
	int reuse;              /* SO_REUSEADDR set */
	int listening;
	int rcvtimeo;           /* SO_RCVTIMEO in ms, 0: none (LWIPv6 has
	                         * neither timeout: applied here) */
	int sndtimeo;           /* SO_SNDTIMEO in ms, 0: none */
	struct sockaddr_storage peer;   /* LWIPv6 misreports peers: kept */
	socklen_t peerlen;
	struct sockaddr_storage local;  /* last bound address */
	socklen_t locallen;
	struct ioth_pollfd pfd;
};

static struct v6sock *by_fd[MAXFD];
static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;

static struct v6sock *lookup(int fd)
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

static void refresh(struct v6sock *e)
{
	unsigned g0, g1;
	int rin, rout;

	pthread_mutex_lock(&e->lock);
	g0 = e->gen[0];
	g1 = e->gen[1];
	pthread_mutex_unlock(&e->lock);
	rin = lib.event_subscribe(ready_cb, &e->tag[0], e->s, POLLIN);
	rout = lib.event_subscribe(ready_cb, &e->tag[1], e->s, POLLOUT);
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

static int fd_headroom(void)
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
static int track(void *owner, int s)
{
	struct v6sock *e = calloc(1, sizeof(*e));
	int err;

	if (e == NULL) {
		ioth_lwipv6_close(lib.close, s);
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
		ioth_lwipv6_close(lib.close, s);
		return err;
	}
	pthread_mutex_lock(&tab_lock);
	by_fd[e->pfd.fd] = e;
	pthread_mutex_unlock(&tab_lock);
	refresh(e);
	return e->pfd.fd;
}

/* A socket closed while its connect ran, once the library returned. */
static void close_late(int s)
{
	ioth_lwipv6_close(lib.close, s);
}

static int untrack(int fd)
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
	lib.event_subscribe(NULL, &e->tag[0], e->s, POLLIN);
	lib.event_subscribe(NULL, &e->tag[1], e->s, POLLOUT);
	if (e->conn == NULL || l6conn_abandon(e->conn, close_late))
		ioth_lwipv6_close(lib.close, e->s);
	ioth_pollfd_close(&e->pfd);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return 0;
}

static void close_all(void *owner)
{
	int fd;

	for (fd = 0; fd < MAXFD; fd++) {
		struct v6sock *e = lookup(fd);
		if (e != NULL && e->owner == owner)
			untrack(fd);
	}
}

/* ms minus the ms since t0 */
static long ms_left(const struct timespec *t0, int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ms - ((t.tv_sec - t0->tv_sec) * 1000 +
	             (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Before a blocking call with a timeout: wait for events; 0 when ready
 * (or no timeout applies), -EAGAIN when the timeout passed. */
static int timed_wait(struct v6sock *e, int flags, short events, int ms)
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
		left = ms_left(&t0, ms);
		if (left <= 0)
			return -EAGAIN;
	}
}

/* Results of LWIPv6 calls: refresh readiness, convert -1/errno. */
static long done(struct v6sock *e, long r)
{
	int err = errno != 0 ? errno : EIO;

	refresh(e);
	return r < 0 ? -err : r;
}

#define GET(e, fd) struct v6sock *e = lookup(fd); \
	(void) priv; if (e == NULL) return -EBADF; errno = 0

/* The result of a connect: 0 or -errno. */
static int conn_result(struct v6sock *e, int r, const struct sockaddr *a,
                       socklen_t l)
{
	if (r == 0 && a != NULL && l <= sizeof(e->peer)) {
		memcpy(&e->peer, a, l);
		e->peerlen = l;
	}
	return r == -ECONNRESET ? -ECONNREFUSED : r;   /* RST in SYN_SENT */
}

/* Connect thread: the connect ended; the socket is ready again. */
static void conn_ready(void *arg)
{
	struct v6sock *e = arg;

	pthread_mutex_lock(&e->lock);
	e->conn_running = 0;
	pthread_mutex_unlock(&e->lock);
	refresh(e);
}

/* How long a call may wait: 0 non-blocking, else its timeout ms or -1. */
static int io_ms(const struct v6sock *e, int flags, int timeo)
{
	if (e->nonblock || (flags & MSG_DONTWAIT))
		return 0;
	return timeo > 0 ? timeo : -1;
}

/* 1 while the socket's connect runs (the library must not be called on
 * the socket): after waiting for it up to ms (< 0: no limit) */
static int conn_busy(struct v6sock *e, int ms)
{
	return e->conn != NULL && l6conn_wait(e->conn, ms) == -EINPROGRESS;
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
			return conn_result(e, r, NULL, 0);
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
	r = l6conn_start(&e->conn, &st->conns, lib.connect, e->s, a, l,
	                 conn_ready, e);
	if (r < 0) {
		e->conn = NULL;
		pthread_mutex_lock(&e->lock);
		e->conn_running = 0;
		pthread_mutex_unlock(&e->lock);
		refresh(e);
		return r;
	}
	if (e->nonblock)
		return -EINPROGRESS;
	r = l6conn_wait(e->conn, ms);
	if (r == -EINPROGRESS)
		return r;
	e->conn_told = 1;
	return conn_result(e, r, NULL, 0);
}

static int l6_socket(void *priv, int domain, int type, int protocol)
{
	struct v6stack *st = priv;
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int s;

	s = fd_headroom();
	if (s < 0)
		return s;
	errno = 0;
	s = lib.msocket(st->stack, domain, base, protocol);
	if (s < 0)
		return -(errno != 0 ? errno : ENOMEM);
	if (type & SOCK_NONBLOCK)
		lib.fcntl(s, F_SETFL, O_NONBLOCK);
	s = track(priv, s);
	if (s >= 0 && (type & SOCK_NONBLOCK))
		lookup(s)->nonblock = 1;
	if (s >= 0)
		lookup(s)->stream = base == SOCK_STREAM;
	return s;
}

static int l6_set_nonblock(void *priv, int fd, int on)
{
	GET(e, fd);
	e->nonblock = on;
	return (int) done(e, lib.fcntl(e->s, F_SETFL, on ? O_NONBLOCK : 0));
}

/* Another socket of the stack is bound to a's port: LWIPv6 would bind
 * it again; the kernel's rule (allowed only when both set SO_REUSEADDR
 * and the other one does not listen). */
static int port_taken(struct v6sock *e, const struct sockaddr *a,
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

static int l6_bind(void *priv, int fd, const struct sockaddr *a, socklen_t l)
{
	long r;

	GET(e, fd);
	if (conn_busy(e, 0))
		return -EINVAL;         /* connecting: bound already */
	if (port_taken(e, a, l))
		return -EADDRINUSE;
	r = lib.bind(e->s, a, l);
	if (r == 0 && l <= sizeof(e->local)) {
		memcpy(&e->local, a, l);
		e->locallen = l;
	}
	return (int) done(e, r);
}

static int l6_connect(void *priv, int fd, const struct sockaddr *a,
                      socklen_t l)
{
	long r;

	GET(e, fd);
	if (e->stream && (e->nonblock || e->sndtimeo > 0 || e->conn != NULL))
		return connect_bg(e, a, l);
	r = lib.connect(e->s, a, l);
	return conn_result(e, (int) done(e, r), a, l);
}

static int l6_listen(void *priv, int fd, int backlog)
{
	int r;

	GET(e, fd);
	if (conn_busy(e, 0))
		return -EINVAL;
	r = (int) done(e, lib.listen(e->s, backlog));
	if (r == 0)
		e->listening = 1;
	return r;
}

static int l6_accept(void *priv, int fd, struct sockaddr *a, socklen_t *l)
{
	int ns;

	GET(e, fd);
	if (conn_busy(e, 0))
		return -EINVAL;
	/* LWIPv6's accept() blocks even on non-blocking sockets; a NULL
	 * callback queries readiness without arming anything */
	if (e->nonblock && lib.event_subscribe(NULL, NULL, e->s, POLLIN) == 0) {
		refresh(e);
		return -EAGAIN;
	}
	if (e->rcvtimeo > 0 && !e->nonblock) {
		/* LWIPv6 waits without limit once called: only call it
		 * when a connection is there (readiness can be stale) */
		struct timespec t0;
		long left = e->rcvtimeo;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			ns = timed_wait(e, 0, POLLIN, (int) left);
			if (ns < 0)
				return ns;
			if (lib.event_subscribe(NULL, NULL, e->s, POLLIN) != 0)
				break;
			refresh(e);
			left = ms_left(&t0, e->rcvtimeo);
			if (left <= 0)
				return -EAGAIN;
		}
	}
	ns = fd_headroom();
	if (ns < 0)
		return ns;
	ns = (int) done(e, lib.accept(e->s, a, l));
	if (ns < 0)
		return ns;
	ns = track(e->owner, ns);
	if (ns >= 0)
		lookup(ns)->stream = 1;
	return ns;
}

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
	r = lib.recvfrom(e->s, buf, (int) len, (unsigned) flags, a, l);
	*expired = ioth_lwipv6_rx_expired();
	if (*expired && (flags & MSG_PEEK))
		ioth_lwipv6_rx_drop(lib.recvfrom, e->s);
	return r;
}

static ssize_t l6_recvfrom(void *priv, int fd, void *buf, size_t len,
                           int flags, struct sockaddr *a, socklen_t *l)
{
	int expired;
	long r;
	int w;

	GET(e, fd);
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	if (conn_busy(e, io_ms(e, flags, e->rcvtimeo)))
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
			w = timed_wait(e, flags, POLLIN, (int) left);
			if (w < 0)
				return w;
			left = ms_left(&t0, e->rcvtimeo);
			if (left <= 0)
				return -EAGAIN;
			r = recv_bounded(e, buf, len, flags | MSG_DONTWAIT, a,
			                 l, (int) left, &expired);
			if (expired) {
				refresh(e);
				return -EAGAIN;
			}
			if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				return done(e, r);
			refresh(e);
			left = ms_left(&t0, e->rcvtimeo);
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
			refresh(e);
			return -EAGAIN;
		}
		return done(e, r);
	}
	w = timed_wait(e, flags, POLLIN, e->rcvtimeo);
	if (w < 0)
		return w;
	return done(e, lib.recvfrom(e->s, buf, (int) len, (unsigned) flags,
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
		r = lib.send(e->s, buf, (int) len, (unsigned) flags);
	else
		r = lib.sendto(e->s, buf, (int) len, (unsigned) flags, a, l);
	n = bounded ? ioth_lwipv6_tx_taken() : -1;
	if (r > 0 && n != 0 && e->stream)
		l6drain_note_send(&((struct v6stack *) e->owner)->drain);
	return r >= 0 && n >= 0 && n < r ? n : r;
}

static ssize_t l6_sendto(void *priv, int fd, const void *buf, size_t len,
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
	ms = io_ms(e, flags, e->sndtimeo);
	if (conn_busy(e, ms))
		return -EAGAIN;         /* no room before it is connected */
	flags &= ~MSG_NOSIGNAL;
	if (!e->stream || ms < 0) {     /* no limit: all is taken */
		w = timed_wait(e, flags, POLLOUT, e->sndtimeo);
		if (w < 0)
			return w;
		return done(e, send_once(e, buf, len, flags, a, l, 0, 0));
	}
	/* LWIPv6 waits until it has taken the whole message, MSG_DONTWAIT
	 * or not: give it what fits (a short count, as the kernel's), and
	 * wait for room within the timeout here */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	left = ms;
	for (;;) {
		w = timed_wait(e, flags, POLLOUT, (int) left);
		if (w < 0)
			return w;
		r = send_once(e, buf, len, flags, a, l, 1, (int) left);
		if (r != 0 || len == 0)
			return done(e, r);
		refresh(e);
		left = ms_left(&t0, ms);
		if (ms == 0 || left <= 0)
			return -EAGAIN;
		nanosleep(&pause, NULL);        /* readiness can be stale */
	}
}

static int l6_shutdown(void *priv, int fd, int how)
{
	GET(e, fd);
	if (conn_busy(e, 0))
		return -ENOTCONN;
	return (int) done(e, lib.shutdown(e->s, how));
}

static int l6_close(void *priv, int fd)
{
	(void) priv;
	return untrack(fd);
}

/* LWIPv6 IPv6 sockets always accept v4-mapped peers: V6ONLY is 0. */
static int v6only(int level, int name)
{
	return level == IPPROTO_IPV6 && name == IPV6_V6ONLY;
}

static int *timeo(struct v6sock *e, int level, int name)
{
	if (level != SOL_SOCKET)
		return NULL;
	return name == SO_RCVTIMEO ? &e->rcvtimeo :
	       name == SO_SNDTIMEO ? &e->sndtimeo : NULL;
}

static int l6_getsockopt(void *priv, int fd, int level, int name, void *val,
                         socklen_t *len)
{
	int *t;
	int r;

	GET(e, fd);
	t = timeo(e, level, name);
	if (t != NULL) {
		struct timeval tv = { .tv_sec = *t / 1000,
		                      .tv_usec = (*t % 1000) * 1000 };
		if (*len < sizeof(tv))
			return -EINVAL;
		memcpy(val, &tv, sizeof(tv));
		*len = sizeof(tv);
		return 0;
	}
	if (v6only(level, name)) {
		if (*len < sizeof(int))
			return -EINVAL;
		*(int *) val = 0;
		*len = sizeof(int);
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_ERROR && e->conn != NULL &&
	    !e->conn_told) {
		/* the connect's: 0 while it runs, its error once */
		r = l6conn_wait(e->conn, 0);
		if (r == -EINPROGRESS || r < 0) {
			if (*len < sizeof(int))
				return -EINVAL;
			*(int *) val = r == -EINPROGRESS ? 0 :
			               -conn_result(e, r, NULL, 0);
			*len = sizeof(int);
			e->conn_told = r != -EINPROGRESS;
			return 0;
		}
	}
	return (int) done(e, lib.getsockopt(e->s, level, name, val, len));
}

static int l6_setsockopt(void *priv, int fd, int level, int name,
                         const void *val, socklen_t len)
{
	int *t;

	GET(e, fd);
	t = timeo(e, level, name);
	if (t != NULL) {
		struct timeval tv;
		long long ms;

		if (len < sizeof(tv))
			return -EINVAL;
		memcpy(&tv, val, sizeof(tv));
		if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EDOM;
		ms = (long long) tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
		*t = ms <= 0 ? 0 : ms > 0x7fffffff ? 0x7fffffff : (int) ms;
		return 0;
	}
	if (v6only(level, name)) {
		if (len < sizeof(int))
			return -EINVAL;
		return *(const int *) val == 0 ? 0 : -ENOPROTOOPT;
	}
	if (level == SOL_SOCKET && name == SO_REUSEADDR && len >= sizeof(int))
		e->reuse = *(const int *) val != 0;     /* for port_taken() */
	return (int) done(e, lib.setsockopt(e->s, level, name, val, len));
}

static int l6_getsockname(void *priv, int fd, struct sockaddr *a,
                          socklen_t *l)
{
	long r;

	GET(e, fd);
	r = lib.getsockname(e->s, a, l);
	if (r < 0 && e->locallen > 0) {
		/* LWIPv6 fails on some bound sockets (UDP): report the bind */
		memcpy(a, &e->local, *l < e->locallen ? *l : e->locallen);
		*l = e->locallen;
		r = 0;
	}
	return (int) done(e, r);
}

static int l6_getpeername(void *priv, int fd, struct sockaddr *a,
                          socklen_t *l)
{
	GET(e, fd);
	if (conn_busy(e, 0))
		return -ENOTCONN;
	if (e->peerlen > 0) {
		struct sockaddr_storage tmp;
		socklen_t tl = sizeof(tmp);

		/* still connected?  then report the address we connected to */
		if (lib.getpeername(e->s, (struct sockaddr *) &tmp, &tl) < 0)
			return (int) done(e, -1);
		memcpy(a, &e->peer, *l < e->peerlen ? *l : e->peerlen);
		*l = e->peerlen;
		return 0;
	}
	return (int) done(e, lib.getpeername(e->s, a, l));
}

const struct ioth_ops ioth_lwipv6_ops = {
	.name = "lwipv6",
	.kernel_sockets = 0,
	.create = l6_create,
	.destroy = l6_destroy,
	.if_add = l6_if_add,
	.if_set_mac = l6_if_set_mac,
	.if_set_mtu = l6_if_set_mtu,
	.addr_add = l6_addr_add,
	.route_add = l6_route_add,
	.autoconf = l6_autoconf,
	.socket = l6_socket,
	.set_nonblock = l6_set_nonblock,
	.bind = l6_bind,
	.connect = l6_connect,
	.listen = l6_listen,
	.accept = l6_accept,
	.recvfrom = l6_recvfrom,
	.sendto = l6_sendto,
	.shutdown = l6_shutdown,
	.close = l6_close,
	.getsockopt = l6_getsockopt,
	.setsockopt = l6_setsockopt,
	.getsockname = l6_getsockname,
	.getpeername = l6_getpeername,
};
