/*
 * ksock.c - socket operations for back-ends whose descriptors are kernel
 * sockets (vdestack): thin wrappers turning -1/errno into -errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ops.h"

#define KRET(expr) do { long r_ = (long) (expr); \
	return r_ < 0 ? -errno : (int) r_; } while (0)

int ioth_ksock_set_nonblock(void *priv, int fd, int on)
{
	int fl;

	(void) priv;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	KRET(fcntl(fd, F_SETFL, fl));
}

int ioth_ksock_bind(void *priv, int fd, const struct sockaddr *a, socklen_t l)
{
	(void) priv;
	KRET(bind(fd, a, l));
}

int ioth_ksock_connect(void *priv, int fd, const struct sockaddr *a,
                       socklen_t l)
{
	(void) priv;
	KRET(connect(fd, a, l));
}

int ioth_ksock_listen(void *priv, int fd, int backlog)
{
	(void) priv;
	KRET(listen(fd, backlog));
}

int ioth_ksock_accept(void *priv, int fd, struct sockaddr *a, socklen_t *l)
{
	(void) priv;
	KRET(accept4(fd, a, l, SOCK_CLOEXEC));
}

ssize_t ioth_ksock_recvfrom(void *priv, int fd, void *buf, size_t len,
                            int flags, struct sockaddr *a, socklen_t *l)
{
	ssize_t r;

	(void) priv;
	r = recvfrom(fd, buf, len, flags, a, l);
	return r < 0 ? -errno : r;
}

ssize_t ioth_ksock_sendto(void *priv, int fd, const void *buf, size_t len,
                          int flags, const struct sockaddr *a, socklen_t l)
{
	ssize_t r;

	(void) priv;
	r = sendto(fd, buf, len, flags | MSG_NOSIGNAL, a, l);
	return r < 0 ? -errno : r;
}

int ioth_ksock_shutdown(void *priv, int fd, int how)
{
	(void) priv;
	KRET(shutdown(fd, how));
}

int ioth_ksock_close(void *priv, int fd)
{
	(void) priv;
	KRET(close(fd));
}

int ioth_ksock_getsockopt(void *priv, int fd, int level, int name, void *val,
                          socklen_t *len)
{
	(void) priv;
	KRET(getsockopt(fd, level, name, val, len));
}

int ioth_ksock_setsockopt(void *priv, int fd, int level, int name,
                          const void *val, socklen_t len)
{
	(void) priv;
	KRET(setsockopt(fd, level, name, val, len));
}

int ioth_ksock_getsockname(void *priv, int fd, struct sockaddr *a,
                           socklen_t *l)
{
	(void) priv;
	KRET(getsockname(fd, a, l));
}

int ioth_ksock_getpeername(void *priv, int fd, struct sockaddr *a,
                           socklen_t *l)
{
	(void) priv;
	KRET(getpeername(fd, a, l));
}
