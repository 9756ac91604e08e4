/*
 * Ouroboros - the scheduling policy of an IPCP's threads
 * (OUROBOROS_IPCP_SCHED, irmd(8)): "auto" (the default) SCHED_OTHER,
 * with the loop thread SCHED_BATCH while it carries a stream; "other"
 * SCHED_OTHER; "batch" SCHED_BATCH for every thread. Called from the
 * thread that runs the loop.
 */
#ifndef OUROBOROS_IPCPD_COMMON_LOOP_SCHED_H
#define OUROBOROS_IPCPD_COMMON_LOOP_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* Read OUROBOROS_IPCP_SCHED and set the policy, before any other
 * thread starts (they inherit it); a bad value is logged, auto kept. */
void loop_sched_init(void);

/* After every iteration of the loop; busy_at: the end of the last
 * iteration that found something, in ns (a window ends only there). */
void loop_sched_iter(int64_t busy_at);

struct ipcp_stat;

/* loop.sched_batch (1 while SCHED_BATCH), loop.sched_to_batch,
 * loop.sched_to_other (the switches so far); nothing when not
 * adapting. 0 or -EMSGSIZE. */
int  loop_sched_stat(struct ipcp_stat * s);

#endif /* OUROBOROS_IPCPD_COMMON_LOOP_SCHED_H */
