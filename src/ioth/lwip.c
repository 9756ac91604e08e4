/*
 * lwip.c - the "lwip" back-end: Debian's lwIP 2.1.3 running in this
 * process, attached to VDE through lwip_netif.c.
 *
 * lwIP keeps global state, so one live lwip stack per process (a second
 * ioth_new("lwip") fails with -EBUSY until the first is deleted).
 *
 * Pollable sockets: each lwIP socket is paired with an ioth_pollfd whose
 * descriptor is what callers see.  The netconn event callback installed by
 * lwIP's socket layer is chained: after lwIP updates its counters, the
 * readiness of the socket is copied to the pollfd.  Calls made through this
 * file refresh readiness again on return, because lwIP changes some state
 * (leftover receive data) without raising an event.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "lwip/opt.h"
#include "lwip/api.h"
#include "lwip/netif.h"
#include "lwip/sockets.h"
#include "lwip/tcpip.h"
#include "lwip/priv/sockets_priv.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "lwip_netif.h"
#include "ops.h"
#include "pollfd.h"

#define MAXFD   65536   /* descriptors and lwIP socket numbers tracked */
#define MAXIF   8
#define DRAIN_MS 5000   /* how long closed connections may flush at exit */

struct lsock {
	int s;                  /* lwIP socket number */
	int connecting;         /* a non-blocking connect is in progress */
	struct ioth_pollfd pfd;
};

struct lstack {
	struct ioth_vnif *ifs[MAXIF];
};

static struct lsock *by_fd[MAXFD];
static struct lsock *by_sock[MAXFD];
static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static netconn_callback lwip_cb;        /* lwIP's own socket callback */
static int stack_alive;

/* --- readiness ---------------------------------------------------------- */

static void refresh_locked(struct lsock *e)
{
	struct lwip_sock *sk = lwip_socket_dbg_get_socket(e->s);
	int in = 1;
	int out = 1;

	if (sk != NULL) {
		SYS_ARCH_DECL_PROTECT(lev);
		SYS_ARCH_PROTECT(lev);
		in = sk->lastdata.pbuf != NULL || sk->rcvevent > 0 ||
		     sk->errevent != 0;
		out = sk->sendevent != 0 || sk->errevent != 0;
		SYS_ARCH_UNPROTECT(lev);
	}
	ioth_pollfd_set(&e->pfd, in, out);
}

static void refresh(struct lsock *e)
{
	pthread_mutex_lock(&tab_lock);
	if (by_fd[e->pfd.fd] == e)
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

/* The receive thread's lwIP input wakes the socket's reader first (lwIP
 * posts to its mailbox); updating the pollfd there would hold the core lock
 * through a syscall, and the woken reader, which takes that lock at once
 * (tcp_recved()), would sleep on it: one more context switch per message.
 * So updates raised between begin and end are applied by end, called after
 * the core lock is released.  Sockets are kept by lwIP number and looked up
 * again, as they may be closed meanwhile. */
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

static struct lsock *lookup(int fd)
{
	struct lsock *e;

	if (fd < 0 || fd >= MAXFD)
		return NULL;
	pthread_mutex_lock(&tab_lock);
	e = by_fd[fd];
	pthread_mutex_unlock(&tab_lock);
	return e;
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
	LOCK_TCPIP_CORE();
	if (sk->conn->callback != event_cb) {
		lwip_cb = sk->conn->callback;
		sk->conn->callback = event_cb;
	}
	UNLOCK_TCPIP_CORE();
	pthread_mutex_lock(&tab_lock);
	by_fd[e->pfd.fd] = e;
	by_sock[s] = e;
	refresh_locked(e);
	pthread_mutex_unlock(&tab_lock);
	return e->pfd.fd;
}

/* --- stack ---------------------------------------------------------------- */

static sem_t init_sem;

static void init_done(void *arg)
{
	(void) arg;
	sem_post(&init_sem);
}

static void lwip_start(void)
{
	sem_init(&init_sem, 0, 0);
	tcpip_init(init_done, NULL);
	while (sem_wait(&init_sem) < 0 && errno == EINTR)
		;
}

static int lw_create(void **priv)
{
	struct lstack *st;

	if (__atomic_exchange_n(&stack_alive, 1, __ATOMIC_SEQ_CST))
		return -EBUSY;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		stack_alive = 0;
		return -ENOMEM;
	}
	pthread_once(&init_once, lwip_start);
	*priv = st;
	return 0;
}

/* True while a connection still has data or a FIN to deliver. */
static int flushing(void)
{
	struct tcp_pcb *pcb;
	int busy = 0;

	LOCK_TCPIP_CORE();
	for (pcb = tcp_active_pcbs; pcb != NULL && !busy; pcb = pcb->next)
		busy = pcb->unsent != NULL || pcb->unacked != NULL ||
		       pcb->state == FIN_WAIT_1 || pcb->state == CLOSING ||
		       pcb->state == LAST_ACK;
	UNLOCK_TCPIP_CORE();
	return busy;
}

static void lw_destroy(void *priv)
{
	struct lstack *st = priv;
	int fd;
	int i;

	for (fd = 0; fd < MAXFD; fd++)
		if (by_fd[fd] != NULL)
			ioth_lwip_ops.close(priv, fd);
	/* a kernel keeps sending what closed sockets still hold after the
	 * process exits; here the stack dies with us, so let it drain */
	for (i = 0; i < DRAIN_MS / 10 && flushing(); i++)
		usleep(10000);
	for (i = 0; i < MAXIF; i++)
		ioth_vnif_close(st->ifs[i]);
	free(st);
	__atomic_store_n(&stack_alive, 0, __ATOMIC_SEQ_CST);
}

static struct netif *get_if(struct lstack *st, int ifindex)
{
	if (ifindex < 1 || ifindex > MAXIF || st->ifs[ifindex - 1] == NULL)
		return NULL;
	return ioth_vnif_netif(st->ifs[ifindex - 1]);
}

static int lw_if_add(void *priv, const char *vnl, const char *ifname)
{
	struct lstack *st = priv;
	int i;
	int err;

	for (i = 0; i < MAXIF; i++)
		if (st->ifs[i] == NULL)
			break;
	if (i == MAXIF)
		return -ENOSPC;
	err = ioth_vnif_open(vnl, ifname, &st->ifs[i]);
	if (err < 0)
		return err;
	return i + 1;
}

static int lw_if_set_mac(void *priv, int ifindex, const uint8_t mac[6])
{
	struct lstack *st = priv;

	if (get_if(st, ifindex) == NULL)
		return -ENODEV;
	return ioth_vnif_set_mac(st->ifs[ifindex - 1], mac);
}

static int add_v4(struct netif *n, const void *addr, int prefixlen)
{
	ip4_addr_t ip;
	ip4_addr_t mask;
	uint32_t m = prefixlen == 0 ? 0 : htonl(~0U << (32 - prefixlen));

	if (!ip4_addr_isany_val(*netif_ip4_addr(n)))
		return -EEXIST;         /* lwIP: one IPv4 address per netif */
	memcpy(&ip.addr, addr, 4);
	mask.addr = m;
	if (ip4_addr_isany_val(ip) || ip4_addr_ismulticast(&ip))
		return -EINVAL;
	netif_set_addr(n, &ip, &mask, netif_ip4_gw(n));
	return 0;
}

static int add_v6(struct netif *n, const void *addr, int prefixlen)
{
	ip6_addr_t ip;
	s8_t idx;

	/* lwIP gives static IPv6 addresses an implied /64 on-link prefix */
	if (prefixlen != 64)
		return -EOPNOTSUPP;
	ip6_addr_set_zero(&ip);
	memcpy(ip.addr, addr, 16);
	ip6_addr_clear_zone(&ip);
	if (ip6_addr_isany(&ip) || ip6_addr_ismulticast(&ip))
		return -EINVAL;
	if (netif_get_ip6_addr_match(n, &ip) >= 0)
		return -EEXIST;
	if (netif_add_ip6_address(n, &ip, &idx) != ERR_OK)
		return -ENOSPC;
	netif_ip6_addr_set_state(n, idx, IP6_ADDR_PREFERRED);
	return 0;
}

static int lw_addr_add(void *priv, int ifindex, int family, const void *addr,
                       int prefixlen)
{
	struct netif *n = get_if(priv, ifindex);
	int ret;

	if (n == NULL)
		return -ENODEV;
	LOCK_TCPIP_CORE();
	if (family == AF_INET)
		ret = add_v4(n, addr, prefixlen);
	else
		ret = add_v6(n, addr, prefixlen);
	UNLOCK_TCPIP_CORE();
	return ret;
}

static int lw_route_add(void *priv, int family, const void *gw)
{
	struct lstack *st = priv;
	ip4_addr_t ip;
	int i;

	if (family == AF_INET6)
		return -EOPNOTSUPP;     /* lwIP learns IPv6 routers from RAs */
	memcpy(&ip.addr, gw, 4);
	for (i = 0; i < MAXIF; i++) {
		struct netif *n = get_if(st, i + 1);
		if (n == NULL || ip4_addr_isany_val(*netif_ip4_addr(n)))
			continue;
		if (!ip4_addr_netcmp(&ip, netif_ip4_addr(n),
		                     netif_ip4_netmask(n)))
			continue;
		LOCK_TCPIP_CORE();
		netif_set_gw(n, &ip);
		netif_set_default(n);
		UNLOCK_TCPIP_CORE();
		return 0;
	}
	return -ENETUNREACH;
}

static int lw_autoconf(void *priv, int ifindex, int family)
{
	struct netif *n = get_if(priv, ifindex);

	if (n == NULL)
		return -ENODEV;
	if (family == AF_INET)
		return -EOPNOTSUPP;     /* Debian's lwIP is built without DHCP */
	LOCK_TCPIP_CORE();
	netif_set_ip6_autoconfig_enabled(n, 1);
	UNLOCK_TCPIP_CORE();
	return 0;
}

/* --- sockets -------------------------------------------------------------- */

static int lw_set_nonblock(void *priv, int fd, int on)
{
	struct lsock *e = lookup(fd);

	(void) priv;
	if (e == NULL)
		return -EBADF;
	if (lwip_fcntl(e->s, F_SETFL, on ? O_NONBLOCK : 0) < 0)
		return -errno;
	return 0;
}

static int lw_socket(void *priv, int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int s;
	int fd;

	(void) priv;
	s = lwip_socket(domain, base, protocol);
	if (s < 0)
		return -errno;
	fd = track(s);
	if (fd >= 0 && (type & SOCK_NONBLOCK))
		lw_set_nonblock(priv, fd, 1);
	return fd;
}

/* Results of lwIP calls: refresh readiness, convert -1/errno. */
static long done(struct lsock *e, long r)
{
	int err = errno;

	refresh(e);
	return r < 0 ? -err : r;
}

#define GET(e, fd) struct lsock *e = lookup(fd); \
	(void) priv; if (e == NULL) return -EBADF

static int lw_bind(void *priv, int fd, const struct sockaddr *a, socklen_t l)
{
	GET(e, fd);
	return (int) done(e, lwip_bind(e->s, a, l));
}

static int lw_connect(void *priv, int fd, const struct sockaddr *a,
                      socklen_t l)
{
	long r;

	GET(e, fd);
	r = lwip_connect(e->s, a, l);
	if (r < 0 && errno == EINPROGRESS)
		e->connecting = 1;
	else if (r < 0 && errno == ECONNRESET)
		errno = ECONNREFUSED;   /* RST in SYN_SENT: refused */
	return (int) done(e, r);
}

static int lw_listen(void *priv, int fd, int backlog)
{
	GET(e, fd);
	return (int) done(e, lwip_listen(e->s, backlog));
}

static int lw_accept(void *priv, int fd, struct sockaddr *a, socklen_t *l)
{
	int ns;

	GET(e, fd);
	ns = (int) done(e, lwip_accept(e->s, a, l));
	if (ns < 0)
		return ns;
	return track(ns);
}

static ssize_t lw_recvfrom(void *priv, int fd, void *buf, size_t len,
                           int flags, struct sockaddr *a, socklen_t *l)
{
	GET(e, fd);
	return done(e, lwip_recvfrom(e->s, buf, len, flags, a, l));
}

static ssize_t lw_sendto(void *priv, int fd, const void *buf, size_t len,
                         int flags, const struct sockaddr *a, socklen_t l)
{
	GET(e, fd);
	flags &= ~MSG_NOSIGNAL;
	if (a == NULL)
		return done(e, lwip_send(e->s, buf, len, flags));
	return done(e, lwip_sendto(e->s, buf, len, flags, a, l));
}

static int lw_shutdown(void *priv, int fd, int how)
{
	GET(e, fd);
	return (int) done(e, lwip_shutdown(e->s, how));
}

static int lw_close(void *priv, int fd)
{
	GET(e, fd);
	pthread_mutex_lock(&tab_lock);
	by_fd[fd] = NULL;
	if (by_sock[e->s] == e)
		by_sock[e->s] = NULL;
	pthread_mutex_unlock(&tab_lock);
	lwip_close(e->s);
	ioth_pollfd_close(&e->pfd);
	free(e);
	return 0;
}

static int sk_connected(int s)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);

	return lwip_getpeername(s, (struct sockaddr *) &ss, &l) == 0;
}

static int lw_getsockopt(void *priv, int fd, int level, int name, void *val,
                         socklen_t *len)
{
	int r;

	GET(e, fd);
	r = (int) done(e, lwip_getsockopt(e->s, level, name, val, len));
	if (r == 0 && level == SOL_SOCKET && name == SO_ERROR &&
	    *len >= sizeof(int) && e->connecting) {
		int *v = val;
		if (*v == ECONNRESET)
			*v = ECONNREFUSED;
		if (*v != 0 || sk_connected(e->s))
			e->connecting = 0;
	}
	return r;
}

static int lw_setsockopt(void *priv, int fd, int level, int name,
                         const void *val, socklen_t len)
{
	GET(e, fd);
	return (int) done(e, lwip_setsockopt(e->s, level, name, val, len));
}

static int lw_getsockname(void *priv, int fd, struct sockaddr *a,
                          socklen_t *l)
{
	GET(e, fd);
	return (int) done(e, lwip_getsockname(e->s, a, l));
}

static int lw_getpeername(void *priv, int fd, struct sockaddr *a,
                          socklen_t *l)
{
	GET(e, fd);
	return (int) done(e, lwip_getpeername(e->s, a, l));
}

const struct ioth_ops ioth_lwip_ops = {
	.name = "lwip",
	.kernel_sockets = 0,
	.create = lw_create,
	.destroy = lw_destroy,
	.if_add = lw_if_add,
	.if_set_mac = lw_if_set_mac,
	.addr_add = lw_addr_add,
	.route_add = lw_route_add,
	.autoconf = lw_autoconf,
	.socket = lw_socket,
	.set_nonblock = lw_set_nonblock,
	.bind = lw_bind,
	.connect = lw_connect,
	.listen = lw_listen,
	.accept = lw_accept,
	.recvfrom = lw_recvfrom,
	.sendto = lw_sendto,
	.shutdown = lw_shutdown,
	.close = lw_close,
	.getsockopt = lw_getsockopt,
	.setsockopt = lw_setsockopt,
	.getsockname = lw_getsockname,
	.getpeername = lw_getpeername,
};
