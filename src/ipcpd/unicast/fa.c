/*
 * Ouroboros - ipcpd-unicast: the flow allocator (uni.h, fa.c): flows
 * between applications on members of the layer, their endpoint ids,
 * and the messages (wire_fa.h) that set them up and tear them down,
 * sent over the data transfer to (address, DT_EID_FA). The data path
 * and mb-ecn are in fa_data.c.
 *
 * Requester (fa_alloc): the directory gives the destination's address
 * (dir_resolve: at once from its cache, or after a lookup); a REQ with
 * this member's address, the flow's endpoint id, a cookie, the hash,
 * the QoS and the key goes there, again every FA_REQ_RETX_MS until a
 * REPLY or FA_REQ_TIMEO_MS (then -EHOSTUNREACH if no send found a
 * route, else -ETIMEDOUT; -ENAME when the directory does not know the
 * name). Acceptor: the IRMd is told (ipcp_flow_req_arr); when the
 * application accepts or refuses (fa_alloc_resp), a REPLY with its
 * endpoint id and key, or the refusal, goes back. A resent REQ (same
 * address, endpoint id and cookie) gets the same REPLY again.
 *
 * Deallocation: either side closes its upper flow (the application
 * sees FLOW_DEALLOC) and sends DEALLOC, resent until the peer's
 * DEALLOC_ACK (fa_dealloc.c), which closes the other side's at once. A REPLY accepting for an
 * endpoint id nobody here owns (the requester gave up) is answered with
 * a DEALLOC, at most FA_STRAY_MAX a tick.
 *
 * Path loss: every FA_TICK_MS each flow's peer is looked up in the
 * forwarding table; no route for FA_DOWN_MS marks the upper flow down
 * (FLOWFDOWN: the application gets FLOW_DOWN), a route back marks it up
 * again; the directory's cached answer for it is dropped meanwhile.
 *
 * Malformed messages and unknown endpoint ids are dropped and counted,
 * with a rate-limited log line.
 */
#include "fa_priv.h"
#include "dir_fa.h"

#include "common/log.h"
#include "common/proto.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct fa fa;

static struct log_rate rl_drop;

static uint64_t rnd64(void)
{
        uint64_t v;

        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
                v = (uint64_t) ipcp_now_ms() * 0x9e3779b97f4a7c15ull;

        return v;
}

static bool eid_ok(uint64_t eid)
{
        return eid >= DT_EID_FIRST &&
                eid <= uni_max_for(uni_conf.lc.eid_size);
}

/* ---- the flow table ---- */

static struct fflow ** eid_bucket(uint64_t eid)
{
        return &fa.eids[(eid ^ (eid >> 32)) % FA_BUCKETS];
}

static struct fflow ** id_bucket(uint32_t id)
{
        return &fa.ids[id % FA_BUCKETS];
}

struct fflow * fa_eid_find(uint64_t eid)
{
        struct fflow * f;

        for (f = *eid_bucket(eid); f != NULL; f = f->e_next)
                if (f->eid == eid)
                        return f;

        return NULL;
}

static struct fflow * id_find(uint32_t id)
{
        struct fflow * f;

        if (id == 0)
                return NULL;

        for (f = *id_bucket(id); f != NULL; f = f->i_next)
                if (f->flow_id == id)
                        return f;

        return NULL;
}

static void id_insert(struct fflow * f)
{
        struct fflow ** b = id_bucket(f->flow_id);

        f->i_next = *b;
        *b        = f;
}

static void id_remove(struct fflow * f)
{
        struct fflow ** fp;

        if (f->flow_id == 0)
                return;

        for (fp = id_bucket(f->flow_id); *fp != NULL; fp = &(*fp)->i_next) {
                if (*fp == f) {
                        *fp = f->i_next;
                        return;
                }
        }
}

/* A new flow with a free random endpoint id, or NULL. */
static struct fflow * flow_new(void)
{
        struct fflow *  f;
        struct fflow ** b;
        uint64_t        max = uni_max_for(uni_conf.lc.eid_size);
        uint64_t        span = max - DT_EID_FIRST + 1; /* 0: all of u64 */
        uint64_t        eid = 0;
        int             i;

        for (i = 0; i < 64; ++i) {
                eid = rnd64();
                if (span != 0)
                        eid = DT_EID_FIRST + eid % span;
                if (eid_ok(eid) && fa_eid_find(eid) == NULL)
                        break;
        }
        if (i == 64)
                return NULL;

        f = calloc(1, sizeof(*f));
        if (f == NULL)
                return NULL;

        f->eid    = eid;
        f->fd     = -1;
        f->cookie = (uint32_t) rnd64();
        b         = eid_bucket(eid);
        f->e_next = *b;
        *b        = f;

        ++fa.n_flows;
        if (fa.tick == NULL)
                fa.tick = ipcp_timer_add(FA_TICK_MS, fa_tick, NULL);

        return f;
}

/* ---- sending messages ---- */

void fa_send(uint64_t              dst,
             const struct fa_msg * m)
{
        static struct log_rate rl;
        uint8_t                buf[FA_MSG_MAX];
        ssize_t                n;
        int                    err;

        n = fa_msg_write(m, buf, sizeof(buf));
        if (n < 0) {
                log_err("Flow allocator message %d not encoded: %zd.",
                        m->type, n);
                return;
        }

        err = dt_send(dst, CUBE_VOICE, DT_EID_FA, buf, (size_t) n);
        if (err < 0) {
                ++fa.ctr[FC_DROP_TX];
                if (log_rate_ok(&rl, LOG_LVL_DBG, "flow allocator send"))
                        log_dbg("Flow allocator message %d to %" PRIu64
                                " not sent: %d.", m->type, dst, err);
        }
}

static void send_reply(struct fflow * f,
                       int            result)
{
        struct fa_msg m;

        memset(&m, 0, sizeof(m));
        m.type   = FA_REPLY;
        m.s_addr = uni_addr();
        m.s_eid  = result < 0 ? 0 : f->eid;
        m.d_eid  = f->peer_eid;
        m.cookie = f->cookie;
        m.result = (int16_t) (result < -32768 ? -EINVAL : result);
        if (result == 0) {
                m.key     = f->key;
                m.key_len = f->key_len;
        }

        fa_send(f->peer_addr, &m);
}

static void send_req(struct fflow * f)
{
        struct fa_msg m;
        uint8_t       buf[FA_MSG_MAX];
        ssize_t       n;
        int           err;

        memset(&m, 0, sizeof(m));
        m.type     = FA_REQ;
        m.s_addr   = uni_addr();
        m.s_eid    = f->eid;
        m.cookie   = f->cookie;
        m.qos      = f->qs;
        m.hash     = f->hash;
        m.hash_len = uni_conf.hash_len;
        m.key      = f->key;
        m.key_len  = f->key_len;

        n = fa_msg_write(&m, buf, sizeof(buf));
        if (n < 0)
                return;

        err = dt_send(f->peer_addr, CUBE_VOICE, DT_EID_FA, buf, (size_t) n);
        f->unreach = err == -EHOSTUNREACH;
        if (err < 0)
                ++fa.ctr[FC_DROP_TX];
}

/* ---- closing ---- */

void fa_flow_close(struct fflow * f,
                   bool           tell_peer)
{
        struct fflow ** fp;

        if (tell_peer && f->peer_addr != 0) {
                if (f->state == FS_UP)
                        fa_send_dealloc(f->peer_addr, f->eid, f->peer_eid);
                else if (!f->requester && !f->replied)
                        send_reply(f, -ECONNREFUSED);
        }

        if (f->state == FS_UP) {
                --fa.ctr[FC_FLOWS];
                --fa.n_up[f->cube];
        }

        if (f->watched)
                ipcp_flow_unwatch(f->fd);
        if (f->timer != NULL)
                ipcp_timer_cancel(f->timer);
        fa_flow_unready(f);

        for (fp = eid_bucket(f->eid); *fp != NULL; fp = &(*fp)->e_next) {
                if (*fp == f) {
                        *fp = f->e_next;
                        break;
                }
        }
        id_remove(f);

        if (f->fd >= 0)
                flow_dealloc(f->fd);

        --fa.n_flows;
        free(f->key);
        free(f);
}

/* A requester's allocation failed: tell the IRMd, forget the flow. */
static void req_fail(struct fflow * f,
                     int            err)
{
        struct ipcp_hash h = { f->hash, uni_conf.hash_len };

        ++fa.ctr[FC_FLOWS_FAILED];
        ipcp_flow_alloc_reply(f->flow_id, err, NULL, 0);
        if (f->peer_addr != 0)
                dir_forget(h, f->peer_addr);

        fa_flow_close(f, false);
}

/* ---- requester ---- */

static void req_tick(void * arg)
{
        struct fflow * f = arg;

        f->timer = NULL; /* fired: freed by the framework */

        if (ipcp_now_ms() >= f->deadline) {
                log_info("Flow %u: no reply from %" PRIu64 ".", f->flow_id,
                         f->peer_addr);
                req_fail(f, f->unreach ? -EHOSTUNREACH : -ETIMEDOUT);
                return;
        }

        send_req(f);
        f->timer = ipcp_timer_add(FA_REQ_RETX_MS, req_tick, f);
        if (f->timer == NULL)
                req_fail(f, -ENOMEM);
}

static int req_start(struct fflow * f,
                     uint64_t       addr)
{
        f->peer_addr = addr;
        f->state     = FS_REQ;
        f->deadline  = ipcp_now_ms() + FA_REQ_TIMEO_MS;

        f->timer = ipcp_timer_add(FA_REQ_RETX_MS, req_tick, f);
        if (f->timer == NULL)
                return -ENOMEM;

        send_req(f);

        return 0;
}

static void resolved_cb(void *   arg,
                        uint64_t addr)
{
        struct fflow * f = fa_eid_find((uint64_t) (uintptr_t) arg);
        int            err;

        if (f == NULL || !f->requester || f->state != FS_RESOLVE)
                return; /* deallocated meanwhile */

        if (addr == 0) {
                log_dbg("Flow %u: name not in the directory.", f->flow_id);
                req_fail(f, -ENAME);
                return;
        }

        err = req_start(f, addr);
        if (err < 0)
                req_fail(f, err);
}

/* Ask the directory for f's destination: 0 (request sent, or the
 * answer comes to resolved_cb) or a negative errno. */
static int resolve(struct fflow * f)
{
        struct ipcp_hash h = { f->hash, uni_conf.hash_len };
        uint64_t         addr = 0;
        int              err;

        f->state     = FS_RESOLVE;
        f->peer_addr = 0;

        err = dir_resolve(h, &addr, resolved_cb, (void *) (uintptr_t) f->eid);
        if (err == IPCP_LATER)
                return 0;
        if (err < 0)
                return err;

        return req_start(f, addr);
}

int fa_alloc(const struct ipcp_flow_req * r)
{
        struct fflow * f;
        int            err;

        if (!fa.on || uni_addr() == 0) {
                err = -EIPCPSTATE;
                goto fail_fd;
        }
        if (r->fd < 0 || r->hash.len != uni_conf.hash_len ||
            r->hash.len > FA_HASH_MAX) {
                err = -EINVAL;
                goto fail_fd;
        }

        f = flow_new();
        if (f == NULL) {
                err = -ENOMEM;
                goto fail_fd;
        }

        f->requester = true;
        f->flow_id   = r->flow_id;
        f->fd        = r->fd;
        f->qs        = r->qs;
        f->cube      = uni_cube_of(&r->qs);
        f->state     = FS_RESOLVE;
        memcpy(f->hash, r->hash.p, r->hash.len);
        id_insert(f);

        err = ipcp_key_dup(&r->key, FA_KEY_MAX, &f->key, &f->key_len);
        if (err < 0)
                goto fail;

        err = resolve(f);
        if (err < 0)
                goto fail;

        return 0;
 fail:
        ++fa.ctr[FC_FLOWS_FAILED];
        fa_flow_close(f, false);
        return err;
 fail_fd:
        if (r->fd >= 0)
                flow_dealloc(r->fd);
        return err;
}

static void rcv_reply(const struct fa_msg * m)
{
        struct fflow *   f = fa_eid_find(m->d_eid);
        struct ipcp_key  k = { m->key, m->key_len };
        struct ipcp_hash h;

        if (f == NULL || !f->requester || f->cookie != m->cookie ||
            f->peer_addr != m->s_addr) {
                ++fa.ctr[FC_DROP_EID];
                if (f == NULL && m->result == 0 && fa.strays_left > 0) {
                        --fa.strays_left; /* the requester gave up */
                        fa_send_dealloc_once(m->s_addr, m->d_eid, m->s_eid);
                }
                return;
        }

        if (f->state != FS_REQ)
                return; /* a resent reply */

        if (m->result < 0) {
                log_info("Flow %u refused by %" PRIu64 ": %d.", f->flow_id,
                         f->peer_addr, m->result);
                h.p   = f->hash;
                h.len = uni_conf.hash_len;
                dir_forget(h, f->peer_addr);
                if (m->result == -ENAME && !f->retried) {
                        /* not (or no longer) there: ask the DHT again */
                        f->retried = true;
                        ipcp_timer_cancel(f->timer);
                        f->timer = NULL;
                        if (resolve(f) == 0)
                                return;
                }
                req_fail(f, m->result);
                return;
        }

        if (!eid_ok(m->s_eid)) {
                ++fa.ctr[FC_DROP_MSG];
                return;
        }

        ipcp_timer_cancel(f->timer);
        f->timer    = NULL;
        f->peer_eid = m->s_eid;
        free(f->key);
        f->key     = NULL;
        f->key_len = 0;

        if (fa_flow_up(f) < 0) {
                fa_send_dealloc(f->peer_addr, f->eid, f->peer_eid);
                req_fail(f, -ENOMEM);
                return;
        }

        ipcp_flow_alloc_reply(f->flow_id, 0, m->key_len > 0 ? &k : NULL, 0);
        log_dbg("Flow %u up: %" PRIu64 "/%" PRIu64 " to %" PRIu64 ".",
                f->flow_id, f->eid, f->peer_eid, f->peer_addr);
}

/* ---- acceptor ---- */

static void acc_refuse(struct fflow * f,
                       int            err)
{
        send_reply(f, err);
        fa_flow_close(f, false);
}

static void arr_cb(void *             arg,
                   const struct msg * rep)
{
        struct fflow * f  = fa_eid_find((uint64_t) (uintptr_t) arg);
        uint32_t       id = 0;
        int            res;

        if (f == NULL || f->requester || f->state != FS_ARR)
                return; /* gone meanwhile */

        res = rep == NULL ? -EIPCP : msg_result(rep);
        if (res == 0 && (msg_get_u32(msg_body(rep), T_FLOW_ID, &id) < 0 ||
                         id == 0))
                res = -EIPCP;
        if (res < 0) {
                acc_refuse(f, res);
                return;
        }

        f->flow_id = id;
        f->state   = FS_ACC;
        id_insert(f);
}

static struct fflow * find_req(const struct fa_msg * m)
{
        size_t         i;
        struct fflow * f;

        for (i = 0; i < FA_BUCKETS; ++i)
                for (f = fa.eids[i]; f != NULL; f = f->e_next)
                        if (!f->requester && f->peer_addr == m->s_addr &&
                            f->peer_eid == m->s_eid &&
                            f->cookie == m->cookie)
                                return f;

        return NULL;
}

static void rcv_req(const struct fa_msg * m)
{
        struct fflow *   f;
        struct ipcp_hash h = { m->hash, m->hash_len };
        struct ipcp_key  k = { m->key, m->key_len };
        struct fa_msg    r;
        int              err;

        f = find_req(m);
        if (f != NULL) {
                if (f->replied) /* our reply was lost */
                        send_reply(f, 0);
                return; /* a resent request */
        }

        if (m->hash_len != uni_conf.hash_len || !eid_ok(m->s_eid)) {
                ++fa.ctr[FC_DROP_MSG];
                memset(&r, 0, sizeof(r));
                r.type   = FA_REPLY;
                r.s_addr = uni_addr();
                r.d_eid  = m->s_eid;
                r.cookie = m->cookie;
                r.result = -EINVAL;
                fa_send(m->s_addr, &r);
                return;
        }

        f = flow_new();
        if (f == NULL) {
                memset(&r, 0, sizeof(r));
                r.type   = FA_REPLY;
                r.s_addr = uni_addr();
                r.d_eid  = m->s_eid;
                r.cookie = m->cookie;
                r.result = -ENOMEM;
                fa_send(m->s_addr, &r);
                return;
        }

        f->state     = FS_ARR;
        f->peer_addr = m->s_addr;
        f->peer_eid  = m->s_eid;
        f->cookie    = m->cookie;
        f->qs        = m->qos;
        f->cube      = uni_cube_of(&m->qos);
        memcpy(f->hash, m->hash, m->hash_len);

        err = ipcp_flow_req_arr(h, &f->qs, m->key_len > 0 ? &k : NULL, 0,
                                arr_cb, (void *) (uintptr_t) f->eid);
        if (err < 0)
                acc_refuse(f, err);
}

int fa_alloc_resp(const struct ipcp_flow_resp * r)
{
        struct fflow * f = fa.on ? id_find(r->flow_id) : NULL;
        int            err;

        if (f == NULL || f->requester || f->state != FS_ACC) {
                if (r->fd >= 0)
                        flow_dealloc(r->fd);
                return r->result < 0 ? 0 : -EFLOWPEER;
        }

        if (r->result < 0) {
                acc_refuse(f, r->result);
                return 0;
        }

        if (r->fd < 0) {
                acc_refuse(f, -EIPCP);
                return -EINVAL;
        }

        f->fd = r->fd;
        err = ipcp_key_dup(&r->key, FA_KEY_MAX, &f->key, &f->key_len);
        if (err == 0)
                err = fa_flow_up(f);
        if (err < 0) {
                acc_refuse(f, err);
                return err;
        }

        f->replied = true;
        send_reply(f, 0);
        log_dbg("Flow %u up: %" PRIu64 "/%" PRIu64 " to %" PRIu64 ".",
                f->flow_id, f->eid, f->peer_eid, f->peer_addr);

        return 0;
}

/* ---- deallocation ---- */

static void rcv_dealloc(const struct fa_msg * m)
{
        struct fflow * f = fa_eid_find(m->d_eid);

        fa_ack_dealloc(m);

        if (f == NULL || f->peer_addr != m->s_addr ||
            f->peer_eid != m->s_eid)
                return; /* the second copy, or a stray: nothing to do */

        log_dbg("Flow %u deallocated by the peer.", f->flow_id);
        if (f->requester && f->state != FS_UP)
                req_fail(f, -ECONNREFUSED);
        else
                fa_flow_close(f, false);
}

int fa_dealloc(uint32_t flow_id)
{
        struct fflow * f = fa.on ? id_find(flow_id) : NULL;

        if (f == NULL)
                return 0; /* closed already (by the peer, or a failure) */

        /* Send what the application wrote before it let go. */
        if (f->state == FS_UP && !fa_tx(f, SIZE_MAX, true))
                return 0;

        fa_flow_close(f, true);

        return 0;
}

/* ---- what comes in ---- */

static void rcv_cb(const uint8_t * buf,
                   size_t          len,
                   uint8_t         ecn)
{
        struct fa_msg m;
        struct fflow * f;
        int           err;

        (void) ecn;

        if (!fa.on)
                return;

        err = fa_msg_parse(buf, len, &m);
        if (err < 0) {
                ++fa.ctr[FC_DROP_MSG];
                if (log_rate_ok(&rl_drop, LOG_LVL_WARN, "bad flow message"))
                        log_warn("Flow allocator message of %zu bytes "
                                 "dropped: %d.", len, err);
                return;
        }

        switch (m.type) {
        case FA_REQ:
                rcv_req(&m);
                break;
        case FA_REPLY:
                rcv_reply(&m);
                break;
        case FA_DEALLOC:
                rcv_dealloc(&m);
                break;
        case FA_DEALLOC_ACK:
                fa_rcv_dealloc_ack(&m);
                break;
        case FA_UPDATE:
                f = fa_eid_find(m.d_eid);
                if (f == NULL || f->state != FS_UP ||
                    f->peer_addr != m.s_addr || f->peer_eid != m.s_eid) {
                        ++fa.ctr[FC_DROP_EID];
                        return;
                }
                fa_rcv_update(f, &m);
                break;
        default:
                break;
        }
}

void fa_rcv(uint64_t        eid,
            const uint8_t * buf,
            size_t          len,
            uint8_t         ecn)
{
        struct fflow * f = fa.on ? fa_eid_find(eid) : NULL;

        if (f == NULL || f->state != FS_UP) {
                ++fa.ctr[FC_DROP_EID];
                if (log_rate_ok(&rl_drop, LOG_LVL_DBG, "unknown eid"))
                        log_dbg("Packet for unknown endpoint %" PRIu64
                                " dropped.", eid);
                return;
        }

        fa_deliver(f, buf, len, ecn);
}

/* ---- the module ---- */

int fa_init(void)
{
        size_t c;
        int    err;

        memset(&fa, 0, sizeof(fa));
        for (c = 0; c < CUBE_MAX; ++c)
                fa.ready_tail[c] = &fa.ready[c];
        fa.strays_left = FA_STRAY_MAX;

        err = dt_reg_comp(DT_EID_FA, rcv_cb);
        if (err < 0)
                return err;

        fa.on = true;

        return 0;
}

void fa_fini(void)
{
        size_t i;

        if (!fa.on)
                return;

        /* Tell every peer, so its applications learn it at once. */
        fa.on = false;
        for (i = 0; i < FA_BUCKETS; ++i)
                while (fa.eids[i] != NULL)
                        fa_flow_close(fa.eids[i], true);

        if (fa.tick != NULL)
                ipcp_timer_cancel(fa.tick);
        fa.tick = NULL;
        fa_dealloc_fini();
}
