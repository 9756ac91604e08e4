/*
 * Ouroboros - ipcpd-unicast: adjacencies, hello and liveness
 * (nbr_priv.h).
 *
 * The dialer (the member whose connect made the lower flow) sends a
 * HELLO with its address, the acceptor answers with a HELLO ACK with
 * its own (wire_mgmt.h; on a dt flow, inside a dt packet to the
 * all-ones address); then the adjacency is up: a dt one is handed to
 * dt.c (dt_adj_up, which reads the flow from then on and tells
 * nbr_heard), a mgmt one is read by nbr_mgmt.c. route_adj is told of
 * either. A hello not answered within NBR_HELLO_MS fails the
 * adjacency; the dialer sends its hello again every NBR_KA_MS until
 * then. One adjacency per neighbour and component: a neighbour adjacent
 * already under another name answers HELLO ACK DUP, and the dialer
 * closes the new one; a neighbour that dials again while the acceptor
 * still holds its old adjacency (the dialer saw it fail first)
 * replaces the old one.
 *
 * Liveness: every NBR_KA_MS each adjacency that is up gets a keepalive
 * (dt_keepalive, or MGMT_KA), and one that has not been heard from for
 * NBR_DEAD_MS (anything from its neighbour on any adjacency counts,
 * nbr_heard) is down, as is one whose flow reports FLOW_DOWN,
 * FLOW_PEER or FLOW_DEALLOC (mgmt: its events; dt: the flow's
 * FLOWFDOWN flag, polled every NBR_KA_MS, dt.c having told routing at
 * once).
 */
#include "nbr_priv.h"

#include "common/log.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tick_cb(void * arg);

void nbr_tick_arm(void)
{
        if (nbr.tick == NULL && nbr.adjs != NULL)
                nbr.tick = ipcp_timer_add(NBR_KA_MS, tick_cb, NULL);
}

int nbr_send_hello(struct adj * a,
                   uint8_t      flags)
{
        struct mgmt_hello h;
        uint8_t           buf[MGMT_DT_HELLO_MAX];
        ssize_t           n;

        h.flags = flags;
        h.addr  = uni_addr();
        if (a->comp == NBR_DT)
                n = mgmt_dt_hello_write(&nbr.fmt, &h, buf, sizeof(buf));
        else
                n = mgmt_hello_write(nbr.fmt.addr_size, &h, buf,
                                     sizeof(buf));
        if (n < 0)
                return (int) n;

        return nbr_adj_write(a, buf, (size_t) n);
}

/* The hello exchange is done: a is up with addr. true if the flow is
 * dt.c's now (stop reading it). */
static bool adj_up(struct adj * a,
                   uint64_t     addr)
{
        struct want * w = a->w;

        a->addr  = addr;
        a->st    = ADJ_UP;
        a->heard = ipcp_now_ms();
        ++nbr.c[C_UP];

        log_info("Adjacency %s with %llu (%s) up.", nbr_comp_name[a->comp],
                 ull(addr), a->peer);

        if (a->comp == NBR_DT) {
                ipcp_flow_unwatch(a->fd);
                a->watched = false;
                dt_adj_up(addr, a->fd);
        }
        route_adj(addr, a->comp, true);

        if (w != NULL) {
                w->was_up  = true;
                w->backoff = NBR_REDIAL_MS;
                nbr_want_notify(w, 0);
        }

        return a->comp == NBR_DT;
}

int nbr_parse_hello(struct adj *        a,
                    const uint8_t *     buf,
                    size_t              n,
                    struct mgmt_hello * h)
{
        if (a->comp == NBR_DT)
                return mgmt_dt_hello_parse(&nbr.fmt, buf, n, h);

        return mgmt_hello_parse(nbr.fmt.addr_size, buf, n, h);
}

/* A packet on an adjacency in its hello: true if a is closed or no
 * longer read here. */
bool nbr_hello_rcv(struct adj *    a,
                   const uint8_t * buf,
                   size_t          n)
{
        struct mgmt_hello h;
        struct adj *      old;
        struct want *     w;

        if (a->st == ADJ_DUP)
                return false; /* waiting for the dialer to close */

        if (nbr_parse_hello(a, buf, n, &h) < 0 ||
            (a->dialer != ((h.flags & MGMT_HELLO_ACK) != 0))) {
                ++nbr.c[C_MALFORMED];
                WARN_RL(C_MALFORMED, "Bad hello on a %s flow with %s: "
                        "closed.", nbr_comp_name[a->comp], a->peer);
                nbr_adj_close(a, C_MAX, -EPROTO, true, "bad hello");
                return true;
        }

        if (h.addr == uni_addr()) {
                ++nbr.c[C_REFUSED_SELF];
                log_warn("Lower flow %s with %s reaches this member "
                         "itself: closed.", nbr_comp_name[a->comp], a->peer);
                nbr_adj_close(a, C_MAX, -ELOOP, false, "self");
                return true;
        }

        old = nbr_adj_up_to(a->comp, h.addr, a);

        if (a->dialer) {
                if ((h.flags & MGMT_HELLO_DUP) ||
                    (old != NULL && old->dialer)) {
                        ++nbr.c[C_DUPLICATE];
                        log_info("Already adjacent (%s) with %llu (%s).",
                                 nbr_comp_name[a->comp], ull(h.addr),
                                 a->peer);
                        w = a->w;
                        a->w = NULL;
                        if (w != NULL) {
                                w->adj = NULL;
                                nbr_want_notify(w, 0);
                                nbr_want_free(w);
                        }
                        nbr_adj_close(a, C_MAX, 0, false, "duplicate");
                        return true;
                }
                return adj_up(a, h.addr);
        }

        if (old != NULL && old->dialer) {
                /* we dialled it already: one adjacency is enough */
                ++nbr.c[C_DUPLICATE];
                if (nbr_send_hello(a, MGMT_HELLO_ACK | MGMT_HELLO_DUP) < 0) {
                        nbr_adj_close(a, C_MAX, 0, false, "duplicate");
                        return true;
                }
                a->st = ADJ_DUP;
                return false;
        }

        if (nbr_send_hello(a, MGMT_HELLO_ACK) < 0) {
                nbr_adj_close(a, C_MAX, -EIO, false, "hello not sent");
                return true;
        }

        if (old != NULL) {
                /* it dialled again: it saw the old one fail first */
                ++nbr.c[C_REPLACED];
                nbr_adj_close(old, C_MAX, 0, false, "replaced by a new one");
        }

        return adj_up(a, h.addr);
}

static bool flow_down(int fd)
{
        uint32_t fl;

        return fccntl(fd, FLOWGFLAGS, &fl) == 0 && (fl & FLOWFDOWN);
}

static void tick_cb(void * arg)
{
        struct adj * a;
        struct adj * next;
        int64_t      now = ipcp_now_ms();
        uint8_t      ka[1];
        char         why[64];

        (void) arg;

        nbr.tick = NULL;

        for (a = nbr.adjs; a != NULL; a = next) {
                next = a->next;
                if (a->st != ADJ_UP) {
                        if (now - a->since > NBR_HELLO_MS) {
                                nbr_adj_close(a, a->st == ADJ_DUP ? C_MAX :
                                              C_HELLO_TIMEOUT, -ETIMEDOUT,
                                              true, "no hello");
                        } else if (a->dialer && now - a->since >=
                                   NBR_KA_MS) {
                                nbr_send_hello(a, 0);
                        }
                        continue;
                }
                if (a->comp == NBR_DT && flow_down(a->fd)) {
                        nbr_adj_close(a, C_LOST_FLOW, -ECONNRESET, true,
                                      "flow down");
                        continue;
                }
                if (now - a->heard > NBR_DEAD_MS) {
                        snprintf(why, sizeof(why), "silent for %lld ms",
                                 (long long) (now - a->heard));
                        nbr_adj_close(a, C_LOST_SILENT, -ETIMEDOUT, true, why);
                        continue;
                }
                if (a->comp == NBR_DT) {
                        if (dt_keepalive(a->addr) == 0)
                                ++nbr.c[C_KA_TX];
                } else if (mgmt_ka_write(ka, sizeof(ka)) == 1 &&
                           nbr_adj_write(a, ka, 1) == 0) {
                        ++nbr.c[C_KA_TX];
                }
        }

        nbr_tick_arm();
}
