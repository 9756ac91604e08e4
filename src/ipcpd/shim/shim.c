/*
 * Ouroboros - the shim core: the IRMd's ops, the flow table, what
 * the transport hands up, and the counters. See shim.h for the
 * protocol; flow allocation and deallocation are in shim_flow.c, the
 * directory in shim_dir.c, the peers and their liveness in
 * shim_peer.c, the sending side and its back-pressure in shim_tx.c.
 *
 * Receiving: the transport hands each payload where it lies in its
 * receive buffer; shim_rx.c writes it into the application's flow
 * once, or holds it briefly when the flow has no room.
 *
 * Stray frames (an eid nobody here owns, or owned for another peer)
 * get a FLOW_DEALLOC back, at most SHIM_RST_MAX per tick, so a peer
 * that lost its state learns it at its next packet; a FLOW_DEALLOC is
 * honoured only with the flow's own peer address and both eids.
 */
#include "shim_priv.h"

#include "common/flow_shm.h"
#include "common/log.h"
#include "common/proto.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct shim * shim_g; /* one shim per process (shim_priv.h) */

/* ---- flows: eids, ids ---- */

static struct sflow ** id_bucket(struct shim * sh,
                                 uint32_t      id)
{
        return &sh->ids[id % SHIM_ID_BUCKETS];
}

void shim_id_insert(struct shim *  sh,
                    struct sflow * f)
{
        struct sflow ** b = id_bucket(sh, f->flow_id);

        f->id_next = *b;
        *b         = f;
}

static void id_remove(struct shim *  sh,
                      struct sflow * f)
{
        struct sflow ** fp;

        if (f->flow_id == 0)
                return;

        for (fp = id_bucket(sh, f->flow_id); *fp != NULL;
             fp = &(*fp)->id_next) {
                if (*fp == f) {
                        *fp = f->id_next;
                        return;
                }
        }
}

struct sflow * shim_id_find(struct shim * sh,
                            uint32_t      id)
{
        struct sflow * f;

        if (id == 0)
                return NULL;

        for (f = *id_bucket(sh, id); f != NULL; f = f->id_next)
                if (f->flow_id == id)
                        return f;

        return NULL;
}

/* A new flow with a free eid (the next one after the last given, so an
 * eid is reused as late as possible), or NULL. */
struct sflow * shim_flow_new(struct shim * sh)
{
        struct sflow * f;
        uint32_t       i;
        uint16_t       e;

        for (i = 0; i < SHIM_EIDS; ++i) {
                e = ++sh->next_eid;
                if (e != 0 && sh->eids[e] == NULL)
                        break;
        }
        if (i == SHIM_EIDS)
                return NULL;

        f = calloc(1, sizeof(*f));
        if (f == NULL)
                return NULL;

        f->eid       = e;
        f->fd        = -1;
        f->gen       = ++sh->next_gen;
        sh->eids[e]  = f;

        return f;
}

void shim_flow_close(struct shim *  sh,
                     struct sflow * f,
                     bool           tell_peer)
{
        if (tell_peer && f->peer != NULL && f->state == SF_UP)
                shim_send_dealloc(sh, &f->peer->addr, f->eid, f->peer_eid);
        else if (tell_peer && f->peer != NULL && !f->requester &&
                 !f->replied) /* the acceptor gave up before answering */
                shim_reply_send(sh, &f->peer->addr, f->cookie, f->eid,
                           f->peer_eid, -ECONNREFUSED, NULL, 0);

        if (f->state == SF_UP)
                --sh->ctr[SHIM_C_FLOWS];

        if (f->watched)
                ipcp_flow_unwatch(f->fd);
        if (f->blocked)
                shim_unblock(sh, f);
        shim_rx_forget(sh, f);
        if (f->timer != NULL)
                ipcp_timer_cancel(f->timer);

        shim_dir_unwait(sh, f);
        shim_peer_detach(sh, f);
        id_remove(sh, f);
        sh->eids[f->eid] = NULL;

        if (f->fd >= 0)
                flow_dealloc(f->fd);

        free(f->key);
        free(f);
}

void shim_flow_fail(struct shim *  sh,
                    struct sflow * f,
                    int            err)
{
        if (f->requester && f->state != SF_UP) {
                ++sh->ctr[SHIM_C_FLOWS_FAILED];
                ipcp_flow_alloc_reply(f->flow_id, err, NULL, 0);
                /* The cached address may be stale (a restarted peer). */
                if (f->state == SF_REQ)
                        shim_dir_forget(sh, f->hash);
        }

        shim_flow_close(sh, f, false);
}

void shim_rcv_data(struct shim *            sh,
                   const struct shim_addr * from,
                   uint16_t                 d_eid,
                   uint16_t                 s_eid,
                   const uint8_t *          payload,
                   size_t                   len)
{
        struct sflow * f = sh->eids[d_eid];

        if (f == NULL || f->state != SF_UP) {
                ++sh->ctr[SHIM_C_DROP_EID];
                if (f == NULL)
                        shim_stray(sh, from, d_eid, s_eid);
                return;
        }

        if (f->peer_eid != s_eid || !shim_addr_eq(&f->peer->addr, from)) {
                ++sh->ctr[SHIM_C_DROP_PEER];
                shim_stray(sh, from, d_eid, s_eid);
                return;
        }

        shim_peer_heard(sh, f->peer);

        if (len > sh->t.max_payload) {
                ++sh->ctr[SHIM_C_DROP_OVERSIZE];
                return;
        }

        shim_deliver(sh, f, payload, len);
}

/* ---- what the transport hands us ---- */

void shim_rcv_mgmt(struct shim *            sh,
                   const struct shim_addr * from,
                   bool                     bcast,
                   const uint8_t *          buf,
                   size_t                   len)
{
        struct mgmt_msg m;
        struct speer *  p;

        if (mgmt_parse(buf, len, &m) < 0) {
                ++sh->ctr[SHIM_C_DROP_MGMT];
                return;
        }

        if (m.layer != sh->layer_tag) {
                static struct log_rate rl;
                char                   a[SHIM_ADDR_STR_MAX];

                ++sh->ctr[SHIM_C_DROP_LAYER];
                if (log_rate_ok(&rl, LOG_LVL_WARN, NULL))
                        log_warn("A management message of another layer "
                                 "(tag %08x, ours %08x) from %s: dropped. "
                                 "Layers that share a segment need their "
                                 "own ethertype, SAP or port.",
                                 (unsigned) m.layer,
                                 (unsigned) sh->layer_tag,
                                 shim_addr_str(from, a));
                return;
        }

        /* Any frame shows the peer lives, but not a KA_NONE answer:
         * that one closes its flows (shim_peer.c), not up first. */
        p = shim_peer_get(sh, from, false);
        if (p != NULL && !(m.type == MGMT_KEEPALIVE &&
                           (m.flags & MGMT_KA_NONE)))
                shim_peer_heard(sh, p);

        if (bcast && m.type != MGMT_NAME_QUERY) {
                ++sh->ctr[SHIM_C_DROP_MGMT];
                return;
        }

        switch (m.type) {
        case MGMT_NAME_QUERY:
        case MGMT_NAME_REPLY:
                shim_dir_rcv(sh, from, bcast, &m);
                break;
        case MGMT_FLOW_REQ:
                shim_rcv_flow_req(sh, from, &m);
                break;
        case MGMT_FLOW_REPLY:
                shim_rcv_flow_reply(sh, from, &m);
                break;
        case MGMT_FLOW_DEALLOC:
                shim_rcv_dealloc(sh, from, &m);
                break;
        case MGMT_KEEPALIVE:
                shim_peer_rcv_ka(sh, from, &m);
                break;
        default:
                ++sh->ctr[SHIM_C_DROP_MGMT];
                break;
        }
}

void shim_count(struct shim * sh,
                enum shim_ctr c)
{
        if (sh != NULL && c < SHIM_C_COUNT)
                ++sh->ctr[c];
}

void shim_count_n(struct shim * sh,
                  enum shim_ctr c,
                  uint64_t      n)
{
        if (sh != NULL && c < SHIM_C_COUNT)
                sh->ctr[c] += n;
}

/* ---- the other IRMd ops ---- */

static int op_reg(struct ipcp_hash h)
{
        return shim_g == NULL ? -EIPCPSTATE : shim_dir_reg(shim_g, h);
}

static int op_unreg(struct ipcp_hash h)
{
        return shim_g == NULL ? -EIPCPSTATE : shim_dir_unreg(shim_g, h);
}

static int op_query(struct ipcp_hash h,
                    ipcp_tok_t       tok)
{
        int err;

        if (shim_g == NULL)
                return -EIPCPSTATE;
        if (h.len != shim_g->hlen)
                return -EINVAL;
        if (shim_dir_cached(shim_g, h.p) != NULL)
                return 0;

        err = shim_dir_query(shim_g, h.p, &tok, NULL);

        return err < 0 ? err : IPCP_LATER;
}

static const char * const ctr_names[SHIM_C_COUNT] = {
        [SHIM_C_RX_FRAMES]     = "rx_frames",
        [SHIM_C_RX_BYTES]      = "rx_bytes",
        [SHIM_C_TX_FRAMES]     = "tx_frames",
        [SHIM_C_TX_BYTES]      = "tx_bytes",
        [SHIM_C_RX_DATA]       = "rx_data",
        [SHIM_C_TX_DATA]       = "tx_data",
        [SHIM_C_DROP_RUNT]     = "drop_runt",
        [SHIM_C_DROP_TYPE]     = "drop_type",
        [SHIM_C_DROP_LEN]      = "drop_len",
        [SHIM_C_DROP_OVERSIZE] = "drop_oversize",
        [SHIM_C_DROP_BAD]      = "drop_bad",
        [SHIM_C_DROP_MGMT]     = "drop_mgmt",
        [SHIM_C_DROP_EID]      = "drop_eid",
        [SHIM_C_DROP_PEER]     = "drop_peer",
        [SHIM_C_DROP_FULL]     = "drop_full",
        [SHIM_C_DROP_TX]       = "drop_tx",
        [SHIM_C_FLOWS]         = "flows",
        [SHIM_C_FLOWS_TOTAL]   = "flows_total",
        [SHIM_C_FLOWS_FAILED]  = "flows_failed",
        [SHIM_C_QUERIES_OUT]   = "queries_out",
        [SHIM_C_QUERIES_IN]    = "queries_in",
        [SHIM_C_PEERS_LOST]    = "peers_lost",
        [SHIM_C_FLOWS_EXPIRED] = "flows_expired",
        [SHIM_C_KA_OUT]        = "keepalives_out",
        [SHIM_C_KA_IN]         = "keepalives_in",
        [SHIM_C_DROP_LAYER]    = "drop_layer",
        [SHIM_C_DROP_KERNEL]   = "drop_kernel",
        [SHIM_C_TX_FULL]       = "tx_full",
        [SHIM_C_TX_NOBUFS]     = "tx_nobufs"
};

const char * shim_ctr_name(enum shim_ctr c)
{
        return c < SHIM_C_COUNT ? ctr_names[c] : "?";
}

static int op_stat(struct ipcp_stat * s)
{
        int c;
        int err;

        if (shim_g == NULL)
                return -EIPCPSTATE;

        for (c = 0; c < SHIM_C_COUNT; ++c) {
                err = ipcp_stat_add(s, ctr_names[c], shim_g->ctr[c]);
                if (err < 0)
                        return err;
        }

        return shim_g->t.stat != NULL ? shim_g->t.stat(shim_g->ctx, s) : 0;
}

static void op_fini(void)
{
        size_t i;

        if (shim_g == NULL)
                return;

        /* Tell every peer, so its applications learn it at once. */
        for (i = 1; i < SHIM_EIDS; ++i)
                if (shim_g->eids[i] != NULL)
                        shim_flow_close(shim_g, shim_g->eids[i], true);

        if (shim_g->t.flush != NULL)
                shim_g->t.flush(shim_g->ctx);

        shim_dir_fini(shim_g);
        shim_peer_fini(shim_g);
        shim_rx_fini(shim_g);

        if (shim_g->t.fini != NULL)
                shim_g->t.fini(shim_g->ctx);

        free(shim_g);
        shim_g = NULL;
}

void shim_ipcp_ops(struct ipcp_ops * ops)
{
        ops->reg             = op_reg;
        ops->unreg           = op_unreg;
        ops->query           = op_query;
        ops->flow_alloc      = shim_op_flow_alloc;
        ops->flow_alloc_resp = shim_op_flow_alloc_resp;
        ops->flow_dealloc    = shim_op_flow_dealloc;
        ops->stat            = op_stat;
        ops->fini            = op_fini;
        ops->carries_data    = true;
}

int shim_start(const struct shim_transport * t,
               void *                        ctx,
               size_t                        hash_len,
               struct shim **                out)
{
        struct shim * sh;

        if (shim_g != NULL)
                return -EIPCPSTATE;

        if (t == NULL || t->send_data == NULL || t->send_mgmt == NULL ||
            t->layer == NULL || t->max_payload == 0 || hash_len == 0 ||
            hash_len > HASH_MAX_LEN || out == NULL)
                return -EINVAL;

        sh = calloc(1, sizeof(*sh));
        if (sh == NULL)
                return -ENOMEM;

        sh->t        = *t;
        sh->ctx      = ctx;
        sh->hlen     = hash_len;
        sh->layer_tag = mgmt_layer_tag(t->layer);
        sh->link_up  = true;
        sh->rst_left = SHIM_RST_MAX;
        sh->b_tail   = &sh->blocked;
        sh->rx_retry = SHIM_RX_RETRY_MS;

        /* What the device receives may wait for a reader that lags
         * (flow_shm.c). */
        ipcp_dev_write_window(FLOW_SHM_WIN_RX);

        shim_g    = sh;
        *out = sh;

        return 0;
}

/* ---- addresses ---- */

bool shim_addr_eq(const struct shim_addr * a,
                  const struct shim_addr * b)
{
        if (a->kind != b->kind)
                return false;

        switch (a->kind) {
        case SHIM_ADDR_MAC:
                return memcmp(a->u.mac, b->u.mac, sizeof(a->u.mac)) == 0;
        case SHIM_ADDR_IN4:
                return a->u.in4.sin_port == b->u.in4.sin_port &&
                        a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
        case SHIM_ADDR_IN6:
                return a->u.in6.sin6_port == b->u.in6.sin6_port &&
                        memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr,
                               sizeof(a->u.in6.sin6_addr)) == 0;
        default:
                return true;
        }
}

const char * shim_addr_str(const struct shim_addr * a,
                           char *                   buf)
{
        char ip[INET6_ADDRSTRLEN];

        switch (a->kind) {
        case SHIM_ADDR_MAC:
                snprintf(buf, SHIM_ADDR_STR_MAX,
                         "%02x:%02x:%02x:%02x:%02x:%02x", a->u.mac[0],
                         a->u.mac[1], a->u.mac[2], a->u.mac[3], a->u.mac[4],
                         a->u.mac[5]);
                break;
        case SHIM_ADDR_IN4:
                inet_ntop(AF_INET, &a->u.in4.sin_addr, ip, sizeof(ip));
                snprintf(buf, SHIM_ADDR_STR_MAX, "%s:%u", ip,
                         ntohs(a->u.in4.sin_port));
                break;
        case SHIM_ADDR_IN6:
                inet_ntop(AF_INET6, &a->u.in6.sin6_addr, ip, sizeof(ip));
                snprintf(buf, SHIM_ADDR_STR_MAX, "[%s]:%u", ip,
                         ntohs(a->u.in6.sin6_port));
                break;
        default:
                snprintf(buf, SHIM_ADDR_STR_MAX, "(none)");
                break;
        }

        return buf;
}
