/*
 * Ouroboros - ipcpd-unicast: data transfer's state, shared by its
 * files: dt.c (neighbours, receiving, forwarding, sending, the stat
 * answer) and dt_tx.c (writing toward a neighbour: its ring, the
 * per-cube queues behind it, strict priority, ECN marks). Not for
 * other modules: they use uni.h.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DT_PRIV_H
#define OUROBOROS_IPCPD_UNICAST_DT_PRIV_H

#include "uni.h"
#include "dt_queue.h"
#include "standing.h"
#include "wire_dt.h"

#include "common/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DT_BUDGET      64     /* packets read per flow per wake-up   */
#define DT_RING_PKTS   64     /* unread packets in a neighbour's ring
                                 beyond which lower cubes wait while
                                 a higher one is active              */
#define DT_PRIO_MS     1000   /* a cube is active this long after
                                 its last packet to a neighbour      */
#define DT_Q_PKTS      1024   /* waiting packets per cube, neighbour */
#define DT_Q_LOCAL     256    /* of them, this member's own (dt_send) */
#define DT_Q_BYTES     (4 * 1024 * 1024) /* and bytes per neighbour  */
#define DT_Q_RETRY_MS  1      /* drain period while any waits        */
#define DT_ECN_WIN_MS  10     /* standing queue: its least over this */
#define DT_ECN_WAIT_MS 5      /* marks when it makes packets wait so
                                 long (standing.h)                   */
#define DT_ECN_MIN     16     /* ... and holds this many packets     */
#define DT_ECN_SHIFT   4      /* one more per 16 beyond              */
#define DT_LOST_MARKS  1024   /* marks owed to a lower flow's losses,
                                 at most                             */
#define DT_LOST_MARK   128    /* their ecn: half the full mark (255,
                                 a drop at the application's flow),
                                 as each comes before the sender can
                                 have heard of the last: 255 cut the
                                 senders to 60-70 % of what the host
                                 takes (bench/unicast/run, 2 hops
                                 pinned: 70-76 k packets/s received
                                 against 83-114 k with 128)          */
#define DT_LOG_MS      1000   /* at most one warning per kind        */
#define DT_BUF_MIN     2048   /* copy fallback buffers, at least     */

struct dt_nb {
        struct dt_nb * next;
        uint64_t       addr;
        int            fd;
        bool           live;     /* not reported down               */
        bool           watched;
        bool           copy;     /* no in-place access (encrypted)  */
        bool           gone;     /* removed inside its own callback */
        size_t         max_pkt;  /* FLOWGMAXPKT                     */
        size_t         ring;     /* unread packets, last looked at  */
        uint8_t        top;      /* highest cube of a flow active   */
        int64_t        top_ms;   /* its last packet                 */
        struct dtq_set q;
        uint64_t       rx;
        uint64_t       tx;
        uint64_t       drop_qfull;
        uint64_t       lost;     /* ipcp_flow_lost, last looked at  */
        uint32_t       lost_marks; /* of the next packets read, to
                                    mark for those losses          */
        size_t         qmax;     /* most packets ever waiting       */
        struct standing ecn;     /* its standing queue, for marks   */
};

enum dt_ctr {
        C_RX = 0,
        C_TX,
        C_FWD,
        C_DELIVERED,
        C_KA_RX,
        C_KA_TX,
        C_QUEUED,
        C_ECN_MARKED,
        C_ECN_LOST,
        C_DROP_TTL,
        C_DROP_NOROUTE,
        C_DROP_QFULL,
        C_HELD,
        C_DROP_BAD,
        C_DROP_EID,
        C_DROP_DOWN,
        C_DROP_SIZE,
        C_NB_LOST,
        C_ROUTES,
        C_MAX
};

struct dt_state {
        bool                on;
        struct dt_fmt       fmt;
        size_t              hl;        /* header length             */
        uint8_t             max_ttl;
        bool                ecn;       /* congestion mb-ecn         */
        uint64_t            self;
        struct dt_nb *      nbs;
        struct dt_nb *      cur;       /* whose packet is handled   */
        size_t              max_sdu;
        dt_comp_cb          comp[DT_EID_FIRST];
        struct ipcp_timer * retry;
        uint8_t *           rbuf;      /* copy fallback: reading    */
        uint8_t *           wbuf;      /* and writing               */
        size_t              buf_len;
        int64_t             last_log[C_MAX];
        uint64_t            c[C_MAX];
};

extern struct dt_state dt;

/* A warning of kind k at most every DT_LOG_MS. */
#define WARN_RL(k, ...) do {                                            \
                int64_t now_ = ipcp_now_ms();                           \
                if (now_ - dt.last_log[k] >= DT_LOG_MS) {               \
                        dt.last_log[k] = now_;                          \
                        log_warn(__VA_ARGS__);                          \
                }                                                       \
        } while (0)

/* dt_tx.c: send hdr + p to nb in cube, behind what waits for it, at
 * most qmax of that cube waiting: 0 (written or queued) or a negative
 * errno (-ENOBUFS: the queue is full). eid is the header's: only a
 * flow's packets (>= DT_EID_FIRST) make their cube active. */
int  dt_nb_put(struct dt_nb *  nb,
               uint8_t         cube,
               uint64_t        eid,
               uint8_t *       hdr,
               size_t          hl,
               const uint8_t * p,
               size_t          len,
               size_t          qmax);

#endif /* OUROBOROS_IPCPD_UNICAST_DT_PRIV_H */
