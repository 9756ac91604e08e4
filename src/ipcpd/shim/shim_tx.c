/*
 * Ouroboros - the shim's sending side (shim_priv.h): the applications'
 * packets to the transport, flows parked while the device is full, and
 * management messages held until it drains.
 *
 * The set of the framework calls flow_cb for an
 * application flow with packets; each is read in place
 * (ipcp_flow_peek), handed to the transport as an iovec (it adds its
 * header without copying) and released (ipcp_flow_consume), at most
 * SHIM_TX_BUDGET per call so one busy flow cannot starve the others (the
 * set is level-triggered: the rest calls again). A full device
 * (-EAGAIN: the transport's socket buffer is full, or its queueing
 * discipline refused the frame) leaves the packet in the flow and
 * parks the flow (unwatched) at the end of a FIFO until shim_tx_ready:
 * the application's ring fills and its blocking flow_write waits, so
 * nothing is lost inside the host. shim_tx_ready serves the parked
 * flows in the order they blocked (round robin). Management messages
 * the device refuses are copied into a ring of SHIM_MQ_MAX and sent
 * before any data once it drains. A flow dealloc'ed while parked is
 * closed once its last packet is sent (or dropped: the link is down).
 */
#include "shim_priv.h"

#include "common/log.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <string.h>

/* ---- flows waiting for the device (FIFO: round robin) ---- */

static void block_push(struct shim *  sh,
                       struct sflow * f)
{
        if (f->blocked)
                return;
        if (f->watched)
                ipcp_flow_unwatch(f->fd);
        f->watched = false;
        f->blocked = true;
        f->b_next  = NULL;
        if (sh->b_tail == NULL || sh->blocked == NULL)
                sh->b_tail = &sh->blocked;
        *sh->b_tail = f;
        sh->b_tail  = &f->b_next;
}

static struct sflow * block_pop(struct shim * sh)
{
        struct sflow * f = sh->blocked;

        if (f == NULL)
                return NULL;
        sh->blocked = f->b_next;
        if (sh->blocked == NULL)
                sh->b_tail = &sh->blocked;
        f->b_next  = NULL;
        f->blocked = false;
        return f;
}

void shim_unblock(struct shim *  sh,
                  struct sflow * f)
{
        struct sflow ** fp;

        for (fp = &sh->blocked; *fp != NULL; fp = &(*fp)->b_next) {
                if (*fp == f) {
                        *fp = f->b_next;
                        if (f->b_next == NULL)
                                sh->b_tail = fp;
                        break;
                }
        }

        f->blocked = false;
        f->b_next  = NULL;
}

/* ---- management messages, held while the device is full ---- */

static void mq_push(struct shim *            sh,
                    const struct shim_addr * dst,
                    const struct mgmt_msg *  m)
{
        static struct log_rate rl;
        struct smq *           q;

        if (sh->mq_n == SHIM_MQ_MAX || m->name_len > MGMT_NAME_MAX ||
            m->key_len > MGMT_KEY_MAX) {
                ++sh->ctr[SHIM_C_DROP_TX];
                if (log_rate_ok(&rl, LOG_LVL_WARN, NULL))
                        log_warn("Management message %d not sent: the "
                                 "device is full.", m->type);
                return;
        }

        q = &sh->mq[(sh->mq_head + sh->mq_n++) % SHIM_MQ_MAX];
        q->bcast = dst == NULL;
        if (dst != NULL)
                q->dst = *dst;
        q->m = *m;
        if (m->name_len > 0) {
                memcpy(q->name, m->name, m->name_len);
                q->m.name = q->name;
        }
        if (m->key_len > 0) {
                memcpy(q->key, m->key, m->key_len);
                q->m.key = q->key;
        }
}

/* Send the held management messages: false while the device is full. */
static bool mq_flush(struct shim * sh)
{
        static struct log_rate rl;
        struct smq *           q;
        int                    err;

        while (sh->mq_n > 0) {
                q   = &sh->mq[sh->mq_head];
                err = sh->t.send_mgmt(sh->ctx, q->bcast ? NULL : &q->dst,
                                      &q->m);
                if (err == -EAGAIN)
                        return false;
                if (err < 0) {
                        ++sh->ctr[SHIM_C_DROP_TX];
                        if (log_rate_ok(&rl, LOG_LVL_WARN, NULL))
                                log_warn("Management message %d not "
                                         "sent: %d.", q->m.type, err);
                }
                sh->mq_head = (sh->mq_head + 1) % SHIM_MQ_MAX;
                --sh->mq_n;
        }

        return true;
}

void shim_send_mgmt(struct shim *            sh,
                    const struct shim_addr * dst,
                    const struct mgmt_msg *  msg)
{
        static struct log_rate  rl;
        struct mgmt_msg         tagged = *msg;
        const struct mgmt_msg * m = &tagged;
        int                     err;

        tagged.layer = sh->layer_tag;

        if (sh->mq_n > 0) { /* behind those the device refused */
                mq_push(sh, dst, m);
                return;
        }

        err = sh->t.send_mgmt(sh->ctx, dst, m);
        if (err == -EAGAIN) {
                mq_push(sh, dst, m);
                return;
        }
        if (err < 0) {
                ++sh->ctr[SHIM_C_DROP_TX];
                if (log_rate_ok(&rl, LOG_LVL_WARN, NULL))
                        log_warn("Management message %d not sent: %d.",
                                 m->type, err);
        }
}

void shim_send_dealloc(struct shim *            sh,
                       const struct shim_addr * dst,
                       uint16_t                 s_eid,
                       uint16_t                 d_eid)
{
        struct mgmt_msg m;

        memset(&m, 0, sizeof(m));
        m.type  = MGMT_FLOW_DEALLOC;
        m.s_eid = s_eid;
        m.d_eid = d_eid;

        shim_send_mgmt(sh, dst, &m);
}

/* A stray frame from from for our eid mine, sent by their eid theirs. */
void shim_stray(struct shim *            sh,
                const struct shim_addr * from,
                uint16_t                 mine,
                uint16_t                 theirs)
{
        if (mine == 0 || theirs == 0 || sh->rst_left == 0)
                return;

        --sh->rst_left;
        shim_send_dealloc(sh, from, mine, theirs);
}

/* ---- the data path ---- */

static void flow_cb(void * arg,
                    int    fd,
                    int    events);

int shim_flow_up(struct shim *  sh,
                 struct sflow * f)
{
        int err;

        ipcp_flow_nonblock(f->fd);

        err = ipcp_flow_watch(f->fd, flow_cb, f);
        if (err < 0)
                return err;

        f->watched = true;
        f->state   = SF_UP;
        ++sh->ctr[SHIM_C_FLOWS];
        ++sh->ctr[SHIM_C_FLOWS_TOTAL];

        if (!sh->link_up)
                shim_flow_set_down(sh, f, true);

        return 0;
}

/* Send up to budget packets of f; false if f was closed. A full
 * device parks f at the end of the blocked list, its packet left in
 * the flow; a flow dealloc'ed meanwhile (closing) is closed once it
 * has nothing left to send. */
bool shim_tx(struct shim *  sh,
             struct sflow * f,
             size_t         budget)
{
        const void * pkt;
        struct iovec iov;
        ssize_t      n;
        int          r;

        if (sh->mq_n > 0) { /* the device is full: management first */
                block_push(sh, f);
                return true;
        }

        while (budget-- > 0) {
                n = ipcp_flow_peek(f->fd, &pkt);
                if (n == -EAGAIN || n == -EFLOWDOWN) {
                        /* empty; or down (either side: the
                           application's exit comes as FLOW_DEALLOC
                           or the IRMd's dealloc) */
                        if (f->closing) {
                                shim_flow_close(sh, f, true);
                                return false;
                        }
                        break;
                }
                if (n < 0) { /* broken or closed memory */
                        log_warn("Flow %u: %zd, closing it.", f->flow_id, n);
                        shim_flow_close(sh, f, true);
                        return false;
                }

                if (!sh->link_up || (size_t) n > sh->t.max_payload) {
                        ++sh->ctr[n > 0 && (size_t) n > sh->t.max_payload
                                  ? SHIM_C_DROP_OVERSIZE : SHIM_C_DROP_TX];
                        ipcp_flow_consume(f->fd);
                        continue;
                }

                iov.iov_base = (void *) pkt;
                iov.iov_len  = (size_t) n;
                r = sh->t.send_data(sh->ctx, &f->peer->addr, f->peer_eid,
                                    f->eid, &iov, 1);
                if (r == -EAGAIN) { /* park until the device drains */
                        block_push(sh, f);
                        break;
                }

                ipcp_flow_consume(f->fd);
                ++sh->ctr[r < 0 ? SHIM_C_DROP_TX : SHIM_C_TX_DATA];
        }

        if (sh->t.flush != NULL)
                sh->t.flush(sh->ctx);

        return true;
}

static void flow_cb(void * arg,
                    int    fd,
                    int    events)
{
        struct sflow * f = arg;

        (void) fd;

        if (!(events & FLOW_DEALLOC)) {
                shim_tx(shim_g, f, SHIM_TX_BUDGET);
                return;
        }

        /* The application deallocated or died: send what it wrote
         * (a full device: once it drains). */
        f->closing = true;
        if (shim_tx(shim_g, f, SIZE_MAX) && !f->blocked)
                shim_flow_close(shim_g, f, true);
}

/* The device takes packets again: the held management messages first,
 * then each blocked flow in turn (the order they blocked in) sends up
 * to SHIM_TX_BUDGET and is watched again; a flow that fills the device
 * goes to the end of the list and the rest wait for the next call. */
void shim_tx_ready(struct shim * sh)
{
        struct sflow * f;
        size_t         n = 0;
        struct sflow * g;

        if (!mq_flush(sh))
                return;

        for (g = sh->blocked; g != NULL; g = g->b_next)
                ++n;

        while (n-- > 0 && (f = block_pop(sh)) != NULL) {
                if (!shim_tx(sh, f, SHIM_TX_BUDGET))
                        continue; /* closed */
                if (f->blocked)
                        break;    /* full again */
                if (ipcp_flow_watch(f->fd, flow_cb, f) == 0)
                        f->watched = true;
        }
}

