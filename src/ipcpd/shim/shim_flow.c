/*
 * Ouroboros - the shim core's flow allocation and deallocation (see
 * shim.h for the protocol): the requester sends FLOW_REQ once the
 * directory knows the peer and repeats it until FLOW_REPLY or its
 * deadline; the acceptor asks its IRMd (M_IPCP_FLOW_REQ_ARR), answers
 * with FLOW_REPLY once the application accepts or refuses; either side
 * ends a flow with FLOW_DEALLOC. A flow goes down and up again with
 * the link or its peer's liveness (shim_flow_set_down, driven by
 * shim_peer.c). The data path and the flow table are in shim.c.
 */
#include "shim_priv.h"

#include "common/log.h"
#include "common/proto.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ---- flow allocation: requester ---- */

static void req_send(struct shim *  sh,
                     struct sflow * f)
{
        struct mgmt_msg m;

        memset(&m, 0, sizeof(m));
        m.type     = MGMT_FLOW_REQ;
        m.id       = f->cookie;
        m.s_eid    = f->eid;
        m.qos      = f->qs;
        m.name     = f->hash;
        m.name_len = sh->hlen;
        m.key      = f->key;
        m.key_len  = f->key_len;

        shim_send_mgmt(sh, &f->peer->addr, &m);
}

static void req_tick(void * arg)
{
        struct sflow * f = arg;

        f->timer = NULL; /* fired: freed by the framework */

        if (ipcp_now_ms() >= f->deadline) {
                log_warn("Flow %u: no reply from the peer.", f->flow_id);
                shim_flow_fail(shim_g, f, -ETIMEDOUT);
                return;
        }

        req_send(shim_g, f);
        f->timer = ipcp_timer_add(SHIM_REQ_RETX_MS, req_tick, f);
        if (f->timer == NULL)
                shim_flow_fail(shim_g, f, -ENOMEM);
}

static int req_start(struct shim *            sh,
                     struct sflow *           f,
                     const struct shim_addr * addr)
{
        struct speer * p = shim_peer_get(sh, addr, true);

        if (p == NULL)
                return -ENOMEM;

        shim_peer_attach(sh, p, f);
        f->state    = SF_REQ;
        f->deadline = ipcp_now_ms() + SHIM_REQ_TIMEO_MS;

        req_send(sh, f);

        f->timer = ipcp_timer_add(SHIM_REQ_RETX_MS, req_tick, f);

        return f->timer == NULL ? -ENOMEM : 0;
}

void shim_flow_resolved(struct shim *            sh,
                        struct sflow *           f,
                        const struct shim_addr * addr,
                        int                      err)
{
        if (addr == NULL) {
                shim_flow_fail(sh, f, err < 0 ? err : -ENAME);
                return;
        }

        err = req_start(sh, f, addr);
        if (err < 0)
                shim_flow_fail(sh, f, err);
}

int shim_op_flow_alloc(const struct ipcp_flow_req * r)
{
        const struct shim_addr * a;
        struct sflow *           f;
        int                      err;

        if (shim_g == NULL) {
                err = -EIPCPSTATE;
                goto fail_fd;
        }
        if (r->fd < 0 || r->hash.len != shim_g->hlen) {
                err = -EINVAL;
                goto fail_fd;
        }

        f = shim_flow_new(shim_g);
        if (f == NULL) {
                err = -ENOMEM;
                goto fail_fd;
        }

        f->requester = true;
        f->flow_id   = r->flow_id;
        f->fd        = r->fd;
        f->qs        = r->qs;
        f->state     = SF_RESOLVE;
        memcpy(f->hash, r->hash.p, shim_g->hlen);
        if (getrandom(&f->cookie, sizeof(f->cookie), 0) < 0)
                f->cookie = f->gen;
        shim_id_insert(shim_g, f);

        err = ipcp_key_dup(&r->key, MGMT_KEY_MAX, &f->key,
                           &f->key_len);
        if (err < 0)
                goto fail;

        a = shim_dir_cached(shim_g, f->hash);
        if (a != NULL)
                err = req_start(shim_g, f, a);
        else
                err = shim_dir_query(shim_g, f->hash, NULL, f);
        if (err < 0)
                goto fail;

        return 0;
 fail:
        shim_flow_close(shim_g, f, false);
        return err;
 fail_fd:
        if (r->fd >= 0)
                flow_dealloc(r->fd);
        return err;
}

void shim_rcv_flow_reply(struct shim *            sh,
                         const struct shim_addr * from,
                         const struct mgmt_msg *  m)
{
        struct sflow *  f = sh->eids[m->d_eid];
        struct ipcp_key k = { m->key, m->key_len };

        if (f == NULL || !f->requester || f->cookie != m->id ||
            f->peer == NULL || !shim_addr_eq(&f->peer->addr, from)) {
                ++sh->ctr[SHIM_C_DROP_MGMT];
                if (f == NULL && m->result == 0)
                        shim_stray(sh, from, m->d_eid, m->s_eid);
                return;
        }

        if (f->state != SF_REQ)
                return; /* a resent reply */

        if (m->result < 0) {
                log_info("Flow %u refused by the peer: %d.", f->flow_id,
                         m->result);
                shim_flow_fail(sh, f, m->result);
                return;
        }

        ipcp_timer_cancel(f->timer);
        f->timer    = NULL;
        f->peer_eid = m->s_eid;
        free(f->key);
        f->key     = NULL;
        f->key_len = 0;

        if (shim_flow_up(sh, f) < 0) {
                shim_flow_fail(sh, f, -ENOMEM);
                return;
        }

        ipcp_flow_alloc_reply(f->flow_id, 0, m->key_len > 0 ? &k : NULL, 0);
        log_dbg("Flow %u up: eids %u/%u.", f->flow_id, f->eid, f->peer_eid);
}

/* ---- flow allocation: acceptor ---- */

void shim_reply_send(struct shim *            sh,
                     const struct shim_addr * dst,
                     uint32_t                 cookie,
                     uint16_t                 s_eid,
                     uint16_t                 d_eid,
                     int                      result,
                     const uint8_t *          key,
                     size_t                   key_len)
{
        struct mgmt_msg m;

        memset(&m, 0, sizeof(m));
        m.type    = MGMT_FLOW_REPLY;
        m.id      = cookie;
        m.s_eid   = result < 0 ? 0 : s_eid;
        m.d_eid   = d_eid;
        m.result  = (int16_t) (result < -32768 ? -EINVAL : result);
        m.key     = key;
        m.key_len = key_len;

        shim_send_mgmt(sh, dst, &m);
}

/* Refuse f with err and forget it. */
static void acc_refuse(struct shim *  sh,
                       struct sflow * f,
                       int            err)
{
        shim_reply_send(sh, &f->peer->addr, f->cookie, f->eid, f->peer_eid, err,
                   NULL, 0);
        shim_flow_close(sh, f, false);
}

static void arr_cb(void *             arg,
                   const struct msg * rep)
{
        uintptr_t      v   = (uintptr_t) arg;
        struct sflow * f   = shim_g != NULL ? shim_g->eids[v & 0xffff] : NULL;
        uint32_t       id  = 0;
        int            res;

        if (f == NULL || f->gen != (uint32_t) (v >> 16) ||
            f->state != SF_ARR)
                return; /* gone meanwhile: the accept finds nothing */

        res = rep == NULL ? -EIPCP : msg_result(rep);
        if (res == 0 && (msg_get_u32(msg_body(rep), T_FLOW_ID, &id) < 0 ||
                         id == 0))
                res = -EIPCP;
        if (res < 0) {
                acc_refuse(shim_g, f, res);
                return;
        }

        f->flow_id = id;
        f->state   = SF_ACC;
        shim_id_insert(shim_g, f);
}

void shim_rcv_flow_req(struct shim *            sh,
                       const struct shim_addr * from,
                       const struct mgmt_msg *  m)
{
        struct speer *   p = shim_peer_get(sh, from, false);
        struct sflow *   f;
        struct ipcp_hash h = { m->name, m->name_len };
        struct ipcp_key  k = { m->key, m->key_len };
        uintptr_t        arg;
        int              err;

        for (f = p != NULL ? p->flows : NULL; f != NULL; f = f->p_next) {
                if (f->requester || f->peer_eid != m->s_eid ||
                    f->cookie != m->id)
                        continue;
                if (f->replied) /* our reply was lost */
                        shim_reply_send(sh, from, f->cookie, f->eid,
                                   f->peer_eid, f->result, f->key,
                                   f->key_len);
                return; /* a resent request */
        }

        if (m->name_len != sh->hlen || !shim_dir_registered(sh, m->name)) {
                shim_reply_send(sh, from, m->id, 0, m->s_eid, -ENAME, NULL, 0);
                return;
        }

        f = shim_flow_new(sh);
        p = f != NULL ? shim_peer_get(sh, from, true) : NULL;
        if (p == NULL) {
                if (f != NULL)
                        shim_flow_close(sh, f, false);
                shim_reply_send(sh, from, m->id, 0, m->s_eid, -ENOMEM, NULL, 0);
                return;
        }

        shim_peer_attach(sh, p, f);
        f->state    = SF_ARR;
        f->peer_eid = m->s_eid;
        f->cookie   = m->id;
        f->qs       = m->qos;
        memcpy(f->hash, m->name, sh->hlen);

        arg = (uintptr_t) f->eid | ((uintptr_t) f->gen << 16);
        err = ipcp_flow_req_arr(h, &f->qs, m->key_len > 0 ? &k : NULL, 0,
                                arr_cb, (void *) arg);
        if (err < 0)
                acc_refuse(sh, f, err);
}

int shim_op_flow_alloc_resp(const struct ipcp_flow_resp * r)
{
        struct sflow * f = shim_g != NULL ? shim_id_find(shim_g, r->flow_id) : NULL;
        int            err;

        if (f == NULL || f->requester || f->state != SF_ACC) {
                if (r->fd >= 0)
                        flow_dealloc(r->fd);
                return r->result < 0 ? 0 : -EFLOWPEER;
        }

        if (r->result < 0) {
                acc_refuse(shim_g, f, r->result);
                return 0;
        }

        if (r->fd < 0) {
                acc_refuse(shim_g, f, -EIPCP);
                return -EINVAL;
        }

        f->fd = r->fd;
        err = ipcp_key_dup(&r->key, MGMT_KEY_MAX, &f->key,
                           &f->key_len);
        if (err == 0)
                err = shim_flow_up(shim_g, f);
        if (err < 0) {
                acc_refuse(shim_g, f, err);
                return err;
        }

        f->replied = true;
        f->result  = 0;
        shim_reply_send(shim_g, &f->peer->addr, f->cookie, f->eid, f->peer_eid, 0,
                   f->key, f->key_len);
        log_dbg("Flow %u up: eids %u/%u.", f->flow_id, f->eid, f->peer_eid);

        return 0;
}

/* ---- down and up (the link, or a silent peer: shim_peer.c) ---- */

void shim_flow_set_down(struct shim *  sh,
                        struct sflow * f,
                        bool           down)
{
        uint32_t fl;

        (void) sh;

        if (down == (f->down_at != 0))
                return;

        f->down_at = down ? ipcp_now_ms() : 0;
        if (f->down_at == 0 && down)
                f->down_at = 1;

        if (fccntl(f->fd, FLOWGFLAGS, &fl) < 0)
                return;

        fl = down ? (fl | FLOWFDOWN) : (fl & ~(uint32_t) FLOWFDOWN);
        if (fccntl(f->fd, FLOWSFLAGS, fl) < 0)
                log_warn("Could not mark flow %u %s.", f->flow_id,
                         down ? "down" : "up");
}

/* ---- deallocation ---- */

void shim_rcv_dealloc(struct shim *            sh,
                      const struct shim_addr * from,
                      const struct mgmt_msg *  m)
{
        struct sflow * f = sh->eids[m->d_eid];

        if (f == NULL || f->peer == NULL || f->peer_eid != m->s_eid ||
            !shim_addr_eq(&f->peer->addr, from)) {
                ++sh->ctr[SHIM_C_DROP_MGMT];
                return;
        }

        log_dbg("Flow %u deallocated by the peer.", f->flow_id);
        shim_flow_fail(sh, f, -EFLOWPEER);
}

int shim_op_flow_dealloc(uint32_t flow_id)
{
        struct sflow * f = shim_g != NULL ? shim_id_find(shim_g, flow_id) : NULL;

        if (f == NULL)
                return 0; /* closed already (by the peer, or a timeout) */

        /* Send what the application wrote before it let go; a flow
         * waiting for the device is closed once it has sent it all
         * (shim_tx). */
        if (f->state == SF_UP) {
                f->closing = true;
                if (!f->blocked && !shim_tx(shim_g, f, SIZE_MAX))
                        return 0;
                if (f->blocked)
                        return 0;
        }

        shim_flow_close(shim_g, f, true);

        return 0;
}
