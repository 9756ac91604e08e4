/*
 * Ouroboros IRMd - flows through a layer that carries data (every IPCP
 * type but local; proto.h, "Flows through a layer that carries data").
 *
 * Such a flow has one half in this IRMd, held by the application, whose
 * flow memory's other side belongs to the IPCP: the application holds
 * side 0, the IPCP side 1, and each is the other's peer (pid and
 * eventfd; the IPCP's eventfd is the one it announced with
 * M_PROC_ANNOUNCE, so an IPCP that never announced cannot carry flows:
 * -EIPCP). The memory's largest packet is the smaller of the IRMd's and
 * the IPCP's (reg_ipcp max_pkt).
 *
 *   requester: M_FLOW_ALLOC -> half X with its memory now, and
 *              M_IPCPD_FLOW_ALLOC {X, hash, qos, [key], side 1,
 *              app pid, memfd, app eventfd} (flow_remote_alloc) ->
 *              M_IPCP_FLOW_ALLOC_REPLY {X, result, [acceptor's key]} ->
 *              the application gets X (flow_ipcp.c, flow_x_done).
 *   joiner:    M_FLOW_JOIN {layer} -> the same through the broadcast
 *              IPCP of that layer, the hash that of the layer's name
 *              (flow.c's flow_h_join); that IPCP answers at once.
 *   acceptor:  M_IPCP_FLOW_REQ_ARR {hash, qos, [requester's key]} ->
 *              half Y queued (flow_remote_req_arr), answered T_FLOW_ID;
 *              an accept -> Y's memory, M_IPCPD_FLOW_ALLOC_RESP {Y, 0,
 *              [acceptor's key], side 1, acceptor pid, memfd, acceptor
 *              eventfd} to the IPCP and Y to the acceptor
 *              (flow_remote_hand); refused or expired: ALLOC_RESP with
 *              a negative result (flow.c's flow_refuse).
 *
 * Keys (qos cypher_s > 0) are not ours to pair here: the requester's
 * goes to the IPCP in M_IPCPD_FLOW_ALLOC and the acceptor's comes back
 * in M_IPCP_FLOW_ALLOC_REPLY; on the accepting system the requester's
 * arrives with the request and is kept with Y (flow_keys.c) until the
 * accept, whose key goes to the IPCP. A missing one fails with -ECRYPT.
 *
 * The rest of the life of the half is as over the local layer
 * (flow_reclaim.c): the application's dealloc or death marks its side
 * closed or dead and sends M_IPCPD_FLOW_DEALLOC; the IPCP closing its
 * side is seen by the application in the memory; the IPCP's death
 * marks the flow down.
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

/* Give requester half x its memory, with IPCP e as its peer. */
static int remote_attach(struct reg_flow * x,
                         struct reg_ipcp * e)
{
        struct reg_evfd * ev = flow_evref(e->pid);
        int               r;

        if (ev == NULL || flow_proc_evfd(x->pid) < 0) {
                log_err("IPCP %s (pid %d) cannot carry flow %u: it never "
                        "announced itself.", e->name, e->pid, x->id);
                reg_evfd_put(ev);
                return -EIPCP;
        }

        r = flow_mem_new(x, e->max_pkt);
        if (r < 0) {
                reg_evfd_put(ev);
                return r;
        }

        x->peer_pid = e->pid;
        x->peer_ev  = ev;

        return 0;
}

/* The IPCP took (or refused) M_IPCPD_FLOW_ALLOC for requester half ctx. */
static void alloc_ack(void *             ctx,
                      struct reg_ipcp *  e,
                      int                res,
                      const struct msg * rep)
{
        struct reg_flow * x = reg_flow_get((uint32_t) (uintptr_t) ctx);

        (void) e;
        (void) rep;

        if (x == NULL || x->state != FLOW_ALLOC_PENDING || x->side != 0)
                return;

        if (res < 0) {
                flow_fail_x(x, res == -ETIMEDOUT ? -EIPCP : res);
                return;
        }

        x->acked = true;
}

int flow_remote_alloc(struct reg_flow * x,
                      struct reg_ipcp * e)
{
        struct reg_name *  n = reg_name_get(x->name);
        struct flow_keys * k = flow_keys_of(x->id);
        struct msg         out;
        uint8_t            h[HASH_MAX_LEN];
        int                len;
        int                r;

        if (n != NULL)
                len = reg_name_hash(n, e->hash, h);
        else
                len = hash_name(e->hash, x->name, h);
        if (len < 0)
                return len;

        r = remote_attach(x, e);
        if (r < 0)
                return r;

        x->ipcp = e;
        msg_init(&out, M_IPCPD_FLOW_ALLOC, 0, 0);
        msg_put_u32(&out, T_FLOW_ID, x->id);
        msg_put_bytes(&out, T_HASH, h, (size_t) len);
        msg_put_qos(&out, T_QOS, &x->qos);
        if (k != NULL)
                msg_put_bytes(&out, T_PUBKEY, k->req, FLOW_PUBKEY_LEN);
        /* the IPCP's side of the memory */
        msg_put_u8(&out, T_SIDE, (uint8_t) (1 - x->side));
        msg_put_u32(&out, T_PEER_PID, (uint32_t) x->pid);
        msg_put_fd(&out, x->mem->fd);
        msg_put_fd(&out, flow_proc_evfd(x->pid));

        return ipcp_send_req(e, &out, IRMD_IPCP_REQ_NS, alloc_ack,
                             (void *) (uintptr_t) x->id);
}

void flow_remote_req_arr(struct conn *           c,
                         const struct msg *      m,
                         const struct reg_name * n,
                         const qosspec_t *       qs,
                         const uint8_t *         key)
{
        struct flow_keys * k = NULL;
        struct reg_flow *  y;
        struct msg         rep;
        int                r = 0;

        /* a key without cypher_s is not relayed (as in flow.c) */
        if (key != NULL && qs->cypher_s > 0 &&
            (k = calloc(1, sizeof(*k))) == NULL)
                r = -ENOMEM;
        if (r == 0)
                r = reg_flow_add(FLOW_ACCEPT_PENDING, 0, 0, &y);
        if (r < 0) {
                free(k);
                log_dbg("Flow request from IPCP %s refused: %s.",
                        c->ipcp->name, irmd_strerror(r));
                conn_reply(c, m, r);
                return;
        }

        y->qos      = *qs;
        y->ipcp     = c->ipcp;
        y->deadline = now_ns() + IRMD_QUEUE_NS;
        strcpy(y->name, n->name);
        if (k != NULL) { /* the requester's, for the acceptor */
                k->id = y->id;
                memcpy(k->req, key, FLOW_PUBKEY_LEN);
                flow_keys_add(k);
        }

        msg_init_reply(&rep, m, 0);
        msg_put_u32(&rep, T_FLOW_ID, y->id);
        conn_send(c, &rep);

        log_dbg("Flow %u for %s queued (from IPCP %s).", y->id, y->name,
                c->ipcp->name);

        flow_dispatch(y, true);
}

/* Hand the IPCP its side of y, accepted by a. */
static int tell_ipcp(struct reg_flow *        y,
                     const struct acceptor *  a,
                     const struct flow_keys * k)
{
        struct msg out;

        msg_init(&out, M_IPCPD_FLOW_ALLOC_RESP, 0, 0);
        msg_put_u32(&out, T_FLOW_ID, y->id);
        msg_put_i32(&out, T_RESULT, 0);
        if (k != NULL)
                msg_put_bytes(&out, T_PUBKEY, a->key, FLOW_PUBKEY_LEN);
        msg_put_u8(&out, T_SIDE, (uint8_t) (1 - y->side));
        msg_put_u32(&out, T_PEER_PID, (uint32_t) a->pid);
        msg_put_fd(&out, y->mem->fd);
        msg_put_fd(&out, flow_proc_evfd(a->pid));

        return ipcp_send_req(y->ipcp, &out, IRMD_IPCP_REQ_NS, NULL, NULL);
}

void flow_remote_hand(struct reg_flow * y,
                      struct acceptor * a)
{
        struct reg_ipcp *  e = y->ipcp;
        struct flow_keys * k = NULL;
        struct msg         rep;
        bool               ack;
        int                r = 0;

        if (y->qos.cypher_s > 0) {
                k = flow_keys_of(y->id);
                if (k == NULL || !a->has_key) {
                        log_info("Flow %u: a key is missing (%s), but the "
                                 "flow is encrypted.", y->id, k == NULL ?
                                 "requester's" : "acceptor's");
                        req_fail(&a->req, -ECRYPT);
                        free(a);
                        flow_refuse(y, -ECRYPT);
                        return;
                }
        }

        if (e == NULL || (y->peer_ev = flow_evref(e->pid)) == NULL ||
            flow_proc_evfd(a->pid) < 0) {
                log_err("Flow %u: its IPCP is gone or never announced "
                        "itself, refused.", y->id);
                r = -EIPCP;
        }
        if (r == 0)
                r = flow_mem_new(y, e->max_pkt);
        if (r == 0)
                r = tell_ipcp(y, a, k);
        if (r < 0) { /* the acceptor waits for another flow */
                list_add_tail(&a->next, &flow_acceptors);
                flow_refuse(y, r);
                return;
        }

        y->pid      = a->pid;
        y->deadline = 0;
        y->peer_pid = e->pid;
        reg_flow_set_state(y, FLOW_ALLOCATED);

        flow_accept_reply(&rep, y, &a->req, k != NULL ? k->req : NULL);
        log_info("Flow %u accepted by pid %d for %s through IPCP %s.",
                 y->id, y->pid, y->name, e->name);

        flow_keys_drop(y->id); /* relayed */
        ack = a->ack;
        flow_hand(y, &a->req, ack, &rep);
        free(a);
}
