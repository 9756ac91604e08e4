/*
 * Ouroboros - the library's side of FRCT: it drives the state machine of
 * src/lib/frct/frct.h on every flow that goes through an IPCP (kind
 * FT_REMOTE: not spliced, not a join). dev.c, fccntl.c, fqueue.c and
 * ipcp_dev.c call these when f->fr is set; frct_timer.c runs the clock.
 *
 * Raw flows (neither in_order nor loss 0) put the one-byte raw header
 * (frct_wire.h) in front of each packet in the ring itself and read
 * data in place: one copy per process boundary, as without FRCT; only
 * control packets (keepalives) go through the state machine. In-order
 * and reliable flows go through frct_send/frct_pop and
 * frct_rcv/frct_read.
 *
 * Locks of a flow, always taken in this order: rd_lock or wr_lock
 * (flow_table.h: the reader's or writer's API), then rx_lock (the one
 * consumer of the receive ring), then lock (the struct frct). Output
 * goes to the ring under wr_lock only; a thread that has output due
 * but cannot take wr_lock leaves a note (flush) that the holder acts on
 * before it lets go (frf_wr_unlock).
 */
#ifndef OUROBOROS_LIB_FRCT_FLOW_H
#define OUROBOROS_LIB_FRCT_FLOW_H

#include "flow_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Give the new flow fd (kind FT_REMOTE, not yet returned to the
 * caller) its FRCT: 0, -ENOMEM, -EINVAL (packets too small). */
int      frf_create(int              fd,
                    struct ft_flow * f);

/* Release it (out of the timer first); NULL is fine. */
void     frf_destroy(struct frf * r);

/* A forked child's copy: free the memory, touch no lock. */
void     frf_forget(struct frf * r);

/* flow_write with wr_lock held: count, -EAGAIN, -ETIMEDOUT (nothing
 * sent), -EMSGSIZE, -EFLOWPEER, or an error of the flow memory. */
ssize_t  frf_write(struct ft_flow *        f,
                   const void *            buf,
                   size_t                  count,
                   bool                    nonblock,
                   const struct timespec * abstime);

/* Release wr_lock, flushing output others left for the holder. */
void     frf_wr_unlock(struct ft_flow * f);

/* flow_read with rd_lock held: as flow_read (partial reads unless
 * nopart), -EFLOWPEER once the peer timed out. */
ssize_t  frf_read(struct ft_flow *        f,
                  void *                  buf,
                  size_t                  count,
                  bool                    nopart,
                  bool                    nonblock,
                  const struct timespec * abstime);

/* ipcp_dev.h's in-place calls on a flow with FRCT. */
ssize_t  frf_peek(struct ft_flow * f,
                  const void **    pkt);
void     frf_consume(struct ft_flow * f);
int      frf_reserve(struct ft_flow * f,
                     size_t           len,
                     void **          buf);
int      frf_commit(struct ft_flow * f,
                    size_t           len);

/* fevent: the events of the flow given those of its memory (ev):
 * FLOW_PKT only for a whole message, FLOW_PEER once. */
int      frf_events(struct ft_flow * f,
                    int              ev);

/* Something for fevent beyond the ring: a message, FLOW_PEER. */
bool     frf_pending(const struct ft_flow * f);

/* A message is ready for flow_read (besides the ring's packets). */
bool     frf_readable(const struct ft_flow * f);

/* flow_dealloc: deliver what was written first, if the flow lingers
 * (FRCTFLINGER, reliable), at most FRF_LINGER_MS or until the peer
 * times out. */
#define FRF_LINGER_MS 10000
void     frf_linger(struct ft_flow * f);

/* FLOWGRXQLEN: the ring's packets, and one for a message (or a
 * packet) the library holds, partly read or not. */
size_t   frf_rxqlen(const struct ft_flow * f);

/* The largest flow_write on an FRCT flow (the smaller of the two ends'
 * limits once the peer's is known: frct_max_send). */
size_t   frf_max_write(const struct ft_flow * f);

/* FLOWGMAXPKT of any flow: the largest flow_write (fccntl(3)). */
size_t   ft_max_write(const struct ft_flow * f);

/* FRCTSFLAGS: 0 or -EINVAL. */
int      frf_set_flags(struct ft_flow * f,
                       uint16_t         flags);

/* flow_dealloc: wake every thread waiting on the flow's FRCT (they
 * then find it closing). */
void     frf_wake(struct ft_flow * f);

/* The timer (frct_timer.c): do what is due at now on f. */
void     frf_on_timer(struct ft_flow * f,
                      uint64_t         now);

/* The timer's dispatch (frct_timer.c): packets wait in f's ring that no
 * reader takes; the timer runs f at once. */
void     frf_poke(struct ft_flow * f);

/* max_gap of an in-order flow that is not reliable when the QoS asks
 * for no bound (UINT32_MAX, as qos_best_effort), in ms. */
#define FRF_MAX_GAP_DEF 100

/* The largest message of in-order and reliable flows, local or not:
 * $OUROBOROS_MAX_MSG bytes (4 KiB..1 GiB), else FRCT_MAX_MSG_DEF. */
#define FRF_MAX_MSG_ENV "OUROBOROS_MAX_MSG"

/* Set (to anything): each flow with FRCT prints its counters on stderr
 * when it ends. */
#define FRF_STATS_ENV "OUROBOROS_FRCT_STATS"
size_t   frf_max_msg(void);

#endif /* OUROBOROS_LIB_FRCT_FLOW_H */
