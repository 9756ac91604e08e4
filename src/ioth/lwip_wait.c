/*
 * lwip_wait.c - blocking waits of the lwip back-end in which the waiting
 * thread receives frames itself.
 *
 * Without this, a frame reaches a blocked reader through two thread hops:
 * the interface's receive thread wakes, feeds lwIP, and wakes the reader.
 * Here a thread that must wait polls the interfaces' data sockets as well
 * as its own socket, and feeds lwIP itself; the receive thread stands
 * aside (its registration on the data socket is removed) while at least
 * one thread waits this way, and takes over again when the last leaves.
 * Re-adding it reports frames that arrived meanwhile, so none is left
 * unread.  Waiters register on the data sockets with EPOLLEXCLUSIVE, so a
 * frame wakes one waiter, not all; the frame that one reads may be for
 * another socket, whose waiter its socket's readiness then wakes.
 *
 * Each thread keeps one epoll set (built on first use, rebuilt when the
 * stack or its interfaces change, closed at thread exit).  Shutdown wakes
 * every waiter and waits until none remains before interfaces go away.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "lwip_netif.h"

#define MAXIF    8

/* epoll tags: these two addresses, or the struct ioth_vnif to read */
static char tag_sock;
static char tag_dying;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static struct ioth_vnif *ifs[MAXIF];    /* interfaces read inline */
static unsigned int gen;                /* changes with the set above */
static int dying_fd = -1;               /* readable once shutting down */
static int dying;
static int waiters;

struct waiter {
	int ep;
	unsigned int gen;
	int fd;                 /* socket descriptor registered, or -1 */
	unsigned long serial;   /* identity of that socket */
	uint32_t events;
};

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void waiter_free(void *arg)
{
	struct waiter *w = arg;

	close(w->ep);
	free(w);
}

static void key_init(void)
{
	if (pthread_key_create(&key, waiter_free) != 0)
		abort();        /* only with PTHREAD_KEYS_MAX keys in use */
}

int ioth_lwip_wait_start(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&lock);
	dying_fd = fd;
	dying = 0;
	gen++;
	pthread_mutex_unlock(&lock);
	return 0;
}

void ioth_lwip_wait_add_if(struct ioth_vnif *v)
{
	int i;

	if (ioth_vnif_datafd(v) < 0)
		return;                 /* only its receive thread can read it */
	pthread_mutex_lock(&lock);
	for (i = 0; i < MAXIF; i++)
		if (ifs[i] == NULL) {
			ifs[i] = v;
			gen++;
			break;
		}
	pthread_mutex_unlock(&lock);
}

void ioth_lwip_wait_stop(void)
{
	uint64_t one = 1;
	int i;

	pthread_mutex_lock(&lock);
	dying = 1;
	if (dying_fd >= 0 && write(dying_fd, &one, sizeof(one)) < 0) {
		/* an eventfd written once cannot be full */
	}
	while (waiters > 0)
		pthread_cond_wait(&idle, &lock);
	for (i = 0; i < MAXIF; i++)
		ifs[i] = NULL;
	gen++;
	if (dying_fd >= 0)
		close(dying_fd);
	dying_fd = -1;
	pthread_mutex_unlock(&lock);
}

/* This thread's epoll set for the current stack; called with lock held. */
static struct waiter *waiter_get(void)
{
	struct epoll_event ev;
	struct waiter *w;
	int i;

	pthread_once(&key_once, key_init);
	w = pthread_getspecific(key);
	if (w != NULL && w->gen == gen)
		return w;
	if (w == NULL) {
		w = calloc(1, sizeof(*w));
		if (w == NULL)
			return NULL;
		w->ep = -1;
		if (pthread_setspecific(key, w) != 0) {
			free(w);
			return NULL;
		}
	}
	if (w->ep >= 0)
		close(w->ep);
	w->fd = -1;
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep < 0)
		return NULL;
	ev.events = EPOLLIN;
	ev.data.ptr = &tag_dying;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, dying_fd, &ev) < 0)
		goto fail;
	for (i = 0; i < MAXIF; i++) {
		if (ifs[i] == NULL)
			continue;
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.ptr = ifs[i];
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, ioth_vnif_datafd(ifs[i]),
		              &ev) < 0)
			goto fail;
	}
	w->gen = gen;
	return w;
fail:
	close(w->ep);
	w->ep = -1;
	w->gen = gen - 1;
	return NULL;
}

/* Put socket descriptor fd (identity serial) in the set for events. */
static int watch(struct waiter *w, int fd, unsigned long serial,
                 uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &tag_sock };

	if (w->fd == fd && w->serial == serial) {
		if (w->events == events)
			return 0;
		if (epoll_ctl(w->ep, EPOLL_CTL_MOD, fd, &ev) == 0) {
			w->events = events;
			return 0;
		}
	}
	/* the descriptor may be a closed socket's number, reused: drop
	 * whatever the set holds under it and register afresh */
	if (w->fd >= 0)
		epoll_ctl(w->ep, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0 &&
	    (errno != EEXIST || epoll_ctl(w->ep, EPOLL_CTL_MOD, fd, &ev) < 0))
		return -errno;
	w->fd = fd;
	w->serial = serial;
	w->events = events;
	return 0;
}

static long ms_left(const struct timespec *end)
{
	struct timespec t;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (end->tv_sec - t.tv_sec) * 1000 +
	     (end->tv_nsec - t.tv_nsec + 999999) / 1000000;
	return ms > 0 ? ms : 0;
}

int ioth_lwip_wait(int fd, unsigned long serial, int events, int timeout_ms,
                   int (*ready)(void *arg), void *arg)
{
	struct ioth_vnif *mine[MAXIF];
	struct epoll_event ev[8];
	struct timespec end;
	struct waiter *w;
	uint32_t want = EPOLLERR | EPOLLHUP;
	int nif = 0;
	int r;
	int i;

	if (events & POLLIN)
		want |= EPOLLIN;
	if (events & POLLOUT)
		want |= EPOLLOUT;
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += timeout_ms / 1000;
		end.tv_nsec += (long) (timeout_ms % 1000) * 1000000;
		if (end.tv_nsec >= 1000000000) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&lock);
	if (dying) {
		pthread_mutex_unlock(&lock);
		return -EBADF;
	}
	w = waiter_get();
	if (w == NULL || watch(w, fd, serial, want) < 0) {
		/* no epoll set (out of descriptors?): a plain wait, frames
		 * being left to the receive threads */
		struct pollfd p = { .fd = fd, .events = (short) events };
		pthread_mutex_unlock(&lock);
		r = poll(&p, 1, timeout_ms);
		return r < 0 ? -errno : r == 0 ? 0 : p.revents;
	}
	for (i = 0; i < MAXIF; i++)
		if (ifs[i] != NULL)
			mine[nif++] = ifs[i];
	waiters++;
	pthread_mutex_unlock(&lock);

	for (i = 0; i < nif; i++)
		ioth_vnif_inline_enter(mine[i]);
	for (;;) {
		int n;
		int k;

		r = ready(arg) & events;
		if (r != 0)
			break;
		n = epoll_wait(w->ep, ev, 8, timeout_ms < 0 ? -1 :
		               timeout_ms == 0 ? 0 : (int) ms_left(&end));
		if (n < 0 && errno == EINTR) {
			r = -EINTR;
			break;
		}
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0) {
			r = ready(arg) & events;        /* 0: timed out */
			break;
		}
		for (k = 0; k < n; k++) {
			void *t = ev[k].data.ptr;
			if (t == &tag_dying)
				r = -EBADF;
			else if (t == &tag_sock)
				continue;
			else if (ev[k].events & (EPOLLERR | EPOLLHUP))
				/* the switch is gone: its receive thread
				 * reports the loss; stop watching here */
				epoll_ctl(w->ep, EPOLL_CTL_DEL,
				          ioth_vnif_datafd(t), NULL);
			else
				ioth_vnif_rx(t);
		}
		if (r == -EBADF)
			break;
	}
	for (i = 0; i < nif; i++)
		ioth_vnif_inline_leave(mine[i]);

	pthread_mutex_lock(&lock);
	if (--waiters == 0)
		pthread_cond_broadcast(&idle);
	pthread_mutex_unlock(&lock);
	return r;
}
