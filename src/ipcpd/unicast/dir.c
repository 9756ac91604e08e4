/*
 * Ouroboros - ipcpd-unicast: the directory (uni.h, dir.c). One member
 * of the layer's Kademlia DHT (dir/dht.h) per IPCP, over the data
 * transfer: its messages go with dt_send(addr, CUBE_DATA, DT_EID_DIR)
 * and come in through dt_reg_comp(DT_EID_DIR).
 *
 * - Node id: the layer's hash of this member's address, 8 bytes
 *   big-endian (stable across restarts).
 * - A timer runs dht_tick at dht_next, at least every DHT_TICK_MS, and
 *   every DIR_JOIN_MS while the k-buckets are empty: then the member
 *   joins through a dt neighbour as soon as one is up (another one
 *   every DIR_JOIN_RETRY_MS until one answers), at start and whenever
 *   its table empties again.
 * - Name queries of the IRMd and resolutions for fa.c answer at once
 *   from the cache or the member's store, else run one lookup per hash
 *   (waiters of the same hash share it) and answer when it ends.
 * - The cache keeps the answers of lookups (one address per hash, this
 *   member's own first when the name is registered here too) for
 *   DIR_CACHE_MS, at most DIR_CACHE_MAX; fa.c drops an entry when a
 *   flow to its address fails (dir_fa.h), so a warm allocation costs no
 *   lookup and a stale answer costs one failed allocation.
 */
#include "uni.h"
#include "dir_fa.h"

#include "dir/dht.h"

#include "common/hash.h"
#include "common/log.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR_JOIN_MS    250     /* tick while alone, joining */
#define DIR_JOIN_RETRY_MS 1000 /* a join unanswered: the next one */
#define DIR_CACHE_MS   60000   /* an answer is kept this long */
#define DIR_CACHE_MAX  1024
#define DIR_WAIT_MAX   64      /* waiters on one lookup */
#define DIR_ADDRS      16      /* addresses read from one answer */

struct waiter {
        bool       irmd;      /* tok, else cb(arg) */
        ipcp_tok_t tok;
        dir_cb     cb;
        void *     arg;
};

struct dquery {
        struct dquery * next;
        int             id;
        uint8_t         key[DHT_KEY_MAX];
        struct waiter   w[DIR_WAIT_MAX];
        size_t          n;
};

struct dcache {
        struct dcache * next;
        uint8_t         key[DHT_KEY_MAX];
        uint64_t        addr;
        int64_t         expires;
};

enum dir_ctr {
        DC_SEND_ERR = 0,
        DC_QUERIES,
        DC_FOUND,
        DC_NOT_FOUND,
        DC_CACHE_HITS,
        DC_JOINS,
        DC_COUNT
};

static const char * const ctr_names[DC_COUNT] = {
        [DC_SEND_ERR]   = "dir.send_err",
        [DC_QUERIES]    = "dir.queries",
        [DC_FOUND]      = "dir.found",
        [DC_NOT_FOUND]  = "dir.not_found",
        [DC_CACHE_HITS] = "dir.cache_hits",
        [DC_JOINS]      = "dir.joins"
};

static struct {
        struct dht *        dht;
        size_t              klen;
        struct ipcp_timer * timer;
        int64_t             timer_at;
        size_t              join_next;  /* which neighbour to try */
        uint64_t            join_at;    /* not before (ms)        */
        struct dquery *     queries;
        struct dcache *     cache;
        size_t              n_cache;
        uint64_t            ctr[DC_COUNT];
        uint8_t             buf[DHT_MSG_LEN_MAX];
} dir;

static uint64_t now_ms(void)
{
        return (uint64_t) ipcp_now_ms();
}

/* ---- the cache ---- */

static struct dcache ** cache_find(const uint8_t * key)
{
        struct dcache ** cp;
        int64_t          now = ipcp_now_ms();

        cp = &dir.cache;
        while (*cp != NULL) {
                struct dcache * c = *cp;
                if (c->expires <= now) {
                        *cp = c->next;
                        free(c);
                        --dir.n_cache;
                        continue;
                }
                if (memcmp(c->key, key, dir.klen) == 0)
                        return cp;
                cp = &c->next;
        }

        return NULL;
}

static void cache_put(const uint8_t * key,
                      uint64_t        addr)
{
        struct dcache ** cp = cache_find(key);
        struct dcache *  c;

        if (cp != NULL) {
                c = *cp;
        } else {
                if (dir.n_cache >= DIR_CACHE_MAX) { /* drop the oldest */
                        for (cp = &dir.cache; (*cp)->next != NULL;
                             cp = &(*cp)->next)
                                ;
                        free(*cp);
                        *cp = NULL;
                        --dir.n_cache;
                }
                c = malloc(sizeof(*c));
                if (c == NULL)
                        return;
                memcpy(c->key, key, dir.klen);
                c->next   = dir.cache;
                dir.cache = c;
                ++dir.n_cache;
        }

        c->addr    = addr;
        c->expires = ipcp_now_ms() + DIR_CACHE_MS;
}

void dir_forget(struct ipcp_hash h,
                uint64_t         addr)
{
        struct dcache ** cp;
        struct dcache *  c;

        if (dir.dht == NULL || h.len != dir.klen)
                return;

        cp = cache_find(h.p);
        if (cp == NULL || (addr != 0 && (*cp)->addr != addr))
                return;

        c   = *cp;
        *cp = c->next;
        free(c);
        --dir.n_cache;
}

/* One address of the answer: this member's own if it is there. */
static uint64_t pick(const uint64_t * addrs,
                     size_t           n)
{
        size_t i;

        for (i = 0; i < n; ++i)
                if (addrs[i] == uni_addr())
                        return addrs[i];

        return n > 0 ? addrs[0] : 0;
}

/* ---- sending, ticking ---- */

static void flush(void)
{
        static struct log_rate rl;
        uint64_t               dst;
        ssize_t                n;
        int                    err;

        while ((n = dht_pop(dir.dht, &dst, dir.buf, sizeof(dir.buf))) > 0) {
                err = dt_send(dst, CUBE_DATA, DT_EID_DIR, dir.buf, (size_t) n);
                if (err < 0) {
                        ++dir.ctr[DC_SEND_ERR];
                        if (log_rate_ok(&rl, LOG_LVL_DBG, "directory send"))
                                log_dbg("Directory message to %" PRIu64
                                        " not sent: %d.", dst, err);
                }
        }
}

static void answer(struct dquery * q,
                   uint64_t        addr)
{
        size_t i;

        ++dir.ctr[addr != 0 ? DC_FOUND : DC_NOT_FOUND];

        for (i = 0; i < q->n; ++i) {
                if (q->w[i].irmd)
                        ipcp_answer(q->w[i].tok, addr != 0 ? 0 : -ENAME);
                else
                        q->w[i].cb(q->w[i].arg, addr);
        }
}

/* Answer the waiters of every lookup that ended. */
static void settle(void)
{
        struct dquery ** qp = &dir.queries;
        struct dquery *  q;
        uint64_t         addrs[DIR_ADDRS];
        uint64_t         a;
        size_t           n = 0;
        int              r;

        while (*qp != NULL) {
                q = *qp;
                r = dht_result(dir.dht, q->id, addrs, DIR_ADDRS, &n, NULL);
                if (r == -EINPROGRESS) {
                        qp = &q->next;
                        continue;
                }
                *qp = q->next;
                a   = r == 0 ? pick(addrs, n) : 0;
                if (a != 0)
                        cache_put(q->key, a);
                answer(q, a); /* callbacks may start new queries */
                free(q);
                qp = &dir.queries;
        }
}

static void tick_cb(void * arg);

static void arm(void)
{
        struct dht_stats st;
        uint64_t         now = now_ms();
        uint64_t         at  = dht_next(dir.dht);
        uint64_t         max = now + DHT_TICK_MS;

        dht_stats(dir.dht, &st);
        if (st.table.contacts == 0)
                max = now + DIR_JOIN_MS;   /* alone: look for neighbours */
        if (at > max)
                at = max;
        if (at < now)
                at = now;

        if (dir.timer != NULL) {
                if ((uint64_t) dir.timer_at <= at)
                        return;
                ipcp_timer_cancel(dir.timer);
        }

        dir.timer_at = (int64_t) at;
        dir.timer    = ipcp_timer_add((int64_t) (at - now), tick_cb, NULL);
        if (dir.timer == NULL)
                log_err("Directory timer not set: out of memory.");
}

/* After every call into the DHT: send, answer, re-arm. */
static void after(void)
{
        flush();
        settle();
        flush();
        arm();
}

static void join(uint64_t now)
{
        struct dht_stats st;
        uint64_t         nbrs[32];
        size_t           n;

        dht_stats(dir.dht, &st);
        if (st.table.contacts > 0 || now < dir.join_at)
                return;

        n = nbr_list(NBR_DT, nbrs, 32);
        if (n == 0)
                return;
        if (n > 32)
                n = 32;

        if (dht_join(dir.dht, nbrs[dir.join_next++ % n], now) == 0) {
                ++dir.ctr[DC_JOINS];
                dir.join_at = now + DIR_JOIN_RETRY_MS;
        }
}

static void tick_cb(void * arg)
{
        uint64_t now = now_ms();

        (void) arg;

        dir.timer = NULL; /* fired: freed by the framework */

        join(now);
        dht_tick(dir.dht, now);
        after();
}

static void rcv_cb(const uint8_t * buf,
                   size_t          len,
                   uint8_t         ecn)
{
        static struct log_rate rl;
        int                    err;

        (void) ecn;

        if (dir.dht == NULL)
                return;

        err = dht_rcv(dir.dht, buf, len, now_ms());
        if (err < 0 && log_rate_ok(&rl, LOG_LVL_WARN, "bad directory"))
                log_warn("Directory message of %zu bytes dropped: %d.",
                         len, err);

        after();
}

/* ---- the module ---- */

int dir_init(void)
{
        struct dht_cfg cfg;
        uint8_t        id[HASH_MAX_LEN];
        uint8_t        be[8];
        uint64_t       a = uni_addr();
        int            i;
        int            err;

        if (a == 0 || !dht_klen_ok(uni_conf.hash_len))
                return -EINVAL;

        for (i = 7; i >= 0; --i) {
                be[i] = (uint8_t) a;
                a >>= 8;
        }
        err = hash_data(uni_conf.lc.hash, be, sizeof(be), id);
        if (err < 0)
                return err;
        if ((size_t) err != uni_conf.hash_len)
                return -EINVAL;

        memset(&cfg, 0, sizeof(cfg));
        cfg.klen        = uni_conf.hash_len;
        cfg.k           = uni_conf.lc.dht_k;
        cfg.alpha       = uni_conf.lc.dht_alpha;
        cfg.t_expire    = uni_conf.lc.dht_t_expire;
        cfg.t_refresh   = uni_conf.lc.dht_t_refresh;
        cfg.t_replicate = uni_conf.lc.dht_t_replicate;

        memset(&dir, 0, sizeof(dir));
        dir.klen = uni_conf.hash_len;

        err = dht_create(&dir.dht, &cfg, id, uni_addr(), now_ms());
        if (err < 0) {
                log_err("Directory not created: %d.", err);
                return err;
        }

        err = dt_reg_comp(DT_EID_DIR, rcv_cb);
        if (err < 0) {
                dht_destroy(dir.dht);
                dir.dht = NULL;
                return err;
        }

        arm();

        return 0;
}

void dir_fini(void)
{
        struct dquery * q;
        struct dcache * c;

        if (dir.dht == NULL)
                return;

        if (dir.timer != NULL)
                ipcp_timer_cancel(dir.timer);

        while (dir.queries != NULL) {
                q           = dir.queries;
                dir.queries = q->next;
                answer(q, 0);
                free(q);
        }

        while (dir.cache != NULL) {
                c         = dir.cache;
                dir.cache = c->next;
                free(c);
        }

        dht_destroy(dir.dht);
        memset(&dir, 0, sizeof(dir));
}

int dir_reg(struct ipcp_hash h)
{
        int err;

        if (dir.dht == NULL)
                return -EIPCPSTATE;
        if (h.len != dir.klen)
                return -EINVAL;

        err = dht_register(dir.dht, h.p, now_ms());
        after();

        return err;
}

int dir_unreg(struct ipcp_hash h)
{
        int err;

        if (dir.dht == NULL)
                return -EIPCPSTATE;
        if (h.len != dir.klen)
                return -EINVAL;

        dir_forget(h, uni_addr());

        err = dht_unregister(dir.dht, h.p, now_ms());
        after();
        if (err == -EBUSY) {
                log_warn("Withdrawal not published (lookups busy): the "
                         "copies expire in time.");
                err = 0;
        }

        return err;
}

/* Start (or join) the lookup of h for w: 0 with *addr set if known at
 * once, IPCP_LATER, -ENAME (not found), -EBUSY, -ENOMEM. */
static int lookup(struct ipcp_hash      h,
                  const struct waiter * w,
                  uint64_t *            addr)
{
        struct dcache ** cp;
        struct dquery *  q;
        uint64_t         addrs[DIR_ADDRS];
        size_t           n = 0;
        int              id;

        ++dir.ctr[DC_QUERIES];

        cp = cache_find(h.p);
        if (cp != NULL) {
                ++dir.ctr[DC_CACHE_HITS];
                *addr = (*cp)->addr;
                return 0;
        }

        for (q = dir.queries; q != NULL; q = q->next) {
                if (memcmp(q->key, h.p, dir.klen) != 0)
                        continue;
                if (q->n == DIR_WAIT_MAX)
                        return -EBUSY;
                q->w[q->n++] = *w;
                return IPCP_LATER;
        }

        q = calloc(1, sizeof(*q));
        if (q == NULL)
                return -ENOMEM;

        id = dht_query(dir.dht, h.p, now_ms(), addrs, DIR_ADDRS, &n);
        if (id <= 0) {
                free(q);
                if (id < 0)
                        return id;
                flush();
                *addr = pick(addrs, n);
                ++dir.ctr[*addr != 0 ? DC_FOUND : DC_NOT_FOUND];
                return *addr != 0 ? 0 : -ENAME;
        }

        /* A lookup with nobody to ask ends at once. */
        if (dht_result(dir.dht, id, addrs, DIR_ADDRS, &n, NULL) == 0) {
                free(q);
                after();
                *addr = pick(addrs, n);
                if (*addr == 0) {
                        ++dir.ctr[DC_NOT_FOUND];
                        return -ENAME;
                }
                ++dir.ctr[DC_FOUND];
                cache_put(h.p, *addr);
                return 0;
        }

        q->id = id;
        memcpy(q->key, h.p, dir.klen);
        q->w[0]     = *w;
        q->n        = 1;
        q->next     = dir.queries;
        dir.queries = q;

        flush();
        arm();

        return IPCP_LATER;
}

int dir_query_op(struct ipcp_hash h,
                 ipcp_tok_t       tok)
{
        struct waiter w;
        uint64_t      addr;

        if (dir.dht == NULL)
                return -EIPCPSTATE;
        if (h.len != dir.klen)
                return -EINVAL;

        memset(&w, 0, sizeof(w));
        w.irmd = true;
        w.tok  = tok;

        return lookup(h, &w, &addr);
}

int dir_resolve(struct ipcp_hash h,
                uint64_t *       addr,
                dir_cb           cb,
                void *           arg)
{
        struct waiter w;

        if (dir.dht == NULL)
                return -EIPCPSTATE;
        if (h.len != dir.klen || addr == NULL || cb == NULL)
                return -EINVAL;

        memset(&w, 0, sizeof(w));
        w.cb  = cb;
        w.arg = arg;

        return lookup(h, &w, addr);
}

/* ---- stat ---- */

static int entry_stat(const struct dht_entry * e,
                      void *                   arg)
{
        struct ipcp_stat * s = arg;
        char               name[32];
        size_t             i;

        snprintf(name, sizeof(name), "dir.");
        for (i = 0; i < 8; ++i)
                snprintf(name + 4 + 2 * i, sizeof(name) - 4 - 2 * i, "%02x",
                         e->key[i]);

        for (i = 0; i < e->nv; ++i)
                if (ipcp_stat_add(s, name, e->vals[i].addr) < 0)
                        return -EMSGSIZE;

        return 0;
}

int dir_stat(struct ipcp_stat * s)
{
        struct dht_stats st;
        int              r = 0;
        int              c;

        if (dir.dht == NULL)
                return 0;

        dht_stats(dir.dht, &st);

        r |= ipcp_stat_add(s, "dir.contacts", st.table.contacts);
        r |= ipcp_stat_add(s, "dir.keys", st.store.keys);
        r |= ipcp_stat_add(s, "dir.values", st.store.vals);
        r |= ipcp_stat_add(s, "dir.cached", dir.n_cache);
        r |= ipcp_stat_add(s, "dir.msgs_in", st.rcv);
        r |= ipcp_stat_add(s, "dir.msgs_bad", st.bad);
        r |= ipcp_stat_add(s, "dir.msgs_out", st.sent);
        r |= ipcp_stat_add(s, "dir.timeouts", st.timeouts);
        r |= ipcp_stat_add(s, "dir.lookups", st.lookups);
        r |= ipcp_stat_add(s, "dir.refused", st.refused);
        for (c = 0; c < DC_COUNT; ++c)
                r |= ipcp_stat_add(s, ctr_names[c], dir.ctr[c]);

        if (r < 0)
                return -EMSGSIZE;

        return dht_entries(dir.dht, now_ms(), entry_stat, s);
}
