/*
 * Ouroboros - lower flows of IPCP types that run over other layers: the
 * accept worker, the connect workers and the handshake (lower.h).
 *
 * Only flow_accept and flow_alloc block, so only they run in worker
 * threads: one accept worker (ipcp_lower_listen) that loops on
 * flow_accept with a short timeout (ACCEPT_MS) so that ipcp_lower_fini
 * can stop it, and one detached thread per ipcp_lower_connect (at most
 * CONN_MAX in flight). Each posts its flow to the loop thread
 * (ipcp_loop_call), where the handshake runs without blocking: the flow
 * is made non-blocking, watched, and given LOWER_HANDSHAKE_MS for its
 * one packet (the request at the acceptor, which answers it; the answer
 * at the allocator, which wrote the request). So a slow or silent peer
 * holds up neither the accept worker nor other handshakes. Once done,
 * the flow's flags are restored, it is unwatched and handed to the
 * type's callback; a failed handshake deallocates it.
 *
 * A job (struct hs) is on the list from its start to its end and has
 * one reference for the loop side and one for a worker that still runs;
 * the lock guards the list, the state, the references and the stop
 * flag. ipcp_lower_fini runs on the loop thread after the loop stopped
 * for good, so loop calls still queued never run: it ends every job
 * itself (flows deallocated, connect callbacks given -ECANCELED), and a
 * connect worker still in flow_alloc finds its job cancelled when the
 * call returns, deallocates its flow and never touches the loop.
 */
#include "lower.h"
#include "ipcp.h"

#include "common/log.h"
#include "common/name_check.h"
#include "common/timeutil.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ACCEPT_MS  500  /* flow_accept's timeout: how soon fini stops it */
#define RETRY_MS   100  /* after a failed flow_accept */
#define CONN_MAX   64   /* connects in flight */
#define ACC_MAX    256  /* accepted flows in their handshake */

enum hs_kind {
        HS_ACCEPT,
        HS_CONNECT
};

enum hs_state {
        HS_WORKER,      /* in a worker thread (flow_alloc) */
        HS_POSTED,      /* a loop call is queued */
        HS_LOOP         /* the handshake runs on the loop thread */
};

struct hs {
        struct hs *         next;
        struct hs *         prev;
        enum hs_kind        kind;
        enum hs_state       state;
        int                 refs;
        bool                cancelled;
        int                 fd;         /* or flow_alloc's error */
        qosspec_t           qs;
        uint32_t            flags;      /* the flow's, restored at the end */
        struct ipcp_timer * timer;
        /* connect */
        char *              dst;
        bool                raw;
        int                 timeout_ms;
        lower_conn_cb       cb;
        void *              arg;
        uint8_t             req[LOWER_INFO_MAX];
        size_t              req_len;
};

static struct {
        pthread_mutex_t  lock;
        bool             stopping;
        bool             listening;
        pthread_t        acc_thr;
        lower_accept_cb  acb;
        void *           aarg;
        struct hs *      jobs;
        size_t           n_conn;
        size_t           n_acc;
        _Atomic uint64_t accepted;
        _Atomic uint64_t refused;
        _Atomic uint64_t bad;
        _Atomic uint64_t conn_ok;
        _Atomic uint64_t conn_failed;
        struct log_rate  rate;          /* loop thread */
} lw = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- jobs ---- */

/* Lock held. */
static void hs_link(struct hs * h)
{
        h->prev = NULL;
        h->next = lw.jobs;
        if (lw.jobs != NULL)
                lw.jobs->prev = h;
        lw.jobs = h;
}

/* Lock held. */
static void hs_unlink(struct hs * h)
{
        if (h->prev != NULL)
                h->prev->next = h->next;
        else
                lw.jobs = h->next;
        if (h->next != NULL)
                h->next->prev = h->prev;
        h->next = h->prev = NULL;
        if (h->kind == HS_CONNECT)
                --lw.n_conn;
        else
                --lw.n_acc;
}

/* Lock held: drop a reference; true if h is to be freed. */
static bool hs_unref(struct hs * h)
{
        return --h->refs == 0;
}

static void hs_free(struct hs * h)
{
        free(h->dst);
        free(h);
}

/* The loop side is done with h (no longer watched, timer gone). */
static void hs_done(struct hs * h)
{
        bool last;

        pthread_mutex_lock(&lw.lock);
        hs_unlink(h);
        last = hs_unref(h);
        pthread_mutex_unlock(&lw.lock);

        if (last)
                hs_free(h);
}

static void on_posted(void * arg);

/*
 * From a worker: hand h with fd (a flow, or flow_alloc's error) to the
 * loop thread, or, if fini came first, deallocate the flow. Drops the
 * worker's reference.
 */
static void hs_post(struct hs * h,
                    int         fd)
{
        bool last;

        pthread_mutex_lock(&lw.lock);
        h->fd = fd;
        while (!h->cancelled) {
                h->state = HS_POSTED;
                if (ipcp_loop_call(on_posted, h) == 0)
                        break;
                h->state = HS_WORKER; /* no memory: try again */
                pthread_mutex_unlock(&lw.lock);
                usleep(RETRY_MS * 1000);
                pthread_mutex_lock(&lw.lock);
        }
        if (h->cancelled && h->fd >= 0) {
                flow_dealloc(h->fd);
                h->fd = -1;
        }
        last = hs_unref(h);
        pthread_mutex_unlock(&lw.lock);

        if (last)
                hs_free(h);
}

/* ---- the handshake, on the loop thread ---- */

/* Give the flow back as it came: watched no more, its flags. */
static void hs_release(struct hs * h)
{
        ipcp_flow_unwatch(h->fd);
        if (h->timer != NULL) {
                ipcp_timer_cancel(h->timer);
                h->timer = NULL;
        }
        fccntl(h->fd, FLOWSFLAGS, h->flags);
}

static void hs_fail(struct hs * h,
                    int         err)
{
        hs_release(h);
        flow_dealloc(h->fd);

        if (h->kind == HS_ACCEPT) {
                ++lw.bad;
                if (log_rate_ok(&lw.rate, LOG_LVL_WARN, "lower flow"))
                        log_warn("Lower flow handshake failed: %d.", err);
        } else {
                ++lw.conn_failed;
                log_info("Lower flow to %s: handshake failed: %d.",
                         h->dst, err);
                h->cb(h->arg, -1, err, NULL);
        }

        hs_done(h);
}

/* Write one small packet without blocking, whatever the flow's flags. */
static int write_now(int             fd,
                     const uint8_t * buf,
                     size_t          len)
{
        uint32_t fl;
        ssize_t  n;

        if (fccntl(fd, FLOWGFLAGS, &fl) < 0)
                return -EBADF;

        fl &= ~FLOWFDOWN;
        fccntl(fd, FLOWSFLAGS, fl | FLOWFWNOBLOCK);
        n = flow_write(fd, buf, len);
        fccntl(fd, FLOWSFLAGS, fl);

        return n < 0 ? (int) n : 0;
}

/* The answer to req: what the callback decided. */
static void answer(struct hs *               h,
                   const struct lower_info * req)
{
        struct lower_info ans;
        uint8_t           buf[LOWER_INFO_MAX];
        ssize_t           n;
        int               r;

        memset(&ans, 0, sizeof(ans));
        ans.proto = req->proto;
        strcpy(ans.comp, req->comp);

        r = lw.acb(lw.aarg, h->fd, &h->qs, req, &ans);
        if (r > 0) {
                log_err("Lower flow callback returned %d.", r);
                r = -EINVAL;
        }

        ans.kind   = LOWER_ANS;
        ans.result = (int16_t) (r < INT16_MIN ? -EPERM : r);
        ans.type   = ipcp_type();
        strcpy(ans.name, ipcp_name());

        n = lower_info_write(&ans, buf, sizeof(buf));
        if (n < 0) { /* the callback's comp or layer: not sendable */
                log_err("Bad lower flow answer (comp %s): %zd.",
                        req->comp, n);
                ans.proto = req->proto;
                strcpy(ans.comp, req->comp);
                ans.layer[0] = '\0';
                n = lower_info_write(&ans, buf, sizeof(buf));
        }

        if (n < 0 || write_now(h->fd, buf, (size_t) n) < 0)
                log_warn("Lower flow answer to %s not sent.", req->name);

        if (r == 0) {
                ++lw.accepted;
                log_dbg("Lower flow %d from %s (%s) taken.", h->fd,
                        req->name, req->comp);
        } else {
                ++lw.refused;
                log_info("Lower flow from %s (%s) refused: %d.",
                         req->name, req->comp, r);
                flow_dealloc(h->fd);
        }
}

/* The one packet of the handshake arrived and parsed. */
static void hs_got(struct hs *               h,
                   const struct lower_info * i)
{
        if (i->kind != (h->kind == HS_ACCEPT ? LOWER_REQ : LOWER_ANS)) {
                hs_fail(h, -EBADMSG);
                return;
        }

        hs_release(h);

        if (h->kind == HS_ACCEPT) {
                answer(h, i);
        } else if (i->result < 0) {
                ++lw.conn_failed;
                log_info("Lower flow to %s (%s) refused: %d.", h->dst,
                         i->name, i->result);
                flow_dealloc(h->fd);
                h->cb(h->arg, -1, i->result, NULL);
        } else {
                ++lw.conn_ok;
                h->cb(h->arg, h->fd, 0, i);
        }

        hs_done(h);
}

/* Read the handshake's packet if it is there. */
static void hs_read(struct hs * h)
{
        struct lower_info i;
        uint8_t           buf[LOWER_INFO_MAX + 1];
        ssize_t           n;

        n = flow_read(h->fd, buf, sizeof(buf));
        if (n == -EAGAIN)
                return;

        if (n < 0)
                hs_fail(h, n == -EFLOWDOWN ? -ECONNRESET : (int) n);
        else if (lower_info_parse(buf, (size_t) n, &i) < 0)
                hs_fail(h, -EBADMSG);
        else
                hs_got(h, &i);
}

static void on_hs_flow(void * arg,
                       int    fd,
                       int    events)
{
        (void) fd;
        (void) events;

        hs_read(arg);
}

static void on_hs_timeout(void * arg)
{
        struct hs * h = arg;

        h->timer = NULL; /* fired: the framework frees it */
        hs_fail(h, -ETIMEDOUT);
}

static void on_posted(void * arg)
{
        struct hs * h = arg;
        int         r;

        pthread_mutex_lock(&lw.lock);
        h->state = HS_LOOP;
        pthread_mutex_unlock(&lw.lock);

        if (h->fd < 0) { /* flow_alloc failed */
                ++lw.conn_failed;
                log_info("Lower flow to %s failed: %d.", h->dst, h->fd);
                h->cb(h->arg, -1, h->fd, NULL);
                hs_done(h);
                return;
        }

        r = fccntl(h->fd, FLOWGFLAGS, &h->flags);
        if (r == 0) {
                h->flags &= ~FLOWFDOWN;
                r = fccntl(h->fd, FLOWSFLAGS, h->flags | FLOWFNONBLOCK);
        }
        if (r == 0 && h->kind == HS_CONNECT)
                r = write_now(h->fd, h->req, h->req_len);
        if (r == 0)
                r = ipcp_flow_watch(h->fd, on_hs_flow, h);
        if (r == 0) {
                h->timer = ipcp_timer_add(LOWER_HANDSHAKE_MS,
                                          on_hs_timeout, h);
                if (h->timer == NULL)
                        r = -ENOMEM;
        }
        if (r < 0) {
                hs_fail(h, r);
                return;
        }

        hs_read(h); /* it may have come before the watch */
}

/* ---- the accept worker ---- */

static bool stopping(void)
{
        bool s;

        pthread_mutex_lock(&lw.lock);
        s = lw.stopping;
        pthread_mutex_unlock(&lw.lock);

        return s;
}

/* From the accept worker: a new flow for the loop thread, unless too
 * many wait for their request already. */
static void accepted(int               fd,
                     const qosspec_t * qs)
{
        static struct log_rate rl;
        struct hs *            h = calloc(1, sizeof(*h));
        bool                   full;
        bool                   drop;

        if (h == NULL) {
                log_err("No memory for a lower flow.");
                flow_dealloc(fd);
                return;
        }

        h->kind  = HS_ACCEPT;
        h->state = HS_WORKER;
        h->refs  = 2;
        h->fd    = -1;
        h->qs    = *qs;

        pthread_mutex_lock(&lw.lock);
        full = !lw.stopping && lw.n_acc >= ACC_MAX;
        drop = lw.stopping || full;
        if (drop) {
                h->cancelled = true;
        } else {
                hs_link(h);
                ++lw.n_acc;
        }
        pthread_mutex_unlock(&lw.lock);

        if (drop) {
                h->refs = 1;    /* not on the list: the worker's only */
                if (full) {
                        ++lw.bad;
                        if (log_rate_ok(&rl, LOG_LVL_WARN, "lower flow"))
                                log_warn("Lower flow dropped: %d "
                                         "handshakes in progress.",
                                         ACC_MAX);
                }
        }

        hs_post(h, fd);
}

static void * acc_worker(void * arg)
{
        static struct log_rate   rl;
        const struct timespec    t = ns_to_ts((int64_t) ACCEPT_MS *
                                              1000000);
        qosspec_t                qs;
        int                      fd;

        (void) arg;

        while (!stopping()) {
                fd = flow_accept(&qs, &t);
                if (fd >= 0) {
                        accepted(fd, &qs);
                        continue;
                }
                if (fd == -ETIMEDOUT || fd == -EAGAIN)
                        continue;
                if (log_rate_ok(&rl, LOG_LVL_WARN, "flow_accept"))
                        log_warn("Accepting lower flows: %d.", fd);
                usleep(RETRY_MS * 1000);
        }

        return NULL;
}

int ipcp_lower_listen(lower_accept_cb cb,
                      void *          arg)
{
        int r;

        if (cb == NULL)
                return -EINVAL;

        pthread_mutex_lock(&lw.lock);
        if (lw.stopping) {
                r = -ECANCELED;
        } else if (lw.listening) {
                r = -EALREADY;
        } else {
                lw.acb  = cb;
                lw.aarg = arg;
                r = -pthread_create(&lw.acc_thr, NULL, acc_worker, NULL);
                lw.listening = r == 0;
        }
        pthread_mutex_unlock(&lw.lock);

        return r;
}

/* ---- connect workers ---- */

static void * conn_worker(void * arg)
{
        struct hs *     h = arg;
        struct timespec t = ns_to_ts((int64_t) h->timeout_ms * 1000000);

        hs_post(h, flow_alloc(h->dst, h->raw ? NULL : &h->qs, &t));

        return NULL;
}

/* A job for ipcp_lower_connect with its request encoded. */
static int conn_new(const char *              dst,
                    const qosspec_t *         qs,
                    const struct lower_info * req,
                    struct hs **              hp)
{
        struct lower_info r;
        struct hs *       h;
        ssize_t           n;

        r        = *req;
        r.kind   = LOWER_REQ;
        r.result = 0;
        r.type   = ipcp_type();
        if (strlen(ipcp_name()) >= sizeof(r.name))
                return -EINVAL;
        strcpy(r.name, ipcp_name());

        h = calloc(1, sizeof(*h));
        if (h == NULL)
                return -ENOMEM;

        n = lower_info_write(&r, h->req, sizeof(h->req));
        if (n < 0) {
                free(h);
                return -EINVAL;
        }

        h->dst = strdup(dst);
        if (h->dst == NULL) {
                free(h);
                return -ENOMEM;
        }

        h->req_len = (size_t) n;
        h->kind    = HS_CONNECT;
        h->state   = HS_WORKER;
        h->refs    = 2;
        h->fd      = -1;
        h->raw     = qs == NULL;
        if (qs != NULL)
                h->qs = *qs;
        *hp = h;

        return 0;
}

int ipcp_lower_connect(const char *              dst,
                       const qosspec_t *         qs,
                       int                       timeout_ms,
                       const struct lower_info * req,
                       lower_conn_cb             cb,
                       void *                    arg)
{
        pthread_attr_t attr;
        pthread_t      thr;
        struct hs *    h;
        int            r;

        if (dst == NULL || req == NULL || cb == NULL || timeout_ms <= 0 ||
            name_check(dst, NAME_MAX_LEN) < 0)
                return -EINVAL;

        r = conn_new(dst, qs, req, &h);
        if (r < 0)
                return r;

        h->timeout_ms = timeout_ms;
        h->cb         = cb;
        h->arg        = arg;

        if (pthread_attr_init(&attr) != 0) {
                hs_free(h);
                return -ENOMEM;
        }
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

        pthread_mutex_lock(&lw.lock);
        if (lw.stopping)
                r = -ECANCELED;
        else if (lw.n_conn >= CONN_MAX)
                r = -EAGAIN;
        else
                r = -pthread_create(&thr, &attr, conn_worker, h);
        if (r == 0) {
                hs_link(h);
                ++lw.n_conn;
        }
        pthread_mutex_unlock(&lw.lock);

        pthread_attr_destroy(&attr);

        if (r < 0)
                hs_free(h);

        return r;
}

/* ---- counters, the end ---- */

int ipcp_lower_stat(struct ipcp_stat * s)
{
        int r;

        r = ipcp_stat_add(s, "lower_accepted", lw.accepted);
        if (r == 0)
                r = ipcp_stat_add(s, "lower_refused", lw.refused);
        if (r == 0)
                r = ipcp_stat_add(s, "lower_bad_handshakes", lw.bad);
        if (r == 0)
                r = ipcp_stat_add(s, "lower_connects_ok", lw.conn_ok);
        if (r == 0)
                r = ipcp_stat_add(s, "lower_connects_failed",
                                  lw.conn_failed);

        return r;
}

void ipcp_lower_fini(void)
{
        struct hs * h;
        bool        listening;
        bool        worker;

        pthread_mutex_lock(&lw.lock);
        lw.stopping  = true;
        listening    = lw.listening;
        lw.listening = false; /* joined once, whoever calls again */
        pthread_mutex_unlock(&lw.lock);

        if (listening)
                pthread_join(lw.acc_thr, NULL);

        for (;;) {
                pthread_mutex_lock(&lw.lock);
                h = lw.jobs;
                if (h != NULL) {
                        worker       = h->state == HS_WORKER;
                        h->cancelled = true; /* its worker deallocates */
                }
                pthread_mutex_unlock(&lw.lock);
                if (h == NULL)
                        break;

                /* A queued loop call never runs now (the loop stopped). */
                if (h->state == HS_LOOP)
                        hs_release(h);
                if (!worker && h->fd >= 0)
                        flow_dealloc(h->fd);
                if (h->kind == HS_CONNECT)
                        h->cb(h->arg, -1, -ECANCELED, NULL);
                hs_done(h);
        }
}
