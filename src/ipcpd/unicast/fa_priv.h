/*
 * Ouroboros - ipcpd-unicast: the flow allocator's state, shared by its
 * files: fa.c (the ops, allocation and deallocation, its messages),
 * fa_dealloc.c (deallocation resent until acknowledged),
 * fa_data.c (the data path: strict priority at the source, delivery,
 * mb-ecn) and fa_tick.c (path checks, the stat answer). Not for other
 * modules: they use uni.h.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_FA_PRIV_H
#define OUROBOROS_IPCPD_UNICAST_FA_PRIV_H

#include "uni.h"
#include "wire_fa.h"
#include "standing.h"

#include "common/hash.h"

#include <stdbool.h>
#include <stdint.h>

#define FA_BUCKETS        1024
#define FA_REQ_RETX_MS    500    /* request resent until a reply      */
#define FA_REQ_TIMEO_MS   10000  /* no reply: -ETIMEDOUT/-EHOSTUNREACH */
#define FA_TICK_MS        250    /* path checks, pending ECN updates  */
#define FA_DOWN_MS        3000   /* no route this long: flow down     */
#define FA_DEALLOC_RTO_MS 100    /* dealloc resent after, doubling    */
#define FA_DEALLOC_TRIES  6      /* ... until acked or this many sent */
#define FA_DEALLOC_MAX    4096   /* pending; beyond: sent twice       */
#define FA_TX_FLOW        64     /* packets of one flow per drain     */
#define FA_TX_BUDGET      256    /* packets of all flows per drain    */
#define FA_BLOCK_MS       1      /* dt queue full: retry after        */
#define FA_STRAY_MAX      16     /* deallocs answering strays a tick  */

/* mb-ecn (ipcpd-unicast(8), FLOW ALLOCATION AND CONGESTION) */
#define FA_UPD_MS         10     /* receiver: updates at most this often */
#define FA_UPD_IDLE_MS    20     /* ... unmarked ones                    */
#define FA_UPD_PKTS       16     /* ... counting at least this many      */
#define FA_CC_PERIOD_MS   10     /* sender: increase period              */
#define FA_CC_RATE_INIT   1000000.0   /* bytes/s                         */
#define FA_CC_RATE_MIN    16000.0
#define FA_CC_RATE_MAX    10e9
#define FA_CC_AI          50000.0     /* bytes/s added per period        */
#define FA_CC_AI_STEP     10          /* periods: one more FA_CC_AI      */
#define FA_CC_AI_MAX      64          /* FA_CC_AI per period at most     */
#define FA_CC_BURST       65536.0     /* bytes the bucket holds at least */
#define FA_CC_BURST_MS    2           /* ... or this long at the rate    */
#define FA_CC_HOLD_MAX_MS 200         /* one cut per window, at most this */
#define FA_CC_QUIET_MS    20          /* no growth this long after marks */
#define FA_CC_PROBE_MS    200         /* no mark this long: grow by      */
#define FA_CC_PROBE_DIV   16.0        /* ... the rate / this per period  */
#define FA_CC_SS_OVER     4.0         /* slow start: ends beyond this
                                         times the delivered rate        */
#define FA_RX_WIN_MS      10          /* receiver: standing backlog over */
#define FA_RX_WAIT_MS     5           /* ... that marks when this long   */
#define FA_RX_MARK_MIN    64          /* ... and this many packets       */
#define FA_ECN_SHIFT      4           /* receiver: mark per 16 more      */

enum fa_state {
        FS_RESOLVE = 0, /* requester: waiting for the directory     */
        FS_REQ,         /* requester: REQ sent, no reply yet        */
        FS_ARR,         /* acceptor: IRMd told, its flow id unknown */
        FS_ACC,         /* acceptor: waiting for the application    */
        FS_UP           /* allocated: data flows                    */
};

struct fflow {
        struct fflow *      e_next;     /* eid bucket chain              */
        struct fflow *      i_next;     /* flow id bucket chain          */
        struct fflow *      r_next;     /* ready list of its cube        */
        enum fa_state       state;
        bool                requester;
        bool                watched;
        bool                ready;      /* on a ready list               */
        bool                blocked;    /* unwatched: paced or dt full   */
        bool                replied;    /* acceptor: reply sent          */
        bool                no_reserve; /* in-place writes refused       */
        bool                down;       /* marked FLOWFDOWN              */
        bool                unreach;    /* last REQ found no route       */
        bool                retried;    /* looked up again after -ENAME  */
        uint32_t            flow_id;    /* IRMd's id; 0 in FS_ARR        */
        int                 fd;         /* adopted upper flow, -1 if none */
        uint64_t            eid;
        uint64_t            peer_eid;   /* 0 until known                 */
        uint64_t            peer_addr;  /* 0 while resolving             */
        uint32_t            cookie;
        qosspec_t           qs;
        enum uni_cube       cube;
        uint8_t             hash[HASH_MAX_LEN];
        uint8_t *           key;        /* ours: the request's or reply's */
        size_t              key_len;
        struct ipcp_timer * timer;      /* REQ resend, or unblock        */
        int64_t             deadline;   /* FS_REQ                        */
        int64_t             no_route;   /* since when, 0: routed         */

        /* mb-ecn, sender */
        double              rate;       /* bytes/s                       */
        double              tokens;     /* bytes                         */
        int64_t             fill_at;    /* ms of the last refill         */
        int64_t             period_at;  /* ms of the last increase       */
        bool                slow_start; /* until a mark, or the
                                           delivered rate, ends it       */
        bool                ss_fed;     /* an update since the last
                                           doubling                      */
        uint64_t            ss_tx;      /* tx_sent at that doubling      */
        bool                limited;    /* ran out of tokens this period */
        uint32_t            calm;       /* periods of growth, halved by
                                           each cut                      */
        double              target;     /* rate to regain after a cut    */
        int64_t             marked_at;  /* ms of the last marked update  */
        uint64_t            tx_sent;    /* packets sent since up         */
        uint64_t            tx_bytes;   /* and their bytes               */
        int64_t             ss_at;      /* slow start: ms of an update   */
        uint64_t            ss_pkts;    /* ... packets counted since     */
        double              ss_rate;    /* ... the rate they made        */
        uint64_t            rx_seen;    /* packets the updates counted   */
        uint64_t            hold_pkts;  /* no cut until rx_seen reaches  */
        int64_t             hold_ms;    /* ... or until this ms          */
        uint8_t             hold_ecn;   /* lowest mark since the cut     */

        /* mb-ecn, receiver */
        uint32_t            rx_pkts;    /* since the last update         */
        uint32_t            rx_marked;
        uint8_t             rx_ecn;     /* highest mark since then       */
        struct standing     rx_q;       /* the application's backlog     */
        uint64_t            rx_total;   /* packets delivered since up    */
        int64_t             upd_at;     /* ms of the last update sent    */
};

enum fa_ctr {
        FC_FLOWS = 0,
        FC_FLOWS_TOTAL,
        FC_FLOWS_FAILED,
        FC_FLOWS_DOWN,
        FC_TX_PKTS,
        FC_RX_PKTS,
        FC_DROP_EID,
        FC_DROP_FULL,
        FC_DROP_TX,
        FC_DROP_MSG,
        FC_BLOCKED,
        FC_ECN_MARKED,
        FC_UPD_OUT,
        FC_UPD_IN,
        FC_RATE_DOWN,
        FC_CUT_HELD,
        FC_SS_END,
        FC_DEALLOC_RETX,
        FC_DEALLOC_LOST,
        FC_COUNT
};

struct fa {
        struct fflow *      eids[FA_BUCKETS];
        struct fflow *      ids[FA_BUCKETS];
        struct fflow *      ready[CUBE_MAX];
        struct fflow **     ready_tail[CUBE_MAX];
        size_t              n_flows;
        size_t              n_up[CUBE_MAX]; /* flows up, by cube */
        bool                drain_posted;
        bool                on;
        struct ipcp_timer * tick;
        unsigned            strays_left;
        uint64_t            ctr[FC_COUNT];
};

extern struct fa fa;

/* fa.c */
struct fflow * fa_eid_find(uint64_t eid);
void           fa_flow_close(struct fflow * f,
                             bool           tell_peer);
void           fa_send(uint64_t              dst,
                       const struct fa_msg * m);

/* fa_dealloc.c: DEALLOC kept and resent until acknowledged */
void           fa_send_dealloc(uint64_t dst,
                               uint64_t s_eid,
                               uint64_t d_eid);
/* Sent once, not kept (the answer to a stray REPLY). */
void           fa_send_dealloc_once(uint64_t dst,
                                    uint64_t s_eid,
                                    uint64_t d_eid);
/* Answer a DEALLOC (every one, known flow or not). */
void           fa_ack_dealloc(const struct fa_msg * m);
void           fa_rcv_dealloc_ack(const struct fa_msg * m);
size_t         fa_dealloc_pending(void);
void           fa_dealloc_fini(void);

/* fa_tick.c: the timer's callback */
void           fa_tick(void * arg);

/* fa_data.c */
int            fa_flow_up(struct fflow * f);
void           fa_flow_unready(struct fflow * f);
/* Send up to budget packets of f (pacing when force is false): false
 * if f was closed. */
bool           fa_tx(struct fflow * f,
                     size_t         budget,
                     bool           force);
void           fa_deliver(struct fflow *  f,
                          const uint8_t * buf,
                          size_t          len,
                          uint8_t         ecn);
void           fa_rcv_update(struct fflow *        f,
                             const struct fa_msg * m);
void           fa_cc_tick(struct fflow * f,
                          int64_t        now);
void           fa_set_down(struct fflow * f,
                           bool           down);

#endif /* OUROBOROS_IPCPD_UNICAST_FA_PRIV_H */
