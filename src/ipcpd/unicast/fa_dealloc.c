/*
 * Ouroboros - ipcpd-unicast: deallocation that reaches the peer (fa.c
 * calls it). A member that closes a flow sends DEALLOC to the peer's
 * member and keeps it pending: it is sent again after
 * FA_DEALLOC_RTO_MS, then after twice that, and so on, until the peer
 * answers with DEALLOC_ACK or FA_DEALLOC_TRIES sends went unanswered
 * (then it is counted as fa.dealloc_lost and the peer learns from its
 * own path checks or its flows' peer timeout). The receiver of a
 * DEALLOC always acknowledges it, whether or not it still knows the
 * flow (a second copy after the first closed it): one ACK per DEALLOC,
 * nothing more, so a DEALLOC never causes more than it costs.
 *
 * A DEALLOC that answers a stray REPLY (a requester that gave up) is
 * sent once and not kept: the acceptor's flow has its own timeouts.
 * At most FA_DEALLOC_MAX are pending; beyond that a dealloc is sent
 * twice, as before acknowledgements existed.
 */
#include "fa_priv.h"

#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct dpend {
        struct dpend *      next;
        struct dpend *      prev;
        struct ipcp_timer * timer;   /* NULL: a second copy only  */
        uint64_t            dst;
        uint64_t            s_eid;   /* ours                      */
        uint64_t            d_eid;   /* the peer's                */
        unsigned            sends;
        int64_t             rto;     /* ms until the next send    */
};

static struct {
        struct dpend * head;
        size_t         n;
} dp;

static void send_msg(enum fa_msg_type type,
                     uint64_t         dst,
                     uint64_t         s_eid,
                     uint64_t         d_eid)
{
        struct fa_msg m;

        memset(&m, 0, sizeof(m));
        m.type   = type;
        m.s_addr = uni_addr();
        m.s_eid  = s_eid;
        m.d_eid  = d_eid;

        fa_send(dst, &m);
}

void fa_send_dealloc_once(uint64_t dst,
                          uint64_t s_eid,
                          uint64_t d_eid)
{
        send_msg(FA_DEALLOC, dst, s_eid, d_eid);
}

static void unlink_dp(struct dpend * d)
{
        if (d->prev != NULL)
                d->prev->next = d->next;
        else
                dp.head = d->next;
        if (d->next != NULL)
                d->next->prev = d->prev;
        --dp.n;
}

static void resend_cb(void * arg)
{
        struct dpend * d = arg;
        uint64_t       dst   = d->dst;
        uint64_t       s_eid = d->s_eid;
        uint64_t       d_eid = d->d_eid;

        d->timer = NULL; /* fired: freed by the framework */

        if (!fa.on || d->sends >= FA_DEALLOC_TRIES) {
                if (fa.on) {
                        ++fa.ctr[FC_DEALLOC_LOST];
                        log_dbg("Deallocation of endpoint %" PRIu64
                                " not acknowledged by %" PRIu64 ".",
                                s_eid, dst);
                }
                unlink_dp(d);
                free(d);
                return;
        }

        ++d->sends;
        ++fa.ctr[FC_DEALLOC_RETX];
        d->rto *= 2;
        d->timer = ipcp_timer_add(d->rto, resend_cb, d);
        if (d->timer == NULL) {
                unlink_dp(d);
                free(d);
        }
        /* Last: to this member itself the ACK may come back at once
         * and free d. */
        send_msg(FA_DEALLOC, dst, s_eid, d_eid);
}

/* The old way, for when no record can be kept: a second copy later. */
static void second_cb(void * arg)
{
        struct dpend * d = arg;

        if (fa.on)
                send_msg(FA_DEALLOC, d->dst, d->s_eid, d->d_eid);
        free(d);
}

void fa_send_dealloc(uint64_t dst,
                     uint64_t s_eid,
                     uint64_t d_eid)
{
        struct dpend * d = NULL;
        bool           keep;

        if (fa.on) /* shutting down: no timers, one send */
                d = malloc(sizeof(*d));
        if (d == NULL)
                goto send;

        memset(d, 0, sizeof(*d));
        d->dst   = dst;
        d->s_eid = s_eid;
        d->d_eid = d_eid;
        d->sends = 1;
        d->rto   = FA_DEALLOC_RTO_MS;

        keep = dp.n < FA_DEALLOC_MAX;
        d->timer = ipcp_timer_add(d->rto, keep ? resend_cb : second_cb, d);
        if (d->timer == NULL) {
                free(d);
                goto send;
        }
        if (keep) {
                d->next = dp.head;
                if (dp.head != NULL)
                        dp.head->prev = d;
                dp.head = d;
                ++dp.n;
        }
 send:
        /* Last: to this member itself the ACK may come back at once
         * and free d. */
        send_msg(FA_DEALLOC, dst, s_eid, d_eid);
}

void fa_rcv_dealloc_ack(const struct fa_msg * m)
{
        struct dpend * d;

        for (d = dp.head; d != NULL; d = d->next) {
                if (d->dst == m->s_addr && d->s_eid == m->d_eid &&
                    d->d_eid == m->s_eid)
                        break;
        }
        if (d == NULL)
                return; /* a second ACK, or for a dealloc sent once */

        if (d->timer != NULL)
                ipcp_timer_cancel(d->timer);
        unlink_dp(d);
        free(d);
}

void fa_ack_dealloc(const struct fa_msg * m)
{
        send_msg(FA_DEALLOC_ACK, m->s_addr, m->d_eid, m->s_eid);
}

size_t fa_dealloc_pending(void)
{
        return dp.n;
}

void fa_dealloc_fini(void)
{
        struct dpend * d;

        while ((d = dp.head) != NULL) {
                if (d->timer != NULL)
                        ipcp_timer_cancel(d->timer);
                unlink_dp(d);
                free(d);
        }
}
