/*
 * vdestack.c - the "vdestack" back-end: a private Linux network namespace
 * per stack, attached to VDE by libvdestack.  Sockets are kernel sockets
 * (so everything the kernel offers works, including TLS in Python's ssl);
 * configuration runs iproute2 commands inside the namespace.
 * One interface per stack (a libvdestack limit).
 *
 * libvdestack finds socket() with dlsym(RTLD_NEXT), which fails (and its
 * helper crashes) when libc precedes it in the caller's search list, as in
 * any program that is not linked with -lvdestack first (Python, tests).
 * Loading it with dlopen() makes it the root of its own search list, with
 * libc after it, so it is used through the function table below.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <vdestack.h>

#include "ops.h"

#define IFNAME_MAX 16
#define DRAIN_MS 5000   /* how long closed connections may flush */

static struct {
	struct vdestack *(*addstack)(char *vdenet, char *ifname);
	void (*delstack)(struct vdestack *stack);
	int (*stackcmd)(struct vdestack *stack, char *stackcmd);
	int (*msocket)(struct vdestack *stack, int domain, int type,
	               int protocol);
} lib;
static int lib_err;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_load(void)
{
	void *h = dlopen("libvdestack.so.0", RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		lib_err = -ENOSYS;
		return;
	}
	*(void **) &lib.addstack = dlsym(h, "vde_addstack");
	*(void **) &lib.delstack = dlsym(h, "vde_delstack");
	*(void **) &lib.stackcmd = dlsym(h, "vde_stackcmd");
	*(void **) &lib.msocket = dlsym(h, "vde_msocket");
	if (!lib.addstack || !lib.delstack || !lib.stackcmd || !lib.msocket)
		lib_err = -ENOSYS;
}

struct vstack {
	struct vdestack *vs;
	char ifname[IFNAME_MAX];
	const char *ip;         /* full path of iproute2's ip */
	int diag;               /* sock_diag socket in the namespace, or -1 */
};

static const char *find_ip(void)
{
	static const char *const paths[] = {
		"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"
	};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* libvdestack's helper runs in a new user and network namespace
 * (clone(CLONE_NEWUSER | CLONE_NEWNET)); where that is refused
 * (containers, chroots, user.max_user_namespaces = 0) it fails late and
 * obscurely.  Try the same in a child: 0, or -EPERM when refused. */
static int userns_usable(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 ? 0 : 1);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EPERM;
}

static int vs_create(void **priv)
{
	struct vstack *st;
	int err;

	pthread_once(&lib_once, lib_load);
	if (lib_err < 0)
		return lib_err;
	err = userns_usable();
	if (err < 0)
		return err;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->diag = -1;
	st->ip = find_ip();
	if (st->ip == NULL) {
		free(st);
		return -ENOENT;         /* iproute2 is needed to configure */
	}
	*priv = st;
	return 0;
}

/* How much the namespace's TCP sockets still have to deliver (queued
 * bytes, plus one per pending FIN), asked through sock_diag from a netlink
 * socket inside the namespace; 0 when everything is delivered. */
static long family_flushing(struct vstack *st, int family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} q;
	char buf[8192];
	int fd = st->diag;
	long busy = 0;
	int done = 0;

	if (fd < 0)
		return 0;
	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_len = sizeof(q);
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.req.sdiag_family = (uint8_t) family;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = ~0U;
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;               /* stale replies of an interrupted dump */
	if (send(fd, &q, sizeof(q), 0) < 0)
		return 0;
	while (!done) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *h = (struct nlmsghdr *) buf;
		ssize_t n;

		if (poll(&p, 1, 200) != 1)
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		for (; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);
			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			busy += m->idiag_wqueue;
			if (m->idiag_state == TCP_FIN_WAIT1 ||
			    m->idiag_state == TCP_CLOSING ||
			    m->idiag_state == TCP_LAST_ACK)
				busy++;
		}
	}
	return busy;
}

static void vs_destroy(void *priv)
{
	struct vstack *st = priv;
	struct timespec t0, t;

	/* a kernel keeps sending what closed sockets hold after a process
	 * exits; this namespace dies with the stack, so let it drain, up to
	 * DRAIN_MS even without progress: a peer that reads late (its
	 * window closed) or a segment waiting for its retransmission makes
	 * none for a while (test_sent_data_outlives_sender) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (st->vs != NULL && family_flushing(st, AF_INET) +
	       family_flushing(st, AF_INET6) != 0) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000 >= DRAIN_MS)
			break;
		usleep(10000);
	}
	if (st->diag >= 0)
		close(st->diag);
	if (st->vs != NULL)
		lib.delstack(st->vs);
	free(st);
}

/* Run one iproute2 command (printf-style arguments) in the namespace. */
static int run(struct vstack *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int run(struct vstack *st, const char *fmt, ...)
{
	char cmd[256];
	int n;
	va_list ap;

	n = snprintf(cmd, sizeof(cmd), "%s ", st->ip);
	va_start(ap, fmt);
	n += vsnprintf(cmd + n, sizeof(cmd) - (size_t) n, fmt, ap);
	va_end(ap);
	if (n >= (int) sizeof(cmd))
		return -ENAMETOOLONG;
	n = lib.stackcmd(st->vs, cmd);
	if (n != 0)
		return -EINVAL;         /* iproute2 refused the setting */
	return 0;
}

static int vs_if_add(void *priv, const char *vnl, const char *ifname)
{
	struct vstack *st = priv;
	int err;

	if (st->vs != NULL)
		return -EOPNOTSUPP;     /* libvdestack: one interface */
	snprintf(st->ifname, sizeof(st->ifname), "%s",
	         ifname != NULL ? ifname : "vde0");
	errno = 0;
	st->vs = lib.addstack((char *) vnl, st->ifname);
	if (st->vs == NULL)
		return errno != 0 ? -errno : -ENOENT;
	/* opened now: at exit the helper of libvdestack may be gone */
	st->diag = lib.msocket(st->vs, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	                       NETLINK_SOCK_DIAG);
	err = run(st, "link set lo up");
	if (err == 0)
		err = run(st, "link set %s up", st->ifname);
	if (err < 0) {
		lib.delstack(st->vs);
		st->vs = NULL;
		return err;
	}
	return 1;
}

static int vs_if_set_mac(void *priv, int ifindex, const uint8_t mac[6])
{
	struct vstack *st = priv;

	if (st->vs == NULL || ifindex != 1)
		return -ENODEV;
	return run(st, "link set %s address %02x:%02x:%02x:%02x:%02x:%02x",
	           st->ifname, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static int vs_if_set_mtu(void *priv, int ifindex, unsigned int mtu)
{
	struct vstack *st = priv;

	if (st->vs == NULL || ifindex != 1)
		return -ENODEV;
	return run(st, "link set %s mtu %u", st->ifname, mtu);
}

static int vs_addr_add(void *priv, int ifindex, int family, const void *addr,
                       int prefixlen)
{
	struct vstack *st = priv;
	char a[INET6_ADDRSTRLEN];

	if (st->vs == NULL || ifindex != 1)
		return -ENODEV;
	inet_ntop(family, addr, a, sizeof(a));
	if (family == AF_INET)
		return run(st, "addr add %s/%d dev %s", a, prefixlen,
		           st->ifname);
	/* nodad: usable at once, like the user-space back-ends */
	return run(st, "-6 addr add %s/%d dev %s nodad", a, prefixlen,
	           st->ifname);
}

static int vs_route_add(void *priv, int family, const void *gw)
{
	struct vstack *st = priv;
	char a[INET6_ADDRSTRLEN];

	if (st->vs == NULL)
		return -ENETUNREACH;
	inet_ntop(family, gw, a, sizeof(a));
	if (run(st, "%s route add default via %s dev %s",
	        family == AF_INET ? "-4" : "-6", a, st->ifname) < 0)
		return -ENETUNREACH;
	return 0;
}

static int vs_autoconf(void *priv, int ifindex, int family)
{
	struct vstack *st = priv;

	if (st->vs == NULL || ifindex != 1)
		return -ENODEV;
	if (family == AF_INET)
		return -EOPNOTSUPP;     /* no DHCP client is bundled */
	/* the kernel does SLAAC on a host (non-forwarding) interface */
	return 0;
}

static int vs_socket(void *priv, int domain, int type, int protocol)
{
	struct vstack *st = priv;
	int fd;

	if (st->vs == NULL)
		return -ENETDOWN;       /* no interface yet */
	fd = lib.msocket(st->vs, domain, type | SOCK_CLOEXEC, protocol);
	return fd < 0 ? -errno : fd;
}

const struct ioth_ops ioth_vdestack_ops = {
	.name = "vdestack",
	.kernel_sockets = 1,
	.create = vs_create,
	.destroy = vs_destroy,
	.if_add = vs_if_add,
	.if_set_mac = vs_if_set_mac,
	.if_set_mtu = vs_if_set_mtu,
	.addr_add = vs_addr_add,
	.route_add = vs_route_add,
	.autoconf = vs_autoconf,
	.socket = vs_socket,
	.set_nonblock = ioth_ksock_set_nonblock,
	.bind = ioth_ksock_bind,
	.connect = ioth_ksock_connect,
	.listen = ioth_ksock_listen,
	.accept = ioth_ksock_accept,
	.recvfrom = ioth_ksock_recvfrom,
	.sendto = ioth_ksock_sendto,
	.shutdown = ioth_ksock_shutdown,
	.close = ioth_ksock_close,
	.getsockopt = ioth_ksock_getsockopt,
	.setsockopt = ioth_ksock_setsockopt,
	.getsockname = ioth_ksock_getsockname,
	.getpeername = ioth_ksock_getpeername,
};
