/*
 * ioth.c - the facade of libioth: back-end registry, argument validation
 * and dispatch through the ops table of each stack.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "ioth.h"
#include "ops.h"

struct ioth {
	const struct ioth_ops *ops;
	void *priv;
};

static const struct ioth_ops *const backends[] = {
	&ioth_lwip_ops,
	&ioth_vdestack_ops,
	&ioth_lwipv6_ops,
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

static const char *const backend_names[] = {
	"lwip", "vdestack", "lwipv6", NULL
};

const char *const *ioth_backends(void)
{
	return backend_names;
}

int ioth_new(const char *backend, struct ioth **stack)
{
	const struct ioth_ops *ops = NULL;
	struct ioth *s;
	size_t i;
	int ret;

	if (stack == NULL)
		return -EINVAL;
	if (backend == NULL || *backend == '\0')
		backend = backends[0]->name;
	for (i = 0; i < NBACKENDS; i++)
		if (strcmp(backends[i]->name, backend) == 0)
			ops = backends[i];
	if (ops == NULL)
		return -EPROTONOSUPPORT;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->ops = ops;
	ret = ops->create(&s->priv);
	if (ret < 0) {
		free(s);
		return ret;
	}
	*stack = s;
	return 0;
}

void ioth_delete(struct ioth *stack)
{
	if (stack == NULL)
		return;
	stack->ops->destroy(stack->priv);
	free(stack);
}

const char *ioth_backend_name(const struct ioth *stack)
{
	return stack == NULL ? NULL : stack->ops->name;
}

int ioth_kernel_sockets(const struct ioth *stack)
{
	return stack == NULL ? -EINVAL : stack->ops->kernel_sockets;
}

int ioth_if_add(struct ioth *stack, const char *vnl, const char *ifname)
{
	if (stack == NULL || vnl == NULL || *vnl == '\0')
		return -EINVAL;
	if (ifname != NULL && (strlen(ifname) == 0 || strlen(ifname) > 15))
		return -EINVAL;
	return stack->ops->if_add(stack->priv, vnl, ifname);
}

int ioth_if_set_mac(struct ioth *stack, int ifindex, const uint8_t mac[6])
{
	if (stack == NULL || mac == NULL || ifindex <= 0)
		return -EINVAL;
	if (mac[0] & 1)         /* multicast bit: not a unicast MAC */
		return -EINVAL;
	return stack->ops->if_set_mac(stack->priv, ifindex, mac);
}

int ioth_if_set_mtu(struct ioth *stack, int ifindex, unsigned int mtu)
{
	if (stack == NULL || ifindex <= 0)
		return -EINVAL;
	if (mtu < IOTH_MTU_MIN || mtu > IOTH_MTU_MAX)
		return -EINVAL;
	return stack->ops->if_set_mtu(stack->priv, ifindex, mtu);
}

static int prefix_ok(int family, int prefixlen)
{
	if (family == AF_INET)
		return prefixlen >= 0 && prefixlen <= 32;
	if (family == AF_INET6)
		return prefixlen >= 0 && prefixlen <= 128;
	return 0;
}

int ioth_addr_add(struct ioth *stack, int ifindex, int family,
                  const void *addr, int prefixlen)
{
	if (stack == NULL || addr == NULL || ifindex <= 0)
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!prefix_ok(family, prefixlen))
		return -EINVAL;
	return stack->ops->addr_add(stack->priv, ifindex, family, addr,
	                            prefixlen);
}

int ioth_route_add(struct ioth *stack, int family, const void *gateway)
{
	if (stack == NULL || gateway == NULL)
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	return stack->ops->route_add(stack->priv, family, gateway);
}

int ioth_autoconf(struct ioth *stack, int ifindex, int family)
{
	if (stack == NULL || ifindex <= 0)
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	return stack->ops->autoconf(stack->priv, ifindex, family);
}

int ioth_parse_addr(const char *text, int *family, void *addr,
                    int *prefixlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	char *end;
	long bits = -1;
	size_t n;

	if (text == NULL || family == NULL || addr == NULL ||
	    prefixlen == NULL)
		return -EINVAL;
	n = strlen(text);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, n + 1);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash++ = '\0';
		if (*slash < '0' || *slash > '9')
			return -EINVAL;
		errno = 0;
		bits = strtol(slash, &end, 10);
		if (errno != 0 || *end != '\0')
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	if (bits >= 0 && !prefix_ok(*family, (int) bits))
		return -EINVAL;
	*prefixlen = (int) bits;
	return 0;
}

/* Sockets: argument checks here, semantics in the back-ends. */

int ioth_socket(struct ioth *stack, int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (stack == NULL)
		return -EINVAL;
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (base != SOCK_STREAM && base != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	return stack->ops->socket(stack->priv, domain, type, protocol);
}

#define CHECK(stack, fd) do { \
	if ((stack) == NULL) return -EINVAL; \
	if ((fd) < 0) return -EBADF; \
} while (0)

int ioth_set_nonblock(struct ioth *stack, int fd, int on)
{
	CHECK(stack, fd);
	return stack->ops->set_nonblock(stack->priv, fd, on);
}

int ioth_bind(struct ioth *stack, int fd, const struct sockaddr *addr,
              socklen_t len)
{
	CHECK(stack, fd);
	if (addr == NULL)
		return -EFAULT;
	return stack->ops->bind(stack->priv, fd, addr, len);
}

int ioth_connect(struct ioth *stack, int fd, const struct sockaddr *addr,
                 socklen_t len)
{
	CHECK(stack, fd);
	if (addr == NULL)
		return -EFAULT;
	return stack->ops->connect(stack->priv, fd, addr, len);
}

int ioth_listen(struct ioth *stack, int fd, int backlog)
{
	CHECK(stack, fd);
	if (backlog < 0)
		backlog = 0;
	return stack->ops->listen(stack->priv, fd, backlog);
}

int ioth_accept(struct ioth *stack, int fd, struct sockaddr *addr,
                socklen_t *len)
{
	CHECK(stack, fd);
	if ((addr == NULL) != (len == NULL))
		return -EFAULT;
	return stack->ops->accept(stack->priv, fd, addr, len);
}

ssize_t ioth_recvfrom(struct ioth *stack, int fd, void *buf, size_t len,
                      int flags, struct sockaddr *from, socklen_t *fromlen)
{
	CHECK(stack, fd);
	if (buf == NULL && len > 0)
		return -EFAULT;
	return stack->ops->recvfrom(stack->priv, fd, buf, len, flags, from,
	                            fromlen);
}

ssize_t ioth_sendto(struct ioth *stack, int fd, const void *buf, size_t len,
                    int flags, const struct sockaddr *to, socklen_t tolen)
{
	CHECK(stack, fd);
	if (buf == NULL && len > 0)
		return -EFAULT;
	return stack->ops->sendto(stack->priv, fd, buf, len, flags, to, tolen);
}

int ioth_shutdown(struct ioth *stack, int fd, int how)
{
	CHECK(stack, fd);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	return stack->ops->shutdown(stack->priv, fd, how);
}

int ioth_close(struct ioth *stack, int fd)
{
	CHECK(stack, fd);
	return stack->ops->close(stack->priv, fd);
}

int ioth_getsockopt(struct ioth *stack, int fd, int level, int name,
                    void *val, socklen_t *len)
{
	CHECK(stack, fd);
	if (val == NULL || len == NULL)
		return -EFAULT;
	return stack->ops->getsockopt(stack->priv, fd, level, name, val, len);
}

int ioth_setsockopt(struct ioth *stack, int fd, int level, int name,
                    const void *val, socklen_t len)
{
	CHECK(stack, fd);
	if (val == NULL && len > 0)
		return -EFAULT;
	return stack->ops->setsockopt(stack->priv, fd, level, name, val, len);
}

int ioth_getsockname(struct ioth *stack, int fd, struct sockaddr *addr,
                     socklen_t *len)
{
	CHECK(stack, fd);
	if (addr == NULL || len == NULL)
		return -EFAULT;
	return stack->ops->getsockname(stack->priv, fd, addr, len);
}

int ioth_getpeername(struct ioth *stack, int fd, struct sockaddr *addr,
                     socklen_t *len)
{
	CHECK(stack, fd);
	if (addr == NULL || len == NULL)
		return -EFAULT;
	return stack->ops->getpeername(stack->priv, fd, addr, len);
}

int ioth_wait(struct ioth *stack, int fd, int events, int timeout_ms)
{
	struct pollfd p = { .fd = fd };
	int r;

	CHECK(stack, fd);
	if ((events & ~(POLLIN | POLLOUT)) != 0 || events == 0)
		return -EINVAL;
	if (timeout_ms < -1)
		timeout_ms = -1;
	if (stack->ops->wait != NULL)
		return stack->ops->wait(stack->priv, fd, events, timeout_ms);
	p.events = (short) events;
	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r > 0 && (p.revents & POLLNVAL))
		return -EBADF;
	return r == 0 ? 0 : p.revents;
}
