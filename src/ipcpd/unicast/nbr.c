/*
 * Ouroboros - ipcpd-unicast: adjacencies (uni.h), the table. Lower
 * flows of components "dt" and "mgmt" to other members of the layer:
 * accepting them (the lower.h handshake: component, this layer's name,
 * NBR_VERSION), adding and closing adjacencies, what the other modules
 * ask of them, the counters. The dialling side is nbr_dial.c, the
 * hello and keepalives nbr_hello.c, the mgmt framing nbr_mgmt.c; their
 * shared state is nbr_priv.h, and ipcpd-unicast(8), ADJACENCIES, says
 * how it all behaves.
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

const char * const nbr_comp_name[] = { "dt", "mgmt" };

static const char * const ctr_name[C_MAX] = {
        [C_UP]             = "nbr.adjacencies_made",
        [C_LOST_SILENT]    = "nbr.lost_silent",
        [C_LOST_FLOW]      = "nbr.lost_flow_down",
        [C_LOST_PEER]      = "nbr.lost_peer_closed",
        [C_HELLO_TIMEOUT]  = "nbr.hello_timeouts",
        [C_CONNECT_FAILED] = "nbr.connects_failed",
        [C_REDIALS]        = "nbr.redials",
        [C_DUPLICATE]      = "nbr.duplicates",
        [C_REPLACED]       = "nbr.replaced",
        [C_REFUSED_LAYER]  = "nbr.refused_layer",
        [C_REFUSED_MTU]    = "nbr.refused_mtu",
        [C_REFUSED_PROTO]  = "nbr.refused_proto",
        [C_REFUSED_SELF]   = "nbr.refused_self",
        [C_MALFORMED]      = "nbr.drop_malformed",
        [C_MGMT_RX]        = "nbr.mgmt_rx",
        [C_MGMT_TX]        = "nbr.mgmt_tx",
        [C_MGMT_DROP]      = "nbr.mgmt_drop",
        [C_KA_TX]          = "nbr.keepalive_tx"
};

struct nbr_state nbr;


struct adj * nbr_adj_up_to(enum nbr_comp comp,
                           uint64_t      addr,
                           struct adj *  but)
{
        struct adj * a;

        for (a = nbr.adjs; a != NULL; a = a->next)
                if (a != but && a->st == ADJ_UP && a->comp == comp &&
                    a->addr == addr)
                        return a;

        return NULL;
}

/* Whether lower flow fd carries a dt packet of the layer's mtu. */
int nbr_check_max(int          fd,
                  const char * peer)
{
        size_t max = 0;
        size_t need = uni_conf.lc.mtu + dt_hdr_len(&nbr.fmt);

        if (fccntl(fd, FLOWGMAXPKT, &max) < 0 || max < need) {
                ++nbr.c[C_REFUSED_MTU];
                log_warn("Lower flow with %s carries %zu bytes; the layer "
                         "needs its mtu %u + %zu header bytes: dt "
                         "adjacency refused.", peer, max, uni_conf.lc.mtu,
                         dt_hdr_len(&nbr.fmt));
                return -EMSGSIZE;
        }

        return 0;
}

struct adj * nbr_adj_new(enum nbr_comp comp,
                         int           fd,
                         struct want * w,
                         const char *  peer)
{
        struct adj * a;

        a = calloc(1, sizeof(*a));
        if (a == NULL)
                return NULL;

        a->comp   = comp;
        a->st     = ADJ_HELLO;
        a->fd     = fd;
        a->dialer = w != NULL;
        a->w      = w;
        a->since  = ipcp_now_ms();
        a->heard  = a->since;
        snprintf(a->peer, sizeof(a->peer), "%s", peer);
        if (fccntl(fd, FLOWGMAXPKT, &a->max_pkt) < 0)
                a->max_pkt = 0;

        ipcp_flow_nonblock(fd);
        if (ipcp_flow_watch(fd, nbr_adj_cb, a) < 0) {
                free(a);
                return NULL;
        }
        a->watched = true;

        a->next = nbr.adjs;
        nbr.adjs = a;
        nbr_tick_arm();

        return a;
}

/*
 * Take a down: unlinked, dt.c and routing told, flow deallocated. ctr:
 * the counter (C_MAX: none), err: for the connects waiting on it,
 * retry: whether its want dials again.
 */
void nbr_adj_close(struct adj * a,
                   enum nbr_ctr ctr,
                   int          err,
                   bool         retry,
                   const char * why)
{
        struct adj ** pp;
        struct want * w = a->w;

        for (pp = &nbr.adjs; *pp != a; pp = &(*pp)->next)
                ;
        *pp = a->next;

        if (a->watched)
                ipcp_flow_unwatch(a->fd);

        if (a->st == ADJ_UP) {
                if (a->comp == NBR_DT)
                        dt_adj_down(a->addr, a->fd);
                route_adj(a->addr, a->comp, false);
                log_info("Adjacency %s with %llu (%s) down: %s.",
                         nbr_comp_name[a->comp], ull(a->addr), a->peer, why);
        } else {
                log_dbg("Lower flow %s with %s closed: %s.",
                        nbr_comp_name[a->comp], a->peer, why);
        }

        flow_dealloc(a->fd);
        if (ctr < C_MAX)
                ++nbr.c[ctr];

        if (w != NULL)
                nbr_want_failed(w, err, retry);

        free(a);
}

int nbr_adj_write(struct adj *    a,
                  const uint8_t * buf,
                  size_t          len)
{
        ssize_t r;

        if (a->max_pkt > 0 && len > a->max_pkt)
                return -EMSGSIZE;

        r = flow_write(a->fd, buf, len);

        return r < 0 ? (int) r : 0;
}

static int lower_cb(void *                    arg,
                    int                       fd,
                    const qosspec_t *         qs,
                    const struct lower_info * req,
                    struct lower_info *       ans)
{
        enum nbr_comp comp;
        int           err;

        (void) arg;

        if (!nbr.on)
                return -EIPCPSTATE;

        snprintf(ans->layer, sizeof(ans->layer), "%s", uni_conf.lc.layer);

        if (req->type != IPCP_UNICAST) {
                ++nbr.c[C_REFUSED_PROTO];
                WARN_RL(C_REFUSED_PROTO, "Lower flow from %s, an IPCP of "
                        "type %d: refused.", req->name, req->type);
                return -EPROTO;
        }

        if (strcmp(req->comp, "enroll") == 0)
                return enroll_accept(fd, qs, req, ans);

        if (strcmp(req->comp, "dt") == 0) {
                comp = NBR_DT;
        } else if (strcmp(req->comp, "mgmt") == 0) {
                comp = NBR_MGMT;
        } else {
                ++nbr.c[C_REFUSED_PROTO];
                WARN_RL(C_REFUSED_PROTO, "Lower flow from %s for component "
                        "'%s': refused.", req->name, req->comp);
                return -EPROTONOSUPPORT;
        }

        ans->proto = NBR_VERSION;
        if (req->proto != NBR_VERSION) {
                ++nbr.c[C_REFUSED_PROTO];
                WARN_RL(C_REFUSED_PROTO, "Lower flow %s from %s: version "
                        "%u, not %d: refused.", req->comp, req->name,
                        req->proto, NBR_VERSION);
                return -EPROTO;
        }

        if (strcmp(req->layer, uni_conf.lc.layer) != 0) {
                ++nbr.c[C_REFUSED_LAYER];
                log_warn("%s adjacency from %s of layer '%s', not '%s': "
                         "refused.", req->comp, req->name, req->layer,
                         uni_conf.lc.layer);
                return -EPERM;
        }

        if (comp == NBR_DT) {
                err = nbr_check_max(fd, req->name);
                if (err < 0)
                        return err;
        }

        return nbr_adj_new(comp, fd, NULL, req->name) != NULL ? 0 : -ENOMEM;
}

int nbr_dt_fd(uint64_t addr)
{
        struct adj * a = nbr_adj_up_to(NBR_DT, addr, NULL);

        return a != NULL ? a->fd : -1;
}

bool nbr_dt_up(uint64_t addr)
{
        return nbr_adj_up_to(NBR_DT, addr, NULL) != NULL;
}

/* Something came on fd: its neighbour lives, whichever adjacency
 * carried it (under a flood a busy host drops keepalives with the
 * data; what gets through on one adjacency vouches for the others). */
void nbr_heard(int fd)
{
        struct adj * a;
        struct adj * b;
        int64_t      now;

        for (a = nbr.adjs; a != NULL && a->fd != fd; a = a->next)
                ;
        if (a == NULL)
                return;

        now      = ipcp_now_ms();
        a->heard = now;
        if (a->st != ADJ_UP)
                return;

        for (b = nbr.adjs; b != NULL; b = b->next)
                if (b->st == ADJ_UP && b->addr == a->addr)
                        b->heard = now;
}

/* Whether a is the first adjacency up to its address of its comp. */
bool nbr_first_to(const struct adj * a)
{
        return nbr_adj_up_to(a->comp, a->addr, NULL) == a;
}

size_t nbr_list(enum nbr_comp comp,
                uint64_t *    addrs,
                size_t        max)
{
        struct adj * a;
        size_t       n = 0;

        for (a = nbr.adjs; a != NULL; a = a->next) {
                if (a->st != ADJ_UP || a->comp != comp || !nbr_first_to(a))
                        continue;
                if (n < max)
                        addrs[n] = a->addr;
                ++n;
        }

        return n;
}

int nbr_stat(struct ipcp_stat * s)
{
        struct adj * a;
        char         name[64];
        int          r = 0;
        int          i;

        for (i = 0; i < C_MAX; ++i)
                r |= ipcp_stat_add(s, ctr_name[i], nbr.c[i]);

        for (a = nbr.adjs; a != NULL; a = a->next) {
                if (a->st != ADJ_UP || !nbr_first_to(a))
                        continue;
                snprintf(name, sizeof(name), "nbr.%s.%llu",
                         nbr_comp_name[a->comp], ull(a->addr));
                r |= ipcp_stat_add(s, name, 1);
        }

        return r < 0 ? -EMSGSIZE : 0;
}

int nbr_init(void)
{
        int err;

        nbr.fmt.addr_size = uni_conf.lc.addr_size;
        nbr.fmt.eid_size  = uni_conf.lc.eid_size;

        nbr.rbuf = malloc(NBR_BUF);
        nbr.wbuf = malloc(NBR_BUF);
        if (nbr.rbuf == NULL || nbr.wbuf == NULL) {
                free(nbr.rbuf);
                free(nbr.wbuf);
                nbr.rbuf = NULL;
                nbr.wbuf = NULL;
                return -ENOMEM;
        }

        nbr.on = true;

        if (!nbr.listening) {
                err = ipcp_lower_listen(lower_cb, NULL);
                if (err < 0 && err != -EALREADY)
                        log_warn("Not accepting lower flows: %d.", err);
                else
                        nbr.listening = true;
        }

        return 0;
}

void nbr_fini(void)
{
        while (nbr.wants != NULL)
                nbr_want_free(nbr.wants);
        while (nbr.adjs != NULL)
                nbr_adj_close(nbr.adjs, C_MAX, -ECANCELED, false, "exiting");
        if (nbr.tick != NULL)
                ipcp_timer_cancel(nbr.tick);
        nbr.tick = NULL;
        nbr.on   = false;
        free(nbr.rbuf);
        free(nbr.wbuf);
        nbr.rbuf = NULL;
        nbr.wbuf = NULL;
}
