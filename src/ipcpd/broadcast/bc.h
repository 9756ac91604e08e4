/*
 * Ouroboros - ipcpd-broadcast's state and the contract between its
 * files, all on the framework's loop thread (see main.c for what the
 * layer does and guarantees): main.c (counters, stat, exit), data.c
 * (flows, forwarding, joined applications), queue.c (writes, pending
 * queues, source throttling), enroll.c (bootstrap, enrollment on both
 * sides), adj.c (neighbours: lower flows, connect, disconnect).
 */
#ifndef OUROBOROS_IPCPD_BROADCAST_BC_H
#define OUROBOROS_IPCPD_BROADCAST_BC_H

#include "dup.h"
#include "wire.h"

#include "ipcpd/common/enroll_lower.h"
#include "ipcpd/common/ipcp.h"
#include "ipcpd/common/lower.h"

#include "common/hash.h"
#include "common/ipcp_conf.h"
#include "common/log.h"
#include "common/proto.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BC_COMP_DT      "dt"
#define BC_COMP_ENROLL  "enroll"
#define BC_CONNECT_MS   5000   /* flow_alloc of a lower flow        */
#define BC_ENR_HOLD_MS  10000  /* a member keeps an enroll flow     */
#define BC_EXPIRE_MS    10000  /* duplicate filter expiry period    */
#define BC_BUDGET       64     /* packets read per flow per wake-up */
#define BC_LOG_MS       1000   /* at most one warning per kind      */
#define BC_Q_PKTS       4096   /* pending packets per destination   */
#define BC_Q_BYTES      (8 * 1024 * 1024) /* and their bytes        */
#define BC_Q_HIGH       512    /* above: stop reading local writers */
#define BC_Q_LOW        128    /* all at or below: read them again  */
#define BC_Q_RETRY_MS   1      /* retry period while any is pending */
#define BC_STUCK_MS     2000   /* no progress that long: drop to it */
#define BC_QCACHE       1024   /* pending packet buffers kept        */
#define BC_QCACHE_SZ    4096   /* ... when the largest is this small */

enum bc_state {
        BC_INIT = 0,
        BC_ENROLLING,
        BC_OPER
};

/* A flow of this member: a neighbour ("dt" lower flow) or a joined
 * application (an adopted upper flow). */
struct bflow {
        struct bflow * next;
        int            fd;
        bool           nb;
        bool           copy;     /* no in-place access (encrypted) */
        uint32_t       flow_id;  /* application: the IRMd's id     */
        char           name[IPCP_NAME_MAX_LEN + 1]; /* nb: peer's  */
        char           dst[NAME_MAX_LEN + 1];       /* nb: dialled */
        uint64_t       rx;
        uint64_t       tx;
        uint64_t       full;     /* queue full: dropped            */
        uint64_t       stuck_drops; /* dropped while stuck         */
        struct qpkt *  qhead;    /* pending: hit a full ring       */
        struct qpkt *  qtail;
        size_t         qn;       /* packets pending                */
        size_t         qbytes;   /* and their bytes                */
        int64_t        prog;     /* last progress while pending    */
        bool           stuck;    /* no progress for BC_STUCK_MS    */
        bool           paused;   /* application: not read (unwatched) */
};

/* A packet waiting for room in a destination's ring, as it goes out. */
struct qpkt {
        struct qpkt * next;
        size_t        len;
        uint8_t       data[];
};

/* A connect or enroll waiting for its lower flow, or a member's
 * enrollment flow waiting for the request. */
struct pend {
        ipcp_tok_t          tok;
        int                 fd;
        char                dst[NAME_MAX_LEN + 1];
        struct ipcp_timer * t;
        bool                answered; /* member: answer sent  */
};

enum ctr {
        C_DELIVERED = 0,
        C_FORWARDED,
        C_SENT,
        C_DUP,
        C_OLD,
        C_ORIGINS_FULL,
        C_OWN_ECHO,
        C_MALFORMED,
        C_TOO_BIG,
        C_RING_FULL,
        C_STUCK,
        C_QUEUED,
        C_THROTTLED,
        C_REFUSED_LAYER,
        C_REFUSED_MTU,
        C_REFUSED_COMP,
        C_NB_LOST,
        C_ENROLLED_OTHERS,
        C_MAX
};

struct bc_member {
        enum bc_state       state;
        struct bc_conf      conf;
        uint8_t             lhash[HASH_MAX_LEN];
        size_t              lhash_len;
        uint64_t            id;
        uint32_t            seq;
        struct bc_dup *     dup;
        struct ipcp_timer * expire;
        struct ipcp_timer * retry;     /* while anything pending  */
        bool                throttled; /* local writers paused    */
        struct bflow *      flows;
        size_t              n_nb;
        size_t              n_app;
        struct ipcp_enrolling * enr;   /* our enrollment          */
        bool                listening;
        uint8_t *           rbuf;      /* copy fallback: reading  */
        uint8_t *           wbuf;      /* and writing             */
        size_t              buf_len;
        int64_t             now;       /* ms, once per flow_cb    */
        int64_t             last_log[C_MAX];
        uint64_t            c[C_MAX];
};

extern struct bc_member bc;

/* A warning of kind k at most every BC_LOG_MS. */
#define WARN_RL(k, ...) do {                                            \
                int64_t now_ = ipcp_now_ms();                           \
                if (now_ - bc.last_log[k] >= BC_LOG_MS) {               \
                        bc.last_log[k] = now_;                          \
                        log_warn(__VA_ARGS__);                          \
                }                                                       \
        } while (0)

/* queue.c: writing to a flow, pending queues, source throttling */
bool           bc_put(struct bflow *  f,
                      const uint8_t * hdr,
                      size_t          hl,
                      const void *    p,
                      size_t          len);
size_t         bc_q_flush(struct bflow * f);
void           bc_q_fini(void);

/* data.c: the flows and forwarding; joined applications */
void           bc_flow_cb(void * arg,
                          int    fd,
                          int    events);
struct bflow * bc_flow_add(int  fd,
                           bool nb);
void           bc_flow_remove(struct bflow * f,
                              const char *   why);
int            bc_flow_alloc(const struct ipcp_flow_req * r);
int            bc_flow_dealloc(uint32_t flow_id);

/* enroll.c: bootstrap, and enrollment on both sides */
int            bc_operate(const struct bc_conf * c,
                          struct ipcp_attach *   at);
int            bc_bootstrap(struct msg_view      conf,
                            struct ipcp_attach * at);
int            bc_enroll(const char *         dst,
                         struct msg *         rep,
                         struct ipcp_attach * at);
int            bc_accept_enroll(int                       fd,
                                const struct lower_info * req);

/* adj.c: adjacencies (neighbours over "dt" lower flows) */
int            bc_lower_cb(void *                    arg,
                           int                       fd,
                           const qosspec_t *         qs,
                           const struct lower_info * req,
                           struct lower_info *       ans);
int            bc_connect(const char *      dst,
                          const char *      comp,
                          const qosspec_t * qs);
int            bc_disconnect(const char * dst,
                             const char * comp);

#endif /* OUROBOROS_IPCPD_BROADCAST_BC_H */
