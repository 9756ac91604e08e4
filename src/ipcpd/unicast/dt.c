/*
 * Ouroboros - ipcpd-unicast: data transfer (uni.h). Everything runs on
 * the loop thread; nothing here takes a lock.
 *
 * Receiving: dt_adj_up hands over a neighbour's dt lower flow, which
 * dt.c watches from then on. A packet is read in place
 * (ipcp_flow_peek), its header parsed with the layer's widths
 * (wire_dt.h), and then either delivered here (dst is this member:
 * eid DT_EID_NONE is a keepalive, counted and dropped; a component's
 * eid goes to the callback of dt_reg_comp; a flow's to fa_rcv) or
 * forwarded: dropped if it came with TTL 1 or less, else written once
 * into the next hop's lower flow with ttl - 1 and the ecn mark
 * rewritten (the header is copied to the stack, changed, and written
 * in front of the payload: one copy of the payload, no allocation).
 * Encrypted lower flows (no in-place access) fall back to flow_read /
 * flow_write through two buffers.
 *
 * Sending: dt_send writes the header and the payload straight into the
 * reserved room of the next hop's lower flow (one copy); the ring, the
 * queues behind it, priority and ECN marks are dt_tx.c's.
 *
 * Loss below (congestion mb-ecn): packets a lower flow's IPCP counted
 * as lost before they reached it (its device dropped them: this host
 * falls behind, ipcp_flow_lost) mark as many of the next packets read
 * from that neighbour with DT_LOST_MARK (lost_look).
 *
 * Neighbour loss: a lower flow that reports FLOW_DOWN, FLOW_PEER or
 * FLOW_DEALLOC, or fails a read, is out of use at once (its queues
 * dropped, dt.drop_down) and routing is told (dt_route.h), so a
 * failure is routed around on the event; nbr.c removes the adjacency
 * with dt_adj_down when it sees it gone.
 */
#include "dt_priv.h"
#include "dt_route.h"
#include "wire_dt.h"

#include "common/log.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char * const ctr_name[C_MAX] = {
        [C_RX]           = "dt.rx",
        [C_TX]           = "dt.tx",
        [C_FWD]          = "dt.fwd",
        [C_DELIVERED]    = "dt.delivered",
        [C_KA_RX]        = "dt.keepalive_rx",
        [C_KA_TX]        = "dt.keepalive_tx",
        [C_QUEUED]       = "dt.queued",
        [C_ECN_MARKED]   = "dt.ecn_marked",
        [C_ECN_LOST]     = "dt.ecn_lost",
        [C_DROP_TTL]     = "dt.drop_ttl",
        [C_DROP_NOROUTE] = "dt.drop_noroute",
        [C_DROP_QFULL]   = "dt.drop_qfull",
        [C_HELD]         = "dt.send_held",
        [C_DROP_BAD]     = "dt.drop_bad",
        [C_DROP_EID]     = "dt.drop_eid",
        [C_DROP_DOWN]    = "dt.drop_down",
        [C_DROP_SIZE]    = "dt.drop_size",
        [C_NB_LOST]      = "dt.nb_lost",
        [C_ROUTES]       = "dt.routes_changed"
};

struct dt_state dt;

/* ---- neighbours ---- */

static struct dt_nb * nb_by_addr(uint64_t addr)
{
        struct dt_nb * nb;

        for (nb = dt.nbs; nb != NULL; nb = nb->next)
                if (nb->addr == addr && nb->live)
                        return nb;

        return NULL;
}

static struct dt_nb * nb_by_fd(int fd)
{
        struct dt_nb * nb;

        for (nb = dt.nbs; nb != NULL; nb = nb->next)
                if (nb->fd == fd)
                        return nb;

        return NULL;
}

bool dt_nb_live(uint64_t addr)
{
        return nb_by_addr(addr) != NULL;
}

size_t dt_nb_list(uint64_t * addrs,
                  size_t     max)
{
        struct dt_nb * nb;
        struct dt_nb * o;
        size_t         n = 0;

        for (nb = dt.nbs; nb != NULL; nb = nb->next) {
                if (!nb->live)
                        continue;
                for (o = dt.nbs; o != nb; o = o->next)
                        if (o->live && o->addr == nb->addr)
                                break;
                if (o != nb)
                        continue; /* listed already */
                if (n < max)
                        addrs[n] = nb->addr;
                ++n;
        }

        return n;
}

static void update_max_sdu(void)
{
        struct dt_nb * nb;
        size_t         m = 0;

        for (nb = dt.nbs; nb != NULL; nb = nb->next) {
                if (!nb->live || nb->max_pkt <= dt.hl)
                        continue;
                if (m == 0 || nb->max_pkt - dt.hl < m)
                        m = nb->max_pkt - dt.hl;
        }

        dt.max_sdu = m;
}

/* The neighbour to send a packet for dst (flow key key) to: the
 * routing table's next hop, or dst itself if it is a neighbour the
 * table does not know yet (an adjacency whose LSAs are on their way). */
static struct dt_nb * next_hop(uint64_t dst,
                               uint64_t key)
{
        uint64_t nh;

        nh = route_next_hop(dst, key);
        if (nh == 0)
                nh = dst;

        return nb_by_addr(nh);
}

/* ---- receiving ---- */

static void deliver(uint64_t        eid,
                    const uint8_t * p,
                    size_t          len,
                    uint8_t         ecn)
{
        if (eid == DT_EID_NONE) {
                ++dt.c[C_KA_RX];
                return;
        }

        if (eid < DT_EID_FIRST) {
                if (dt.comp[eid] == NULL) {
                        ++dt.c[C_DROP_EID];
                        WARN_RL(C_DROP_EID, "Packet for unknown component "
                                "%llu: dropped.", (unsigned long long) eid);
                        return;
                }
                ++dt.c[C_DELIVERED];
                dt.comp[eid](p, len, ecn);
                return;
        }

        ++dt.c[C_DELIVERED];
        fa_rcv(eid, p, len, ecn);
}

static void forward(const struct dt_hdr * h,
                    const uint8_t *       p,
                    size_t                hl,
                    size_t                n)
{
        uint8_t        hdr[DT_HDR_MAX];
        struct dt_nb * nb;

        if (h->ttl <= 1) {
                ++dt.c[C_DROP_TTL];
                return;
        }

        nb = next_hop(h->dst, h->eid);
        if (nb == NULL) {
                ++dt.c[C_DROP_NOROUTE];
                return;
        }

        memcpy(hdr, p, hl);
        dt_hdr_set_ttl_ecn(&dt.fmt, hdr, (uint8_t) (h->ttl - 1), h->ecn);
        switch (dt_nb_put(nb, h->cube, h->eid, hdr, hl, p + hl, n - hl,
                          DT_Q_PKTS)) {
        case 0:
                ++dt.c[C_FWD];
                break;
        case -ENOBUFS:
                ++nb->drop_qfull;
                ++dt.c[C_DROP_QFULL];
                WARN_RL(C_DROP_QFULL, "Queue toward %llu full: packet "
                        "dropped.", (unsigned long long) nb->addr);
                break;
        default: /* counted */
                break;
        }
}

static void rcv(struct dt_nb *  from,
                const uint8_t * p,
                size_t          n)
{
        struct dt_hdr h;
        ssize_t       hl;

        ++dt.c[C_RX];

        hl = dt_hdr_parse(&dt.fmt, p, n, &h);
        if (hl < 0) {
                ++dt.c[C_DROP_BAD];
                WARN_RL(C_DROP_BAD, "Malformed packet of %zu bytes from "
                        "%llu: dropped.", n, (unsigned long long) from->addr);
                return;
        }

        if (from->lost_marks > 0) { /* lost below: congestion */
                --from->lost_marks;
                ++dt.c[C_ECN_LOST];
                if (h.ecn < DT_LOST_MARK)
                        h.ecn = DT_LOST_MARK;
        }

        if (h.dst == dt.self)
                deliver(h.eid, p + hl, n - (size_t) hl, h.ecn);
        else
                forward(&h, p, (size_t) hl, n);
}

/* nb's flow is out of use (down); terminal: it will not come back, stop
 * watching it. */
static void nb_lost(struct dt_nb * nb,
                    bool           terminal,
                    const char *   why)
{
        if (terminal && nb->watched) {
                ipcp_flow_unwatch(nb->fd);
                nb->watched = false;
        }

        if (!nb->live)
                return;

        nb->live = false;
        dt.c[C_DROP_DOWN] += dtq_flush(&nb->q);
        ++dt.c[C_NB_LOST];
        update_max_sdu();
        log_info("Data transfer flow to %llu down: %s.",
                 (unsigned long long) nb->addr, why);
        route_dt_event(nb->addr, false);
}

static ssize_t next_pkt(struct dt_nb *   nb,
                        const uint8_t ** p)
{
        ssize_t n;

        if (!nb->copy) {
                n = ipcp_flow_peek(nb->fd, (const void **) p);
                if (n != -ENOTSUP)
                        return n;
                nb->copy = true;
        }

        n = flow_read(nb->fd, dt.rbuf, dt.buf_len);
        *p = dt.rbuf;

        return n;
}

static void nb_free(struct dt_nb * nb)
{
        dtq_flush(&nb->q);
        free(nb);
}

/* FLOW_DOWN or FLOW_UP (or both, in either order, since the last
 * call): what the flow's flags say now. */
static void down_or_up(struct dt_nb * nb)
{
        uint32_t fl = 0;

        if (fccntl(nb->fd, FLOWGFLAGS, &fl) < 0 || (fl & FLOWFDOWN)) {
                nb_lost(nb, false, "flow down");
                return;
        }

        if (nb->live)
                return;

        nb->live = true;
        update_max_sdu();
        log_info("Data transfer flow to %llu up again.",
                 (unsigned long long) nb->addr);
        route_dt_event(nb->addr, true);
}

/* mb-ecn: packets of this neighbour the layer below lost (its device
 * dropped them before the lower IPCP could read them: this host does
 * not keep up) mark as many of the next ones read with DT_LOST_MARK:
 * the flows they belong to slow down, as they would for a queue
 * here. */
static void lost_look(struct dt_nb * nb)
{
        uint64_t l;
        uint64_t d;

        if (ipcp_flow_lost(nb->fd, &l) < 0 || l == nb->lost)
                return;

        d = l - nb->lost;
        nb->lost = l;
        if (d > DT_LOST_MARKS - nb->lost_marks)
                d = DT_LOST_MARKS - nb->lost_marks;
        nb->lost_marks += (uint32_t) d;
}

static void flow_cb(void * arg,
                    int    fd,
                    int    events)
{
        struct dt_nb *  nb = arg;
        const uint8_t * p;
        ssize_t         n;
        int             i;

        if (dt.ecn)
                lost_look(nb);

        dt.cur = nb;
        for (i = 0; i < DT_BUDGET; ++i) {
                n = next_pkt(nb, &p);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        dt.cur = NULL;
                        nb_lost(nb, true, n == -EFLOWDOWN ? "flow down" :
                                "read error");
                        return;
                }
                ++nb->rx;
                rcv(nb, p, (size_t) n);
                if (nb->gone) { /* dt_adj_down from a callback */
                        dt.cur = NULL;
                        nb_free(nb);
                        return;
                }
                if (!nb->copy)
                        ipcp_flow_consume(fd);
        }
        dt.cur = NULL;

        if (i > 0)
                nbr_heard(fd);

        if (i == DT_BUDGET)
                return; /* level-triggered: called again */

        if (events & (FLOW_DEALLOC | FLOW_PEER))
                nb_lost(nb, true, events & FLOW_DEALLOC ?
                        "deallocated by the peer" : "peer timed out");
        else if (events & (FLOW_DOWN | FLOW_UP))
                down_or_up(nb);
}

/* ---- the interface (uni.h) ---- */

static int bufs_grow(size_t len)
{
        uint8_t * r;
        uint8_t * w;

        if (len < DT_BUF_MIN)
                len = DT_BUF_MIN;
        if (len <= dt.buf_len)
                return 0;

        r = realloc(dt.rbuf, len);
        if (r == NULL)
                return -ENOMEM;
        dt.rbuf = r;
        w = realloc(dt.wbuf, len);
        if (w == NULL)
                return -ENOMEM;
        dt.wbuf    = w;
        dt.buf_len = len;

        return 0;
}

void dt_adj_up(uint64_t addr,
               int      fd)
{
        struct dt_nb * nb;
        size_t         mp = 0;

        nb = nb_by_fd(fd);
        if (nb != NULL && !nb->live && !nb->watched) /* left behind */
                dt_adj_down(nb->addr, fd);

        if (!dt.on || addr == 0 || fd < 0 || nb_by_fd(fd) != NULL) {
                log_err("Refused dt adjacency to %llu on flow %d.",
                        (unsigned long long) addr, fd);
                return;
        }

        nb = calloc(1, sizeof(*nb));
        if (nb == NULL) {
                log_err("No memory for the dt adjacency to %llu.",
                        (unsigned long long) addr);
                return;
        }

        if (fccntl(fd, FLOWGMAXPKT, &mp) < 0 || mp <= dt.hl)
                log_warn("Lower flow to %llu takes %zu bytes: no room for "
                         "data.", (unsigned long long) addr, mp);
        ipcp_flow_nonblock(fd);

        nb->addr    = addr;
        nb->fd      = fd;
        nb->live    = true;
        nb->max_pkt = mp;
        (void) ipcp_flow_lost(fd, &nb->lost); /* only what comes now */
        if (bufs_grow(mp) < 0 || ipcp_flow_watch(fd, flow_cb, nb) < 0) {
                log_err("Cannot watch the dt flow to %llu.",
                        (unsigned long long) addr);
                free(nb);
                return;
        }
        nb->watched = true;

        nb->next = dt.nbs;
        dt.nbs   = nb;
        update_max_sdu();

        log_info("Data transfer to %llu over flow %d (%zu bytes).",
                 (unsigned long long) addr, fd, mp);
        route_dt_event(addr, true);
}

void dt_adj_down(uint64_t addr,
                 int      fd)
{
        struct dt_nb ** pp;
        struct dt_nb *  nb;

        for (pp = &dt.nbs; *pp != NULL; pp = &(*pp)->next)
                if ((*pp)->fd == fd && (*pp)->addr == addr)
                        break;
        nb = *pp;
        if (nb == NULL)
                return;

        *pp = nb->next;
        if (nb->watched)
                ipcp_flow_unwatch(fd);
        nb->watched = false;
        if (nb->live) {
                nb->live = false;
                dt.c[C_DROP_DOWN] += dtq_flush(&nb->q);
                route_dt_event(addr, false);
        }
        update_max_sdu();

        if (nb == dt.cur)
                nb->gone = true; /* flow_cb frees it */
        else
                nb_free(nb);
}

int dt_keepalive(uint64_t addr)
{
        uint8_t        hdr[DT_HDR_MAX];
        struct dt_hdr  h;
        struct dt_nb * nb;
        ssize_t        hl;
        int            r;

        if (!dt.on)
                return -ENOTCONN;

        nb = nb_by_addr(addr);
        if (nb == NULL)
                return -ENOTCONN;

        h.dst  = addr;
        h.cube = CUBE_VOICE; /* not delayed behind bulk data */
        h.ttl  = 1;
        h.ecn  = 0;
        h.eid  = DT_EID_NONE;
        hl = dt_hdr_write(&dt.fmt, &h, hdr, sizeof(hdr));
        if (hl < 0)
                return (int) hl;

        r = dt_nb_put(nb, h.cube, h.eid, hdr, (size_t) hl, NULL, 0,
                      DT_Q_LOCAL);
        if (r == 0)
                ++dt.c[C_KA_TX];

        return r;
}

int dt_send(uint64_t      dst,
            enum uni_cube cube,
            uint64_t      eid,
            const void *  buf,
            size_t        len)
{
        uint8_t        hdr[DT_HDR_MAX];
        struct dt_hdr  h;
        struct dt_nb * nb;
        ssize_t        hl;
        int            r;

        if (!dt.on)
                return -ENOTCONN;

        if ((unsigned) cube >= CUBE_MAX || (buf == NULL && len > 0))
                return -EINVAL;

        if (dst == dt.self) {
                deliver(eid, buf, len, 0);
                return 0;
        }

        if (len > dt.max_sdu)
                return dt.max_sdu == 0 ? -EHOSTUNREACH : -EMSGSIZE;

        h.dst  = dst;
        h.cube = (uint8_t) cube;
        h.ttl  = dt.max_ttl;
        h.ecn  = 0;
        h.eid  = eid;
        hl = dt_hdr_write(&dt.fmt, &h, hdr, sizeof(hdr));
        if (hl < 0)
                return (int) hl;

        nb = next_hop(dst, eid);
        if (nb == NULL) {
                ++dt.c[C_DROP_NOROUTE];
                return -EHOSTUNREACH;
        }

        r = dt_nb_put(nb, h.cube, h.eid, hdr, (size_t) hl, buf, len,
                      DT_Q_LOCAL);
        if (r == 0)
                ++dt.c[C_TX];
        else if (r == -ENOBUFS)
                ++dt.c[C_HELD];

        return r;
}

size_t dt_max_sdu(void)
{
        return dt.max_sdu;
}

int dt_reg_comp(uint64_t   eid,
                dt_comp_cb cb)
{
        if (eid == DT_EID_NONE || eid >= DT_EID_FIRST)
                return -EINVAL;

        dt.comp[eid] = cb;

        return 0;
}

void dt_routes_changed(void)
{
        ++dt.c[C_ROUTES];
}

int dt_stat(struct ipcp_stat * s)
{
        struct dt_nb * nb;
        char           name[64];
        int            r = 0;
        int            i;

        for (i = 0; i < C_MAX; ++i)
                r |= ipcp_stat_add(s, ctr_name[i], dt.c[i]);
        r |= ipcp_stat_add(s, "dt.max_sdu", dt.max_sdu);

        for (nb = dt.nbs; nb != NULL; nb = nb->next) {
                unsigned long long a = (unsigned long long) nb->addr;

                snprintf(name, sizeof(name), "dt.tx.%llu", a);
                r |= ipcp_stat_add(s, name, nb->tx);
                snprintf(name, sizeof(name), "dt.rx.%llu", a);
                r |= ipcp_stat_add(s, name, nb->rx);
                snprintf(name, sizeof(name), "dt.queue.%llu", a);
                r |= ipcp_stat_add(s, name, nb->q.n);
                snprintf(name, sizeof(name), "dt.queue_max.%llu", a);
                r |= ipcp_stat_add(s, name, nb->qmax);
                snprintf(name, sizeof(name), "dt.drop_qfull.%llu", a);
                r |= ipcp_stat_add(s, name, nb->drop_qfull);
                snprintf(name, sizeof(name), "dt.live.%llu", a);
                r |= ipcp_stat_add(s, name, nb->live);
        }

        return r < 0 ? -EMSGSIZE : 0;
}

int dt_init(void)
{
        const struct layer_config * lc = &uni_conf.lc;

        memset(&dt, 0, sizeof(dt));

        dt.fmt.addr_size = lc->addr_size;
        dt.fmt.eid_size  = lc->eid_size;
        if (dt.fmt.addr_size < 1 || dt.fmt.addr_size > 8 ||
            dt.fmt.eid_size < 1 || dt.fmt.eid_size > 8 || lc->max_ttl == 0)
                return -EINVAL;

        dt.hl      = dt_hdr_len(&dt.fmt);
        dt.max_ttl = lc->max_ttl;
        dt.ecn     = lc->congestion == 1;
        dt.self    = uni_addr();
        dt.on      = true;

        return 0;
}

void dt_fini(void)
{
        struct dt_nb * nb;

        while ((nb = dt.nbs) != NULL) {
                dt.nbs = nb->next;
                if (nb->watched)
                        ipcp_flow_unwatch(nb->fd);
                nb_free(nb);
        }

        if (dt.retry != NULL)
                ipcp_timer_cancel(dt.retry);

        dtq_trim();
        free(dt.rbuf);
        free(dt.wbuf);
        memset(&dt, 0, sizeof(dt));
}
