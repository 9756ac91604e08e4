/*
 * Ouroboros - the IPCP event loop, framework side: what ipcp.c (and
 * the loop's unit tests) use to start, run and stop it. The calls an
 * IPCP type uses (ipcp_fd_add, ipcp_flow_watch, timers, ipcp_loop_call)
 * are in ipcp.h.
 *
 * Not thread safe except loop_call (ipcp_loop_call): the loop and its
 * callbacks run on one thread, which calls every other function here.
 */
#ifndef OUROBOROS_IPCPD_COMMON_LOOP_H
#define OUROBOROS_IPCPD_COMMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/* Create the wake-up eventfd; with flows, also the event set (and so
 * the library's local state; otherwise it is made on the first
 * ipcp_flow_watch). 0 or a negative errno. */
int      loop_init(bool flows);

/* Free what is left: timers (never run), loop calls (never run),
 * watched fds and flows (not closed), the event set. */
void     loop_fini(void);

/* Run until loop_stop: 0, or a negative errno if poll() failed. */
int      loop_run(void);

/* From the loop thread (a callback): return from loop_run after the
 * callbacks of this iteration. */
void     loop_stop(void);

/* Called at the end of every iteration (ipcp.c flushes its queue of
 * requests to the IRMd there); NULL for none. */
void     loop_set_post(void (* post)(void));

/* Returns from poll() so far (tests: an idle loop does not wake), not
 * counting the empty polls of a spin. */
uint64_t loop_iterations(void);

/* Zero-timeout polls of a spin that found nothing (see loop.c). */
uint64_t loop_spins(void);

/* Spins ended early because another task ran on the loop's CPU. */
uint64_t loop_spins_cut(void);

struct ipcp_stat;

/* The loop's counters for irm ipcp stat (loop.*: iterations, spins
 * that found an event, were cut, ran out; their empty polls). */
int      loop_stat(struct ipcp_stat * s);

#endif /* OUROBOROS_IPCPD_COMMON_LOOP_H */
