/*
 * lwipv6_be.h - what the files of the "lwipv6" back-end share: the
 * library's function table (loaded by lwipv6.c), a stack, and the
 * pollable socket that wraps each LWIPv6 socket (lwipv6_tab.c: the
 * table and readiness; lwipv6_sock.c: socket, bind, connect, listen,
 * accept, shutdown, close; lwipv6_io.c: receive and send;
 * lwipv6_opt.c: options and names).
 */
#ifndef IOTH_LWIPV6_BE_H
#define IOTH_LWIPV6_BE_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "lwipv6_conn.h"
#include "lwipv6_drain.h"
#include "pollfd.h"

#define MAXIF 8

struct v6addr {
	uint32_t addr[4];
};

struct l6lib {
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

struct v6stack {
	void *stack;
	void *ifs[MAXIF];
	struct l6conn_group conns;      /* its connects (lwipv6_conn.c) */
	struct l6drain drain;           /* what its TCP connections still
	                                 * hold, at deletion (lwipv6_drain.c) */
};

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

#define GET(e, fd) struct v6sock *e = l6_lookup(fd); \
	(void) priv; if (e == NULL) return -EBADF; errno = 0

/* The library's functions (lwipv6.c loads them). */
extern struct l6lib l6lib;

/* --- the socket table and readiness (lwipv6_tab.c) --- */

/* The socket of descriptor fd, or NULL. */
struct v6sock *l6_lookup(int fd);
/* Recompute fd's readiness from the library's. */
void l6_refresh(struct v6sock *e);
/* 0 while FD_RESERVE more descriptors could be opened, else -EMFILE. */
int l6_fd_headroom(void);
/* Wrap LWIPv6 socket s of stack owner: its descriptor, or -errno (s
 * closed). */
int l6_track(void *owner, int s);
/* Close descriptor fd and its LWIPv6 socket: 0 or -EBADF. */
int l6_untrack(int fd);
/* Close every socket of stack owner. */
void l6_close_all(void *owner);
/* 1 when another socket of e's stack holds a's port (the kernel's
 * rule), else 0. */
int l6_port_taken(struct v6sock *e, const struct sockaddr *a, socklen_t l);
/* ms minus the ms since t0. */
long l6_ms_left(const struct timespec *t0, int ms);
/* Before a blocking call with a timeout: wait for events; 0 when ready
 * (or no timeout applies), -EAGAIN when the timeout passed. */
int l6_timed_wait(struct v6sock *e, int flags, short events, int ms);
/* The result r of a library call (-1 and errno): readiness refreshed,
 * r or -errno. */
long l6_done(struct v6sock *e, long r);
/* The result of a connect: 0 or -errno. */
int l6_conn_result(struct v6sock *e, int r, const struct sockaddr *a,
                   socklen_t l);
/* How long a call may wait: 0 non-blocking, else its timeout ms or -1. */
int l6_io_ms(const struct v6sock *e, int flags, int timeo);
/* 1 while the socket's connect runs, after waiting for it up to ms. */
int l6_conn_busy(struct v6sock *e, int ms);

/* --- the socket calls of the ops table (lwipv6_sock.c, lwipv6_io.c,
 * lwipv6_opt.c) --- */
int l6_socket(void *priv, int domain, int type, int protocol);
int l6_set_nonblock(void *priv, int fd, int on);
int l6_bind(void *priv, int fd, const struct sockaddr *a, socklen_t l);
int l6_connect(void *priv, int fd, const struct sockaddr *a, socklen_t l);
int l6_listen(void *priv, int fd, int backlog);
int l6_accept(void *priv, int fd, struct sockaddr *a, socklen_t *l);
int l6_shutdown(void *priv, int fd, int how);
int l6_close(void *priv, int fd);
ssize_t l6_recvfrom(void *priv, int fd, void *buf, size_t len, int flags,
                    struct sockaddr *a, socklen_t *l);
ssize_t l6_sendto(void *priv, int fd, const void *buf, size_t len,
                  int flags, const struct sockaddr *a, socklen_t l);
int l6_getsockopt(void *priv, int fd, int level, int name, void *val,
                  socklen_t *len);
int l6_setsockopt(void *priv, int fd, int level, int name,
                  const void *val, socklen_t len);
int l6_getsockname(void *priv, int fd, struct sockaddr *a, socklen_t *l);
int l6_getpeername(void *priv, int fd, struct sockaddr *a, socklen_t *l);

#endif /* IOTH_LWIPV6_BE_H */
