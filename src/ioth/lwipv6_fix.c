/*
 * lwipv6_fix.c - make liblwipv6 safe to use: its calls to a few of its
 * own functions (through its PLT) go to safer equivalents, each part in
 * its own file: mailboxes, timers and the bounded receive
 * (lwipv6_mbox.c), fragmentation (lwipv6_frag.c), the write semaphore
 * and the bounded write (lwipv6_write.c), the interface thread and the
 * stack deletion (lwipv6_ifthr.c), IPv6 reassembly (lwipv6_reass.c),
 * and, here, the close and the library's semaphores.  ioth_lwipv6_fix()
 * looks every function up first, then hooks.
 *
 * Close: liblwipv6's lwip_close() takes the library's global socket lock
 * and, holding it, waits in netconn_delete() for the stack thread; the
 * stack thread takes that lock to make the socket of every incoming
 * connection.  A close racing a new connection deadlocks both threads
 * (the whole stack stops; its peers block).  Upstream lwIP deletes the
 * netconn before taking the lock.  The library's calls to sys_sem_wait()
 * and netconn_delete() are wrapped for that order: while this thread runs
 * lwip_close() (ioth_lwipv6_close()), the first semaphore it takes is the
 * socket lock, released around netconn_delete() and taken back after.
 *
 * Semaphores: sys_sem_wait() is a plain wait that runs no timer (see
 * lwipv6_mbox.c, Timers), sys_sem_wait_timeout() a plain timed wait,
 * and sys_sem_signal() ignores NULL (see lwipv6_write.c).
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
#include "plt.h"

static void (*real_sem_signal)(void *sem);
static int8_t (*real_netconn_delete)(void *conn);
static __thread int in_close;   /* this thread runs lwip_close() */
static __thread void *close_lock;       /* the lock it took there */

static uint32_t (*real_arch_sem_wait)(void *sem, uint32_t ms);

static void sem_wait_hook(void *sem)
{
	if (l6fix_tx_sem_wait(sem))
		return;
	real_arch_sem_wait(sem, 0);     /* 0: no limit, and no timer */
	if (in_close && close_lock == NULL)
		close_lock = sem;
}

static __thread int delete_depth;       /* nested netconn_delete() */

/* netconn_delete() of a listener deletes its unaccepted connections
 * with nested calls: only the outer one gives the lock back. */
static int8_t netconn_delete_hook(void *conn)
{
	void *held = in_close && delete_depth == 0 ? close_lock : NULL;
	int8_t r;

	if (held != NULL)
		real_sem_signal(held);
	delete_depth++;
	r = real_netconn_delete(conn);
	delete_depth--;
	if (held != NULL)
		real_arch_sem_wait(held, 0);
	return r;
}

/* 1 when sem was taken, 0 when ms (0: no limit) passed first. */
static int sem_wait_timeout_hook(void *sem, uint32_t ms)
{
	if (ms == 0) {
		sem_wait_hook(sem);
		return 1;
	}
	return real_arch_sem_wait(sem, ms) == SYS_ARCH_TIMEOUT ? 0 : 1;
}

int ioth_lwipv6_close(int (*lwip_close)(int), int s)
{
	int r;

	in_close = 1;
	close_lock = NULL;
	r = lwip_close(s);
	in_close = 0;
	close_lock = NULL;
	return r;
}

static void sem_signal_hook(void *sem)
{
	if (sem != NULL)
		real_sem_signal(sem);
}

/* The library's functions this file calls, and its calls it takes. */
static const struct l6fix_part l6fix_close = {
	.real = {
		L6FIX_REAL(real_sem_signal, "sys_sem_signal"),
		L6FIX_REAL(real_netconn_delete, "netconn_delete"),
		L6FIX_REAL(real_arch_sem_wait, "sys_arch_sem_wait"),
	},
	.hook = {
		L6FIX_HOOK("sys_sem_wait", sem_wait_hook),
		L6FIX_HOOK("sys_sem_wait_timeout", sem_wait_timeout_hook),
		L6FIX_HOOK("netconn_delete", netconn_delete_hook),
		L6FIX_HOOK("sys_sem_signal", sem_signal_hook),
	},
};

static const struct l6fix_part *const parts[] = {
	&l6fix_mbox, &l6fix_close, &l6fix_frag, &l6fix_ifthr, &l6fix_write,
	&l6fix_reass,
};
#define NPARTS (sizeof(parts) / sizeof(parts[0]))

int ioth_lwipv6_fix(void *handle)
{
	struct link_map *lm;
	size_t i, j;
	int r = 0;

	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) < 0)
		return -ENOENT;
	for (i = 0; i < NPARTS; i++)
		for (j = 0; j < L6FIX_MAX && parts[i]->real[j].f != NULL; j++) {
			*parts[i]->real[j].f = dlsym(handle,
			                             parts[i]->real[j].name);
			if (*parts[i]->real[j].f == NULL)
				return -ENOENT;
		}
	/* the library's calls to name (through its PLT) go to f */
	for (i = 0; r == 0 && i < NPARTS; i++)
		for (j = 0; r == 0 && j < L6FIX_MAX &&
		            parts[i]->hook[j].name != NULL; j++)
			r = ioth_plt_set(lm, parts[i]->hook[j].name,
			                 parts[i]->hook[j].f, NULL);
	return r;
}
