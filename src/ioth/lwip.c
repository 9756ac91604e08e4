/*
 * lwip.c - the "lwip" back-end: Debian's lwIP 2.1.3 running in this
 * process, attached to VDE through lwip_netif.c; its sockets are in
 * lwip_sock.c.
 *
 * lwIP keeps global state, so one live lwip stack per process (a second
 * ioth_new("lwip") fails with -EBUSY until the first is deleted).
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
#include "lwip_sock.h"

#define MAXIF   8
#define DRAIN_MS 5000   /* how long closed connections may flush at exit */

struct lstack {
	struct ioth_vnif *ifs[MAXIF];
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int stack_alive;

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
	int err;

	if (__atomic_exchange_n(&stack_alive, 1, __ATOMIC_SEQ_CST))
		return -EBUSY;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		stack_alive = 0;
		return -ENOMEM;
	}
	pthread_once(&init_once, lwip_start);
	err = ioth_lwip_wait_start();
	if (err < 0) {
		free(st);
		stack_alive = 0;
		return err;
	}
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
	int i;

	ioth_lwip_sock_close_all();
	ioth_lwip_wait_stop();          /* returns once no thread waits */
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
	ioth_lwip_wait_add_if(st->ifs[i]);
	return i + 1;
}

static int lw_if_set_mac(void *priv, int ifindex, const uint8_t mac[6])
{
	struct lstack *st = priv;

	if (get_if(st, ifindex) == NULL)
		return -ENODEV;
	return ioth_vnif_set_mac(st->ifs[ifindex - 1], mac);
}

static int lw_if_set_mtu(void *priv, int ifindex, unsigned int mtu)
{
	struct lstack *st = priv;

	if (get_if(st, ifindex) == NULL)
		return -ENODEV;
	return ioth_vnif_set_mtu(st->ifs[ifindex - 1], mtu);
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

/* --- sockets (lwip_sock.c) ---------------------------------------------- */

static int lw_socket(void *priv, int domain, int type, int protocol)
{
	(void) priv;
	return ioth_lwip_sock_socket(domain, type, protocol);
}

static int lw_set_nonblock(void *priv, int fd, int on)
{
	(void) priv;
	return ioth_lwip_sock_nonblock(fd, on);
}

static int lw_bind(void *priv, int fd, const struct sockaddr *a, socklen_t l)
{
	(void) priv;
	return ioth_lwip_sock_bind(fd, a, l);
}

static int lw_connect(void *priv, int fd, const struct sockaddr *a,
                      socklen_t l)
{
	(void) priv;
	return ioth_lwip_sock_connect(fd, a, l);
}

static int lw_listen(void *priv, int fd, int backlog)
{
	(void) priv;
	return ioth_lwip_sock_listen(fd, backlog);
}

static int lw_accept(void *priv, int fd, struct sockaddr *a, socklen_t *l)
{
	(void) priv;
	return ioth_lwip_sock_accept(fd, a, l);
}

static ssize_t lw_recvfrom(void *priv, int fd, void *buf, size_t len,
                           int flags, struct sockaddr *a, socklen_t *l)
{
	(void) priv;
	return ioth_lwip_sock_recvfrom(fd, buf, len, flags, a, l);
}

static ssize_t lw_sendto(void *priv, int fd, const void *buf, size_t len,
                         int flags, const struct sockaddr *a, socklen_t l)
{
	(void) priv;
	return ioth_lwip_sock_sendto(fd, buf, len, flags, a, l);
}

static int lw_shutdown(void *priv, int fd, int how)
{
	(void) priv;
	return ioth_lwip_sock_shutdown(fd, how);
}

static int lw_close(void *priv, int fd)
{
	(void) priv;
	return ioth_lwip_sock_close(fd);
}

static int lw_getsockopt(void *priv, int fd, int level, int name, void *val,
                         socklen_t *len)
{
	(void) priv;
	return ioth_lwip_sock_getsockopt(fd, level, name, val, len);
}

static int lw_setsockopt(void *priv, int fd, int level, int name,
                         const void *val, socklen_t len)
{
	(void) priv;
	return ioth_lwip_sock_setsockopt(fd, level, name, val, len);
}

static int lw_getsockname(void *priv, int fd, struct sockaddr *a,
                          socklen_t *l)
{
	(void) priv;
	return ioth_lwip_sock_getsockname(fd, a, l);
}

static int lw_getpeername(void *priv, int fd, struct sockaddr *a,
                          socklen_t *l)
{
	(void) priv;
	return ioth_lwip_sock_getpeername(fd, a, l);
}

static int lw_wait(void *priv, int fd, int events, int timeout_ms)
{
	(void) priv;
	return ioth_lwip_sock_wait(fd, events, timeout_ms);
}

const struct ioth_ops ioth_lwip_ops = {
	.name = "lwip",
	.kernel_sockets = 0,
	.create = lw_create,
	.destroy = lw_destroy,
	.if_add = lw_if_add,
	.if_set_mac = lw_if_set_mac,
	.if_set_mtu = lw_if_set_mtu,
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
	.wait = lw_wait,
};
