/*
 * Ouroboros - messages larger than a packet on spliced (local) flows
 * that asked for in-order delivery or loss 0.
 *
 * The memory of a spliced flow neither loses nor reorders, so such a
 * flow needs no FRCT header; only messages of P bytes or more (P: the
 * largest packet, FLOW_SHM max_pkt less encryption) are cut, with no
 * header either: a message of P bytes or more goes as pieces of exactly
 * P bytes and a last piece shorter than P (empty if the length is a
 * multiple of P). A packet of P bytes thus always means "more follows",
 * and a message under P bytes is one packet, as on any flow. The reader
 * joins the pieces in a buffer of the flow (frf_max_msg() bytes at
 * most: a longer message is dropped whole and counted). So that this
 * never happens to a message the writer was allowed to send, each side
 * says its limit in the flow's memory when it maps it
 * (flow_shm_set_max_msg) and a writer keeps to the smaller of the two
 * (lmsg_max): a longer message gets -EMSGSIZE. A message over the
 * floor of OUROBOROS_MAX_MSG (FRCT_MAX_MSG_MIN) waits for the peer to
 * have said its limit (it maps the flow at accept: microseconds;
 * -EAGAIN when non-blocking).
 *
 * A large message, once its first piece is in the ring, is written to
 * the end whatever the writer's timeout or non-blocking flag (a message
 * cut short could not be told from the next); the flag and timeout
 * apply to the first piece.
 */
#ifndef OUROBOROS_LIB_LOCAL_MSG_H
#define OUROBOROS_LIB_LOCAL_MSG_H

#include "flow_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Whether f is a spliced flow that cuts large messages. */
bool    lmsg_on(const struct ft_flow * f);

/* The largest message a writer may send on f: the smaller of this
 * process's limit and the peer's once said (FLOWGMAXPKT). */
size_t  lmsg_max(const struct ft_flow * f);

/* flow_write of count >= P bytes, wr_lock held: count or an error
 * (-EMSGSIZE over lmsg_max). */
ssize_t lmsg_write(struct ft_flow *        f,
                   const void *            buf,
                   size_t                  count,
                   bool                    nonblock,
                   const struct timespec * abstime);

/* flow_read on such a flow, rd_lock held: as flow_read. */
ssize_t lmsg_read(struct ft_flow *        f,
                  void *                  buf,
                  size_t                  count,
                  bool                    nopart,
                  bool                    nonblock,
                  const struct timespec * abstime);

/* A joined message waits to be read. */
bool    lmsg_pending(const struct ft_flow * f);

/* Messages dropped for being longer than frf_max_msg(). */
size_t  lmsg_drops(const struct ft_flow * f);

/* FRCTFLINGER on dealloc: wait until the peer (or, through an IPCP,
 * the layer) took what was written, at most FRF_LINGER_MS or until it
 * left. */
void    lmsg_linger(struct ft_flow * f);

void    lmsg_free(struct lmsg * m);

#endif /* OUROBOROS_LIB_LOCAL_MSG_H */
