/*
 * Ouroboros - the application API of dev.h: allocating, accepting,
 * joining and releasing flows (through the IRMd), and reading and
 * writing them (through flow shared memory only).
 *
 * The read/write path: a table lookup with a reference (flow_table.h),
 * the flow's own reader or writer mutex (so several threads may share a
 * flow), then flow_shm. Nothing here takes a lock another flow's user
 * could hold, and the non-blocking path makes no system call.
 *
 * Encrypted flows (qos cypher_s > 0, doc/crypto.md): the ephemeral
 * X25519 public keys ride on the allocation (T_PUBKEY in proto.h); the
 * requester sends its key iff it asks for encryption, the acceptor always
 * sends one (it learns the qos only from the reply). The data path
 * branches once on f->cf to flow_crypt.c.
 */
#include "evwait.h"
#include "fqueue_priv.h"
#include "flow_crypt.h"
#include "flow_table.h"
#include "frct_flow.h"
#include "local_msg.h"
#include "session.h"

#include "common/crypt.h"

#include "common/api.h"
#include "common/name_check.h"
#include "common/proto.h"
#include "common/timeutil.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GRACE_MS        1000 /* beyond the caller's timeout, for the IRMd */
#define DEALLOC_TIMEO_MS 2000

struct reqrep {
        struct msg req;
        struct msg rep;
};

/* The rule is common/name_check.h: -EINVAL, -ENAMETOOLONG. */
static int check_name(const char * name)
{
        return name_check(name, NAME_MAX_LEN);
}

static int check_timeo(const struct timespec * timeo)
{
        if (timeo != NULL && !ts_valid(timeo))
                return -EINVAL;

        return 0;
}

/* How long to wait for the IRMd's answer, in ms (-1 forever). */
static int reply_ms(const struct timespec * timeo)
{
        int64_t ms;

        if (timeo == NULL)
                return -1;

        ms = ts_to_ns(timeo) / NS_PER_MS + GRACE_MS;
        if (ms > INT32_MAX - 1)
                return -1;

        return (int) ms;
}

static int put_timeo(struct msg *            m,
                     const struct timespec * timeo)
{
        if (timeo == NULL)
                return 0;

        return msg_put_u64(m, T_TIMEO, (uint64_t) ts_to_ns(timeo));
}

/* Tell the IRMd: one message on the session connection (no answer, no
 * wait: the peer already learnt it from the flow memory), or a request
 * if there is no session. */
static void send_dealloc(uint32_t flow_id)
{
        struct reqrep * rr = malloc(sizeof(*rr));

        if (rr == NULL)
                return;

        msg_init(&rr->req, M_FLOW_DEALLOC, 0, session_next_id());
        msg_put_u32(&rr->req, T_FLOW_ID, flow_id);
        if (session_post(&rr->req) < 0) {
                session_request(&rr->req, &rr->rep, DEALLOC_TIMEO_MS);
                msg_fini(&rr->rep);
        }
        free(rr);
}

/*
 * The acceptor's key pair. flow_accept must offer a public key before it
 * knows whether the flow it gets is encrypted, and making one costs
 * ~90 us. A key pair that surely took part in no exchange (the flow came
 * clear, or a poll found nothing) is kept as the spare for the next
 * accept; any other is wiped, so each private key takes part in at most
 * one exchange. A forked child drops the spare.
 */
static struct {
        pthread_mutex_t    lock;
        pthread_once_t     once;
        struct crypt_kex * kex;
        uint8_t            pub[CRYPT_PUBKEY_LEN];
} spare = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_ONCE_INIT, NULL, { 0 } };

static void spare_drop_child(void)
{
        pthread_mutex_init(&spare.lock, NULL);
        crypt_kex_free(spare.kex);
        spare.kex = NULL;
}

static void spare_atfork(void)
{
        pthread_atfork(NULL, NULL, spare_drop_child);
}

static int kex_take(struct crypt_kex ** kex,
                    uint8_t             pub[CRYPT_PUBKEY_LEN])
{
        pthread_mutex_lock(&spare.lock);
        *kex      = spare.kex;
        spare.kex = NULL;
        if (*kex != NULL)
                memcpy(pub, spare.pub, CRYPT_PUBKEY_LEN);
        pthread_mutex_unlock(&spare.lock);

        return *kex != NULL ? 0 : crypt_kex_new(kex, pub);
}

/* kex (with its public key pub) was offered, never used: keep it. */
static void kex_spare(struct crypt_kex * kex,
                      const uint8_t      pub[CRYPT_PUBKEY_LEN])
{
        if (kex == NULL)
                return;

        pthread_once(&spare.once, spare_atfork);
        pthread_mutex_lock(&spare.lock);
        if (spare.kex == NULL) {
                spare.kex = kex;
                memcpy(spare.pub, pub, CRYPT_PUBKEY_LEN);
                kex = NULL;
        }
        pthread_mutex_unlock(&spare.lock);
        crypt_kex_free(kex);
}

/*
 * The flow keys from kex (consumed) and the peer's key in the reply, iff
 * the flow is encrypted (want: we asked for it; the requester never
 * accepts a flow without the encryption it asked for). *cf stays NULL
 * for a clear flow. 0, -ECRYPT (a key is missing or wrong) or -ENOMEM.
 */
static int kex_finish(struct msg_view      v,
                      const qosspec_t *    qs,
                      bool                 want,
                      struct crypt_kex *   kex,
                      const uint8_t *      pub,
                      int                  role,
                      struct crypt_flow ** cf)
{
        const void * peer;
        size_t       n;
        int          r;

        *cf = NULL;
        if (qs->cypher_s == 0 && !want) {
                if (pub != NULL)
                        kex_spare(kex, pub); /* offered, not used */
                else
                        crypt_kex_free(kex);
                return 0;
        }

        if (kex == NULL || qs->cypher_s == 0 ||
            msg_get_bytes(v, T_PUBKEY, &peer, &n) < 0 ||
            n != CRYPT_PUBKEY_LEN) {
                crypt_kex_free(kex);
                return -ECRYPT;
        }

        r = crypt_flow_new(kex, peer, role, cf);
        if (r == -EINVAL)
                r = -ECRYPT; /* the peer's key equals ours */

        return r;
}

/* Map the flow in a successful reply of ALLOC / ACCEPT / JOIN; kex (or
 * NULL) is consumed (kept as the spare if pub is given and the flow is
 * clear), role is ours in the key exchange. Returns the descriptor or
 * an error, and says which to the IRMd (session_flow_done, on sock if
 * the request had a connection of its own): it takes back a flow we
 * could not set up, and tells the peer. */
static int flow_setup(struct msg *       rep,
                      int                sock,
                      struct msg *       scratch,
                      qosspec_t *        qs_out,
                      bool               join,
                      bool               want_crypt,
                      struct crypt_kex * kex,
                      const uint8_t *    pub,
                      int                role)
{
        struct msg_view     v = msg_body(rep);
        qosspec_t           qs = qos_raw;
        struct crypt_flow * cf = NULL;
        uint32_t            flow_id;
        uint32_t            peer_pid = 0;
        uint32_t            type;
        enum ft_kind        kind = FT_SPLICED;
        uint8_t             side;
        int                 memfd;
        int                 evfd;
        int                 fd;
        int                 r;

        if (msg_get_u32(v, T_FLOW_ID, &flow_id) < 0) {
                crypt_kex_free(kex);
                if (sock >= 0) /* closed without an ack: taken back */
                        close(sock);
                return -EBADMSG;
        }

        if (msg_get_u8(v, T_SIDE, &side) < 0 || side > 1) {
                crypt_kex_free(kex);
                r = -EBADMSG;
                goto fail_id;
        }

        msg_get_qos(v, T_QOS, &qs);
        msg_get_u32(v, T_PEER_PID, &peer_pid);
        /* Through an IPCP (not spliced): FRCT, unless one to many. */
        if (msg_get_u32(v, T_IPCP_TYPE, &type) == 0)
                kind = join || type == IPCP_BROADCAST ? FT_JOIN : FT_REMOTE;
        if (kind == FT_JOIN)  /* no peer to time out: what is in force */
                qs.timeout = 0;

        r = kex_finish(v, &qs, want_crypt, kex, pub, role, &cf);
        if (r < 0)
                goto fail_id;

        memfd = msg_take_fd(rep, 0);
        if (memfd < 0) {
                r = -EBADMSG;
                goto fail_cf;
        }

        evfd = msg_take_fd(rep, 1);
        if (evfd < 0)
                evfd = -1;

        fd = ft_reserve();
        if (fd < 0) {
                close(memfd);
                if (evfd >= 0)
                        close(evfd);
                r = fd;
                goto fail_cf;
        }

        if (cf != NULL)
                ft_set_crypt(fd, cf); /* takes cf */
        ft_set_kind(fd, kind);

        r = ft_publish(fd, flow_id, memfd, side, evfd, (pid_t) peer_pid,
                       &qs);
        if (r < 0) {
                ft_unreserve(fd);
                goto fail_id;
        }

        if (kind == FT_REMOTE) {
                r = frf_create(fd, ft_entry(fd));
                if (r < 0) {
                        uint32_t id;
                        ft_close_begin(fd, &id);
                        flow_shm_close(ft_entry(fd)->shm);
                        ft_close_end(fd);
                        goto fail_id;
                }
        }

        if (qs_out != NULL)
                *qs_out = qs;

        session_flow_done(sock, scratch, flow_id, 0);

        return fd;
 fail_cf:
        crypt_flow_free(cf);
 fail_id:
        session_flow_done(sock, scratch, flow_id, r);
        return r;
}

/*
 * cypher_s is a strength in bits; the one cipher is AES-256-GCM, so 1..256
 * all mean "encrypt with AES-256" and are reported as 256 on both ends.
 * Beyond 256 nothing we have is that strong: -EINVAL (flow_alloc(3)).
 */
#define CYPHER_BITS 256

/*
 * A join is one to many: no single peer to agree keys with, to
 * acknowledge, to put packets in order or to time out; so no
 * encryption, reliability, order or CRC (FRCT's) can be promised on
 * it, and its peer timeout is 0 (flow_alloc(3)).
 */
static bool join_qos_ok(const qosspec_t * q)
{
        return q->cypher_s == 0 && q->loss != 0 && q->in_order == 0 &&
                q->ber != 0;
}

/* ALLOC and JOIN share everything but the message type. */
static int alloc_or_join(uint16_t                type,
                         const char *            name,
                         qosspec_t *             qs,
                         const struct timespec * timeo)
{
        qosspec_t          q = qs != NULL ? *qs : qos_raw;
        struct crypt_kex * kex = NULL;
        uint8_t            pub[CRYPT_PUBKEY_LEN];
        struct reqrep *    rr;
        int                sock;
        int                r;

        r = check_name(name);
        if (r < 0)
                return r;

        r = check_timeo(timeo);
        if (r < 0)
                return r;

        if (q.cypher_s > CYPHER_BITS)
                return -EINVAL;

        if (type == M_FLOW_JOIN && !join_qos_ok(&q))
                return -ENOTSUP;

        r = session_local_init();
        if (r < 0)
                return r;

        if (q.cypher_s > 0) {
                q.cypher_s = CYPHER_BITS;
                r = crypt_kex_new(&kex, pub);
                if (r < 0)
                        return r;
        }

        rr = malloc(sizeof(*rr));
        if (rr == NULL) {
                crypt_kex_free(kex);
                return -ENOMEM;
        }

        msg_init(&rr->req, type, 0, session_next_id());
        if (msg_put_str(&rr->req, T_NAME, name) < 0 ||
            msg_put_qos(&rr->req, T_QOS, &q) < 0 ||
            put_timeo(&rr->req, timeo) < 0 ||
            (kex != NULL &&
             msg_put_bytes(&rr->req, T_PUBKEY, pub, sizeof(pub)) < 0)) {
                crypt_kex_free(kex);
                free(rr);
                return -ENOMEM;
        }

        r = session_flow_call(&rr->req, &rr->rep, reply_ms(timeo), &sock);
        if (r == 0)
                r = flow_setup(&rr->rep, sock, &rr->req, NULL,
                               type == M_FLOW_JOIN, kex != NULL, kex, NULL,
                               0);
        else
                crypt_kex_free(kex);

        msg_fini(&rr->rep);
        free(rr);

        return r;
}

OURO_API int flow_alloc(const char *            dst_name,
                        qosspec_t *             qs,
                        const struct timespec * timeo)
{
        return alloc_or_join(M_FLOW_ALLOC, dst_name, qs, timeo);
}

OURO_API int flow_join(const char *            bc,
                       qosspec_t *             qs,
                       const struct timespec * timeo)
{
        return alloc_or_join(M_FLOW_JOIN, bc, qs, timeo);
}

OURO_API int flow_accept(qosspec_t *             qs,
                         const struct timespec * timeo)
{
        struct crypt_kex * kex;
        uint8_t            pub[CRYPT_PUBKEY_LEN];
        struct reqrep *    rr;
        int                sock;
        bool               zero;
        int                r;

        r = check_timeo(timeo);
        if (r < 0)
                return r;

        r = session_local_init();
        if (r < 0)
                return r;

        /* Always: the qos of the flow comes only with the reply (an
         * unused key pair is kept for the next accept, see spare). */
        r = kex_take(&kex, pub);
        if (r < 0)
                return r;

        rr = malloc(sizeof(*rr));
        if (rr == NULL) {
                kex_spare(kex, pub);
                return -ENOMEM;
        }

        msg_init(&rr->req, M_FLOW_ACCEPT, 0, session_next_id());
        if (put_timeo(&rr->req, timeo) < 0 ||
            msg_put_bytes(&rr->req, T_PUBKEY, pub, sizeof(pub)) < 0) {
                kex_spare(kex, pub);
                free(rr);
                return -ENOMEM;
        }

        r = session_flow_call(&rr->req, &rr->rep, reply_ms(timeo), &sock);
        if (r == 0)
                r = flow_setup(&rr->rep, sock, &rr->req, qs, false, false,
                               kex, pub, 1);
        else if (r == -EAGAIN)
                kex_spare(kex, pub); /* a poll: nothing was handed out */
        else
                crypt_kex_free(kex); /* it may have gone to a requester */

        msg_fini(&rr->rep);
        free(rr);

        /* A zero timeout is a poll: "nothing waiting" is -EAGAIN, like
         * accept(2) on a non-blocking socket (see flow_alloc(3)). */
        zero = timeo != NULL && timeo->tv_sec == 0 && timeo->tv_nsec == 0;
        if (zero && r == -ETIMEDOUT)
                r = -EAGAIN;

        return r;
}

/* Data written before the dealloc is delivered first, if the flow
 * lingers (FRCTFLINGER; bounded, see frct_flow.h and local_msg.h). */
static void linger(int fd)
{
        struct ft_flow * f;
        int              err;

        f = ft_get(fd, &err);
        if (f == NULL)
                return;

        if (f->fr != NULL)
                frf_linger(f);
        else if (lmsg_on(f))
                lmsg_linger(f);

        ft_put(f);
}

OURO_API int flow_dealloc(int fd)
{
        uint32_t flow_id;
        bool     adopted;
        int      r;

        linger(fd);

        r = ft_close_begin(fd, &flow_id);
        if (r < 0)
                return r;

        adopted = ft_entry(fd)->adopted;

        /* The peer and any local reader or writer learn it now. */
        flow_shm_close(ft_entry(fd)->shm);
        frf_wake(ft_entry(fd)); /* and those waiting on FRCT */
        /* Sets holding fd look at it (and prune it). None in a process
         * without sets: no write to an eventfd nobody reads. */
        if (atomic_load(&fq_sets) > 0)
                evwait_kick(fq_token(fd, atomic_load(&ft_entry(fd)->gen)));

        /* Every thread is out of the flow memory before the IRMd hears
         * of it: it may hand that memory to our next flow with the same
         * peer (flow_shm_recycle). */
        ft_close_end(fd);

        if (!adopted) /* an IPCP's side: the IRMd's record is the app's */
                send_dealloc(flow_id);

        return 0;
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OURO_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define OURO_TSAN 1
#endif

#ifdef OURO_TSAN
/*
 * ThreadSanitizer (GCC 12, clang 16) has no pthread_mutex_clocklock
 * interceptor and then reports every unlock as "unlock of an unlocked
 * mutex": in a TSan build only, wait on CLOCK_REALTIME instead.
 */
static int mutex_clocklock(pthread_mutex_t *       mu,
                           const struct timespec * abstime)
{
        struct timespec rt;
        int64_t         left = ts_to_ns(abstime) - now_ns();

        clock_gettime(CLOCK_REALTIME, &rt);
        rt = ns_to_ts(ts_to_ns(&rt) + (left > 0 ? left : 0));

        return pthread_mutex_timedlock(mu, &rt);
}
#else
static int mutex_clocklock(pthread_mutex_t *       mu,
                           const struct timespec * abstime)
{
        return pthread_mutex_clocklock(mu, CLOCK_MONOTONIC, abstime);
}
#endif

/* Lock mu for a call that may wait until abstime (NULL: forever) or not
 * at all (nonblock): 0, -EAGAIN or -ETIMEDOUT. */
static int lock_for(pthread_mutex_t *       mu,
                    bool                    nonblock,
                    const struct timespec * abstime)
{
        int r;

        if (nonblock)
                r = pthread_mutex_trylock(mu) == 0 ? 0 : -EAGAIN;
        else if (abstime == NULL)
                r = -pthread_mutex_lock(mu);
        else
                r = -mutex_clocklock(mu, abstime);

        return r;
}

/*
 * How a read or write with timeout timeo waits: *abstime NULL forever,
 * or a deadline in buf. A zero timeout is a single try, made as a
 * non-blocking call (no clock, no system call): returns true, and the
 * caller turns its -EAGAIN into -ETIMEDOUT.
 */
static bool zero_timeo(int64_t                  timeo,
                       struct timespec *        buf,
                       const struct timespec ** abstime)
{
        *abstime = NULL;
        if (timeo == 0)
                return true;
        if (timeo != FT_NO_TIMEO) {
                *buf     = ns_to_ts(ns_after(timeo));
                *abstime = buf;
        }

        return false;
}

/* Messages the library holds beyond the ring's packets. */
static bool more_to_read(const struct ft_flow * f)
{
        if (f->fr != NULL)
                return frf_readable(f);

        return lmsg_pending(f);
}

OURO_API ssize_t flow_write(int          fd,
                            const void * buf,
                            size_t       count)
{
        struct ft_flow *        f;
        struct timespec         tbuf;
        const struct timespec * abstime = NULL;
        uint32_t                flags;
        bool                    nonblock;
        bool                    poll = false;
        ssize_t                 r;
        int                     err;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        flags = atomic_load(&f->flags);
        if (buf == NULL && count > 0)
                r = -EINVAL;
        else if ((flags & FLOWFACCMODE) == FLOWFRDONLY)
                r = -EPERM;
        else if (count > ft_max_write(f))
                r = -EMSGSIZE;
        else
                r = 0;
        if (r < 0)
                goto out;

        nonblock = flags & FLOWFWNOBLOCK;
        if (!nonblock)
                poll = zero_timeo(atomic_load(&f->snd_timeo), &tbuf,
                                  &abstime);
        nonblock = nonblock || poll;

        r = lock_for(&f->wr_lock, nonblock, abstime);
        if (r < 0)
                goto out;

        if (f->fr != NULL) {
                r = frf_write(f, buf, count, nonblock, abstime);
                frf_wr_unlock(f);
                goto out;
        }

        if (count >= flow_shm_max_pkt(f->shm) - f->ovh && lmsg_on(f))
                r = lmsg_write(f, buf, count, nonblock, abstime);
        else if (f->cf == NULL)
                r = flow_shm_write(f->shm, buf, count, nonblock, abstime);
        else
                r = fc_write(f, buf, count, nonblock, abstime);
        pthread_mutex_unlock(&f->wr_lock);
 out:
        ft_put(f);
        return poll && r == -EAGAIN ? -ETIMEDOUT : r;
}

OURO_API ssize_t flow_read(int    fd,
                           void * buf,
                           size_t count)
{
        struct ft_flow *        f;
        struct timespec         tbuf;
        const struct timespec * abstime = NULL;
        const void *            pkt;
        uint32_t                flags;
        bool                    nonblock;
        bool                    poll = false;
        ssize_t                 r;
        size_t                  rem;
        int                     err;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        flags = atomic_load(&f->flags);
        if ((flags & FLOWFACCMODE) == FLOWFWRONLY) {
                r = -EPERM;
                goto out;
        }

        if (buf == NULL && count > 0) {
                r = -EINVAL;
                goto out;
        }

        nonblock = flags & FLOWFRNOBLOCK;
        if (!nonblock)
                poll = zero_timeo(atomic_load(&f->rcv_timeo), &tbuf,
                                  &abstime);
        nonblock = nonblock || poll;

        r = lock_for(&f->rd_lock, nonblock, abstime);
        if (r < 0)
                goto out;

        if (f->fr != NULL) {
                r = frf_read(f, buf, count, flags & FLOWFRNOPART, nonblock,
                             abstime);
                goto unlock;
        }

        if (lmsg_on(f)) {
                r = lmsg_read(f, buf, count, flags & FLOWFRNOPART, nonblock,
                              abstime);
                goto unlock;
        }

        if (f->cf != NULL) {
                r = fc_read(f, buf, count, flags & FLOWFRNOPART, nonblock,
                            abstime);
                goto unlock;
        }

        r = flow_shm_peek(f->shm, &pkt, nonblock, abstime);
        if (r < 0)
                goto unlock;

        rem = (size_t) r - f->part;
        if (rem > count) {
                if (flags & FLOWFRNOPART) {
                        r = -EMSGSIZE; /* the packet stays queued */
                        goto unlock;
                }
                memcpy(buf, (const uint8_t *) pkt + f->part, count);
                f->part += count;
                r = (ssize_t) count;
                goto unlock;
        }

        if (rem > 0)
                memcpy(buf, (const uint8_t *) pkt + f->part, rem);
        f->part = 0;
        flow_shm_consume(f->shm);
        r = (ssize_t) rem;
 unlock:
        pthread_mutex_unlock(&f->rd_lock);
        /* Level-triggered set fds: the last packet read turns them off. */
        if (r >= 0 && atomic_load(&fq_fd_sets) > 0 &&
            flow_shm_rxqlen(f->shm) == 0 && !more_to_read(f))
                fq_drained(fd);
 out:
        ft_put(f);
        return poll && r == -EAGAIN ? -ETIMEDOUT : r;
}
