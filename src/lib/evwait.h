/*
 * Ouroboros - the process-local dispatcher of the process eventfd.
 *
 * Peers signal one eventfd per process when they change a flow this
 * process has armed. Several threads may wait in fevent() on different
 * sets at once; the eventfd must neither lose a wake-up nor let one
 * thread steal another's. Protocol:
 *
 *   g = evwait_gen();      arm flows; scan flows;  nothing found ->
 *   evwait_wait(g, ...)    returns once the generation moved past g
 *
 * One waiter at a time (the poller) sleeps in poll() on the eventfd; when
 * it wakes it resets the eventfd (read), bumps the generation and
 * broadcasts a condition variable; the others sleep on that condition
 * variable. Everyone rescans after a generation change.
 *
 * Why nothing is lost: a peer writes the eventfd only after making its
 * change visible in shared memory. If that write came before a waiter's
 * scan read the flow, the scan sees the change. Otherwise the write came
 * after the waiter read g, and the counter stays non-zero until some
 * poller reads it; that read is followed by a generation bump, which is
 * after the waiter read g, so the waiter sees gen != g and rescans.
 * Someone always polls while anyone waits: a waiter that finds no poller
 * becomes it, and a poller that leaves (its deadline) wakes the others so
 * one of them takes over. Spurious bumps only cost a rescan.
 */
#ifndef OUROBOROS_LIB_EVWAIT_H
#define OUROBOROS_LIB_EVWAIT_H

#include <stdint.h>
#include <time.h>

/* Use efd as the process eventfd (after it was created). */
void     evwait_init(int efd);

uint64_t evwait_gen(void);

/* Wait until the generation differs from g: 0, or -ETIMEDOUT at abstime
 * (CLOCK_MONOTONIC, NULL = forever). */
int      evwait_wait(uint64_t                g,
                     const struct timespec * abstime);

/* Bump the generation (a local change, e.g. a flow_dealloc). */
void     evwait_kick(void);

/* Child after fork: fresh locks, no eventfd. */
void     evwait_reset_child(void);

#endif /* OUROBOROS_LIB_EVWAIT_H */
