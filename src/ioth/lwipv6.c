/*
 * lwipv6.c - the "lwipv6" back-end: the LWIPv6 library of the original
 * PycoTCP (liblwipv6-dev), many stacks per process.  This file loads
 * the library and makes stacks and their interfaces; the sockets are
 * in lwipv6_tab.c, lwipv6_sock.c, lwipv6_io.c and lwipv6_opt.c.
 *
 * liblwipv6 exports the same symbol names as Debian's lwIP (lwip_socket,
 * lwip_init...), so it is loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND)
 * and used through the function table below; both back-ends can then live
 * in one process.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lwipv6_be.h"
#include "lwipv6_fix.h"
#include "ops.h"

#define NETIF_FLAG_AUTOCONF 0x800U
#define NETIF_FLAG_DHCP     0x4000U

struct l6lib l6lib;
static int lib_err = -ENOSYS;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

#define SYM(field, name) { (void **) &l6lib.field, name }

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

static int l6_create(void **priv)
{
	struct v6stack *st;

	pthread_once(&lib_once, lib_load);
	if (lib_err < 0)
		return lib_err;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->stack = l6lib.add_stack(0);
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

	l6_close_all(priv);
	/* the stack dies with the process: what its connections still hold
	 * is delivered first (up to L6DRAIN_MS), as a kernel would after
	 * the process exited */
	l6drain_wait(&st->drain);
	/* with the connects still running (lwipv6_conn.c) */
	l6conn_group_end(&st->conns, l6lib.del_stack, st->stack);
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
	st->ifs[i] = l6lib.add_vdeif(st->stack, (void *) vnl,
	                           NETIF_FLAG_AUTOCONF);
	if (st->ifs[i] == NULL)
		return errno != 0 ? -errno : -ENOENT;
	if (l6lib.ifup_flags(st->ifs[i], 0) < 0)
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
	if (l6lib.add_addr(n, &ip, &mask) < 0)
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
	if (l6lib.add_route(st->stack, &any, &amask, &nh, NULL, 0) < 0)
		return -ENETUNREACH;
	return 0;
}

static int l6_autoconf(void *priv, int ifindex, int family)
{
	void *n = get_if(priv, ifindex);

	if (n == NULL)
		return -ENODEV;
	if (family == AF_INET)
		return l6lib.ifup_flags(n, NETIF_FLAG_DHCP) < 0 ? -EIO : 0;
	return 0;       /* interfaces are created with NETIF_FLAG_AUTOCONF */
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
