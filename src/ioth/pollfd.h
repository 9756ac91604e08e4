/*
 * pollfd.h - a real file descriptor whose POLLIN/POLLOUT readiness is set
 * by software, so that sockets of user-space stacks work with
 * poll/select/epoll.  Built on an AF_UNIX stream pair: the user-visible end
 * is readable while a byte is queued to it, and writable while its own send
 * buffer is not filled.  Not thread-safe: callers serialise updates.
 */
#ifndef IOTH_POLLFD_H
#define IOTH_POLLFD_H

struct ioth_pollfd {
	int fd;         /* the end given to users */
	int peer;       /* the internal end */
	int in;         /* current readable state */
	int out;        /* current writable state */
};

int ioth_pollfd_open(struct ioth_pollfd *p);
void ioth_pollfd_close(struct ioth_pollfd *p);
void ioth_pollfd_set(struct ioth_pollfd *p, int in, int out);

#endif /* IOTH_POLLFD_H */
