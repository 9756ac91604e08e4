/*
 * Ouroboros IRMd - handing flows to acceptors: parked M_FLOW_ACCEPTs
 * (struct acceptor, flow_acceptors), queued acceptor halves given to
 * them (hand_over: the flow memory, keys and the reply), and the
 * answers that wait for an M_FLOW_ACK (flow_hand). The allocation
 * steps these serve are described in flow.c.
 */
#include "irmd.h"
#include "flow_priv.h"
#include "reg_flow.h"
#include "reg_ipcp.h"
#include "reg_name.h"
#include "reg_proc.h"

#include "common/log.h"
#include "common/proto.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- handing flows to acceptors ---- */

static struct acceptor * acceptor_of(pid_t pid)
{
        struct list_head * p;

        list_for_each(p, &flow_acceptors) {
                struct acceptor * a = list_entry(p, struct acceptor, next);
                if (a->pid == pid && req_alive(&a->req))
                        return a;
        }

        return NULL;
}

static bool is_accepting(pid_t  pid,
                         void * arg)
{
        (void) arg;

        return acceptor_of(pid) != NULL;
}

void flow_acceptor_free(struct acceptor * a)
{
        list_del(&a->next);
        req_drop(&a->req);
        free(a);
}

/*
 * Answer f's holder with rep on r (consumed). If it asked to confirm
 * (T_ACK), f waits on that connection for M_FLOW_ACK; if the answer is
 * lost (the send fails, or the connection closes before the ack), f is
 * reclaimed as if its holder had died holding it (flow_reclaim.c).
 * f may be gone on return.
 */
void flow_hand(struct reg_flow * f,
               struct req *      r,
               bool              ack,
               struct msg *      rep)
{
        struct conn * c = r->conn;

        if (c != NULL && c->kind == CONN_SESSION) {
                /* No ack there: a reply that cannot go is lost at once,
                 * and the session ends only with its process. */
                f->hand_sess = true;
                f->hand_id   = r->id;
                if (req_send(r, rep) < 0)
                        flow_lost(f);
                return;
        }

        if (!ack || c == NULL || c->dead) {
                req_send(r, rep);
                if (c != NULL)
                        flow_check_handed(c, f);
                return;
        }

        f->ack  = *r; /* the same parked request, now awaiting the ack */
        r->conn = NULL;
        list_add_tail(&f->pnext, reg_flow_pending());
        if (conn_send(c, rep) == 0)
                return;
        if (c->kind == CONN_NEW)
                conn_close(c); /* reclaims f */
        else
                flow_lost(f);
}

void flow_accept_reply(struct msg *            rep,
                       const struct reg_flow * y,
                       struct req *            r,
                       const uint8_t *         key)
{
        req_init_reply(rep, r, 0);
        msg_put_u32(rep, T_FLOW_ID, y->id);
        msg_put_u8(rep, T_SIDE, (uint8_t) y->side);
        msg_put_qos(rep, T_QOS, &y->qos);
        msg_put_str(rep, T_NAME, y->name);
        msg_put_u32(rep, T_MAX_PKT, (uint32_t) flow_max_pkt(y));
        msg_put_u32(rep, T_PEER_PID, (uint32_t) y->peer_pid);
        if (y->peer == NULL && y->ipcp != NULL) /* not spliced */
                msg_put_u32(rep, T_IPCP_TYPE, (uint32_t) y->ipcp->type);
        if (key != NULL)
                msg_put_bytes(rep, T_PUBKEY, key, FLOW_PUBKEY_LEN);
        msg_put_fd(rep, y->mem->fd);
        msg_put_fd(rep, reg_evfd_fd(y->peer_ev));
}

/* Give queued half y to acceptor a (which is consumed). */
static void hand_over(struct reg_flow * y,
                      struct acceptor * a)
{
        struct reg_flow *  x = y->peer;
        struct flow_keys * k;
        bool               ack;
        struct msg         rep;
        int                r;

        list_del(&a->next);
        list_init(&a->next);

        if (x == NULL && !flow_spliced_here(y)) {
                flow_remote_hand(y, a);
                return;
        }

        if (x == NULL || flow_proc_evfd(x->pid) < 0 || flow_proc_evfd(a->pid) < 0) {
                /* cannot happen: halves go together */
                log_err("Flow %u has no requester, dropped.", y->id);
                flow_release(y);
                list_add_tail(&a->next, &flow_acceptors);
                return;
        }

        k = y->qos.cypher_s > 0 ? flow_keys_of(x->id) : NULL;
        if (y->qos.cypher_s > 0 && (k == NULL || !a->has_key)) {
                log_info("Flow %u: pid %d accepts without a key, but the "
                         "flow is encrypted.", y->id, a->pid);
                req_fail(&a->req, -ECRYPT);
                free(a);
                flow_fail_x(x, -ECRYPT);
                return;
        }

        r = flow_mem_new_pair(y, x->pid, a->pid, 0);
        if (r < 0) {
                list_add_tail(&a->next, &flow_acceptors);
                flow_fail_x(x, r);
                return;
        }

        y->pid       = a->pid;
        y->deadline  = 0;
        y->peer_pid  = x->pid;
        y->peer_ev   = flow_evref(x->pid);
        x->peer_pid  = a->pid;
        x->peer_ev   = flow_evref(a->pid);
        reg_flow_set_state(y, FLOW_ALLOCATED);

        flow_accept_reply(&rep, y, &a->req, k != NULL ? k->req : NULL);
        if (k != NULL) {
                memcpy(k->acc, a->key, FLOW_PUBKEY_LEN);
                k->has_acc = true;
        }
        log_dbg("Flow %u accepted by pid %d for %s (requester pid %d, "
                "flow %u).", y->id, y->pid, y->name, x->pid, x->id);

        ack = a->ack;
        if (!flow_spliced_here(y)) {
                flow_ipcp_tell(y->ipcp, M_IPCPD_FLOW_ALLOC_RESP, y->id, true, 0,
                          k != NULL ? k->acc : NULL);
                flow_hand(y, &a->req, ack, &rep);
                free(a);
                return;
        }

        /* if the acceptor lost it, x still completes and finds its
         * peer's side dead (as with an IPCP) */
        flow_hand(y, &a->req, ack, &rep);
        free(a);
        flow_x_done(x, 0);
}

/* Try to give queued half y to someone; auto-start if nobody runs. */
void flow_dispatch(struct reg_flow * y,
                   bool              may_start)
{
        struct reg_name * n = reg_name_get(y->name);
        pid_t             pid;

        if (n == NULL)
                return;

        pid = reg_name_pick(n, is_accepting, NULL);
        if (pid != 0) {
                hand_over(y, acceptor_of(pid));
                return;
        }

        if (may_start)
                proc_autostart(y->name);
}

static bool any_accepting(const struct reg_name * n)
{
        size_t i;

        for (i = 0; i < n->n_pids; ++i)
                if (acceptor_of(n->pids[i]) != NULL)
                        return true;

        return false;
}

void flow_kick(void)
{
        struct list_head * p;
        bool               again = true;

        /* hand_over changes the lists: restart after each match */
        while (again) {
                again = false;
                list_for_each(p, reg_flow_pending()) {
                        struct reg_flow * y;
                        struct reg_name * n;
                        y = list_entry(p, struct reg_flow, pnext);
                        if (y->state != FLOW_ACCEPT_PENDING)
                                continue;
                        n = reg_name_get(y->name);
                        if (n != NULL && any_accepting(n)) {
                                flow_dispatch(y, false);
                                again = true;
                                break;
                        }
                }
        }
}

/* ---- M_FLOW_ACCEPT ---- */

/* The oldest queued half for a name pid is bound to. */
static struct reg_flow * queued_for(pid_t pid)
{
        struct list_head * p;

        list_for_each(p, reg_flow_pending()) {
                struct reg_flow * y = list_entry(p, struct reg_flow, pnext);
                struct reg_name * n;
                if (y->state != FLOW_ACCEPT_PENDING)
                        continue;
                n = reg_name_get(y->name);
                if (n != NULL && reg_name_has_pid(n, pid))
                        return y;
        }

        return NULL;
}

void flow_h_accept(struct conn *      c,
                   const struct msg * m)
{
        struct acceptor * a;
        struct reg_flow * y;
        int64_t           dl;
        bool              zero;
        int               r;
        uint8_t           key[FLOW_PUBKEY_LEN];
        bool              has_key;

        r = flow_get_deadline(m, &dl, &zero);
        if (r == 0)
                r = flow_get_pubkey(msg_body(m), key, &has_key);
        if (r == 0 && reg_proc_get(c->pid) == NULL)
                r = -EPERM;
        if (r < 0) {
                conn_reply(c, m, r);
                return;
        }

        a = calloc(1, sizeof(*a));
        if (a == NULL) {
                conn_reply(c, m, -ENOMEM);
                return;
        }

        a->has_key = has_key;
        memcpy(a->key, key, has_key ? FLOW_PUBKEY_LEN : 0);

        a->pid      = c->pid;
        a->deadline = dl;
        a->ack      = flow_wants_ack(m);
        req_park(&a->req, c, m);
        proc_accepting(c->pid);
        list_add_tail(&a->next, &flow_acceptors);

        y = queued_for(c->pid);
        if (y != NULL) {
                hand_over(y, a);
                return;
        }

        if (zero) {
                req_fail(&a->req, -EAGAIN);
                flow_acceptor_free(a);
                return;
        }

        log_dbg("Pid %d waits for a flow.", c->pid);
}
