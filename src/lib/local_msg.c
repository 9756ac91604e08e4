/*
 * Ouroboros - large messages on spliced in-order and reliable flows:
 * cut into pieces of the largest packet, joined by the reader. See
 * local_msg.h for the rule that needs no header.
 */
#include "local_msg.h"

#include "flow_crypt.h"
#include "frct_flow.h"
#include "frct/frct.h"

#include "common/timeutil.h"

#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lmsg {
        uint8_t * buf;
        size_t    len;   /* bytes joined so far */
        size_t    cap;
        size_t    off;   /* of a whole message, read so far */
        bool      whole; /* buf holds a whole message */
        bool      drop;  /* too long: pieces go until the last */
        size_t    drops;
};

static size_t piece(const struct ft_flow * f)
{
        return flow_shm_max_pkt(f->shm) - f->ovh;
}

bool lmsg_on(const struct ft_flow * f)
{
        return f->kind == FT_SPLICED &&
                (f->qs.in_order != 0 || f->qs.loss == 0);
}

static ssize_t put(struct ft_flow *        f,
                   const void *            buf,
                   size_t                  n,
                   bool                    nonblock,
                   const struct timespec * abstime)
{
        if (f->cf == NULL)
                return flow_shm_write(f->shm, buf, n, nonblock, abstime);

        return fc_write(f, buf, n, nonblock, abstime);
}

size_t lmsg_max(const struct ft_flow * f)
{
        size_t p = flow_shm_peer_max_msg(f->shm);
        size_t m = frf_max_msg();

        return p > 0 && p < m ? p : m;
}

/* Until the peer has said its limit: 0, -EAGAIN, -ETIMEDOUT (a peer
 * that is gone is the write's to report). */
static int peer_said(struct ft_flow *        f,
                     bool                    nonblock,
                     const struct timespec * abstime)
{
        while (flow_shm_peer_max_msg(f->shm) == 0 &&
               flow_shm_peer_state(f->shm) == FLOW_SIDE_OPEN &&
               !flow_shm_is_down(f->shm)) {
                struct timespec ts = { 0, 100000 }; /* 0.1 ms */
                if (nonblock)
                        return -EAGAIN;
                if (abstime != NULL && ts_ms_left(abstime) == 0)
                        return -ETIMEDOUT;
                nanosleep(&ts, NULL);
        }

        return 0;
}

ssize_t lmsg_write(struct ft_flow *        f,
                   const void *            buf,
                   size_t                  count,
                   bool                    nonblock,
                   const struct timespec * abstime)
{
        const uint8_t * p = buf;
        size_t          P = piece(f);
        size_t          off = 0;
        ssize_t         r;

        if (count > FRCT_MAX_MSG_MIN) {
                r = peer_said(f, nonblock, abstime);
                if (r < 0)
                        return r;
        }
        if (count > lmsg_max(f))
                return -EMSGSIZE;

        /* The first piece as asked, the rest whatever it takes. */
        r = put(f, p, P, nonblock, abstime);
        if (r < 0)
                return r;
        for (off = P; count - off >= P; off += P) {
                r = put(f, p + off, P, false, NULL);
                if (r < 0)
                        return r;
        }
        r = put(f, p + off, count - off, false, NULL);

        return r < 0 ? r : (ssize_t) count;
}

static int grow(struct lmsg * m,
                size_t        need)
{
        size_t    cap = m->cap > 0 ? m->cap : 65536;
        uint8_t * b;

        if (need <= m->cap)
                return 0;
        while (cap < need)
                cap *= 2;
        b = realloc(m->buf, cap);
        if (b == NULL)
                return -ENOMEM;
        m->buf = b;
        m->cap = cap;

        return 0;
}

static void reset(struct lmsg * m)
{
        m->len   = 0;
        m->off   = 0;
        m->whole = false;
        m->drop  = false;
        if (m->cap > (1u << 20)) { /* keep a small buffer only */
                free(m->buf);
                m->buf = NULL;
                m->cap = 0;
        }
}

static ssize_t serve(struct lmsg * m,
                     void *        buf,
                     size_t        count,
                     bool          nopart)
{
        size_t rem = m->len - m->off;

        if (rem > count) {
                if (nopart)
                        return -EMSGSIZE;
                memcpy(buf, m->buf + m->off, count);
                m->off += count;
                return (ssize_t) count;
        }
        if (rem > 0)
                memcpy(buf, m->buf + m->off, rem);
        reset(m);

        return (ssize_t) rem;
}

/* A message under P bytes at the head of a clear flow, in place. */
static ssize_t small(struct ft_flow * f,
                     const void *     pkt,
                     size_t           len,
                     void *           buf,
                     size_t           count,
                     bool             nopart)
{
        size_t rem = len - f->part;

        if (rem > count) {
                if (nopart)
                        return -EMSGSIZE;
                memcpy(buf, (const uint8_t *) pkt + f->part, count);
                f->part += count;
                return (ssize_t) count;
        }
        if (rem > 0)
                memcpy(buf, (const uint8_t *) pkt + f->part, rem);
        f->part = 0;
        flow_shm_consume(f->shm);

        return (ssize_t) rem;
}

/* Take the next packet into m (joining); 1 when m holds a whole
 * message, 0 for more, or an error. */
static int join(struct ft_flow *        f,
                struct lmsg *           m,
                const void *            pkt,
                size_t                  n)
{
        size_t P = piece(f);

        if (!m->drop && m->len + n > frf_max_msg())
                m->drop = true;
        if (!m->drop) {
                if (grow(m, m->len + n) < 0)
                        return -ENOMEM;
                if (pkt != NULL)
                        memcpy(m->buf + m->len, pkt, n);
                m->len += n;
        }
        if (n == P)
                return 0;
        if (m->drop) {
                ++m->drops;
                reset(m);
                return 0;
        }
        m->whole = true;

        return 1;
}

ssize_t lmsg_read(struct ft_flow *        f,
                  void *                  buf,
                  size_t                  count,
                  bool                    nopart,
                  bool                    nonblock,
                  const struct timespec * abstime)
{
        struct lmsg * m = f->lm;
        size_t        P = piece(f);
        const void *  pkt;
        ssize_t       n;
        int           r;

        if (m == NULL) {
                m = calloc(1, sizeof(*m));
                if (m == NULL)
                        return -ENOMEM;
                f->lm = m;
        }

        for (;;) {
                if (m->whole)
                        return serve(m, buf, count, nopart);

                if (f->cf != NULL) {
                        /* Decrypted into the buffer, then served. */
                        if (grow(m, m->len + P) < 0)
                                return -ENOMEM;
                        n = fc_read(f, m->buf + m->len, P, false, nonblock,
                                    abstime);
                        if (n < 0)
                                return n;
                        r = join(f, m, NULL, (size_t) n);
                } else {
                        n = flow_shm_peek(f->shm, &pkt, nonblock, abstime);
                        if (n < 0)
                                return n;
                        if (m->len == 0 && !m->drop && (size_t) n < P)
                                return small(f, pkt, (size_t) n, buf,
                                             count, nopart);
                        r = join(f, m, pkt, (size_t) n);
                        flow_shm_consume(f->shm);
                }
                if (r < 0)
                        return r;
        }
}

bool lmsg_pending(const struct ft_flow * f)
{
        return f->lm != NULL && f->lm->whole;
}

size_t lmsg_drops(const struct ft_flow * f)
{
        return f->lm != NULL ? f->lm->drops : 0;
}

void lmsg_linger(struct ft_flow * f)
{
        int64_t end = ns_after((int64_t) FRF_LINGER_MS * NS_PER_MS);

        if (!(atomic_load(&f->frct) & FRCTFLINGER))
                return;

        while (flow_shm_txqlen(f->shm) > 0 && now_ns() < end &&
               flow_shm_peer_state(f->shm) < FLOW_SIDE_CLOSED &&
               !flow_shm_is_down(f->shm)) {
                struct timespec ts = { 0, 1000000 }; /* 1 ms */
                nanosleep(&ts, NULL);
        }
}

void lmsg_free(struct lmsg * m)
{
        if (m == NULL)
                return;

        free(m->buf);
        free(m);
}
