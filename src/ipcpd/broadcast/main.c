/*
 * Ouroboros - ipcpd-broadcast: a broadcast layer over lower flows of
 * other layers. Whatever an application joined to the layer
 * (flow_join) writes reaches every other joined application, on every
 * member, and never comes back to the writer.
 *
 * Members: bootstrap makes the first (layer name, hash algorithm, mtu:
 * the largest message); enroll fetches that configuration from a
 * member over a lower flow of component "enroll" (wire.h); connect
 * makes a neighbour: a lower flow of component "dt" between two
 * members of the same layer (lower.h carries the layer name; the
 * acceptor refuses another layer with -EPERM, and a lower flow that can
 * not carry mtu + BC_HDR_LEN bytes with -EMSGSIZE, both logged and
 * counted).
 *
 * Data: a joined application's message goes, as it is, to every other
 * joined application here, and with the data header (origin = this
 * member's random 64-bit id, seq = its count of messages) to every
 * neighbour. A message from a neighbour that the duplicate filter
 * (dup.h) has not seen goes to every joined application here and, as
 * it came, to every other neighbour; a seen one is dropped and counted,
 * and so is one of this member's own origin (an echo over a cycle).
 *
 * What it guarantees (doc/man/ipcpd-broadcast.8): every message
 * reaches every application joined to a member connected to the
 * writer's by a stable, lossless path (no neighbour lost, no pending
 * queue overflowing, no flow stuck) exactly once, also when the adjacencies form cycles:
 * every member forwards an origin's messages in the order it takes
 * them, so along each path they come in order and the first copy of
 * each is taken. At most once always: a message is taken once per
 * member, whatever the graph, as long as its copies reach a member
 * within BC_DUP_HOLD_MS of each other (the filter forgets an origin
 * silent that long only when its table of BC_DUP_ORIGINS is full, else
 * after BC_DUP_IDLE_MS) and are less than BC_DUP_WIN messages of their
 * origin apart (older ones are dropped as too old, never delivered).
 *
 * Copies: a packet is read in place (ipcp_flow_peek) and written in
 * place once per flow it goes out on (ipcp_flow_reserve/commit), the
 * header written straight in front of the payload. Encrypted lower
 * flows fall back to flow_read / flow_write. The loop never blocks.
 *
 * Full rings. Writes are non-blocking; a packet that finds a flow's
 * ring full (-EAGAIN) is copied to that flow's pending queue (at most
 * BC_Q_PKTS packets and BC_Q_BYTES bytes per flow, neighbour or joined
 * application). While a queue is not empty, new packets for that flow
 * go behind it (its order is kept); queues are drained before each new
 * packet to their flow and every BC_Q_RETRY_MS by a timer armed only
 * while something is pending (the library has no writable event). Only
 * a full queue drops (drop_ring_full, per neighbour too).
 *
 * Source throttling, not hop-by-hop back-pressure: while a neighbour's
 * queue holds more than BC_Q_HIGH packets, the flows of this member's
 * own joined applications are unwatched (left unread, so the loop does
 * not spin on the level-triggered set and their writers block in
 * flow_write once their rings fill); they are watched again when every
 * neighbour's queue is down to BC_Q_LOW. Neighbours are always read, so
 * transit never waits and a cycle of members cannot deadlock. An
 * application's own queue never throttles: an application that reads
 * and writes in one thread, blocked in flow_write, would never drain
 * it. A flow whose
 * queue makes no progress for BC_STUCK_MS is stuck: its queue is
 * dropped (drop_stuck, logged) and so is every packet for it that
 * finds its ring full, unqueued, until a write succeeds again; a dead
 * or frozen reader holds the layer for BC_STUCK_MS at most.
 *
 * The flow memory's writer window (flow_shm.c) grows for non-blocking
 * writers too (from 32 KiB up to 1 MiB, about 700 packets of 1450
 * bytes), so a ring is only full when its reader is that far behind.
 */
#include "dup.h"
#include "wire.h"

#include "ipcpd/common/ipcp.h"
#include "ipcpd/common/lower.h"

#include "common/hash.h"
#include "common/ipcp_conf.h"
#include "common/log.h"
#include "common/proto.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define BC_COMP_DT      "dt"
#define BC_COMP_ENROLL  "enroll"
#define BC_CONNECT_MS   5000   /* flow_alloc of a lower flow        */
#define BC_ENR_HOLD_MS  10000  /* a member keeps an enroll flow     */
#define BC_EXPIRE_MS    10000  /* duplicate filter expiry period    */
#define BC_BUDGET       64     /* packets read per flow per wake-up */
#define BC_LOG_MS       1000   /* at most one warning per kind      */
#define BC_Q_PKTS       4096   /* pending packets per destination   */
#define BC_Q_BYTES      (8 * 1024 * 1024) /* and their bytes        */
#define BC_Q_HIGH       512    /* above: stop reading local writers */
#define BC_Q_LOW        128    /* all at or below: read them again  */
#define BC_Q_RETRY_MS   1      /* retry period while any is pending */
#define BC_STUCK_MS     2000   /* no progress that long: drop to it */

enum bc_state {
        BC_INIT = 0,
        BC_ENROLLING,
        BC_OPER
};

/* A flow of this member: a neighbour ("dt" lower flow) or a joined
 * application (an adopted upper flow). */
struct bflow {
        struct bflow * next;
        int            fd;
        bool           nb;
        bool           copy;     /* no in-place access (encrypted) */
        uint32_t       flow_id;  /* application: the IRMd's id     */
        char           name[IPCP_NAME_MAX_LEN + 1]; /* nb: peer's  */
        char           dst[NAME_MAX_LEN + 1];       /* nb: dialled */
        uint64_t       rx;
        uint64_t       tx;
        uint64_t       full;     /* queue full: dropped            */
        uint64_t       stuck_drops; /* dropped while stuck         */
        struct qpkt *  qhead;    /* pending: hit a full ring       */
        struct qpkt *  qtail;
        size_t         qn;       /* packets pending                */
        size_t         qbytes;   /* and their bytes                */
        int64_t        prog;     /* last progress while pending    */
        bool           stuck;    /* no progress for BC_STUCK_MS    */
        bool           paused;   /* application: not read (unwatched) */
};

/* A packet waiting for room in a destination's ring, as it goes out. */
struct qpkt {
        struct qpkt * next;
        size_t        len;
        uint8_t       data[];
};

/* A connect or enroll waiting for its lower flow, or a member's
 * enrollment flow waiting for the request. */
struct pend {
        ipcp_tok_t          tok;
        int                 fd;
        char                dst[NAME_MAX_LEN + 1];
        struct ipcp_timer * t;
        bool                answered; /* member: answer sent  */
};

enum ctr {
        C_DELIVERED = 0,
        C_FORWARDED,
        C_SENT,
        C_DUP,
        C_OLD,
        C_ORIGINS_FULL,
        C_OWN_ECHO,
        C_MALFORMED,
        C_TOO_BIG,
        C_RING_FULL,
        C_STUCK,
        C_QUEUED,
        C_THROTTLED,
        C_REFUSED_LAYER,
        C_REFUSED_MTU,
        C_REFUSED_COMP,
        C_NB_LOST,
        C_ENROLLED_OTHERS,
        C_MAX
};

static const char * const ctr_name[C_MAX] = {
        [C_DELIVERED]       = "delivered",
        [C_FORWARDED]       = "forwarded",
        [C_SENT]            = "sent",
        [C_DUP]             = "drop_duplicate",
        [C_OLD]             = "drop_too_old",
        [C_ORIGINS_FULL]    = "drop_origins_full",
        [C_OWN_ECHO]        = "drop_own_echo",
        [C_MALFORMED]       = "drop_malformed",
        [C_TOO_BIG]         = "drop_too_big",
        [C_RING_FULL]       = "drop_ring_full",
        [C_STUCK]           = "drop_stuck",
        [C_QUEUED]          = "queued",
        [C_THROTTLED]       = "throttled",
        [C_REFUSED_LAYER]   = "refused_layer",
        [C_REFUSED_MTU]     = "refused_mtu",
        [C_REFUSED_COMP]    = "refused_component",
        [C_NB_LOST]         = "neighbours_lost",
        [C_ENROLLED_OTHERS] = "enrolled_others"
};

static struct {
        enum bc_state       state;
        struct bc_conf      conf;
        uint8_t             lhash[HASH_MAX_LEN];
        size_t              lhash_len;
        uint64_t            id;
        uint32_t            seq;
        struct bc_dup *     dup;
        struct ipcp_timer * expire;
        struct ipcp_timer * retry;     /* while anything pending  */
        bool                throttled; /* local writers paused    */
        struct bflow *      flows;
        size_t              n_nb;
        size_t              n_app;
        struct pend *       enr;       /* our enrollment          */
        bool                listening;
        uint8_t *           rbuf;      /* copy fallback: reading  */
        uint8_t *           wbuf;      /* and writing             */
        size_t              buf_len;
        int64_t             last_log[C_MAX];
        uint64_t            c[C_MAX];
} bc;

/* A warning of kind k at most every BC_LOG_MS. */
#define WARN_RL(k, ...) do {                                            \
                int64_t now_ = ipcp_now_ms();                           \
                if (now_ - bc.last_log[k] >= BC_LOG_MS) {               \
                        bc.last_log[k] = now_;                          \
                        log_warn(__VA_ARGS__);                          \
                }                                                       \
        } while (0)

static void set_nonblock(int fd)
{
        uint32_t fl;

        if (fccntl(fd, FLOWGFLAGS, &fl) == 0)
                fccntl(fd, FLOWSFLAGS, fl | FLOWFNONBLOCK);
}

/* ---- sending ---- */

static void flow_cb(void * arg,
                    int    fd,
                    int    events);

/* Write hdr (hl bytes, may be 0) and len bytes of p on f as one packet,
 * in place when the flow allows: len written or a negative errno. */
static int write_pkt(struct bflow *  f,
                     const uint8_t * hdr,
                     size_t          hl,
                     const void *    p,
                     size_t          len)
{
        void * buf;
        int    r = -ENOTSUP;

        if (!f->copy) {
                r = ipcp_flow_reserve(f->fd, hl + len, &buf);
                if (r == 0) {
                        if (hl > 0)
                                memcpy(buf, hdr, hl);
                        if (len > 0)
                                memcpy((uint8_t *) buf + hl, p, len);
                        r = ipcp_flow_commit(f->fd, hl + len);
                } else if (r == -ENOTSUP) {
                        f->copy = true;
                }
        }
        if (f->copy) {
                if (hl + len > bc.buf_len)
                        return -EMSGSIZE;
                if (hl > 0)
                        memcpy(bc.wbuf, hdr, hl);
                if (len > 0)
                        memcpy(bc.wbuf + hl, p, len);
                r = (int) flow_write(f->fd, bc.wbuf, hl + len);
        }

        return r;
}

static void retry_cb(void * arg);

static void retry_arm(void)
{
        if (bc.retry == NULL)
                bc.retry = ipcp_timer_add(BC_Q_RETRY_MS, retry_cb, NULL);
}

/* Stop (pause true) or start again reading local writers' flows. */
static void throttle(bool on)
{
        struct bflow * f;

        if (bc.throttled == on)
                return;

        bc.throttled = on;
        if (on)
                ++bc.c[C_THROTTLED];
        for (f = bc.flows; f != NULL; f = f->next) {
                if (f->nb || f->paused == on)
                        continue;
                if (on) {
                        ipcp_flow_unwatch(f->fd);
                        f->paused = true;
                } else if (ipcp_flow_watch(f->fd, flow_cb, f) == 0) {
                        f->paused = false;
                }
        }
}

/* Queue a copy of the packet behind f's pending ones: false if the
 * bounded queue is full (or out of memory). */
static bool enqueue(struct bflow *  f,
                    const uint8_t * hdr,
                    size_t          hl,
                    const void *    p,
                    size_t          len)
{
        struct qpkt * q;

        if (f->qn >= BC_Q_PKTS || f->qbytes + hl + len > BC_Q_BYTES)
                return false;

        q = malloc(sizeof(*q) + hl + len);
        if (q == NULL)
                return false;

        q->next = NULL;
        q->len  = hl + len;
        if (hl > 0)
                memcpy(q->data, hdr, hl);
        if (len > 0)
                memcpy(q->data + hl, p, len);

        if (f->qtail == NULL) {
                f->qhead = q;
                f->prog  = ipcp_now_ms();
        } else {
                f->qtail->next = q;
        }
        f->qtail = q;
        ++f->qn;
        f->qbytes += q->len;
        ++bc.c[C_QUEUED];

        if (f->nb && f->qn > BC_Q_HIGH)
                throttle(true);
        retry_arm();

        return true;
}

/* Drop every packet pending for f; the count. */
static size_t flush(struct bflow * f)
{
        struct qpkt * q;
        size_t        n = f->qn;

        while (f->qhead != NULL) {
                q = f->qhead;
                f->qhead = q->next;
                free(q);
        }
        f->qtail  = NULL;
        f->qn     = 0;
        f->qbytes = 0;

        return n;
}

/* Write f's pending packets in order while its ring takes them. */
static void drain(struct bflow * f)
{
        struct qpkt * q;
        int           r;

        while (f->qhead != NULL) {
                q = f->qhead;
                r = write_pkt(f, NULL, 0, q->data, q->len);
                if (r == -EAGAIN)
                        return;
                if (r >= 0) {
                        ++f->tx;
                        f->prog = ipcp_now_ms();
                } else if (r == -EMSGSIZE) {
                        ++bc.c[C_TOO_BIG];
                }
                /* else going down: its own callback removes it */
                f->qhead = q->next;
                if (f->qhead == NULL)
                        f->qtail = NULL;
                --f->qn;
                f->qbytes -= q->len;
                free(q);
        }
}

/* Every BC_Q_RETRY_MS while something is pending or writers paused. */
static void retry_cb(void * arg)
{
        struct bflow * f;
        int64_t        now = ipcp_now_ms();
        bool           high = false;
        bool           busy = false;
        size_t         n;

        (void) arg;

        bc.retry = NULL;

        for (f = bc.flows; f != NULL; f = f->next) {
                if (f->qn == 0)
                        continue;
                drain(f);
                if (f->qn > 0 && now - f->prog >= BC_STUCK_MS) {
                        n = flush(f);
                        f->stuck = true;
                        f->stuck_drops += n;
                        bc.c[C_STUCK] += n;
                        log_warn("%s%s%s stuck for %d ms: %zu pending "
                                 "messages dropped, dropping to it until "
                                 "it reads again.", f->nb ? "Neighbour " :
                                 "Joined flow", f->nb ? f->name : "",
                                 f->nb ? "" : " of an application",
                                 BC_STUCK_MS, n);
                }
                if (f->nb && f->qn > BC_Q_LOW)
                        high = true;
                if (f->qn > 0)
                        busy = true;
        }

        if (bc.throttled && !high)
                throttle(false);
        if (busy || bc.throttled)
                retry_arm();
}

/* Send the packet (hdr, hl bytes, then len bytes of p) on f, behind
 * what is pending for it: true if sent or queued; a drop is counted. */
static bool put(struct bflow *  f,
                const uint8_t * hdr,
                size_t          hl,
                const void *    p,
                size_t          len)
{
        int r;

        if (f->qn > 0) {
                drain(f);
                if (f->qn > 0) {
                        if (enqueue(f, hdr, hl, p, len))
                                return true;
                        ++f->full;
                        ++bc.c[C_RING_FULL];
                        WARN_RL(C_RING_FULL, "Pending queue of %s%s full: "
                                "message dropped.", f->nb ? "neighbour " :
                                "an application", f->nb ? f->name : "");
                        return false;
                }
        }

        r = write_pkt(f, hdr, hl, p, len);
        if (r >= 0) {
                ++f->tx;
                if (f->stuck) {
                        f->stuck = false;
                        log_info("%s%s reads again.", f->nb ? "Neighbour " :
                                 "A joined application", f->nb ? f->name : "");
                }
                return true;
        }

        if (r == -EAGAIN) {
                if (!f->stuck && enqueue(f, hdr, hl, p, len))
                        return true;
                if (f->stuck) {
                        ++f->stuck_drops;
                        ++bc.c[C_STUCK];
                } else {
                        ++f->full;
                        ++bc.c[C_RING_FULL];
                }
        } else if (r == -EMSGSIZE) {
                ++bc.c[C_TOO_BIG];
                WARN_RL(C_TOO_BIG, "Message of %zu bytes too big for %s "
                        "%s: dropped.", hl + len, f->nb ? "neighbour" :
                        "flow", f->nb ? f->name : "of an application");
        }
        /* else going down: its own callback removes it */

        return false;
}

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
                if (put(f, hdr, f->nb ? BC_HDR_LEN : 0, p, len))
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

        switch (bc_dup_check(bc.dup, h.origin, h.seq, ipcp_now_ms())) {
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
                if (f->nb ? put(f, NULL, 0, p, len) :
                    put(f, NULL, 0, p + BC_HDR_LEN, len - BC_HDR_LEN))
                        ++bc.c[f->nb ? C_FORWARDED : C_DELIVERED];
        }
}

/* ---- flows ---- */

static struct bflow * flow_add(int  fd,
                               bool nb)
{
        struct bflow * f;

        f = calloc(1, sizeof(*f));
        if (f == NULL)
                return NULL;

        f->fd = fd;
        f->nb = nb;
        set_nonblock(fd);
        if (!nb && bc.throttled)
                f->paused = true; /* watched when throttling ends */
        else if (ipcp_flow_watch(fd, flow_cb, f) < 0) {
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

static void flow_remove(struct bflow * f,
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
        flush(f);
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

static void flow_cb(void * arg,
                    int    fd,
                    int    events)
{
        struct bflow *  f = arg;
        const uint8_t * p;
        ssize_t         n;
        int             i;

        (void) fd;

        for (i = 0; i < BC_BUDGET && !f->paused; ++i) {
                n = next_pkt(f, &p);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        if (f->nb && n == -EFLOWDOWN)
                                ++bc.c[C_NB_LOST];
                        flow_remove(f, n == -EFLOWDOWN ? "flow down" :
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
                flow_remove(f, events & FLOW_DEALLOC ? "deallocated" :
                            "flow down");
        }
}

/* ---- becoming a member ---- */

static int lower_cb(void *                    arg,
                    int                       fd,
                    const qosspec_t *         qs,
                    const struct lower_info * req,
                    struct lower_info *       ans);

static void expire_cb(void * arg)
{
        (void) arg;

        bc_dup_expire(bc.dup, ipcp_now_ms());
        bc.expire = ipcp_timer_add(BC_EXPIRE_MS, expire_cb, NULL);
}

/* Take the configuration c and start: 0 or a negative errno, with the
 * reason in at. */
static int operate(const struct bc_conf * c,
                   struct ipcp_attach *   at)
{
        int n;
        int err;

        n = hash_name(c->hash, c->layer, bc.lhash);
        if (n < 0)
                return n;

        bc.buf_len = (size_t) c->mtu + BC_HDR_LEN + 1;
        bc.rbuf    = malloc(bc.buf_len);
        bc.wbuf    = malloc(bc.buf_len);
        bc.dup     = bc_dup_create(BC_DUP_ORIGINS, BC_DUP_IDLE_MS,
                                   BC_DUP_HOLD_MS);
        if (bc.rbuf == NULL || bc.wbuf == NULL || bc.dup == NULL) {
                free(bc.rbuf);
                free(bc.wbuf);
                bc.rbuf = NULL;
                bc.wbuf = NULL;
                bc_dup_destroy(bc.dup);
                bc.dup = NULL;
                return -ENOMEM;
        }
        bc.lhash_len = (size_t) n;
        bc.conf      = *c;

        if (getrandom(&bc.id, sizeof(bc.id), 0) != sizeof(bc.id) ||
            bc.id == 0)
                bc.id = (uint64_t) ipcp_now_ms() << 20 ^ (uint64_t) getpid();

        if (!bc.listening) {
                err = ipcp_lower_listen(lower_cb, NULL);
                if (err < 0 && err != -EALREADY)
                        log_warn("Not accepting lower flows: %d.", err);
                else
                        bc.listening = true;
        }

        bc.expire = ipcp_timer_add(BC_EXPIRE_MS, expire_cb, NULL);
        bc.state  = BC_OPER;

        at->max_pkt = c->mtu;
        snprintf(at->info, sizeof(at->info), "mtu %u neighbours %zu",
                 c->mtu, bc.n_nb);

        log_info("Member %016llx of broadcast layer %s (%s, mtu %u).",
                 (unsigned long long) bc.id, c->layer,
                 hash_algo_str(c->hash), c->mtu);

        return 0;
}

static int bc_bootstrap(struct msg_view      conf,
                        struct ipcp_attach * at)
{
        struct layer_config lc;
        struct bc_conf      c;
        int                 err;

        if (bc.state != BC_INIT)
                return -EIPCPSTATE;

        err = ipcp_conf_get(conf, &lc);
        if (err < 0) {
                snprintf(at->info, sizeof(at->info), "bad configuration");
                return err;
        }
        if (lc.type != IPCP_BROADCAST)
                return -EIPCPTYPE;
        if (lc.mtu < BC_MTU_MIN) {
                snprintf(at->info, sizeof(at->info), "bad mtu %u", lc.mtu);
                return -EINVAL;
        }

        memset(&c, 0, sizeof(c));
        snprintf(c.layer, sizeof(c.layer), "%s", lc.layer);
        c.hash = lc.hash;
        c.mtu  = lc.mtu;

        return operate(&c, at);
}

/* ---- enrollment: the new member's side ---- */

static void enr_end(int                    err,
                    const struct bc_conf * c)
{
        struct pend *      e = bc.enr;
        struct ipcp_attach at;
        struct msg *       extra;

        bc.enr = NULL;
        if (e->t != NULL)
                ipcp_timer_cancel(e->t);
        if (e->fd >= 0) {
                ipcp_flow_unwatch(e->fd);
                flow_dealloc(e->fd);
        }

        memset(&at, 0, sizeof(at));
        extra = NULL;
        if (err == 0) {
                err = operate(c, &at);
                extra = malloc(sizeof(*extra));
                if (extra == NULL && err == 0)
                        err = -ENOMEM;
        }
        if (err == 0) {
                msg_init(extra, 0, 0, 0);
                if (msg_put_str(extra, T_LAYER, c->layer) < 0 ||
                    msg_put_u32(extra, T_HASH_ALGO, (uint32_t) c->hash) < 0)
                        err = -ENOMEM;
        }

        if (err < 0) {
                bc.state = BC_INIT;
                if (at.info[0] == '\0')
                        snprintf(at.info, sizeof(at.info),
                                 "enrollment with %.160s failed: %.40s",
                                 e->dst, strerror(-err));
                log_warn("Enrollment with %s failed: %d.", e->dst, err);
        } else {
                log_info("Enrolled with %s.", e->dst);
        }

        if (ipcp_answer_ext(e->tok, err, extra, &at) < 0)
                log_warn("Could not answer the enrollment request.");

        free(extra);
        free(e);
}

static void enr_timeout(void * arg)
{
        (void) arg;

        bc.enr->t = NULL;
        enr_end(-ETIMEDOUT, NULL);
}

static void enr_flow_cb(void * arg,
                        int    fd,
                        int    events)
{
        uint8_t        buf[BC_ENR_ANS_MAX + 1];
        struct bc_conf c;
        ssize_t        n;

        (void) arg;

        n = flow_read(fd, buf, sizeof(buf));
        if (n == -EAGAIN) {
                if (events & (FLOW_DEALLOC | FLOW_DOWN))
                        enr_end(-ECONNRESET, NULL);
                return;
        }
        if (n < 0) {
                enr_end(n == -EFLOWDOWN ? -ECONNRESET : (int) n, NULL);
                return;
        }

        memset(&c, 0, sizeof(c));
        if (bc_enr_ans_parse(buf, (size_t) n, &c) < 0) {
                ++bc.c[C_MALFORMED];
                log_warn("Malformed enrollment answer from %s.",
                         bc.enr->dst);
                enr_end(-EBADMSG, NULL);
                return;
        }

        enr_end(0, &c);
}

static void enr_conn_cb(void *                    arg,
                        int                       fd,
                        int                       result,
                        const struct lower_info * ans)
{
        uint8_t buf[BC_ENR_REQ_LEN];
        ssize_t n;
        int     err;

        (void) arg;
        (void) ans;

        if (fd < 0) {
                enr_end(result < 0 ? result : -EIPCP, NULL);
                return;
        }

        bc.enr->fd = fd;
        set_nonblock(fd);

        n   = bc_enr_req_put(buf, sizeof(buf));
        err = (int) flow_write(fd, buf, (size_t) n);
        if (err >= 0)
                err = ipcp_flow_watch(fd, enr_flow_cb, NULL);
        if (err >= 0) {
                bc.enr->t = ipcp_timer_add(LOWER_HANDSHAKE_MS, enr_timeout,
                                           NULL);
                if (bc.enr->t != NULL)
                        return;
                err = -ENOMEM;
        }

        enr_end(err, NULL);
}

static int bc_enroll(const char *         dst,
                     struct msg *         rep,
                     struct ipcp_attach * at)
{
        struct lower_info req;
        int               err;

        (void) rep;
        (void) at;

        if (bc.state != BC_INIT)
                return -EIPCPSTATE;

        bc.enr = calloc(1, sizeof(*bc.enr));
        if (bc.enr == NULL)
                return -ENOMEM;

        bc.enr->tok = ipcp_req_tok();
        bc.enr->fd  = -1;
        snprintf(bc.enr->dst, sizeof(bc.enr->dst), "%s", dst);

        memset(&req, 0, sizeof(req));
        req.proto = BC_VERSION;
        snprintf(req.comp, sizeof(req.comp), BC_COMP_ENROLL);

        err = ipcp_lower_connect(dst, NULL, BC_CONNECT_MS, &req,
                                 enr_conn_cb, NULL);
        if (err < 0) {
                free(bc.enr);
                bc.enr = NULL;
                return err;
        }

        bc.state = BC_ENROLLING;

        return IPCP_LATER;
}

/* ---- enrollment: the member's side ---- */

static void mbr_close(struct pend * e)
{
        ipcp_flow_unwatch(e->fd);
        flow_dealloc(e->fd);
        free(e);
}

static void mbr_timeout(void * arg)
{
        struct pend * e = arg;

        e->t = NULL;
        mbr_close(e);
}

static void mbr_end(struct pend * e)
{
        if (e->t != NULL)
                ipcp_timer_cancel(e->t);
        mbr_close(e);
}

static void mbr_flow_cb(void * arg,
                        int    fd,
                        int    events)
{
        struct pend * e = arg;
        uint8_t       buf[BC_ENR_ANS_MAX];
        ssize_t       n;

        n = flow_read(fd, buf, sizeof(buf));
        if (n == -EAGAIN) {
                if (events & (FLOW_DEALLOC | FLOW_DOWN))
                        mbr_end(e); /* the new member is done */
                return;
        }
        if (n < 0) {
                mbr_end(e);
                return;
        }

        if (e->answered || bc_enr_req_parse(buf, (size_t) n) < 0) {
                ++bc.c[C_MALFORMED];
                log_warn("Malformed enrollment request from %s.", e->dst);
                mbr_end(e);
                return;
        }

        e->answered = true; /* wait for the new member to close */
        n = bc_enr_ans_put(buf, sizeof(buf), &bc.conf);
        if (n < 0 || flow_write(fd, buf, (size_t) n) < 0) {
                log_warn("Could not answer the enrollment of %s.", e->dst);
                mbr_end(e);
                return;
        }

        ++bc.c[C_ENROLLED_OTHERS];
        log_info("Sent the layer's configuration to %s.", e->dst);
}

/* ---- lower flows ---- */

static int accept_enroll(int                       fd,
                         const struct lower_info * req)
{
        struct pend * e;

        e = calloc(1, sizeof(*e));
        if (e == NULL)
                return -ENOMEM;

        e->fd = fd;
        snprintf(e->dst, sizeof(e->dst), "%s", req->name);
        set_nonblock(fd);
        if (ipcp_flow_watch(fd, mbr_flow_cb, e) < 0) {
                free(e);
                return -ENOMEM;
        }
        e->t = ipcp_timer_add(BC_ENR_HOLD_MS, mbr_timeout, e);
        if (e->t == NULL) {
                ipcp_flow_unwatch(fd);
                free(e);
                return -ENOMEM;
        }

        return 0;
}

/* Whether lower flow fd carries a whole message of the layer. */
static int check_max(int          fd,
                     const char * peer)
{
        size_t max = 0;

        if (fccntl(fd, FLOWGMAXPKT, &max) < 0 ||
            max < (size_t) bc.conf.mtu + BC_HDR_LEN) {
                ++bc.c[C_REFUSED_MTU];
                log_warn("Lower flow with %s carries %zu bytes, the layer "
                         "needs %u + %d: refused.", peer, max, bc.conf.mtu,
                         BC_HDR_LEN);
                return -EMSGSIZE;
        }

        return 0;
}

static struct bflow * nb_add(int          fd,
                             const char * name,
                             const char * dst)
{
        struct bflow * f;

        f = flow_add(fd, true);
        if (f == NULL)
                return NULL;

        snprintf(f->name, sizeof(f->name), "%s", name);
        snprintf(f->dst, sizeof(f->dst), "%s", dst);
        log_info("Neighbour %s added (%zu now).", name, bc.n_nb);

        return f;
}

static int lower_cb(void *                    arg,
                    int                       fd,
                    const qosspec_t *         qs,
                    const struct lower_info * req,
                    struct lower_info *       ans)
{
        int err;

        (void) arg;
        (void) qs;

        if (bc.state != BC_OPER)
                return -EIPCPSTATE;

        ans->proto = BC_VERSION;
        snprintf(ans->layer, sizeof(ans->layer), "%s", bc.conf.layer);

        if (req->type != IPCP_BROADCAST || req->proto != BC_VERSION) {
                ++bc.c[C_REFUSED_COMP];
                log_warn("Lower flow from %s: type %d, version %u: "
                         "refused.", req->name, req->type, req->proto);
                return -EPROTO;
        }

        if (strcmp(req->comp, BC_COMP_ENROLL) == 0)
                return accept_enroll(fd, req);

        if (strcmp(req->comp, BC_COMP_DT) != 0) {
                ++bc.c[C_REFUSED_COMP];
                log_warn("Lower flow from %s for component '%s': refused.",
                         req->name, req->comp);
                return -EPROTONOSUPPORT;
        }

        if (strcmp(req->layer, bc.conf.layer) != 0) {
                ++bc.c[C_REFUSED_LAYER];
                log_warn("Neighbour %s is in layer '%s', not '%s': "
                         "refused.", req->name, req->layer, bc.conf.layer);
                return -EPERM;
        }

        err = check_max(fd, req->name);
        if (err < 0)
                return err;

        return nb_add(fd, req->name, req->name) != NULL ? 0 : -ENOMEM;
}

static void conn_cb(void *                    arg,
                    int                       fd,
                    int                       result,
                    const struct lower_info * ans)
{
        struct pend * c = arg;
        int           err = result;

        if (fd >= 0) {
                err = check_max(fd, c->dst);
                if (err == 0 && bc.state != BC_OPER)
                        err = -EIPCPSTATE;
                if (err == 0 && nb_add(fd, ans->name, c->dst) == NULL)
                        err = -ENOMEM;
                if (err < 0)
                        flow_dealloc(fd);
        }

        if (err < 0)
                log_warn("Connecting to %s failed: %d.", c->dst, err);

        ipcp_answer(c->tok, err);
        free(c);
}

static bool comp_ok(const char * comp)
{
        return comp[0] == '\0' || strcmp(comp, BC_COMP_DT) == 0;
}

static int bc_connect(const char *      dst,
                      const char *      comp,
                      const qosspec_t * qs)
{
        struct lower_info req;
        struct pend *     c;
        int               err;

        if (bc.state != BC_OPER)
                return -EIPCPSTATE;
        if (!comp_ok(comp))
                return -ENOTSUP; /* only "dt": no management here */

        c = calloc(1, sizeof(*c));
        if (c == NULL)
                return -ENOMEM;

        c->tok = ipcp_req_tok();
        c->fd  = -1;
        snprintf(c->dst, sizeof(c->dst), "%s", dst);

        memset(&req, 0, sizeof(req));
        req.proto = BC_VERSION;
        snprintf(req.comp, sizeof(req.comp), BC_COMP_DT);
        snprintf(req.layer, sizeof(req.layer), "%s", bc.conf.layer);

        err = ipcp_lower_connect(dst, qs, BC_CONNECT_MS, &req, conn_cb, c);
        if (err < 0) {
                free(c);
                return err;
        }

        return IPCP_LATER;
}

static int bc_disconnect(const char * dst,
                         const char * comp)
{
        struct bflow * f;
        struct bflow * next;
        int            n = 0;

        if (!comp_ok(comp))
                return -ENOTSUP;

        for (f = bc.flows; f != NULL; f = next) {
                next = f->next;
                if (f->nb && (strcmp(f->dst, dst) == 0 ||
                              strcmp(f->name, dst) == 0)) {
                        flow_remove(f, "disconnected");
                        ++n;
                }
        }

        return n > 0 ? 0 : -ENOENT;
}

/* ---- joined applications ---- */

static int bc_flow_alloc(const struct ipcp_flow_req * r)
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

        f = flow_add(r->fd, false);
        if (f == NULL) {
                err = -ENOMEM;
                goto fail;
        }
        f->flow_id = r->flow_id;

        err = ipcp_flow_alloc_reply(r->flow_id, 0, NULL, 0);
        if (err < 0) {
                flow_remove(f, "no reply to the IRMd");
                return err;
        }

        log_dbg("Flow %u joined (%zu joined).", r->flow_id, bc.n_app);

        return 0;
 fail:
        if (r->fd >= 0)
                flow_dealloc(r->fd);
        return err;
}

static int bc_flow_dealloc(uint32_t flow_id)
{
        struct bflow * f;

        for (f = bc.flows; f != NULL; f = f->next) {
                if (!f->nb && f->flow_id == flow_id) {
                        flow_remove(f, "deallocated by the IRMd");
                        return 0;
                }
        }

        return 0; /* gone already (the application's own dealloc) */
}

/* ---- the rest ---- */

/* "nb:NAME:what", the neighbour's name with '_' for spaces (a counter's
 * name has none). */
static void nb_key(char *               key,
                   size_t               len,
                   const struct bflow * f,
                   const char *         what)
{
        char * c;

        snprintf(key, len, "nb:%.200s:%s", f->name, what);
        for (c = key; *c != '\0'; ++c)
                if (*c == ' ')
                        *c = '_';
}

static int bc_stat(struct ipcp_stat * s)
{
        struct bflow * f;
        char           key[NAME_MAX_LEN + 1];
        int            err;
        int            i;

        err = ipcp_stat_add(s, "member_id", bc.id);
        if (err == 0)
                err = ipcp_stat_add(s, "mtu", bc.conf.mtu);
        if (err == 0)
                err = ipcp_stat_add(s, "neighbours", bc.n_nb);
        if (err == 0)
                err = ipcp_stat_add(s, "joined", bc.n_app);
        if (err == 0)
                err = ipcp_stat_add(s, "origins", bc.dup != NULL ?
                                    bc_dup_count(bc.dup) : 0);
        if (err == 0)
                err = ipcp_stat_add(s, "origins_evicted", bc.dup != NULL ?
                                    bc_dup_evicted(bc.dup) : 0);
        for (i = 0; err == 0 && i < C_MAX; ++i)
                err = ipcp_stat_add(s, ctr_name[i], bc.c[i]);
        for (f = bc.flows; err == 0 && f != NULL; f = f->next) {
                if (!f->nb)
                        continue;
                nb_key(key, sizeof(key), f, "rx");
                err = ipcp_stat_add(s, key, f->rx);
                nb_key(key, sizeof(key), f, "tx");
                if (err == 0)
                        err = ipcp_stat_add(s, key, f->tx);
                nb_key(key, sizeof(key), f, "drop_ring_full");
                if (err == 0)
                        err = ipcp_stat_add(s, key, f->full);
                nb_key(key, sizeof(key), f, "drop_stuck");
                if (err == 0)
                        err = ipcp_stat_add(s, key, f->stuck_drops);
                nb_key(key, sizeof(key), f, "pending");
                if (err == 0)
                        err = ipcp_stat_add(s, key, f->qn);
        }
        if (err == 0)
                err = ipcp_lower_stat(s);

        return err == -EMSGSIZE ? 0 : err; /* a full answer: what fits */
}

static void bc_fini(void)
{
        while (bc.flows != NULL)
                flow_remove(bc.flows, "exiting");
        if (bc.expire != NULL)
                ipcp_timer_cancel(bc.expire);
        bc.expire = NULL;
        if (bc.retry != NULL)
                ipcp_timer_cancel(bc.retry);
        bc.retry     = NULL;
        bc.throttled = false;
        bc_dup_destroy(bc.dup);
        bc.dup = NULL;
        free(bc.rbuf);
        free(bc.wbuf);
        bc.rbuf = NULL;
        bc.wbuf = NULL;
}

int main(int    argc,
         char * argv[])
{
        struct ipcp_ops ops;

        memset(&ops, 0, sizeof(ops));
        ops.bootstrap    = bc_bootstrap;
        ops.enroll       = bc_enroll;
        ops.connect      = bc_connect;
        ops.disconnect   = bc_disconnect;
        ops.flow_alloc   = bc_flow_alloc;
        ops.flow_dealloc = bc_flow_dealloc;
        ops.stat         = bc_stat;
        ops.fini         = bc_fini;
        ops.carries_data = true;

        return ipcp_main(argc, argv, IPCP_BROADCAST, &ops);
}
