/*
 * lwipv6_opt.c - socket options and names of the "lwipv6" back-end:
 * SO_RCVTIMEO/SO_SNDTIMEO (applied here: LWIPv6 has neither),
 * IPV6_V6ONLY (always 0), SO_ERROR of a connect in the background, and
 * the addresses LWIPv6 misreports.
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

int l6_getsockopt(void *priv, int fd, int level, int name, void *val,
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
			               -l6_conn_result(e, r, NULL, 0);
			*len = sizeof(int);
			e->conn_told = r != -EINPROGRESS;
			return 0;
		}
	}
	return (int) l6_done(e, l6lib.getsockopt(e->s, level, name, val, len));
}

int l6_setsockopt(void *priv, int fd, int level, int name,
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
		e->reuse = *(const int *) val != 0;     /* for l6_port_taken() */
	return (int) l6_done(e, l6lib.setsockopt(e->s, level, name, val, len));
}

int l6_getsockname(void *priv, int fd, struct sockaddr *a,
                   socklen_t *l)
{
	long r;

	GET(e, fd);
	r = l6lib.getsockname(e->s, a, l);
	if (r < 0 && e->locallen > 0) {
		/* LWIPv6 fails on some bound sockets (UDP): report the bind */
		memcpy(a, &e->local, *l < e->locallen ? *l : e->locallen);
		*l = e->locallen;
		r = 0;
	}
	return (int) l6_done(e, r);
}

int l6_getpeername(void *priv, int fd, struct sockaddr *a,
                   socklen_t *l)
{
	GET(e, fd);
	if (l6_conn_busy(e, 0))
		return -ENOTCONN;
	if (e->peerlen > 0) {
		struct sockaddr_storage tmp;
		socklen_t tl = sizeof(tmp);

		/* still connected?  then report the address we connected to */
		if (l6lib.getpeername(e->s, (struct sockaddr *) &tmp, &tl) < 0)
			return (int) l6_done(e, -1);
		memcpy(a, &e->peer, *l < e->peerlen ? *l : e->peerlen);
		*l = e->peerlen;
		return 0;
	}
	return (int) l6_done(e, l6lib.getpeername(e->s, a, l));
}
