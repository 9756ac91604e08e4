/*
 * Ouroboros - the shim core's state, shared by its files: shim.c (the
 * IRMd ops, flow allocation and the data path), shim_dir.c (registered
 * hashes, name queries and their cache) and shim_peer.c (peers, their
 * liveness and the link). Not for transports: they use shim.h.
 */
#ifndef OUROBOROS_IPCPD_SHIM_PRIV_H
#define OUROBOROS_IPCPD_SHIM_PRIV_H

#include "shim.h"

#include "common/hash.h"

#include <stdbool.h>
#include <stdint.h>

#define SHIM_EIDS        65536
#define SHIM_ID_BUCKETS  1024
#define SHIM_QUERY_CANDS 8
#define SHIM_RST_MAX     16    /* FLOW_DEALLOC answers to strays a tick */
#define SHIM_RXQ_MAX     64    /* packets held for a flow without room */
#define SHIM_RX_HELD_MAX 4096  /* ... by all flows together            */
#define SHIM_RX_RETRY_MS 1     /* held packets retried, backing off    */
#define SHIM_RX_RETRY_MAX 16   /* ... up to this while none drains     */
#define SHIM_RX_HOLD_MS  1000  /* then dropped (drop_full)             */
#define SHIM_MQ_MAX      16    /* management messages held for a full
                                  device                              */

/* The life of one flow; the requester goes RESOLVE -> REQ -> UP, the
 * acceptor ARR -> ACC -> UP. */
enum sflow_state {
        SF_RESOLVE = 0, /* requester: waiting for the name's address  */
        SF_REQ,         /* requester: FLOW_REQ sent, no reply yet     */
        SF_ARR,         /* acceptor: IRMd told, its flow id not known */
        SF_ACC,         /* acceptor: waiting for the application      */
        SF_UP           /* allocated: data flows                      */
};

struct speer;
struct squery;
struct srx;

#define SHIM_RX_LOST_FDS 8 /* flows told of a kernel drop, at most */

struct sflow {
        struct sflow *      id_next;    /* flow id bucket chain          */
        struct sflow *      p_next;     /* peer's flows                  */
        struct sflow **     p_prev;
        struct sflow *      q_next;     /* flows waiting on a query      */
        struct sflow *      b_next;     /* flows blocked on the device   */
        enum sflow_state    state;
        bool                requester;
        bool                watched;
        bool                blocked;
        bool                closing;    /* dealloc'ed while blocked: closed
                                           once its packets are sent    */
        uint32_t            flow_id;    /* IRMd's id of our half; 0 in
                                           SF_ARR                        */
        int                 fd;         /* adopted flow, -1 if none yet  */
        uint16_t            eid;        /* ours                          */
        uint16_t            peer_eid;   /* theirs, 0 until known         */
        uint32_t            cookie;     /* FLOW_REQ / FLOW_REPLY id      */
        uint32_t            gen;        /* tells reused eids apart       */
        struct speer *      peer;       /* NULL while resolving          */
        struct squery *     query;      /* SF_RESOLVE                    */
        struct ipcp_timer * timer;      /* SF_REQ resend                 */
        int64_t             deadline;   /* SF_REQ                        */
        int16_t             result;     /* acceptor: the answer sent     */
        bool                replied;    /* acceptor: FLOW_REPLY sent     */
        bool                no_reserve; /* in-place writes refused       */
        bool                rx_wait;    /* on the shim's rxwait list     */
        int64_t             down_at;    /* marked down (FLOWFDOWN) since,
                                           0 while up (shim_peer.c)    */
        struct sflow *      r_next;     /* flows holding received packets */
        struct srx *        rx_head;    /* held for a flow without room  */
        struct srx **       rx_tail;
        size_t              rx_n;
        qosspec_t           qs;
        uint8_t             hash[HASH_MAX_LEN];
        uint8_t *           key;        /* ours: requester's or reply's  */
        size_t              key_len;
};

struct speer {
        struct speer *   next;
        struct shim_addr addr;
        struct sflow *   flows;
        size_t           n_flows;
        bool             heard;      /* a frame since the last tick    */
        bool             down;       /* silent: its flows are down     */
        int64_t          last_heard;
        int64_t          last_probe;
        uint32_t         ka_seq;
};

/* A name query in progress: the IRMd's (toks) and flows' (flows). */
struct squery {
        struct squery *     next;
        struct shim *       sh;
        uint32_t            id;
        uint8_t             hash[HASH_MAX_LEN];
        struct shim_addr    cands[SHIM_QUERY_CANDS];
        size_t              n_cands;
        size_t              n_refused;
        bool                resolving;  /* transport's SHIM_LATER      */
        bool                bcast;
        int64_t             deadline;
        struct ipcp_timer * timer;
        ipcp_tok_t *        toks;
        size_t              n_toks;
        struct sflow *      flows;
};

/* A management message the device refused (-EAGAIN), with copies of
 * what it points to; sent before any data once the device drains. */
struct smq {
        struct shim_addr dst;
        bool             bcast;
        struct mgmt_msg  m;
        uint8_t          name[MGMT_NAME_MAX];
        uint8_t          key[MGMT_KEY_MAX];
};

struct sreg {
        struct sreg * next;
        uint8_t       hash[HASH_MAX_LEN];
};

struct sdir {
        struct sdir *    next;
        uint8_t          hash[HASH_MAX_LEN];
        struct shim_addr addr;
        int64_t          expires;
};

struct shim {
        struct shim_transport t;
        void *                ctx;
        size_t                hlen;
        uint32_t              layer_tag;  /* mgmt_layer_tag(layer)   */
        bool                  link_up;
        uint16_t              next_eid;
        uint32_t              next_gen;
        struct sflow *        eids[SHIM_EIDS];
        struct sflow *        ids[SHIM_ID_BUCKETS];
        struct sflow *        blocked;    /* FIFO: round robin       */
        struct sflow **       b_tail;
        struct sflow *        rxwait;     /* flows holding packets   */
        struct ipcp_timer *   rx_timer;
        int64_t               rx_retry;   /* its delay now (ms)      */
        size_t                rx_held;    /* packets held, all flows */
        struct smq            mq[SHIM_MQ_MAX]; /* ring of held mgmt  */
        unsigned              mq_head;
        unsigned              mq_n;
        struct speer *        peers;
        struct ipcp_timer *   tick;
        unsigned              rst_left;
        struct squery *       queries;
        struct sreg *         regs;
        struct sdir *         dir;
        uint64_t              ctr[SHIM_C_COUNT];
        int64_t               kdrops;     /* kernel's count, last look */
        int                   rx_fds[SHIM_RX_LOST_FDS]; /* flows given
                                 packets since the last batch end     */
        size_t                rx_nfds;
};

/* shim.c */
void           shim_flow_close(struct shim *  sh,
                               struct sflow * f,
                               bool           tell_peer);
void           shim_flow_fail(struct shim *  sh,
                              struct sflow * f,
                              int            err);
void           shim_flow_resolved(struct shim *            sh,
                                  struct sflow *           f,
                                  const struct shim_addr * addr,
                                  int                      err);
void           shim_send_mgmt(struct shim *            sh,
                              const struct shim_addr * dst,
                              const struct mgmt_msg *  m);

/* shim.c: the one shim of this process, flows by eid and id, the data
 * path; shared with shim_flow.c */
extern struct shim * shim_g;

struct sflow * shim_flow_new(struct shim * sh);
void           shim_id_insert(struct shim *  sh,
                              struct sflow * f);
struct sflow * shim_id_find(struct shim * sh,
                            uint32_t      flow_id);
void           shim_send_dealloc(struct shim *            sh,
                                 const struct shim_addr * dst,
                                 uint16_t                 s_eid,
                                 uint16_t                 d_eid);
/* A stray frame from from for our eid mine, sent by their eid theirs. */
void           shim_stray(struct shim *            sh,
                          const struct shim_addr * from,
                          uint16_t                 mine,
                          uint16_t                 theirs);
/* Watch the upper flow of f and count it up: 0 or the watch's error. */
int            shim_flow_up(struct shim *  sh,
                            struct sflow * f);
/* Send up to budget packets of f: false if f was closed. */
bool           shim_tx(struct shim *  sh,
                       struct sflow * f,
                       size_t         budget);
/* Take f off the list of flows waiting for the device (closing). */
void           shim_unblock(struct shim *  sh,
                            struct sflow * f);

/* shim_flow.c: flow allocation and deallocation over FLOW_REQ /
 * FLOW_REPLY / FLOW_DEALLOC */
int            shim_op_flow_alloc(const struct ipcp_flow_req * r);
int            shim_op_flow_alloc_resp(const struct ipcp_flow_resp * r);
int            shim_op_flow_dealloc(uint32_t flow_id);
void           shim_rcv_flow_req(struct shim *            sh,
                                 const struct shim_addr * from,
                                 const struct mgmt_msg *  m);
void           shim_rcv_flow_reply(struct shim *            sh,
                                   const struct shim_addr * from,
                                   const struct mgmt_msg *  m);
void           shim_rcv_dealloc(struct shim *            sh,
                                const struct shim_addr * from,
                                const struct mgmt_msg *  m);
/* Mark f down (FLOWFDOWN: the application gets FLOW_DOWN, reads and
 * writes fail with -EFLOWDOWN) or up again (FLOW_UP); keeps f->down_at.
 * Idempotent. */
void           shim_flow_set_down(struct shim *  sh,
                                  struct sflow * f,
                                  bool           down);
void           shim_reply_send(struct shim *            sh,
                               const struct shim_addr * dst,
                               uint32_t                 cookie,
                               uint16_t                 s_eid,
                               uint16_t                 d_eid,
                               int                      result,
                               const uint8_t *          key,
                               size_t                   key_len);

/* shim_rx.c: received payloads into the flows, held briefly for a
 * flow without room */
void           shim_deliver(struct shim *   sh,
                            struct sflow *  f,
                            const uint8_t * payload,
                            size_t          len);
void           shim_rx_forget(struct shim *  sh,
                              struct sflow * f);
void           shim_rx_fini(struct shim * sh);

/* shim_dir.c */
bool           shim_dir_registered(struct shim *   sh,
                                   const uint8_t * hash);
int            shim_dir_reg(struct shim *    sh,
                            struct ipcp_hash h);
int            shim_dir_unreg(struct shim *    sh,
                              struct ipcp_hash h);
const struct shim_addr * shim_dir_cached(struct shim *   sh,
                                         const uint8_t * hash);
void           shim_dir_forget(struct shim *   sh,
                               const uint8_t * hash);
void           shim_dir_flush(struct shim * sh);
int            shim_dir_query(struct shim *   sh,
                              const uint8_t * hash,
                              ipcp_tok_t *    tok,
                              struct sflow *  f);
void           shim_dir_unwait(struct shim *  sh,
                               struct sflow * f);
void           shim_dir_rcv(struct shim *            sh,
                            const struct shim_addr * from,
                            bool                     bcast,
                            const struct mgmt_msg *  m);
void           shim_dir_fini(struct shim * sh);

/* shim_peer.c */
struct speer * shim_peer_get(struct shim *            sh,
                             const struct shim_addr * a,
                             bool                     create);
void           shim_peer_attach(struct shim *  sh,
                                struct speer * p,
                                struct sflow * f);
void           shim_peer_detach(struct shim *  sh,
                                struct sflow * f);
/* p was silent for SHIM_KA_TIMEOUT_MS and is heard again: its flows
 * up (unless our link is down). */
void           shim_peer_back(struct shim *  sh,
                              struct speer * p);
/* Any frame from p: it lives (called for every frame, so inline). */
static inline void shim_peer_heard(struct shim *  sh,
                                   struct speer * p)
{
        p->heard = true;
        if (p->down)
                shim_peer_back(sh, p);
}
void           shim_peer_rcv_ka(struct shim *            sh,
                                const struct shim_addr * from,
                                const struct mgmt_msg *  m);
void           shim_peer_fini(struct shim * sh);

#endif /* OUROBOROS_IPCPD_SHIM_PRIV_H */
