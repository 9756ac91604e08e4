/*
 * Ouroboros - what the rest of the library (and its unit tests) needs
 * from the event sets of fqueue.c. Internal.
 */
#ifndef OUROBOROS_LIB_FQUEUE_PRIV_H
#define OUROBOROS_LIB_FQUEUE_PRIV_H

#include <ouroboros/fqueue.h>

#include <stdatomic.h>
#include <stdint.h>

/* The wake-up token of allocation gen of descriptor fd (flow_shm.h,
 * evwait.h): names the flow to this process only, unguessable by
 * peers. */
uint64_t fq_token(int      fd,
                  uint32_t gen);

/* The descriptor a hint (an eventfd value) names, or -1 if it is not
 * exactly one valid token of a flow of this process now. */
int      fq_token_fd(uint64_t v);

/* flow_read drained fd: sets with an fd that listed it recheck it, so
 * their fd turns unreadable at once (level-triggered). */
void     fq_drained(int fd);

/* Sets with a pollable fd (fq_drained is a no-op while 0). */
extern atomic_int fq_fd_sets;

/* Sets that exist: while 0, no set can hold a flow (a dealloc need not
 * kick the dispatcher). */
extern atomic_int fq_sets;

/* Counters for the tests: flows fevent looked at, flows the dispatcher
 * looked at, dispatches that had to look at every member. */
struct fq_stats {
        uint64_t examined;
        uint64_t dispatched;
        uint64_t full;
};

void     fq_stats(struct fq_stats * st);

/* Times a thread waiting in fevent on set woke up. */
uint64_t fq_wakeups(fset_t * set);

#endif /* OUROBOROS_LIB_FQUEUE_PRIV_H */
