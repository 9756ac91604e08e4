/*
 * lwipv6_conn.c - liblwipv6's TCP connect on a thread of its own.
 *
 * lwip_connect() of liblwipv6 1.5a ignores O_NONBLOCK: it posts the
 * request to the stack thread with the message on the caller's stack and
 * waits on the connection's mailbox until the stack thread answers
 * (connected, refused, or given up: ~12 s for a host that does not
 * answer).  That wait cannot be cut short: the message still on the
 * caller's stack, or the answer arriving later in the mailbox (where the
 * next call on the connection would take it for its own), would make a
 * use-after-free of it.  So the call is made by a thread that lives until
 * the library returns; the socket's owner waits for it as long as it
 * wants (its timeout), or not at all (non-blocking: EINPROGRESS).  A
 * socket closed meanwhile is left to the thread, which closes it once the
 * library is done with it.
 *
 * A stack deleted during a connect: the stack thread frees the
 * connection's state without answering, and the thread would wait for
 * ever.  So each thread notes the mailbox it waits on (lwipv6_mbox.c);
 * once the stack thread is gone nothing else can post to it or read the
 * request on the waiting thread's stack, and an empty message posted
 * there ends the wait.  A connect that had not reached the library when
 * the deletion began is not made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwipv6_conn.h"
#include "lwipv6_fix.h"

struct l6conn {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct l6conn_group *g;
	l6conn_fn fn;
	int s;
	struct sockaddr_storage a;
	socklen_t l;
	void (*ready)(void *arg);
	void *arg;
	int ended;
	int result;             /* 0 or -errno, once ended */
	void (*fin)(int s);     /* set when abandoned */
	int abandoned;
	/* under the group's lock: */
	struct l6conn *next;    /* in the group's list */
	int entered;            /* it is in the library */
	void *mbox;             /* the mailbox it waits on (atomic) */
	int after;              /* its connect returned: it closes the
	                         * socket or refreshes its readiness */
};

/* A condition variable whose timed waits use CLOCK_MONOTONIC. */
static void cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

void l6conn_group_init(struct l6conn_group *g)
{
	pthread_mutex_init(&g->lock, NULL);
	cond_init(&g->cond);
	g->list = NULL;
	g->closing = 0;
}

/* 1 while a thread uses the library otherwise than waiting for the
 * answer to its connect: posting its request (it notes its mailbox just
 * after), or closing its socket or refreshing its readiness after. */
static int busy(struct l6conn_group *g)
{
	struct l6conn *c;

	for (c = g->list; c != NULL; c = c->next)
		if (c->entered && (c->after ||
		    __atomic_load_n(&c->mbox, __ATOMIC_ACQUIRE) == NULL))
			return 1;
	return 0;
}

void l6conn_group_end(struct l6conn_group *g, void (*del)(void *stack),
                      void *stack)
{
	struct timespec pause = { 0, 1000000 };
	struct l6conn *c;

	pthread_mutex_lock(&g->lock);
	g->closing = 1;
	while (busy(g)) {       /* microseconds */
		pthread_mutex_unlock(&g->lock);
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	del(stack);
	pthread_mutex_lock(&g->lock);
	for (c = g->list; c != NULL; c = c->next)
		if (c->entered)
			ioth_lwipv6_mbox_wake(c->mbox);         /* noted */
	while (g->list != NULL)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
}

/* The thread is about to call the library: 0, or -ECONNABORTED when the
 * stack goes. */
static int group_enter(struct l6conn_group *g, struct l6conn *c)
{
	int r = 0;

	pthread_mutex_lock(&g->lock);
	if (g->closing)
		r = -ECONNABORTED;
	else
		c->entered = 1;
	pthread_mutex_unlock(&g->lock);
	return r;
}

/* The thread is done. */
static void group_leave(struct l6conn_group *g, struct l6conn *c)
{
	struct l6conn **p;

	pthread_mutex_lock(&g->lock);
	for (p = &g->list; *p != NULL && *p != c; p = &(*p)->next)
		;
	if (*p == c)
		*p = c->next;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* The connect returned: 1 when the thread may call the library again
 * (to close the socket or refresh it), 0 when the stack goes. */
static int group_after(struct l6conn_group *g, struct l6conn *c)
{
	int may;

	pthread_mutex_lock(&g->lock);
	may = !g->closing;
	if (may)
		c->after = 1;
	else
		c->entered = 0;
	pthread_mutex_unlock(&g->lock);
	return may;
}

static void conn_free(struct l6conn *c)
{
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static void *conn_thread(void *arg)
{
	struct l6conn *c = arg;
	struct l6conn_group *g = c->g;
	int may = 0;
	int r;

	r = group_enter(g, c);
	if (r == 0) {
		ioth_lwipv6_note_mbox(&c->mbox);
		errno = 0;
		r = c->fn(c->s, (struct sockaddr *) &c->a, c->l);
		r = r == 0 ? 0 : -(errno != 0 ? errno : EIO);
		ioth_lwipv6_note_mbox(NULL);
		may = group_after(g, c);
	}
	if (!may)
		r = -ECONNABORTED;      /* the stack goes */
	pthread_mutex_lock(&c->lock);
	c->ended = 1;
	c->result = r;
	if (c->abandoned) {
		pthread_mutex_unlock(&c->lock);
		/* closed unless the stack goes: then nothing can be (the
		 * socket's memory is left, as the library leaves it) */
		if (may)
			c->fin(c->s);
		group_leave(g, c);
		conn_free(c);
		return NULL;
	}
	pthread_cond_broadcast(&c->cond);
	if (c->ready != NULL && may)
		c->ready(c->arg);
	/* the owner may free c as soon as it is unlocked: not used after */
	group_leave(g, c);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int l6conn_start(struct l6conn **cp, struct l6conn_group *g, l6conn_fn fn,
                 int s, const struct sockaddr *a, socklen_t l,
                 void (*ready)(void *arg), void *arg)
{
	struct l6conn *c;
	pthread_attr_t at;
	pthread_t t;
	int r;

	if (l > sizeof(c->a))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	cond_init(&c->cond);
	c->g = g;
	c->fn = fn;
	c->s = s;
	memcpy(&c->a, a, l);
	c->l = l;
	c->ready = ready;
	c->arg = arg;
	pthread_mutex_lock(&g->lock);
	c->next = g->list;
	g->list = c;
	pthread_mutex_unlock(&g->lock);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	r = pthread_create(&t, &at, conn_thread, c);
	pthread_attr_destroy(&at);
	if (r != 0) {
		group_leave(g, c);
		conn_free(c);
		return -r;
	}
	*cp = c;
	return 0;
}

int l6conn_wait(struct l6conn *c, int ms)
{
	struct timespec dl;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	if (ms > 0) {
		dl.tv_sec += ms / 1000;
		dl.tv_nsec += (long) (ms % 1000) * 1000000;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&c->lock);
	while (!c->ended && ms != 0 && r != ETIMEDOUT) {
		if (ms < 0)
			pthread_cond_wait(&c->cond, &c->lock);
		else
			r = pthread_cond_timedwait(&c->cond, &c->lock, &dl);
	}
	r = c->ended ? c->result : -EINPROGRESS;
	pthread_mutex_unlock(&c->lock);
	return r;
}

int l6conn_abandon(struct l6conn *c, void (*fin)(int s))
{
	pthread_mutex_lock(&c->lock);
	if (!c->ended) {
		c->abandoned = 1;
		c->fin = fin;
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	pthread_mutex_unlock(&c->lock);
	conn_free(c);
	return 1;
}
