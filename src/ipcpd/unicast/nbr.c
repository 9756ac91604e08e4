/*
 * Ouroboros - ipcpd-unicast: adjacencies (uni.h). Lower flows of
 * components "dt" and "mgmt" to other members of the layer, their
 * hello, keepalives and liveness; the mgmt framing and dispatch.
 *
 * An adjacency is one lower flow (lower.h handshake: component, this
 * layer's name, NBR_VERSION). The dialer (the member whose connect
 * made it) sends a HELLO with its address, the acceptor answers with a
 * HELLO ACK with its own (wire_mgmt.h; on a dt flow, inside a dt packet
 * to the all-ones address); then the adjacency is up: a dt one is
 * handed to dt.c (dt_adj_up, which reads the flow from then on and
 * tells nbr_heard), a mgmt one is read here. route_adj is told of
 * either. A hello not answered within NBR_HELLO_MS fails the
 * adjacency; the dialer sends its hello again every NBR_KA_MS until
 * then.
 *
 * Liveness: every NBR_KA_MS each adjacency that is up gets a keepalive
 * (dt_keepalive, or MGMT_KA), and one that has not been heard from for
 * NBR_DEAD_MS is down, as is one whose flow reports FLOW_DOWN,
 * FLOW_PEER or FLOW_DEALLOC (mgmt: its events; dt: the flow's
 * FLOWFDOWN flag, polled every NBR_KA_MS, dt.c having told routing at
 * once). Down: dt_adj_down / route_adj, the flow deallocated.
 *
 * The dialer keeps what it was asked (a "want": dst, component, QoS)
 * and dials again, after NBR_REDIAL_MS doubling up to NBR_REDIAL_MAX_MS,
 * an adjacency that was up and was lost to a failure (silence, flow
 * down, read error), until `irm ipcp disconnect`; one the peer
 * deallocated is not dialled again.
 *
 * One adjacency per neighbour and component: a connect to a name an
 * adjacency of that component already has (the name dialled, or the
 * peer IPCP's name) answers 0 at once; one that reaches a neighbour
 * adjacent already under another name is answered by that neighbour
 * with HELLO ACK DUP, closed, and answers 0 too. A neighbour that dials
 * again while the acceptor still holds its old adjacency (the dialer
 * saw it fail first) replaces the old one.
 */
#include "uni.h"
#include "uenroll.h"
#include "wire_dt.h"
#include "wire_mgmt.h"

#include "common/log.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBR_VERSION        1
#define NBR_CONNECT_MS     5000  /* flow_alloc and handshake          */
#define NBR_KA_MS          250   /* keepalive period                  */
#define NBR_DEAD_MS        1000  /* silence that ends an adjacency    */
#define NBR_HELLO_MS       3000  /* hello answered within             */
#define NBR_REDIAL_MS      500   /* first redial after a failure      */
#define NBR_REDIAL_MAX_MS  4000
#define NBR_BUDGET         64    /* mgmt packets read per wake-up     */
#define NBR_LOG_MS         1000  /* at most one warning per kind      */
#define NBR_WAITERS        8     /* requests waiting on one want      */
#define NBR_BUF            (65536 + 64)

_Static_assert(MGMT_HELLO == MGMT_T_HELLO && MGMT_KA == MGMT_T_KA &&
               MGMT_LSA == MGMT_T_LSA && MGMT_CLAIM == MGMT_T_CLAIM &&
               MGMT_CONFLICT == MGMT_T_CONFLICT, "mgmt types");

static const char * const comp_name[] = { "dt", "mgmt" };

enum ctr {
        C_UP = 0,
        C_LOST_SILENT,
        C_LOST_FLOW,
        C_LOST_PEER,
        C_HELLO_TIMEOUT,
        C_CONNECT_FAILED,
        C_REDIALS,
        C_DUPLICATE,
        C_REPLACED,
        C_REFUSED_LAYER,
        C_REFUSED_MTU,
        C_REFUSED_PROTO,
        C_REFUSED_SELF,
        C_MALFORMED,
        C_MGMT_RX,
        C_MGMT_TX,
        C_MGMT_DROP,
        C_KA_TX,
        C_MAX
};

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

/* Requests waiting for wants to end: cb(arg, first error) once the
 * last is done. */
struct nreq {
        nbr_done_cb cb;
        void *      arg;
        int         left;
        int         err;
};

struct adj;

/* A connect this member was asked for. */
struct want {
        struct want *       next;
        enum nbr_comp       comp;
        char                dst[NAME_MAX_LEN + 1];
        qosspec_t           qs;
        bool                dialing;  /* lower connect in flight      */
        bool                gone;     /* disconnected while dialing   */
        bool                was_up;   /* up once: dial again if lost  */
        struct adj *        adj;
        struct ipcp_timer * redial;
        int64_t             backoff;
        struct nreq *       wt[NBR_WAITERS];
        size_t              n_wt;
};

enum adj_st {
        ADJ_HELLO = 0,
        ADJ_UP,
        ADJ_DUP     /* acceptor: answered DUP, waits for the close */
};

struct adj {
        struct adj *  next;
        enum nbr_comp comp;
        enum adj_st   st;
        int           fd;
        uint64_t      addr;
        bool          dialer;
        bool          watched;
        struct want * w;
        char          peer[IPCP_NAME_MAX_LEN + 1];
        size_t        max_pkt;
        int64_t       since;
        int64_t       heard;
};

static struct {
        bool                on;
        bool                listening;
        struct adj *        adjs;
        struct want *       wants;
        struct ipcp_timer * tick;
        struct dt_fmt       fmt;
        uint8_t *           rbuf;
        uint8_t *           wbuf;
        int64_t             last_log[C_MAX];
        uint64_t            c[C_MAX];
} nb;

#define WARN_RL(k, ...) do {                                            \
                int64_t now_ = ipcp_now_ms();                           \
                if (now_ - nb.last_log[k] >= NBR_LOG_MS) {              \
                        nb.last_log[k] = now_;                          \
                        log_warn(__VA_ARGS__);                          \
                }                                                       \
        } while (0)

static void tick_cb(void * arg);

static void tick_arm(void)
{
        if (nb.tick == NULL && nb.adjs != NULL)
                nb.tick = ipcp_timer_add(NBR_KA_MS, tick_cb, NULL);
}

static void set_nonblock(int fd)
{
        uint32_t fl;

        if (fccntl(fd, FLOWGFLAGS, &fl) == 0)
                fccntl(fd, FLOWSFLAGS, fl | FLOWFNONBLOCK);
}

static unsigned long long ull(uint64_t v)
{
        return (unsigned long long) v;
}

/* ---- requests waiting ---- */

static void nreq_done(struct nreq * r,
                      int           err)
{
        if (err < 0 && r->err == 0)
                r->err = err;
        if (--r->left > 0)
                return;

        r->cb(r->arg, r->err);
        free(r);
}

static void want_notify(struct want * w,
                        int           err)
{
        size_t n = w->n_wt;
        size_t i;

        w->n_wt = 0;
        for (i = 0; i < n; ++i)
                nreq_done(w->wt[i], err);
}

static void want_free(struct want * w)
{
        struct want ** pp;

        for (pp = &nb.wants; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == w) {
                        *pp = w->next;
                        break;
                }
        }

        if (w->redial != NULL)
                ipcp_timer_cancel(w->redial);
        w->redial = NULL;
        want_notify(w, -ECANCELED);
        if (w->adj != NULL)
                w->adj->w = NULL;

        if (w->dialing)
                w->gone = true; /* conn_cb frees it */
        else
                free(w);
}

static int  dial(struct want * w);

static void redial_cb(void * arg)
{
        struct want * w = arg;
        int           err;

        w->redial = NULL;
        ++nb.c[C_REDIALS];

        err = dial(w);
        if (err < 0) {
                w->redial = ipcp_timer_add(w->backoff, redial_cb, w);
                if (w->backoff < NBR_REDIAL_MAX_MS)
                        w->backoff *= 2;
        }
}

/* The want's adjacency failed or could not be made: tell who waits;
 * dial again later if it was up once (retry), else forget it. */
static void want_failed(struct want * w,
                        int           err,
                        bool          retry)
{
        w->adj = NULL;
        want_notify(w, err);

        if (!retry || !w->was_up || !nb.on) {
                want_free(w);
                return;
        }

        if (w->redial == NULL)
                w->redial = ipcp_timer_add(w->backoff, redial_cb, w);
        if (w->backoff < NBR_REDIAL_MAX_MS)
                w->backoff *= 2;
}

/* ---- adjacencies ---- */

static void adj_cb(void * arg,
                   int    fd,
                   int    events);

static struct adj * adj_up_to(enum nbr_comp comp,
                              uint64_t      addr,
                              struct adj *  but)
{
        struct adj * a;

        for (a = nb.adjs; a != NULL; a = a->next)
                if (a != but && a->st == ADJ_UP && a->comp == comp &&
                    a->addr == addr)
                        return a;

        return NULL;
}

/* Whether lower flow fd carries a dt packet of the layer's mtu. */
static int check_max(int          fd,
                     const char * peer)
{
        size_t max = 0;
        size_t need = uni_conf.lc.mtu + dt_hdr_len(&nb.fmt);

        if (fccntl(fd, FLOWGMAXPKT, &max) < 0 || max < need) {
                ++nb.c[C_REFUSED_MTU];
                log_warn("Lower flow with %s carries %zu bytes; the layer "
                         "needs its mtu %u + %zu header bytes: dt "
                         "adjacency refused.", peer, max, uni_conf.lc.mtu,
                         dt_hdr_len(&nb.fmt));
                return -EMSGSIZE;
        }

        return 0;
}

static struct adj * adj_new(enum nbr_comp comp,
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

        set_nonblock(fd);
        if (ipcp_flow_watch(fd, adj_cb, a) < 0) {
                free(a);
                return NULL;
        }
        a->watched = true;

        a->next = nb.adjs;
        nb.adjs = a;
        tick_arm();

        return a;
}

/*
 * Take a down: unlinked, dt.c and routing told, flow deallocated. ctr:
 * the counter (C_MAX: none), err: for the connects waiting on it,
 * retry: whether its want dials again.
 */
static void adj_close(struct adj * a,
                      enum ctr     ctr,
                      int          err,
                      bool         retry,
                      const char * why)
{
        struct adj ** pp;
        struct want * w = a->w;

        for (pp = &nb.adjs; *pp != a; pp = &(*pp)->next)
                ;
        *pp = a->next;

        if (a->watched)
                ipcp_flow_unwatch(a->fd);

        if (a->st == ADJ_UP) {
                if (a->comp == NBR_DT)
                        dt_adj_down(a->addr, a->fd);
                route_adj(a->addr, a->comp, false);
                log_info("Adjacency %s with %llu (%s) down: %s.",
                         comp_name[a->comp], ull(a->addr), a->peer, why);
        } else {
                log_dbg("Lower flow %s with %s closed: %s.",
                        comp_name[a->comp], a->peer, why);
        }

        flow_dealloc(a->fd);
        if (ctr < C_MAX)
                ++nb.c[ctr];

        if (w != NULL)
                want_failed(w, err, retry);

        free(a);
}

static int adj_write(struct adj *    a,
                     const uint8_t * buf,
                     size_t          len)
{
        ssize_t r;

        if (a->max_pkt > 0 && len > a->max_pkt)
                return -EMSGSIZE;

        r = flow_write(a->fd, buf, len);

        return r < 0 ? (int) r : 0;
}

static int send_hello(struct adj * a,
                      uint8_t      flags)
{
        struct mgmt_hello h;
        uint8_t           buf[MGMT_DT_HELLO_MAX];
        ssize_t           n;

        h.flags = flags;
        h.addr  = uni_addr();
        if (a->comp == NBR_DT)
                n = mgmt_dt_hello_write(&nb.fmt, &h, buf, sizeof(buf));
        else
                n = mgmt_hello_write(nb.fmt.addr_size, &h, buf,
                                     sizeof(buf));
        if (n < 0)
                return (int) n;

        return adj_write(a, buf, (size_t) n);
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
        ++nb.c[C_UP];

        log_info("Adjacency %s with %llu (%s) up.", comp_name[a->comp],
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
                want_notify(w, 0);
        }

        return a->comp == NBR_DT;
}

static int parse_hello(struct adj *        a,
                       const uint8_t *     buf,
                       size_t              n,
                       struct mgmt_hello * h)
{
        if (a->comp == NBR_DT)
                return mgmt_dt_hello_parse(&nb.fmt, buf, n, h);

        return mgmt_hello_parse(nb.fmt.addr_size, buf, n, h);
}

/* A packet on an adjacency in its hello: true if a is closed or no
 * longer read here. */
static bool hello_rcv(struct adj *    a,
                      const uint8_t * buf,
                      size_t          n)
{
        struct mgmt_hello h;
        struct adj *      old;
        struct want *     w;

        if (a->st == ADJ_DUP)
                return false; /* waiting for the dialer to close */

        if (parse_hello(a, buf, n, &h) < 0 ||
            (a->dialer != ((h.flags & MGMT_HELLO_ACK) != 0))) {
                ++nb.c[C_MALFORMED];
                WARN_RL(C_MALFORMED, "Bad hello on a %s flow with %s: "
                        "closed.", comp_name[a->comp], a->peer);
                adj_close(a, C_MAX, -EPROTO, true, "bad hello");
                return true;
        }

        if (h.addr == uni_addr()) {
                ++nb.c[C_REFUSED_SELF];
                log_warn("Lower flow %s with %s reaches this member "
                         "itself: closed.", comp_name[a->comp], a->peer);
                adj_close(a, C_MAX, -ELOOP, false, "self");
                return true;
        }

        old = adj_up_to(a->comp, h.addr, a);

        if (a->dialer) {
                if ((h.flags & MGMT_HELLO_DUP) ||
                    (old != NULL && old->dialer)) {
                        ++nb.c[C_DUPLICATE];
                        log_info("Already adjacent (%s) with %llu (%s).",
                                 comp_name[a->comp], ull(h.addr),
                                 a->peer);
                        w = a->w;
                        a->w = NULL;
                        if (w != NULL) {
                                w->adj = NULL;
                                want_notify(w, 0);
                                want_free(w);
                        }
                        adj_close(a, C_MAX, 0, false, "duplicate");
                        return true;
                }
                return adj_up(a, h.addr);
        }

        if (old != NULL && old->dialer) {
                /* we dialled it already: one adjacency is enough */
                ++nb.c[C_DUPLICATE];
                if (send_hello(a, MGMT_HELLO_ACK | MGMT_HELLO_DUP) < 0) {
                        adj_close(a, C_MAX, 0, false, "duplicate");
                        return true;
                }
                a->st = ADJ_DUP;
                return false;
        }

        if (send_hello(a, MGMT_HELLO_ACK) < 0) {
                adj_close(a, C_MAX, -EIO, false, "hello not sent");
                return true;
        }

        if (old != NULL) {
                /* it dialled again: it saw the old one fail first */
                ++nb.c[C_REPLACED];
                adj_close(old, C_MAX, 0, false, "replaced by a new one");
        }

        return adj_up(a, h.addr);
}

static void mgmt_rcv(struct adj *    a,
                     const uint8_t * buf,
                     size_t          n)
{
        struct mgmt_hello h;
        int               t = mgmt_type(buf, n);

        if (t != MGMT_T_KA)
                ++nb.c[C_MGMT_RX];

        switch (t) {
        case MGMT_T_HELLO:
                /* the dialer's hello again: our answer got lost */
                if (!a->dialer && parse_hello(a, buf, n, &h) == 0 &&
                    !(h.flags & MGMT_HELLO_ACK) && h.addr == a->addr) {
                        send_hello(a, MGMT_HELLO_ACK);
                        return;
                }
                if (a->dialer && parse_hello(a, buf, n, &h) == 0)
                        return;
                break;
        case MGMT_T_KA:
                if (mgmt_ka_parse(buf, n) == 0)
                        return;
                break;
        case MGMT_T_LSA:
                route_rcv_lsa(a->addr, buf + 1, n - 1);
                return;
        case MGMT_T_CLAIM:
        case MGMT_T_CONFLICT:
                enroll_rcv_mgmt(a->addr, buf, n);
                return;
        default:
                break;
        }

        ++nb.c[C_MALFORMED];
        WARN_RL(C_MALFORMED, "Malformed management message (%zu bytes, "
                "type %d) from %llu: dropped.", n, n > 0 ? buf[0] : -1,
                ull(a->addr));
}

static void adj_cb(void * arg,
                   int    fd,
                   int    events)
{
        struct adj * a = arg;
        ssize_t      n;
        int          i;

        for (i = 0; i < NBR_BUDGET; ++i) {
                n = flow_read(fd, nb.rbuf, NBR_BUF);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        adj_close(a, C_LOST_FLOW, (int) n, true,
                                  n == -EFLOWDOWN ? "flow down" :
                                  "read error");
                        return;
                }
                a->heard = ipcp_now_ms();
                if (a->st != ADJ_UP) {
                        if (hello_rcv(a, nb.rbuf, (size_t) n))
                                return;
                        continue;
                }
                mgmt_rcv(a, nb.rbuf, (size_t) n);
        }

        if (i == NBR_BUDGET)
                return; /* level-triggered: called again */

        if (events & FLOW_DEALLOC)
                adj_close(a, C_LOST_PEER, -ECONNRESET, false,
                          "deallocated by the peer");
        else if (events & (FLOW_DOWN | FLOW_PEER))
                adj_close(a, C_LOST_FLOW, -ECONNRESET, true,
                          events & FLOW_DOWN ? "flow down" :
                          "peer timed out");
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

        nb.tick = NULL;

        for (a = nb.adjs; a != NULL; a = next) {
                next = a->next;
                if (a->st != ADJ_UP) {
                        if (now - a->since > NBR_HELLO_MS) {
                                adj_close(a, a->st == ADJ_DUP ? C_MAX :
                                          C_HELLO_TIMEOUT, -ETIMEDOUT,
                                          true, "no hello");
                        } else if (a->dialer && now - a->since >=
                                   NBR_KA_MS) {
                                send_hello(a, 0);
                        }
                        continue;
                }
                if (a->comp == NBR_DT && flow_down(a->fd)) {
                        adj_close(a, C_LOST_FLOW, -ECONNRESET, true,
                                  "flow down");
                        continue;
                }
                if (now - a->heard > NBR_DEAD_MS) {
                        snprintf(why, sizeof(why), "silent for %lld ms",
                                 (long long) (now - a->heard));
                        adj_close(a, C_LOST_SILENT, -ETIMEDOUT, true, why);
                        continue;
                }
                if (a->comp == NBR_DT) {
                        if (dt_keepalive(a->addr) == 0)
                                ++nb.c[C_KA_TX];
                } else if (mgmt_ka_write(ka, sizeof(ka)) == 1 &&
                           adj_write(a, ka, 1) == 0) {
                        ++nb.c[C_KA_TX];
                }
        }

        tick_arm();
}

/* ---- lower flows: accepting ---- */

static int lower_cb(void *                    arg,
                    int                       fd,
                    const qosspec_t *         qs,
                    const struct lower_info * req,
                    struct lower_info *       ans)
{
        enum nbr_comp comp;
        int           err;

        (void) arg;

        if (!nb.on)
                return -EIPCPSTATE;

        snprintf(ans->layer, sizeof(ans->layer), "%s", uni_conf.lc.layer);

        if (req->type != IPCP_UNICAST) {
                ++nb.c[C_REFUSED_PROTO];
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
                ++nb.c[C_REFUSED_PROTO];
                WARN_RL(C_REFUSED_PROTO, "Lower flow from %s for component "
                        "'%s': refused.", req->name, req->comp);
                return -EPROTONOSUPPORT;
        }

        ans->proto = NBR_VERSION;
        if (req->proto != NBR_VERSION) {
                ++nb.c[C_REFUSED_PROTO];
                WARN_RL(C_REFUSED_PROTO, "Lower flow %s from %s: version "
                        "%u, not %d: refused.", req->comp, req->name,
                        req->proto, NBR_VERSION);
                return -EPROTO;
        }

        if (strcmp(req->layer, uni_conf.lc.layer) != 0) {
                ++nb.c[C_REFUSED_LAYER];
                log_warn("%s adjacency from %s of layer '%s', not '%s': "
                         "refused.", req->comp, req->name, req->layer,
                         uni_conf.lc.layer);
                return -EPERM;
        }

        if (comp == NBR_DT) {
                err = check_max(fd, req->name);
                if (err < 0)
                        return err;
        }

        return adj_new(comp, fd, NULL, req->name) != NULL ? 0 : -ENOMEM;
}

/* ---- lower flows: dialling ---- */

static void conn_cb(void *                    arg,
                    int                       fd,
                    int                       result,
                    const struct lower_info * ans)
{
        struct want * w = arg;
        struct adj *  a;
        int           err = result;

        w->dialing = false;

        if (w->gone) {
                if (fd >= 0)
                        flow_dealloc(fd);
                free(w);
                return;
        }

        if (fd >= 0 && !nb.on)
                err = -EIPCPSTATE;
        else if (fd >= 0 && w->comp == NBR_DT)
                err = check_max(fd, w->dst);
        else if (fd >= 0)
                err = 0;

        if (err < 0) {
                if (fd >= 0)
                        flow_dealloc(fd);
                ++nb.c[C_CONNECT_FAILED];
                if (w->was_up) /* a redial: at most once a second */
                        WARN_RL(C_CONNECT_FAILED, "Dialling %s to %s again "
                                "failed: %d.", comp_name[w->comp], w->dst,
                                err);
                else
                        log_warn("Connecting %s to %s failed: %d.",
                                 comp_name[w->comp], w->dst, err);
                want_failed(w, err, true);
                return;
        }

        a = adj_new(w->comp, fd, w, ans->name);
        if (a == NULL) {
                flow_dealloc(fd);
                want_failed(w, -ENOMEM, true);
                return;
        }
        w->adj = a;

        err = send_hello(a, 0);
        if (err < 0)
                adj_close(a, C_CONNECT_FAILED, err, true, "hello not sent");
}

static int dial(struct want * w)
{
        struct lower_info req;
        int               err;

        memset(&req, 0, sizeof(req));
        req.proto = NBR_VERSION;
        snprintf(req.comp, sizeof(req.comp), "%s", comp_name[w->comp]);
        snprintf(req.layer, sizeof(req.layer), "%s", uni_conf.lc.layer);

        err = ipcp_lower_connect(w->dst, &w->qs, NBR_CONNECT_MS, &req,
                                 conn_cb, w);
        if (err == 0)
                w->dialing = true;

        return err;
}

static bool adj_named(const struct adj * a,
                      const char *       dst)
{
        return strcmp(a->peer, dst) == 0 ||
                (a->w != NULL && strcmp(a->w->dst, dst) == 0);
}

/* One component: 0 (adjacent already), 1 (r waits) or an error. */
static int connect_comp(const char *      dst,
                        enum nbr_comp     comp,
                        const qosspec_t * qs,
                        struct nreq *     r)
{
        struct adj *  a;
        struct want * w;
        int           err;

        for (a = nb.adjs; a != NULL; a = a->next)
                if (a->st == ADJ_UP && a->comp == comp && adj_named(a, dst))
                        return 0;

        for (w = nb.wants; w != NULL; w = w->next)
                if (w->comp == comp && strcmp(w->dst, dst) == 0)
                        break;

        if (w == NULL) {
                w = calloc(1, sizeof(*w));
                if (w == NULL)
                        return -ENOMEM;
                w->comp    = comp;
                w->qs      = qs != NULL ? *qs : qos_raw;
                w->backoff = NBR_REDIAL_MS;
                snprintf(w->dst, sizeof(w->dst), "%s", dst);
                err = dial(w);
                if (err < 0) {
                        free(w);
                        return err;
                }
                w->next  = nb.wants;
                nb.wants = w;
        } else if (w->n_wt == NBR_WAITERS) {
                return -EBUSY;
        } else if (!w->dialing && w->adj == NULL) {
                if (w->redial != NULL)
                        ipcp_timer_cancel(w->redial);
                w->redial = NULL;
                err = dial(w);
                if (err < 0)
                        return err;
        }

        w->wt[w->n_wt++] = r;

        return 1;
}

static int comps_of(const char *    comp,
                    enum nbr_comp * c)
{
        if (comp == NULL || comp[0] == '\0') {
                c[0] = NBR_DT;
                c[1] = NBR_MGMT;
                return 2;
        }
        if (strcmp(comp, "dt") == 0) {
                c[0] = NBR_DT;
                return 1;
        }
        if (strcmp(comp, "mgmt") == 0) {
                c[0] = NBR_MGMT;
                return 1;
        }

        return -EINVAL;
}

/* Start the connects: 0 (adjacent already: no cb), 1 (cb will run) or
 * an error (no cb). */
int nbr_connect_cb(const char *      dst,
                   const char *      comp,
                   const qosspec_t * qs,
                   nbr_done_cb       cb,
                   void *            arg)
{
        enum nbr_comp c[2];
        struct nreq * r;
        int           n;
        int           i;
        int           x;

        if (!nb.on)
                return -EIPCPSTATE;

        n = comps_of(comp, c);
        if (n < 0 || dst == NULL || dst[0] == '\0')
                return -EINVAL;

        r = calloc(1, sizeof(*r));
        if (r == NULL)
                return -ENOMEM;

        r->cb   = cb;
        r->arg  = arg;
        r->left = 0;
        for (i = 0; i < n; ++i) {
                x = connect_comp(dst, c[i], qs, r);
                if (x > 0)
                        ++r->left;
                else if (x < 0 && r->err == 0)
                        r->err = x;
        }

        if (r->left > 0)
                return 1;

        x = r->err;
        free(r);

        return x;
}

static void answer_cb(void * arg,
                      int    err)
{
        ipcp_tok_t tok = (ipcp_tok_t) (uintptr_t) arg;

        if (ipcp_answer(tok, err) < 0)
                log_warn("Could not answer a connect request.");
}

int nbr_connect(const char *      dst,
                const char *      comp,
                const qosspec_t * qs)
{
        ipcp_tok_t tok = ipcp_req_tok();
        int        r;

        r = nbr_connect_cb(dst, comp, qs, answer_cb,
                           (void *) (uintptr_t) tok);

        return r == 1 ? IPCP_LATER : r;
}

int nbr_disconnect(const char * dst,
                   const char * comp)
{
        enum nbr_comp c[2];
        struct want * w;
        struct want * wn;
        struct adj *  a;
        struct adj *  an;
        int           n;
        int           i;
        int           k = 0;

        n = comps_of(comp, c);
        if (n < 0 || dst == NULL)
                return -EINVAL;

        for (i = 0; i < n; ++i) {
                for (w = nb.wants; w != NULL; w = wn) {
                        wn = w->next;
                        if (w->comp != c[i] || strcmp(w->dst, dst) != 0)
                                continue;
                        ++k;
                        if (w->adj != NULL) /* frees w too */
                                adj_close(w->adj, C_MAX, -ECANCELED, false,
                                          "disconnected");
                        else
                                want_free(w);
                }
                for (a = nb.adjs; a != NULL; a = an) {
                        an = a->next;
                        if (a->comp != c[i] || !adj_named(a, dst))
                                continue;
                        ++k;
                        adj_close(a, C_MAX, -ECANCELED, false,
                                  "disconnected");
                }
        }

        return k > 0 ? 0 : -ENOENT;
}

/* ---- what the other modules ask ---- */

int nbr_dt_fd(uint64_t addr)
{
        struct adj * a = adj_up_to(NBR_DT, addr, NULL);

        return a != NULL ? a->fd : -1;
}

bool nbr_dt_up(uint64_t addr)
{
        return adj_up_to(NBR_DT, addr, NULL) != NULL;
}

void nbr_heard(int fd)
{
        struct adj * a;

        for (a = nb.adjs; a != NULL; a = a->next) {
                if (a->fd == fd) {
                        a->heard = ipcp_now_ms();
                        return;
                }
        }
}

/* Whether a is the first adjacency up to its address of its comp. */
static bool first_to(const struct adj * a)
{
        return adj_up_to(a->comp, a->addr, NULL) == a;
}

size_t nbr_list(enum nbr_comp comp,
                uint64_t *    addrs,
                size_t        max)
{
        struct adj * a;
        size_t       n = 0;

        for (a = nb.adjs; a != NULL; a = a->next) {
                if (a->st != ADJ_UP || a->comp != comp || !first_to(a))
                        continue;
                if (n < max)
                        addrs[n] = a->addr;
                ++n;
        }

        return n;
}

static int mgmt_put(struct adj *   a,
                    enum mgmt_type t,
                    const void *   body,
                    size_t         len)
{
        int r;

        if (len + 1 > NBR_BUF)
                return -EMSGSIZE;

        nb.wbuf[0] = (uint8_t) t;
        if (len > 0)
                memmove(nb.wbuf + 1, body, len);

        r = adj_write(a, nb.wbuf, len + 1);
        if (r < 0) {
                ++nb.c[C_MGMT_DROP];
                WARN_RL(C_MGMT_DROP, "Management message (type %d, %zu "
                        "bytes) to %llu not sent: %d.", t, len + 1,
                        ull(a->addr), r);
                return r == -EAGAIN ? -ENOBUFS : r;
        }

        ++nb.c[C_MGMT_TX];

        return 0;
}

int nbr_mgmt_send(uint64_t       addr,
                  enum mgmt_type t,
                  const void *   body,
                  size_t         len)
{
        struct adj * a;

        if (!nb.on)
                return -ENOTCONN;

        a = adj_up_to(NBR_MGMT, addr, NULL);
        if (a == NULL)
                return -ENOTCONN;

        return mgmt_put(a, t, body, len);
}

int nbr_mgmt_flood(uint64_t       except,
                   enum mgmt_type t,
                   const void *   body,
                   size_t         len)
{
        struct adj * a;
        int          n = 0;

        if (!nb.on)
                return 0;

        for (a = nb.adjs; a != NULL; a = a->next) {
                if (a->st != ADJ_UP || a->comp != NBR_MGMT ||
                    a->addr == except || !first_to(a))
                        continue;
                if (mgmt_put(a, t, body, len) == 0)
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
                r |= ipcp_stat_add(s, ctr_name[i], nb.c[i]);

        for (a = nb.adjs; a != NULL; a = a->next) {
                if (a->st != ADJ_UP || !first_to(a))
                        continue;
                snprintf(name, sizeof(name), "nbr.%s.%llu",
                         comp_name[a->comp], ull(a->addr));
                r |= ipcp_stat_add(s, name, 1);
        }

        return r < 0 ? -EMSGSIZE : 0;
}

int nbr_init(void)
{
        int err;

        nb.fmt.addr_size = uni_conf.lc.addr_size;
        nb.fmt.eid_size  = uni_conf.lc.eid_size;

        nb.rbuf = malloc(NBR_BUF);
        nb.wbuf = malloc(NBR_BUF);
        if (nb.rbuf == NULL || nb.wbuf == NULL) {
                free(nb.rbuf);
                free(nb.wbuf);
                nb.rbuf = NULL;
                nb.wbuf = NULL;
                return -ENOMEM;
        }

        nb.on = true;

        if (!nb.listening) {
                err = ipcp_lower_listen(lower_cb, NULL);
                if (err < 0 && err != -EALREADY)
                        log_warn("Not accepting lower flows: %d.", err);
                else
                        nb.listening = true;
        }

        return 0;
}

void nbr_fini(void)
{
        while (nb.wants != NULL)
                want_free(nb.wants);
        while (nb.adjs != NULL)
                adj_close(nb.adjs, C_MAX, -ECANCELED, false, "exiting");
        if (nb.tick != NULL)
                ipcp_timer_cancel(nb.tick);
        nb.tick = NULL;
        nb.on   = false;
        free(nb.rbuf);
        free(nb.wbuf);
        nb.rbuf = NULL;
        nb.wbuf = NULL;
}
