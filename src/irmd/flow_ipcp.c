/*
 * Ouroboros IRMd - flow allocation, the requests from IPCPs: a flow
 * request arriving for a local name (step 2 of flow.c's map; without
 * T_PEER_FLOW it came from another system, flow_remote.c), the reply
 * to a requester's allocation (step 4), and a deallocation the IPCP
 * reports. The halves they create or complete are handed out by flow.c.
 */
#include "irmd.h"
#include "flow_priv.h"
#include "reg_flow.h"
#include "reg_ipcp.h"
#include "reg_name.h"
#include "reg_proc.h"

#include "common/hash.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void flow_h_req_arr(struct conn *      c,
                    const struct msg * m)
{
        struct reg_ipcp * e = c->ipcp;
        struct reg_name * n = NULL;
        struct reg_flow * x = NULL;
        struct reg_flow * y;
        const void *      h;
        size_t            len;
        qosspec_t         qs;
        uint32_t          peer;
        uint8_t           key[FLOW_PUBKEY_LEN];
        bool              has_key;
        struct msg        rep;
        int               r = 0;

        if (msg_get_bytes(msg_body(m), T_HASH, &h, &len) < 0 ||
            (int) len != hash_len(e->hash) ||
            msg_get_qos(msg_body(m), T_QOS, &qs) < 0 ||
            flow_get_pubkey(msg_body(m), key, &has_key) < 0)
                r = -EBADMSG;
        if (r == 0 && (n = reg_name_by_hash(e->hash, h, len)) == NULL)
                r = -ENAME;
        if (r == 0 && !msg_has(msg_body(m), T_PEER_FLOW)) {
                /* from another system, through a layer carrying data */
                flow_remote_req_arr(c, m, n, &qs, has_key ? key : NULL);
                return;
        }
        /* Spliced: the requester's key is ours already (flow_keys). */
        if (r == 0 && msg_get_u32(msg_body(m), T_PEER_FLOW, &peer) < 0)
                r = -EBADMSG;
        if (r == 0) {
                /* a requester that has memory goes through the IPCP */
                x = reg_flow_get(peer);
                if (x == NULL || x->state != FLOW_ALLOC_PENDING ||
                    x->ipcp != e || x->peer != NULL || x->mem != NULL)
                        r = -ENOTALLOC;
        }
        if (r == 0)
                r = reg_flow_add(FLOW_ACCEPT_PENDING, 1, 0, &y);
        if (r < 0) {
                log_dbg("Flow request from IPCP %s refused: %s.", e->name,
                        irmd_strerror(r));
                conn_reply(c, m, r);
                return;
        }

        reg_flow_splice(x, y);
        y->qos      = qs;
        y->ipcp     = e;
        y->deadline = x->deadline != 0 ? x->deadline
                                       : now_ns() + IRMD_QUEUE_NS;
        strcpy(y->name, n->name);

        msg_init_reply(&rep, m, 0);
        msg_put_u32(&rep, T_FLOW_ID, y->id);
        conn_send(c, &rep);

        log_dbg("Flow %u for %s queued (requester flow %u).", y->id,
                y->name, x->id);

        flow_dispatch(y, true);
}

void flow_h_alloc_reply(struct conn *      c,
                        const struct msg * m)
{
        struct reg_flow *  x = NULL;
        struct flow_keys * k;
        uint32_t           id;
        uint32_t           peer;
        int32_t            res;
        uint8_t            key[FLOW_PUBKEY_LEN];
        bool               has_key;
        int                r = 0;

        /* Spliced: the acceptor's key is ours already (flow_keys). */
        if (msg_get_u32(msg_body(m), T_FLOW_ID, &id) < 0 ||
            msg_get_i32(msg_body(m), T_RESULT, &res) < 0 ||
            flow_get_pubkey(msg_body(m), key, &has_key) < 0)
                r = -EBADMSG;
        if (r == 0 && ((x = reg_flow_get(id)) == NULL || x->side != 0 ||
                       x->state != FLOW_ALLOC_PENDING || x->ipcp != c->ipcp))
                r = -ENOTALLOC;
        if (r == 0 && msg_has(msg_body(m), T_PEER_FLOW) &&
            (msg_get_u32(msg_body(m), T_PEER_FLOW, &peer) < 0 ||
             (x->peer != NULL && x->peer->id != peer)))
                r = -EINVAL;
        if (r < 0) {
                log_dbg("Allocation reply from IPCP %s refused: %s.",
                        c->ipcp->name, irmd_strerror(r));
                conn_reply(c, m, r);
                return;
        }

        /* Not spliced: the remote acceptor's key comes through here. */
        if (has_key && x->peer == NULL && (k = flow_keys_of(x->id)) != NULL) {
                memcpy(k->acc, key, FLOW_PUBKEY_LEN);
                k->has_acc = true;
        }

        conn_reply(c, m, 0);
        flow_x_done(x, res);
}

/* Step 4: the requester half x is complete (res 0) or failed. */
void flow_x_done(struct reg_flow * x,
                        int               res)
{
        struct flow_keys * k = NULL;
        struct msg         rep;

        if (res >= 0 && (x->mem == NULL || x->peer_ev == NULL))
                res = -EIPCP; /* success without an accept: IPCP bug */
        if (res >= 0 && x->peer == NULL && x->ipcp == NULL)
                res = -EIPCP; /* through an IPCP that is gone */
        if (res >= 0 && x->qos.cypher_s > 0 &&
            ((k = flow_keys_of(x->id)) == NULL || !k->has_acc))
                res = -ECRYPT;
        if (res < 0) {
                flow_fail_x(x, res);
                return;
        }

        reg_flow_set_state(x, FLOW_ALLOCATED);
        x->deadline = 0;

        req_init_reply(&rep, &x->req, 0);
        msg_put_u32(&rep, T_FLOW_ID, x->id);
        msg_put_u8(&rep, T_SIDE, (uint8_t) x->side);
        msg_put_qos(&rep, T_QOS, &x->qos);
        msg_put_u32(&rep, T_MAX_PKT, (uint32_t) flow_max_pkt(x));
        msg_put_u32(&rep, T_PEER_PID, (uint32_t) x->peer_pid);
        if (x->peer == NULL) /* not spliced: the library runs FRCT */
                msg_put_u32(&rep, T_IPCP_TYPE, (uint32_t) x->ipcp->type);
        if (k != NULL)
                msg_put_bytes(&rep, T_PUBKEY, k->acc, FLOW_PUBKEY_LEN);
        msg_put_fd(&rep, x->mem->fd);
        msg_put_fd(&rep, reg_evfd_fd(x->peer_ev));
        /* debug only, as deallocations: a line per flow is a system
         * call per flow (a write, or a send to syslog) */
        if (x->peer != NULL)
                log_dbg("Flow %u allocated: pid %d -> %s (pid %d, flow "
                        "%u).", x->id, x->pid, x->name, x->peer_pid,
                        x->peer->id);
        else
                log_dbg("Flow %u allocated: pid %d -> %s through IPCP %s.",
                        x->id, x->pid, x->name, x->ipcp != NULL ?
                        x->ipcp->name : "(gone)");

        flow_keys_drop(x->id); /* relayed: nothing left to do with them */
        flow_hand(x, &x->req, x->ack_wanted, &rep);
}

void flow_h_dealloc_arr(struct conn *      c,
                        const struct msg * m)
{
        struct reg_flow * f = NULL;
        uint32_t          id;
        int               r = 0;

        if (msg_get_u32(msg_body(m), T_FLOW_ID, &id) < 0)
                r = -EBADMSG;
        if (r == 0 && ((f = reg_flow_get(id)) == NULL || f->ipcp != c->ipcp))
                r = -ENOTALLOC;
        if (r == 0 && f->mem != NULL && f->peer == NULL)
                flow_shm_mark_dead(f->mem->fd, 1 - f->side,
                                   flow_proc_evfd(f->pid));

        conn_reply(c, m, r);

        /* a request from another system, withdrawn before an accept */
        if (r == 0 && f->state == FLOW_ACCEPT_PENDING && f->peer == NULL) {
                log_dbg("Flow %u (%s) withdrawn by IPCP %s.", f->id,
                        f->name, c->ipcp->name);
                flow_release(f);
        }
}
