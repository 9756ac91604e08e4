/*
 * Ouroboros - ipcpd-broadcast: a broadcast layer over lower flows of
 * other layers. Whatever an application joined to the layer
 * (flow_join) writes reaches every other joined application, on every
 * member, and never comes back to the writer.
 *
 * Members: bootstrap makes the first (layer name, hash algorithm, mtu:
 * the largest message); enroll fetches that configuration from a
 * member over a lower flow of component "enroll" (wire.h); connect
 * makes a neighbour: a lower flow of component "dt" between two
 * members of the same layer (lower.h carries the layer name; the
 * acceptor refuses another layer with -EPERM, and a lower flow that can
 * not carry mtu + BC_HDR_LEN bytes with -EMSGSIZE, both logged and
 * counted).
 *
 * Data: a joined application's message goes, as it is, to every other
 * joined application here, and with the data header (origin = this
 * member's random 64-bit id, seq = its count of messages) to every
 * neighbour. A message from a neighbour that the duplicate filter
 * (dup.h) has not seen goes to every joined application here and, as
 * it came, to every other neighbour; a seen one is dropped and counted,
 * and so is one of this member's own origin (an echo over a cycle).
 *
 * What it guarantees (doc/man/ipcpd-broadcast.8): every message
 * reaches every application joined to a member connected to the
 * writer's by a stable, lossless path (no neighbour lost, no pending
 * queue overflowing, no flow stuck) exactly once, also when the adjacencies form cycles:
 * every member forwards an origin's messages in the order it takes
 * them, so along each path they come in order and the first copy of
 * each is taken. At most once always: a message is taken once per
 * member, whatever the graph, as long as its copies reach a member
 * within BC_DUP_HOLD_MS of each other (the filter forgets an origin
 * silent that long only when its table of BC_DUP_ORIGINS is full, else
 * after BC_DUP_IDLE_MS) and are less than BC_DUP_WIN messages of their
 * origin apart (older ones are dropped as too old, never delivered).
 *
 * Copies: a packet is read in place (ipcp_flow_peek) and written in
 * place once per flow it goes out on (ipcp_flow_reserve/commit), the
 * header written straight in front of the payload. Encrypted lower
 * flows fall back to flow_read / flow_write. The loop never blocks.
 *
 * Full rings. Writes are non-blocking; a packet that finds a flow's
 * ring full (-EAGAIN) is copied to that flow's pending queue (at most
 * BC_Q_PKTS packets and BC_Q_BYTES bytes per flow, neighbour or joined
 * application). While a queue is not empty, new packets for that flow
 * go behind it (its order is kept); queues are drained before each new
 * packet to their flow and every BC_Q_RETRY_MS by a timer armed only
 * while something is pending (the library has no writable event). Only
 * a full queue drops (drop_ring_full, per neighbour too).
 *
 * Source throttling, not hop-by-hop back-pressure: while a neighbour's
 * queue holds more than BC_Q_HIGH packets, the flows of this member's
 * own joined applications are unwatched (left unread, so the loop does
 * not spin on the level-triggered set and their writers block in
 * flow_write once their rings fill); they are watched again when every
 * neighbour's queue is down to BC_Q_LOW. Neighbours are always read, so
 * transit never waits and a cycle of members cannot deadlock. An
 * application's own queue never throttles: an application that reads
 * and writes in one thread, blocked in flow_write, would never drain
 * it. A flow whose
 * queue makes no progress for BC_STUCK_MS is stuck: its queue is
 * dropped (drop_stuck, logged) and so is every packet for it that
 * finds its ring full, unqueued, until a write succeeds again; a dead
 * or frozen reader holds the layer for BC_STUCK_MS at most.
 *
 * The flow memory's writer window (flow_shm.c) grows for non-blocking
 * writers too (from 32 KiB up to 1 MiB, about 700 packets of 1450
 * bytes), so a ring is only full when its reader is that far behind.
 *
 * Files (bc.h is their contract): this one holds the counters, stat,
 * exit and main; data.c the flows and forwarding; queue.c writes,
 * pending queues and throttling; enroll.c bootstrap and enrollment;
 * adj.c the neighbours.
 */
#include "bc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bc_member bc;

static const char * const ctr_name[C_MAX] = {
        [C_DELIVERED]       = "delivered",
        [C_FORWARDED]       = "forwarded",
        [C_SENT]            = "sent",
        [C_DUP]             = "drop_duplicate",
        [C_OLD]             = "drop_too_old",
        [C_ORIGINS_FULL]    = "drop_origins_full",
        [C_OWN_ECHO]        = "drop_own_echo",
        [C_MALFORMED]       = "drop_malformed",
        [C_TOO_BIG]         = "drop_too_big",
        [C_RING_FULL]       = "drop_ring_full",
        [C_STUCK]           = "drop_stuck",
        [C_QUEUED]          = "queued",
        [C_THROTTLED]       = "throttled",
        [C_REFUSED_LAYER]   = "refused_layer",
        [C_REFUSED_MTU]     = "refused_mtu",
        [C_REFUSED_COMP]    = "refused_component",
        [C_NB_LOST]         = "neighbours_lost",
        [C_ENROLLED_OTHERS] = "enrolled_others"
};


/* ---- counters, exit ---- */

/* "nb:NAME:what", the neighbour's name with '_' for spaces (a counter's
 * name has none). */
static void nb_key(char *               key,
                   size_t               len,
                   const struct bflow * f,
                   const char *         what)
{
        char * c;

        snprintf(key, len, "nb:%.200s:%s", f->name, what);
        for (c = key; *c != '\0'; ++c)
                if (*c == ' ')
                        *c = '_';
}

static int bc_stat(struct ipcp_stat * s)
{
        struct bflow * f;
        char           key[NAME_MAX_LEN + 1];
        int            err;
        int            i;

        err = ipcp_stat_add(s, "member_id", bc.id);
        if (err == 0)
                err = ipcp_stat_add(s, "mtu", bc.conf.mtu);
        if (err == 0)
                err = ipcp_stat_add(s, "neighbours", bc.n_nb);
        if (err == 0)
                err = ipcp_stat_add(s, "joined", bc.n_app);
        if (err == 0)
                err = ipcp_stat_add(s, "origins", bc.dup != NULL ?
                                    bc_dup_count(bc.dup) : 0);
        if (err == 0)
                err = ipcp_stat_add(s, "origins_evicted", bc.dup != NULL ?
                                    bc_dup_evicted(bc.dup) : 0);
        for (i = 0; err == 0 && i < C_MAX; ++i)
                err = ipcp_stat_add(s, ctr_name[i], bc.c[i]);
        for (f = bc.flows; err == 0 && f != NULL; f = f->next) {
                if (!f->nb)
                        continue;
                nb_key(key, sizeof(key), f, "rx");
                err = ipcp_stat_add(s, key, f->rx);
                nb_key(key, sizeof(key), f, "tx");
                if (err == 0)
                        err = ipcp_stat_add(s, key, f->tx);
                nb_key(key, sizeof(key), f, "drop_ring_full");
                if (err == 0)
                        err = ipcp_stat_add(s, key, f->full);
                nb_key(key, sizeof(key), f, "drop_stuck");
                if (err == 0)
                        err = ipcp_stat_add(s, key, f->stuck_drops);
                nb_key(key, sizeof(key), f, "pending");
                if (err == 0)
                        err = ipcp_stat_add(s, key, f->qn);
        }
        if (err == 0)
                err = ipcp_lower_stat(s);

        return err == -EMSGSIZE ? 0 : err; /* a full answer: what fits */
}

static void bc_fini(void)
{
        while (bc.flows != NULL)
                bc_flow_remove(bc.flows, "exiting");
        if (bc.expire != NULL)
                ipcp_timer_cancel(bc.expire);
        bc.expire = NULL;
        bc_q_fini();
        bc_dup_destroy(bc.dup);
        bc.dup = NULL;
        free(bc.rbuf);
        free(bc.wbuf);
        bc.rbuf = NULL;
        bc.wbuf = NULL;
}

int main(int    argc,
         char * argv[])
{
        struct ipcp_ops ops;

        memset(&ops, 0, sizeof(ops));
        ops.bootstrap    = bc_bootstrap;
        ops.enroll       = bc_enroll;
        ops.connect      = bc_connect;
        ops.disconnect   = bc_disconnect;
        ops.flow_alloc   = bc_flow_alloc;
        ops.flow_dealloc = bc_flow_dealloc;
        ops.stat         = bc_stat;
        ops.fini         = bc_fini;
        ops.carries_data = true;

        return ipcp_main(argc, argv, IPCP_BROADCAST, &ops);
}
