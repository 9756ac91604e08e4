/*
 * Ouroboros - what the IPCP loop (loop.c) uses of its timers
 * (loop_timer.c; ipcp_timer_add and ipcp_timer_cancel are in ipcp.h).
 * Loop thread only.
 */
#ifndef OUROBOROS_IPCPD_LOOP_TIMER_H
#define OUROBOROS_IPCPD_LOOP_TIMER_H

/* poll() timeout: ms until the earliest timer, rounded up; -1 if none. */
int  loop_timeout_ms(void);

/* Run the timers due now that existed before this pass. */
void loop_run_timers(void);

/* Free the timers left (never run). */
void loop_timers_fini(void);

#endif /* OUROBOROS_IPCPD_LOOP_TIMER_H */
