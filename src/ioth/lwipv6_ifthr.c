/*
 * lwipv6_ifthr.c - liblwipv6's interface thread: its receive unblocked
 * and its stop at stack deletion made safe (lwipv6_fix.c hooks them).
 *
 * Stack deletion: each stack has an interface thread that poll()s the
 * interfaces' descriptors and calls their receive function; a pipe wakes
 * it, and EOF on that pipe makes it leave (signalling a semaphore).  The
 * library's netif_shutdown() first closes the interfaces (the VDE
 * connection is freed), then closes the pipe and waits for the thread
 * with a wait that also runs the deleting thread's timers.  A thread
 * between its poll() and an interface's receive then read through the
 * freed connection (segfaults in vde_recv()), and the IPv6 router
 * solicitation timer ran on the closed interface (segfaults in
 * rtr_sol_timeout()): 5 of 5 runs deleting 150 stacks while broadcasts
 * arrive crashed.  The library's call to it is replaced by the same steps
 * in a safe order: stop the thread with a plain wait, then close the
 * interfaces.  The stack fields used (the semaphore and the pipe's two
 * ends, at 0x18, 0x20 and 0x24) are those netif_shutdown() of liblwipv6
 * 1.5a reads.
 *
 * Interface receive: the interface thread calls vde_recv() (libvdeplug,
 * found with dlsym()) once poll() says a VDE socket is ready, and takes
 * the result as a frame length without checking it (-1 became a
 * 65535-byte frame read from a 1514-byte buffer).  When the switch died,
 * the first send to it (from the stack thread) made the kernel drop what
 * the socket still held, so the frame announced by poll() could be gone
 * and the receive blocked for good; deleting the stack then waited for
 * that thread for ever (the process hung at exit after a switch kill,
 * 1 run in 20).  The library's dlsym() hands it vde_recv_hook() instead:
 * it notes which thread (by the wake-up pipe of the library's one
 * poll(), the interface thread's) is in a receive since when, and hands
 * a frame of zeros (to nobody, of no type: dropped) when the receive
 * returns nothing or an error.  The stack deletion waits for its
 * interface thread STUCK_MS at a time and shuts reading down on the
 * sockets of that thread's receives that have lasted STUCK_MS: the
 * receive returns 0, the thread sees its pipe closed and leaves.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lwipv6_fix.h"
#include "lwipv6_fix_be.h"

static uint32_t (*real_arch_sem_wait)(void *sem, uint32_t ms);
static void (*real_sem_free)(void *sem);

static void (*real_netif_cleanup)(void *stack);

#define STACK_IF_DONE 0x18      /* the thread's exit semaphore */
#define STACK_IF_RD 0x20        /* its wake-up pipe: read end */
#define STACK_IF_WR 0x24        /* write end */

/* The VDE receive of the interface threads (vde_recv() of libvdeplug,
 * which the library finds with dlsym()). */
typedef ssize_t (*vde_recv_fn)(void *conn, void *buf, size_t len, int flags);

static vde_recv_fn real_vde_recv;
static int (*real_vde_datafd)(void *conn);
static __thread int if_pipe = -1;       /* this interface thread's pipe */

#define IN_RECV_MAX 64
#define STUCK_MS 100            /* a receive after poll() said "ready"
                                 * that lasts this long will not return */
#define DROP_LEN 60             /* the frame handed over instead */

/* The receives running now: their thread's pipe, connection, start. */
static struct in_recv {
	int pipe;
	void *conn;
	struct timespec t0;
} in_recv[IN_RECV_MAX];
static pthread_mutex_t in_recv_lock = PTHREAD_MUTEX_INITIALIZER;

static int poll_hook(struct pollfd *fds, nfds_t n, int ms)
{
	if_pipe = n > 0 ? fds[0].fd : -1;
	return poll(fds, n, ms);
}

static struct in_recv *recv_enter(void *conn)
{
	struct in_recv *e = NULL;
	int i;

	pthread_mutex_lock(&in_recv_lock);
	for (i = 0; i < IN_RECV_MAX && e == NULL; i++)
		if (in_recv[i].conn == NULL)
			e = &in_recv[i];
	if (e != NULL) {
		e->pipe = if_pipe;
		e->conn = conn;
		clock_gettime(CLOCK_MONOTONIC, &e->t0);
	}
	pthread_mutex_unlock(&in_recv_lock);
	return e;
}

static void recv_leave(struct in_recv *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&in_recv_lock);
	e->conn = NULL;
	pthread_mutex_unlock(&in_recv_lock);
}

static ssize_t vde_recv_hook(void *conn, void *buf, size_t len, int flags)
{
	struct in_recv *e = recv_enter(conn);
	ssize_t n = real_vde_recv(conn, buf, len, flags);

	recv_leave(e);
	if (n > 0)
		return n;
	/* nothing (the read was shut down) or an error: the library would
	 * take -1 as a 65535-byte frame and 0 as an empty one; a frame of
	 * zeros is to nobody (not its address, not multicast) and of no
	 * type, dropped */
	n = len < DROP_LEN ? (ssize_t) len : DROP_LEN;
	memset(buf, 0, (size_t) n);
	return n;
}

/* Shut the reading down on the connections whose receive, in the
 * interface thread polling pipe rd, has lasted STUCK_MS or more. */
static void recv_unblock(int rd)
{
	int i;

	pthread_mutex_lock(&in_recv_lock);
	for (i = 0; i < IN_RECV_MAX; i++) {
		struct in_recv *e = &in_recv[i];

		if (e->conn != NULL && e->pipe == rd &&
		    l6fix_ms_since(&e->t0) >= STUCK_MS)
			shutdown(real_vde_datafd(e->conn), SHUT_RD);
	}
	pthread_mutex_unlock(&in_recv_lock);
}

static void *dlsym_hook(void *h, const char *name)
{
	void *f = dlsym(h, name);

	if (f == NULL || strcmp(name, "vde_recv") != 0)
		return f;
	if (real_vde_datafd == NULL)
		*(void **) &real_vde_datafd = dlsym(h, "vde_datafd");
	if (real_vde_datafd == NULL)
		return f;       /* cannot unblock it: leave it as it is */
	real_vde_recv = (vde_recv_fn) f;
	return (void *) vde_recv_hook;
}

static void netif_shutdown_hook(void *stack)
{
	char *st = stack;
	int *wr = (int *) (void *) (st + STACK_IF_WR);
	int rd = *(int *) (void *) (st + STACK_IF_RD);
	void *done = *(void **) (void *) (st + STACK_IF_DONE);
	int w = *wr;

	*wr = -1;               /* wake-ups from the cleanup fail (EBADF)
	                         * instead of reaching a reused descriptor */
	close(w);               /* EOF: the thread leaves its loop ... */
	/* ... and says so.  A plain wait: the library's own runs this
	 * thread's timers meanwhile, and the interfaces' (IPv6 router
	 * solicitation) crash once the IP layer is shut down; the cleanup
	 * removes them.  A thread blocked in an interface's receive is
	 * unblocked. */
	while (real_arch_sem_wait(done, STUCK_MS) == SYS_ARCH_TIMEOUT)
		recv_unblock(rd);
	real_netif_cleanup(stack);      /* nobody polls the interfaces now */
	real_sem_free(done);
	close(rd);
}

/* The library's functions this file calls, and its calls it takes. */
const struct l6fix_part l6fix_ifthr = {
	.real = {
		L6FIX_REAL(real_netif_cleanup, "netif_cleanup"),
		L6FIX_REAL(real_arch_sem_wait, "sys_arch_sem_wait"),
		L6FIX_REAL(real_sem_free, "sys_sem_free"),
	},
	.hook = {
		L6FIX_HOOK("netif_shutdown", netif_shutdown_hook),
		L6FIX_HOOK("poll", poll_hook),
		L6FIX_HOOK("dlsym", dlsym_hook),
	},
};
