/*
 * Ouroboros IRMd - flow allocation.
 *
 * The local layer splices, and the IRMd does it itself: a local IPCP
 * only says which names its layer holds, and is not asked about each
 * flow (that cost two round trips to it per allocation, and one more
 * per dealloc). The steps are those a splicing IPCP would drive
 * (proto.h), which non-local layers still do:
 *   1. M_FLOW_ALLOC from P: requester half X (ALLOC_PENDING, side 0);
 *      M_IPCPD_FLOW_ALLOC {X, hash, qos} to the IPCP.
 *   2. M_IPCP_FLOW_REQ_ARR {hash, qos, T_PEER_FLOW X}: acceptor half Y
 *      (ACCEPT_PENDING, side 1) spliced to X, queued for an acceptor
 *      until X's deadline (or IRMD_QUEUE_NS); auto-start if nobody runs.
 *   3. Accept: the flow memory is created, Y goes to the acceptor,
 *      M_IPCPD_FLOW_ALLOC_RESP {Y, 0} to the IPCP.
 *   4. M_IPCP_FLOW_ALLOC_REPLY {X, result, [Y]}: X goes to P.
 * In the local layer, 1-2 become splice_local() and 3-4 one step.
 * Both halves then reference one memfd; each keeps a dup of the other
 * side's eventfd, so a side can be marked dead or down (flow_shm.h) even
 * after the other process is gone.
 *
 * Encryption (qos cypher_s > 0): the requester's T_PUBKEY from step 1 is
 * kept with X (struct flow_keys) and goes to the acceptor in step 3; the
 * acceptor's, from its M_FLOW_ACCEPT, goes to the requester in step 4.
 * Both are also sent to the IPCP (M_IPCPD_FLOW_ALLOC / _ALLOC_RESP) for
 * layers that do not splice. Keys are checked for size only, never made
 * or changed here; a missing one fails both sides with -ECRYPT.
 *
 * Error codes:
 *   M_FLOW_ALLOC   -EBADMSG, -EINVAL empty name, -EPERM not announced,
 *                  -ECRYPT cypher_s > 0 without T_PUBKEY, or the
 *                  acceptor sent none,
 *                  -ENAME no layer knows the name, -EIPCP the IPCP
 *                  serving it died or did not answer,
 *                  -ETIMEDOUT nobody accepted in time, -EMFILE the
 *                  IRMd is out of descriptors (it keeps
 *                  IRMD_FD_RESERVE for connections); else the IPCP's
 *   M_FLOW_ACCEPT  -EBADMSG, -EPERM not announced, -EAGAIN zero timeout
 *                  and nothing queued, -ETIMEDOUT, -ECRYPT an encrypted
 *                  flow came and this accept sent no T_PUBKEY
 *   M_FLOW_JOIN    -EBADMSG, -EINVAL empty layer name, -ENOTSUP
 *                  cypher_s > 0 (no pairwise peer to agree keys with),
 *                  -EPERM not announced, -EIPCPTYPE no broadcast IPCP
 *                  on this host, -ENAME none operational in that layer,
 *                  -EIPCP it died, did not answer or never announced
 *                  itself, -ETIMEDOUT no answer in the requester's
 *                  time, -EMFILE as for M_FLOW_ALLOC; else the IPCP's
 *                  (its answer to M_IPCPD_FLOW_ALLOC or its
 *                  M_IPCP_FLOW_ALLOC_REPLY)
 *   M_FLOW_DEALLOC -ENOTALLOC unknown or not allocated, -EPERM not held
 *                  by the caller; on a session connection: no answer
 *   M_FLOW_ACK     no answer; ignored unless the flow waits for an ack
 *                  on this connection, or (a refusal) was handed on
 *                  this session
 *   M_FLOW_CANCEL  no answer; on a session only
 * Requests on a session are answered there and need no ack (flow_hand).
 * (Which layer gets a flow to a name not registered here, flow_query.c;
 * handing halves to acceptors, M_FLOW_ACCEPT, flow_accept.c;
 * reclaiming after deaths and deadlines in flow_reclaim.c, requests
 * from IPCPs, steps 2 and 4, in flow_ipcp.c.)
 *   from IPCPs: -ENAME unknown hash, -ENOTALLOC unknown flow (or one
 *                  that is not spliced)
 * Layers that carry data (every type but local) do not splice: their
 * halves have no peer half here, see flow_remote.c.
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
#include <unistd.h>

struct list_head flow_acceptors = LIST_HEAD_INIT(flow_acceptors);

int flow_proc_evfd(pid_t pid)
{
        struct reg_proc * p = reg_proc_get(pid);

        return p != NULL ? p->evfd : -1;
}

/* Optional T_TIMEO into an absolute deadline (0: none); -EBADMSG. */
int flow_get_deadline(const struct msg * m,
                        int64_t *          dl,
                        bool *             zero)
{
        uint64_t t;

        *dl   = 0;
        *zero = false;
        if (!msg_has(msg_body(m), T_TIMEO))
                return 0;
        if (msg_get_u64(msg_body(m), T_TIMEO, &t) < 0)
                return -EBADMSG;

        *zero = t == 0;
        if (t > (uint64_t) 10 * 365 * 24 * 3600 * NS_PER_S)
                return 0; /* beyond ten years: forever */
        *dl = now_ns() + (int64_t) t;

        return 0;
}

/* f's layer is spliced by the IRMd itself (no IPCP on the path). */
bool flow_spliced_here(const struct reg_flow * f)
{
        return f->ipcp != NULL && f->ipcp->type == IPCP_LOCAL;
}

/* The request asks to confirm the flow it gets (T_ACK). */
bool flow_wants_ack(const struct msg * m)
{
        uint8_t v = 0;

        return msg_get_u8(msg_body(m), T_ACK, &v) == 0 && v == 1;
}

void flow_ipcp_tell(struct reg_ipcp * e,
                      uint16_t          type,
                      uint32_t          id,
                      bool              with_res,
                      int               res,
                      const uint8_t *   key)
{
        struct msg out;

        if (e == NULL || e->type == IPCP_LOCAL)
                return;

        msg_init(&out, type, 0, 0);
        msg_put_u32(&out, T_FLOW_ID, id);
        if (with_res)
                msg_put_i32(&out, T_RESULT, res);
        if (key != NULL)
                msg_put_bytes(&out, T_PUBKEY, key, FLOW_PUBKEY_LEN);
        ipcp_send_req(e, &out, IRMD_IPCP_REQ_NS, NULL, NULL);
}

/* Release a half at the IPCP (refusing it with err if it was still
 * queued) and in the registry. */
static void release(struct reg_flow * f,
                    int               err)
{
        if (f->state == FLOW_ACCEPT_PENDING)
                flow_ipcp_tell(f->ipcp, M_IPCPD_FLOW_ALLOC_RESP, f->id, true,
                          err, NULL);
        else
                flow_ipcp_tell(f->ipcp, M_IPCPD_FLOW_DEALLOC, f->id, false, 0,
                          NULL);

        flow_keys_drop(f->id);
        req_drop(&f->req);
        req_drop(&f->ack);
        reg_flow_del(f);
}

void flow_release(struct reg_flow * f)
{
        release(f, -ECONNREFUSED);
}

void flow_refuse(struct reg_flow * y,
                 int               err)
{
        release(y, err);
}

/* The requester half x will not complete: tear it down. */
void flow_fail_x(struct reg_flow * x,
                 int               err)
{
        struct reg_flow * y = x->peer;

        log_info("Flow %u allocation for %s by pid %d failed: %s.", x->id,
                 x->name, x->pid, irmd_strerror(err));

        req_fail(&x->req, err);

        if (y != NULL && y->state == FLOW_ACCEPT_PENDING) {
                flow_release(y);
        } else if (x->mem != NULL) {
                /* the acceptor (or the IPCP of a layer that carries
                 * data) already has it: the requester side is dead */
                flow_shm_mark_dead(x->mem->fd, x->side,
                                   reg_evfd_fd(x->peer_ev));
        }

        flow_release(x);
}

/* ---- M_FLOW_ALLOC ---- */

/* The IPCP where name is registered, preferring the local layer. */
static struct reg_ipcp * pick_ipcp(const char * name)
{
        struct reg_name *  n = reg_name_get(name);
        struct reg_ipcp *  best = NULL;
        struct list_head * p;

        if (n == NULL)
                return NULL;

        list_for_each(p, &n->ipcps) {
                struct reg_name_ipcp * ri;
                struct reg_ipcp *      e;
                ri = list_entry(p, struct reg_name_ipcp, next);
                e  = reg_ipcp_get(ri->ipcp);
                if (e == NULL || e->state != IPCP_STATE_OPERATIONAL ||
                    e->conn == NULL)
                        continue;
                if (e->type == IPCP_LOCAL)
                        return e;
                if (best == NULL)
                        best = e;
        }

        return best;
}

/* Steps 1-2 in the local layer e: queue the accepting half of x. */
static int splice_local(struct reg_flow * x,
                        struct reg_ipcp * e)
{
        struct reg_flow * y;
        int               r;

        r = reg_flow_add(FLOW_ACCEPT_PENDING, 1, 0, &y);
        if (r < 0)
                return r;

        x->ipcp  = e;
        x->acked = true;
        reg_flow_splice(x, y);
        y->qos      = x->qos;
        y->ipcp     = e;
        y->deadline = x->deadline != 0 ? x->deadline
                                       : now_ns() + IRMD_QUEUE_NS;
        strcpy(y->name, x->name);

        log_dbg("Flow %u for %s queued (requester flow %u).", y->id,
                y->name, x->id);

        flow_dispatch(y, true);

        return 0;
}

/* The fields M_FLOW_ALLOC and M_FLOW_JOIN share: T_NAME into name,
 * T_QOS, [T_TIMEO] into an absolute deadline, [T_PUBKEY]: 0, -EBADMSG,
 * -EINVAL empty name, or msg_get_str's error. */
static int get_request(const struct msg * m,
                       char *             name,
                       qosspec_t *        qs,
                       int64_t *          dl,
                       uint8_t *          key,
                       bool *             has_key)
{
        bool zero;
        int  r;

        *has_key = false;
        r = msg_get_str(msg_body(m), T_NAME, name, NAME_MAX_LEN);
        if (r == -ENOENT)
                return -EBADMSG;
        if (r == 0)
                return -EINVAL;
        if (r < 0)
                return r;
        if (msg_get_qos(msg_body(m), T_QOS, qs) < 0)
                return -EBADMSG;
        r = flow_get_deadline(m, dl, &zero);
        if (r < 0)
                return r;

        return flow_get_pubkey(msg_body(m), key, has_key);
}

/* Requester half x (new) for c's request m: qos, deadline, name; parked
 * until its answer. */
static void requester_init(struct reg_flow *  x,
                           struct conn *      c,
                           const struct msg * m,
                           const char *       name,
                           const qosspec_t *  qs,
                           int64_t            dl)
{
        x->qos        = *qs;
        x->deadline   = dl;
        x->ack_wanted = flow_wants_ack(m);
        strcpy(x->name, name);
        req_park(&x->req, c, m);
}

void flow_h_alloc(struct conn *      c,
                  const struct msg * m)
{
        char               name[NAME_MAX_LEN + 1];
        qosspec_t          qs;
        int64_t            dl;
        uint8_t            key[FLOW_PUBKEY_LEN];
        bool               has_key;
        struct flow_keys * k = NULL;
        struct reg_flow *  x;
        struct reg_ipcp *  e;
        int                r;

        r = get_request(m, name, &qs, &dl, key, &has_key);
        if (r >= 0 && qs.cypher_s > 0 && !has_key)
                r = -ECRYPT;
        if (r >= 0 && reg_proc_get(c->pid) == NULL)
                r = -EPERM;
        if (r >= 0 && qs.cypher_s > 0 && (k = calloc(1, sizeof(*k))) == NULL)
                r = -ENOMEM;
        if (r >= 0)
                r = reg_flow_add(FLOW_ALLOC_PENDING, 0, c->pid, &x);
        if (r < 0) {
                free(k);
                conn_reply(c, m, r);
                return;
        }

        if (k != NULL) { /* a key without cypher_s is not relayed */
                k->id = x->id;
                memcpy(k->req, key, FLOW_PUBKEY_LEN);
                flow_keys_add(k);
        }

        requester_init(x, c, m, name, &qs, dl);

        e = pick_ipcp(name);
        log_dbg("Flow %u: pid %d allocating to %s via %s.", x->id, x->pid,
                name, e != NULL ? e->name : "(query)");
        if (e != NULL && e->type == IPCP_LOCAL)
                r = splice_local(x, e); /* may answer, and free x */
        else if (e != NULL)
                r = flow_remote_alloc(x, e);
        else
                r = flow_query(x);
        if (r < 0)
                flow_fail_x(x, r);
}

/* ---- M_FLOW_JOIN ---- */

/* The broadcast IPCP of layer on this host: NULL with -EIPCPTYPE in
 * *err if there is none at all, -ENAME if none is operational in
 * that layer. */
static struct reg_ipcp * pick_broadcast(const char * layer,
                                        int *        err)
{
        struct list_head * p;

        *err = -EIPCPTYPE;
        list_for_each(p, reg_ipcp_all()) {
                struct reg_ipcp * e = list_entry(p, struct reg_ipcp, next);
                if (e->type != IPCP_BROADCAST)
                        continue;
                *err = -ENAME;
                if (e->state == IPCP_STATE_OPERATIONAL && e->conn != NULL &&
                    strcmp(e->layer, layer) == 0)
                        return e;
        }

        return NULL;
}

/*
 * An allocation through the broadcast IPCP of the layer: the requester
 * half goes to it with the hash of the layer's name (flow_remote.c),
 * and it answers at once; there is no acceptor. No key exchange, FRCT
 * or peer: -ENOTSUP for cypher_s > 0, loss 0, in_order or ber 0.
 */
void flow_h_join(struct conn *      c,
                 const struct msg * m)
{
        char              layer[NAME_MAX_LEN + 1] = "";
        qosspec_t         qs;
        int64_t           dl;
        uint8_t           key[FLOW_PUBKEY_LEN];
        bool              has_key;
        struct reg_flow * x;
        struct reg_ipcp * e = NULL;
        int               r;

        r = get_request(m, layer, &qs, &dl, key, &has_key);
        /* one to many: no keys, FRCT or peer (flow_alloc(3)) */
        if (r >= 0 && (qs.cypher_s > 0 || qs.loss == 0 ||
                       qs.in_order != 0 || qs.ber == 0))
                r = -ENOTSUP;
        if (r >= 0 && reg_proc_get(c->pid) == NULL)
                r = -EPERM;
        if (r >= 0)
                e = pick_broadcast(layer, &r);
        if (e != NULL)
                r = reg_flow_add(FLOW_ALLOC_PENDING, 0, c->pid, &x);
        if (r < 0) {
                log_dbg("Pid %d cannot join %s: %s.", c->pid, layer,
                        irmd_strerror(r));
                conn_reply(c, m, r);
                return;
        }

        requester_init(x, c, m, layer, &qs, dl);
        log_dbg("Flow %u: pid %d joining layer %s via %s.", x->id, x->pid,
                layer, e->name);

        r = flow_remote_alloc(x, e);
        if (r < 0)
                flow_fail_x(x, r);
}

/* ---- M_FLOW_DEALLOC ---- */

void flow_h_dealloc(struct conn *      c,
                    const struct msg * m)
{
        struct reg_flow * f = NULL;
        uint32_t          id;
        int               r = 0;

        if (msg_get_u32(msg_body(m), T_FLOW_ID, &id) < 0)
                r = -EBADMSG;
        if (r == 0 && ((f = reg_flow_get(id)) == NULL ||
                       f->state != FLOW_ALLOCATED))
                r = -ENOTALLOC;
        if (r == 0 && f->pid != c->pid)
                r = -EPERM;
        if (r == 0) {
                log_dbg("Flow %u (%s) deallocated by pid %d.", f->id,
                        f->name, f->pid);
                flow_release(f);
        }

        if (c->kind == CONN_SESSION) { /* never answered there */
                if (r < 0)
                        log_dbg("Dealloc from pid %d refused: %s.", c->pid,
                                irmd_strerror(r));
                return;
        }

        conn_reply(c, m, r);
}

/* ---- M_FLOW_ACK ---- */

void flow_h_ack(struct conn *      c,
                const struct msg * m)
{
        struct reg_flow * f;
        uint32_t          id;
        int32_t           res;

        if (msg_get_u32(msg_body(m), T_FLOW_ID, &id) < 0 ||
            msg_get_i32(msg_body(m), T_RESULT, &res) < 0 ||
            (f = reg_flow_get(id)) == NULL) {
                log_dbg("Stray flow ack from pid %d dropped.", c->pid);
                return;
        }

        if (f->ack.conn == c) {
                req_drop(&f->ack);
                list_del(&f->pnext);
        } else if (!(c->kind == CONN_SESSION && f->hand_sess &&
                     f->pid == c->pid && f->state == FLOW_ALLOCATED &&
                     res < 0)) {
                log_dbg("Stray flow ack from pid %d dropped.", c->pid);
                return;
        }
        if (res >= 0)
                return;

        /* never set up: the library did not close its side, we do */
        log_info("Flow %u (%s) could not be set up by pid %d: %s.", f->id,
                 f->name, f->pid, irmd_strerror(res));
        flow_shm_mark_dead(f->mem->fd, f->side, reg_evfd_fd(f->peer_ev));
        flow_release(f);
}

/* ---- M_FLOW_CANCEL ---- */

static bool handed_for(struct reg_flow * f,
                       const struct conn * c,
                       uint32_t            id)
{
        return f->state == FLOW_ALLOCATED && f->hand_sess &&
                f->hand_id == id && f->pid == c->pid;
}

void flow_h_cancel(struct conn *      c,
                   const struct msg * m)
{
        struct list_head * p;
        struct list_head * t;

        if (c->kind != CONN_SESSION) /* the others just close */
                return;

        list_for_each_safe(p, t, &flow_acceptors) {
                struct acceptor * a = list_entry(p, struct acceptor, next);
                if (a->req.conn == c && a->req.id == m->id) {
                        log_dbg("Pid %d gave up accepting.", c->pid);
                        flow_acceptor_free(a);
                        return;
                }
        }

        list_for_each(p, reg_flow_all()) {
                struct reg_flow * f = list_entry(p, struct reg_flow, next);
                if (f->state == FLOW_ALLOC_PENDING && f->req.conn == c &&
                    f->req.id == m->id) {
                        req_drop(&f->req); /* nobody waits for it */
                        flow_fail_x(f, -ETIMEDOUT);
                        return;
                }
                if (handed_for(f, c, m->id)) {
                        flow_lost(f); /* its answer came too late */
                        return;
                }
        }
}
