/*
 * pollfd.c - software-driven readiness on a real descriptor (see pollfd.h).
 *
 * Readable: one byte queued from peer to fd; cleared by draining fd.
 * Not writable: fd's send buffer filled towards peer until EAGAIN (the
 * kernel reports POLLOUT only when less than 1/4 of it is in use);
 * writable again by draining peer.  Each transition costs a few syscalls;
 * the cached state makes repeated identical updates free.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pollfd.h"

#define FILL_MAX 16     /* bound on writes needed to fill the buffer */

int ioth_pollfd_open(struct ioth_pollfd *p)
{
	int sv[2];
	int one = 1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	               0, sv) < 0)
		return -errno;
	/* smallest buffer: a few writes make the end unwritable */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	p->fd = sv[0];
	p->peer = sv[1];
	p->in = 0;
	p->out = 1;
	ioth_pollfd_set(p, 0, 0);
	return 0;
}

void ioth_pollfd_close(struct ioth_pollfd *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->peer >= 0)
		close(p->peer);
	p->fd = -1;
	p->peer = -1;
}

/* At most one byte is ever queued to fd, and the filled buffer of fd is
 * smaller than BUFSZ: one call each way is enough. */
#define BUFSZ 65536

static void drain(int fd)
{
	static __thread char buf[BUFSZ];

	if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0) {
		/* nothing queued: already in the wanted state */
	}
}

static void fill(int fd)
{
	static const char buf[BUFSZ];
	int i;

	/* a short write means the buffer is full; loop only if the kernel
	 * accepted everything (larger buffer than expected) */
	for (i = 0; i < FILL_MAX; i++)
		if (send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL)
		    != (ssize_t) sizeof(buf))
			break;
}

void ioth_pollfd_set(struct ioth_pollfd *p, int in, int out)
{
	in = !!in;
	out = !!out;
	if (p->fd < 0)
		return;
	if (in != p->in) {
		if (in)
			send(p->peer, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			drain(p->fd);
		p->in = in;
	}
	if (out != p->out) {
		if (out)
			drain(p->peer);
		else
			fill(p->fd);
		p->out = out;
	}
}
