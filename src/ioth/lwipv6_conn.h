/*
 * lwipv6_conn.h - liblwipv6's TCP connect, which blocks its caller until
 * the library is done (up to ~12 s, whatever the socket's mode or
 * timeout), run on a thread of its own so that the caller can stop
 * waiting at its deadline or not wait at all (lwipv6_conn.c).
 */
#ifndef IOTH_LWIPV6_CONN_H
#define IOTH_LWIPV6_CONN_H

#include <pthread.h>
#include <sys/socket.h>

struct l6conn;

/* The connects of one stack, all ended when the stack is deleted. */
struct l6conn_group {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct l6conn *list;    /* threads not finished */
	int closing;            /* the stack goes: no library call starts */
};

typedef int (*l6conn_fn)(int s, const struct sockaddr *a, socklen_t l);

void l6conn_group_init(struct l6conn_group *g);
/* Delete the stack of g with del(stack): connects not yet in the library
 * fail (ECONNABORTED), those waiting in it (the stack thread will never
 * answer them once it is gone) are woken after del() and their sockets
 * left (no library call can be made on them then); returns once every
 * thread has ended.  Then g can be destroyed. */
void l6conn_group_end(struct l6conn_group *g, void (*del)(void *stack),
                      void *stack);

/* Start fn(s, a, l) on a new thread of group g; ready(arg) is called,
 * under the connect's lock, when it ends (unless abandoned before).
 * 0 or -errno. */
int l6conn_start(struct l6conn **c, struct l6conn_group *g, l6conn_fn fn,
                 int s, const struct sockaddr *a, socklen_t l,
                 void (*ready)(void *arg), void *arg);
/* Wait up to ms (< 0: no limit, 0: do not wait) for the end: its
 * result (0 or -errno), or -EINPROGRESS while it runs. */
int l6conn_wait(struct l6conn *c, int ms);
/* The socket goes.  A connect that still runs is left to its thread,
 * which calls fin(s) once the library returns (the socket cannot be
 * closed before: the library still waits on it) and frees c: then 0.
 * Otherwise c is freed and 1 says the caller closes s itself. */
int l6conn_abandon(struct l6conn *c, void (*fin)(int s));

#endif /* IOTH_LWIPV6_CONN_H */
