/*
 * lwipv6_write.c - liblwipv6's write: its semaphore kept for the
 * connection's life, and the write bounded (lwipv6_fix.c hooks it).
 *
 * Write semaphore: netconn_write() creates the connection's semaphore
 * (conn->sem) at each call, waits on it while the send buffer is full,
 * and frees it (and clears the field) before it returns.  The stack
 * thread signals that semaphore from its TCP callbacks (data acked,
 * poll, error) whenever the field is not NULL, reading the field
 * without any lock.  An ACK processed while a write ends read the
 * field, the writer freed the semaphore, and the stack thread then
 * locked and counted in freed memory: the first word of a freed 96-byte
 * block became 1, which glibc found at the next allocations of that
 * size ("malloc(): unaligned tcache chunk detected"; at exit, where
 * lwip_del_stack() allocates semaphores, after a switch was killed
 * during 8 KB echoes: 1 run in 3).  Seen by quarantining freed
 * semaphores: the late signal came from tcp_input() (the sent
 * callback), the free from netconn_write() in lwip_send().  The
 * library's calls to netconn_write() are wrapped: the free of that
 * connection's semaphore at the end of the write is skipped and the
 * semaphore put back in the field, so it lives as long as the
 * connection (netconn_delete() frees it, after the stack thread has
 * unhooked the connection's callbacks).  A leftover count only wakes
 * the next wait early, and both waits of netconn_write() (and the one
 * of netconn_close()) check again after waking.  The field read twice
 * by the stack thread can still be NULL for an instant between the
 * library clearing it and the wrapper restoring it: the library's
 * sys_sem_signal() ignores NULL.  Layout relied on: conn->sem at 0x30
 * (what netconn_write(), netconn_delete() and the callbacks of 1.5a
 * use).
 *
 * Bounded write: netconn_write() loops until the whole message is taken,
 * waiting on the connection's semaphore while the send buffer is full
 * (snd_buf 0) or tcp_write() found no memory (its queue of segments
 * full), without limit.  When lwipv6_io.c bounds a send
 * (ioth_lwipv6_tx_bound()), the wrapper hands the library only what
 * fits in snd_buf (one chunk), and the wait for memory of that chunk,
 * before which nothing of the call was sent, lasts at most the time
 * given: past it the connection's error is set to ERR_TX_WAIT, which
 * ends the library's loop, and taken back after (unless the stack thread
 * set a real one meanwhile); ioth_lwipv6_tx_taken() says how much was
 * taken (lwip_send() reports the whole message).  Layout relied on:
 * the connection's type (u8 at 0x08, 0: TCP), error (s8 at 0x0c), pcb
 * (0x10), the pcb's snd_buf (u16 at 0xaa).
 *
 * Readiness: the library says "not writable" only when the send buffer
 * runs low (16 KB), not when its queue of segments is full (88, reached
 * by 88 small writes): a socket of 10-byte non-blocking sends was
 * writable while every send failed with EAGAIN, and a select loop spun
 * until an acknowledgement came.  A bounded write that found no memory
 * now tells the library's socket "not writable" as upstream lwIP does
 * (tx_unwritable()); the next acknowledgement makes it writable.
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

/* The write semaphore: a netconn_write() of this thread, and the
 * semaphore whose free it skipped. */
#define CONN_SEM 0x30

typedef int8_t (*write_fn)(void *conn, const void *data, uint16_t size,
                           uint8_t copy);

static write_fn real_netconn_write;
static void (*real_sem_free)(void *sem);
static __thread void *write_conn;
static __thread void *write_kept;

static void **conn_sem(void *conn)
{
	return (void **) (void *) ((char *) conn + CONN_SEM);
}

/* A bounded write (ioth_lwipv6_tx_bound()): the room in the send buffer
 * of a TCP connection, its pcb's snd_buf (fields of liblwipv6 1.5a, as
 * netconn_write() reads them), or -1 when it does not apply. */
#define CONN_TYPE 0x08          /* u8, 0: TCP */
#define CONN_PCB 0x10
#define PCB_SND_BUF 0xaa        /* u16 */

#define CONN_ERR 0x0c          /* s8 */
#define ERR_TX_WAIT (-100)      /* not one of lwIP's: ours */

static __thread int tx_armed;
static __thread long tx_taken;
static __thread int tx_ms;              /* the wait for memory allowed */
static __thread void *tx_conn;          /* the bounded write's */
static __thread int tx_gave_up;

void ioth_lwipv6_tx_bound(int ms)
{
	tx_armed = 1;
	tx_taken = -1;
	tx_ms = ms > 0 ? ms : 1;
}

long ioth_lwipv6_tx_taken(void)
{
	long n = tx_taken;

	tx_armed = 0;
	tx_taken = -1;
	return n;
}

static void **conn_sem(void *conn);

/* The wait of a bounded write after tcp_write() found no memory (its
 * queue of segments full): nothing of this call was sent yet, so past
 * tx_ms the write is given up; the connection's error, which ends the
 * library's loop, is set to ours, taken back by netconn_write_hook().
 * 1 when it handled the wait. */
int l6fix_tx_sem_wait(void *sem)
{
	int8_t *err;

	if (tx_conn == NULL || sem != *conn_sem(tx_conn))
		return 0;
	if (real_arch_sem_wait(sem, (uint32_t) tx_ms) != SYS_ARCH_TIMEOUT)
		return 1;
	err = (int8_t *) (void *) ((char *) tx_conn + CONN_ERR);
	if (__atomic_load_n(err, __ATOMIC_ACQUIRE) == 0)
		__atomic_store_n(err, (int8_t) ERR_TX_WAIT, __ATOMIC_RELEASE);
	tx_gave_up = 1;
	return 1;
}

static long tx_room(void *conn)
{
	const char *c = conn;
	const char *pcb;

	if (c[CONN_TYPE] != 0)
		return -1;
	pcb = __atomic_load_n((const char *const *) (const void *)
	                      (c + CONN_PCB), __ATOMIC_ACQUIRE);
	if (pcb == NULL)
		return -1;      /* closed: the library reports it */
	return __atomic_load_n((const uint16_t *) (const void *)
	                       (pcb + PCB_SND_BUF), __ATOMIC_RELAXED);
}

/* Readiness after a bounded write that found no memory: the library's
 * event callback told "not writable" (its POLLOUT waiters then wait for
 * the next acknowledgement, whose "writable" comes from the stack thread
 * after it freed queue room), and told "writable" again at once when
 * the queue already has room (the acknowledgement came meanwhile: no
 * other may come).  Fields of liblwipv6 1.5a: the connection's event
 * callback (0x40, called as (conn, event, u16 len)), the pcb's queue
 * length (u8 at 0xac) and the queue's limit, 88 (tcp_enqueue()). */
#define CONN_CALLBACK 0x40
#define PCB_SND_QUEUELEN 0xac
#define SND_QUEUELEN_MAX 88
#define EVT_SENDPLUS 2
#define EVT_SENDMINUS 3

static void tx_unwritable(void *conn)
{
	void (*cb)(void *conn, int evt, uint16_t len);
	void *f = __atomic_load_n((void **) (void *) ((char *) conn +
	                                               CONN_CALLBACK),
	                          __ATOMIC_ACQUIRE);
	const char *pcb;

	if (f == NULL)
		return;
	memcpy(&cb, &f, sizeof(cb));
	cb(conn, EVT_SENDMINUS, 0);
	pcb = __atomic_load_n((const char *const *) (const void *)
	                      ((char *) conn + CONN_PCB), __ATOMIC_ACQUIRE);
	if (pcb == NULL || __atomic_load_n((const uint8_t *) (pcb +
	                                   PCB_SND_QUEUELEN), __ATOMIC_ACQUIRE)
	                   < SND_QUEUELEN_MAX)
		cb(conn, EVT_SENDPLUS, 0);
}

static int8_t netconn_write_hook(void *conn, const void *data, uint16_t size,
                                 uint8_t copy)
{
	int8_t r;

	if (tx_armed && conn != NULL) {
		long room = tx_room(conn);

		tx_armed = 0;
		if (room >= 0) {
			/* what fits: the library's wait for room then
			 * returns at once (its snd_buf only grows
			 * meanwhile: this thread is the connection's
			 * writer), and one chunk is sent */
			tx_conn = conn;
			tx_gave_up = 0;
			tx_taken = room < size ? room : size;
			if (room == 0)
				return 0;       /* ERR_OK, nothing sent */
			size = (uint16_t) tx_taken;
		}
	}
	write_conn = conn;
	write_kept = NULL;
	r = real_netconn_write(conn, data, size, copy);
	if (write_kept != NULL)
		__atomic_store_n(conn_sem(conn), write_kept, __ATOMIC_RELEASE);
	write_conn = NULL;
	write_kept = NULL;
	if (tx_conn == conn && tx_gave_up) {
		int8_t *err = (int8_t *) (void *) ((char *) conn + CONN_ERR);
		int8_t ours = ERR_TX_WAIT;

		/* nothing sent; the error is taken back unless the stack
		 * thread set a real one meanwhile */
		tx_taken = 0;
		if (__atomic_compare_exchange_n(err, &ours, 0, 0,
		                                __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			r = 0;
		tx_unwritable(conn);
	}
	tx_conn = NULL;
	tx_gave_up = 0;
	return r;
}

static void sem_free_hook(void *sem)
{
	if (write_conn != NULL && sem != NULL &&
	    sem == __atomic_load_n(conn_sem(write_conn), __ATOMIC_ACQUIRE)) {
		write_kept = sem;       /* the connection keeps it */
		return;
	}
	real_sem_free(sem);
}

/* The library's functions this file calls, and its calls it takes. */
const struct l6fix_part l6fix_write = {
	.real = {
		L6FIX_REAL(real_netconn_write, "netconn_write"),
		L6FIX_REAL(real_sem_free, "sys_sem_free"),
		L6FIX_REAL(real_arch_sem_wait, "sys_arch_sem_wait"),
	},
	.hook = {
		L6FIX_HOOK("netconn_write", netconn_write_hook),
		L6FIX_HOOK("sys_sem_free", sem_free_hook),
	},
};
