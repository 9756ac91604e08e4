/*
 * Ouroboros - the IPCP loop thread's scheduling policy when it adapts
 * (OUROBOROS_IPCP_SCHED=auto, irmd(8)): SCHED_BATCH while the loop
 * carries a stream, SCHED_OTHER otherwise. Loop thread only.
 */
#ifndef OUROBOROS_IPCPD_COMMON_LOOP_SCHED_H
#define OUROBOROS_IPCPD_COMMON_LOOP_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* Adapt from now on (true), or leave the policy alone (false). */
void loop_sched_auto(bool on);

/* After every iteration of the loop, now in ns. */
void loop_sched_iter(int64_t now);

struct ipcp_stat;

/* loop.sched_batch (1 while SCHED_BATCH), loop.sched_to_batch,
 * loop.sched_to_other (the switches so far); nothing when not
 * adapting. 0 or -EMSGSIZE. */
int  loop_sched_stat(struct ipcp_stat * s);

#endif /* OUROBOROS_IPCPD_COMMON_LOOP_SCHED_H */
