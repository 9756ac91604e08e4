/*
 * Ouroboros - ipcpd-broadcast's data path (main.c, "Data" and
 * "Copies"): every flow, neighbour or joined application, is a struct
 * bflow in one list; a packet read in place goes to every other flow of
 * the list (bc_put), a neighbour's after the duplicate filter.
 */
#include "bc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A new message of one of our applications (from, not written back). */
static void from_app(struct bflow *  from,
                     const uint8_t * p,
                     size_t          len)
{
        uint8_t        hdr[BC_HDR_LEN];
        struct bc_hdr  h;
        struct bflow * f;

        if (len > bc.conf.mtu) {
                ++bc.c[C_TOO_BIG];
                WARN_RL(C_TOO_BIG, "Message of %zu bytes above the layer's "
                        "mtu %u: dropped.", len, bc.conf.mtu);
                return;
        }

        h.seq    = ++bc.seq;
        h.origin = bc.id;
        bc_hdr_put(hdr, &h);
        ++bc.c[C_SENT];

        for (f = bc.flows; f != NULL; f = f->next) {
                if (f == from)
                        continue;
                if (bc_put(f, hdr, f->nb ? BC_HDR_LEN : 0, p, len))
                        ++bc.c[f->nb ? C_FORWARDED : C_DELIVERED];
        }
}

/* A packet from neighbour from. */
static void from_nb(struct bflow *  from,
                    const uint8_t * p,
                    size_t          len)
{
        struct bc_hdr  h;
        struct bflow * f;

        if (bc_hdr_parse(p, len, &h) < 0) {
                ++bc.c[C_MALFORMED];
                WARN_RL(C_MALFORMED, "Malformed packet from neighbour %s: "
                        "dropped.", from->name);
                return;
        }
        if (len - BC_HDR_LEN > bc.conf.mtu) {
                ++bc.c[C_TOO_BIG];
                WARN_RL(C_TOO_BIG, "Message of %zu bytes from %s above the "
                        "layer's mtu %u: dropped.", len - BC_HDR_LEN,
                        from->name, bc.conf.mtu);
                return;
        }
        if (h.origin == bc.id) {
                ++bc.c[C_OWN_ECHO];
                return;
        }

        switch (bc_dup_check(bc.dup, h.origin, h.seq, bc.now)) {
        case BC_DUP_NEW:
                break;
        case BC_DUP_SEEN:
                ++bc.c[C_DUP];
                return;
        case BC_DUP_OLD:
                ++bc.c[C_OLD];
                return;
        default:
                ++bc.c[C_ORIGINS_FULL];
                WARN_RL(C_ORIGINS_FULL, "Origin table full (%d): message "
                        "of a new origin dropped.", BC_DUP_ORIGINS);
                return;
        }

        for (f = bc.flows; f != NULL; f = f->next) {
                if (f == from)
                        continue;
                if (f->nb ? bc_put(f, NULL, 0, p, len) :
                    bc_put(f, NULL, 0, p + BC_HDR_LEN, len - BC_HDR_LEN))
                        ++bc.c[f->nb ? C_FORWARDED : C_DELIVERED];
        }
}

struct bflow * bc_flow_add(int  fd,
                               bool nb)
{
        struct bflow * f;

        f = calloc(1, sizeof(*f));
        if (f == NULL)
                return NULL;

        f->fd = fd;
        f->nb = nb;
        ipcp_flow_nonblock(fd);
        if (!nb && bc.throttled)
                f->paused = true; /* watched when throttling ends */
        else if (ipcp_flow_watch(fd, bc_flow_cb, f) < 0) {
                free(f);
                return NULL;
        }

        f->next  = bc.flows;
        bc.flows = f;
        if (nb)
                ++bc.n_nb;
        else
                ++bc.n_app;

        return f;
}

void bc_flow_remove(struct bflow * f,
                        const char *   why)
{
        struct bflow ** pp;

        for (pp = &bc.flows; *pp != f; pp = &(*pp)->next)
                ;
        *pp = f->next;

        if (f->nb) {
                --bc.n_nb;
                log_info("Neighbour %s removed: %s.", f->name, why);
        } else {
                --bc.n_app;
                log_dbg("Joined flow %u removed: %s.", f->flow_id, why);
        }

        if (!f->paused)
                ipcp_flow_unwatch(f->fd);
        bc_q_flush(f);
        flow_dealloc(f->fd);
        free(f);
}

/* The next packet of f: its length with *p set, or a negative errno. */
static ssize_t next_pkt(struct bflow *   f,
                        const uint8_t ** p)
{
        ssize_t n;

        if (!f->copy) {
                n = ipcp_flow_peek(f->fd, (const void **) p);
                if (n != -ENOTSUP)
                        return n;
                f->copy = true;
        }

        n = flow_read(f->fd, bc.rbuf, bc.buf_len);
        *p = bc.rbuf;

        return n;
}

void bc_flow_cb(void * arg,
                    int    fd,
                    int    events)
{
        struct bflow *  f = arg;
        const uint8_t * p;
        ssize_t         n;
        int             i;

        (void) fd;

        bc.now = ipcp_now_ms(); /* the duplicate filter's clock */

        for (i = 0; i < BC_BUDGET && !f->paused; ++i) {
                n = next_pkt(f, &p);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        if (f->nb && n == -EFLOWDOWN)
                                ++bc.c[C_NB_LOST];
                        bc_flow_remove(f, n == -EFLOWDOWN ? "flow down" :
                                    "read error");
                        return;
                }
                ++f->rx;
                if (f->nb)
                        from_nb(f, p, (size_t) n);
                else
                        from_app(f, p, (size_t) n);
                if (!f->copy)
                        ipcp_flow_consume(f->fd);
        }

        if (i == BC_BUDGET || f->paused)
                return; /* level-triggered: called again (or when
                         * throttling ends) */

        if (events & (FLOW_DEALLOC | FLOW_DOWN | FLOW_PEER)) {
                if (f->nb)
                        ++bc.c[C_NB_LOST];
                bc_flow_remove(f, events & FLOW_DEALLOC ? "deallocated" :
                            "flow down");
        }
}

/* Joined applications: a join is a flow allocation to the layer's
 * name hash, answered at once. */

int bc_flow_alloc(const struct ipcp_flow_req * r)
{
        struct bflow * f;
        int            err;

        if (bc.state != BC_OPER) {
                err = -EIPCPSTATE;
                goto fail;
        }
        if (r->fd < 0) {
                err = -EINVAL;
                goto fail;
        }
        if (r->hash.len != bc.lhash_len ||
            memcmp(r->hash.p, bc.lhash, bc.lhash_len) != 0) {
                err = -ENAME;
                goto fail;
        }

        f = bc_flow_add(r->fd, false);
        if (f == NULL) {
                err = -ENOMEM;
                goto fail;
        }
        f->flow_id = r->flow_id;

        err = ipcp_flow_alloc_reply(r->flow_id, 0, NULL, 0);
        if (err < 0) {
                bc_flow_remove(f, "no reply to the IRMd");
                return err;
        }

        log_dbg("Flow %u joined (%zu joined).", r->flow_id, bc.n_app);

        return 0;
 fail:
        if (r->fd >= 0)
                flow_dealloc(r->fd);
        return err;
}

int bc_flow_dealloc(uint32_t flow_id)
{
        struct bflow * f;

        for (f = bc.flows; f != NULL; f = f->next) {
                if (!f->nb && f->flow_id == flow_id) {
                        bc_flow_remove(f, "deallocated by the IRMd");
                        return 0;
                }
        }

        return 0; /* gone already (the application's own dealloc) */
}

