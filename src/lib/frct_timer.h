/*
 * Ouroboros - the clock of FRCT in a process: one thread that calls
 * frf_on_timer on each flow whose deadline (frct_deadline) passed.
 *
 * The thread runs only while flows with FRCT exist in the process, and
 * sleeps without a timeout while none of them has a deadline (a raw
 * flow with no peer timeout, idle): a process with only local flows,
 * or none, never wakes up periodically. Flows are kept in a list
 * (fd, allocation) and taken with ft_get_gen, so a flow being
 * deallocated is simply skipped.
 */
#ifndef OUROBOROS_LIB_FRCT_TIMER_H
#define OUROBOROS_LIB_FRCT_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct frt_ent {
        struct frt_ent * next;
        int              fd;
        uint32_t         gen;
        _Atomic uint64_t due;   /* the flow's next deadline, ns */
        uint64_t         tok;   /* its wake-up token (fq_token), 0 if
                                   arrivals need not wake the thread */
        _Atomic bool     poke;  /* packets arrived: run it now */
};

/* Add e (fd, gen, tok and due set): 0, or -EAGAIN (no thread). */
int  frt_add(struct frt_ent * e);

/* Take e out; after this returns the thread no longer uses it. */
void frt_del(struct frt_ent * e);

/* The flow's deadline is now due (ns, UINT64_MAX none): wakes the
 * thread if that is earlier than its wake-up. */
void frt_due(struct frt_ent * e,
             uint64_t         due);

/* Child after fork: no thread, no flows. */
void frt_reset_child(void);

#endif /* OUROBOROS_LIB_FRCT_TIMER_H */
