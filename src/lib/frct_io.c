/*
 * Ouroboros - reading and writing a flow with FRCT: flow_read,
 * flow_write and the IPCP's in-place calls (ipcp_dev.h) on a flow
 * through an IPCP. See frct_flow.h.
 *
 * Raw flows: the one-byte raw header (and the CRC trailer when ber is
 * 0) is written around the payload in the ring itself and skipped in
 * place on reading, so flow_write/flow_read and ipcp_flow_reserve/peek
 * cost what they cost without FRCT; keepalives at the head of the ring
 * are handed to the state machine and never shown. On an encrypted raw
 * flow the packet is sealed from, and opened into, a private buffer.
 *
 * In-order and reliable flows: flow_write hands the whole message to
 * frct_send and flushes what is due; flow_read takes whole messages
 * from frct_read (into a buffer of the flow for partial reads). The
 * in-place calls fall back to a copy there (ipcp_dev.h).
 */
#include "frct_flow_priv.h"

#include "flow_crypt.h"

#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

ssize_t frf_raw_head(struct ft_flow *        f,
                     const uint8_t **        d,
                     size_t *                len,
                     bool                    nonblock,
                     const struct timespec * abstime)
{
        struct frf *    r = f->fr;
        struct frct_hdr h;
        const void *    pkt;
        const uint8_t * p;
        size_t          off;
        size_t          plen;
        ssize_t         n;

        for (;;) {
                if (f->cf == NULL) {
                        n = flow_shm_peek(f->shm, &pkt, nonblock, abstime);
                        p = pkt;
                } else if (r->pend) {
                        frf_heard(r); /* unread, as in a clear ring */
                        *d   = r->rxb + r->pend_off;
                        *len = r->pend_len;
                        return 1;
                } else {
                        n = fc_read(f, r->rxb, r->mtu, false, nonblock,
                                    abstime);
                        p = r->rxb;
                }
                if (n < 0)
                        return n;

                if (frct_parse(p, (size_t) n, &h, &off, &plen) < 0 ||
                    ((h.flags & FRCT_FL_CRC) != 0) != r->crc ||
                    (size_t) n > r->mtu) {
                        if (f->cf == NULL)
                                flow_shm_consume(f->shm);
                        ++r->rx_bad;
                        continue;
                }

                if (frct_hdr_type(&h) == FRCT_DATA &&
                    !(h.flags & FRCT_FL_SEQ)) {
                        frf_heard(r);
                        *d   = p + off;
                        *len = plen;
                        if (f->cf != NULL) {
                                r->pend     = true;
                                r->pend_off = off;
                                r->pend_len = plen;
                        }
                        return 1;
                }

                if (f->cf == NULL) { /* control: from a private copy */
                        memcpy(r->rxb, p, (size_t) n);
                        flow_shm_consume(f->shm);
                }
                frf_rcv(r, r->rxb, (size_t) n);
        }
}

/* rx_lock held: the raw data packet at the head was read whole. */
static void raw_done(struct ft_flow * f)
{
        struct frf * r = f->fr;

        f->part = 0;
        if (f->cf == NULL) {
                flow_shm_consume(f->shm);
                return;
        }
        explicit_bzero(r->rxb + r->pend_off, r->pend_len);
        r->pend = false;
}

static ssize_t raw_read(struct ft_flow *        f,
                        void *                  buf,
                        size_t                  count,
                        bool                    nopart,
                        bool                    nonblock,
                        const struct timespec * abstime)
{
        struct frf *            r = f->fr;
        struct timespec         tb;
        const struct timespec * until;
        const uint8_t *         d;
        size_t                  len;
        size_t                  rem;
        ssize_t                 n;

        pthread_mutex_lock(&r->rx_lock);
        for (;;) {
                if (atomic_load(&r->gone)) {
                        n = -EFLOWPEER;
                        goto out;
                }
                until = frf_until(r, abstime, &tb);
                n = frf_raw_head(f, &d, &len, nonblock, until);
                if (n != -ETIMEDOUT || frf_passed(abstime))
                        break;
                pthread_mutex_unlock(&r->rx_lock);
                frf_tick(f, frf_now()); /* the flow's deadline */
                pthread_mutex_lock(&r->rx_lock);
        }
        if (n < 0)
                goto out;

        rem = len - f->part;
        if (rem > count) {
                if (nopart) {
                        n = -EMSGSIZE; /* the packet stays queued */
                        goto out;
                }
                memcpy(buf, d + f->part, count);
                f->part += count;
                n = (ssize_t) count;
                goto out;
        }

        if (rem > 0)
                memcpy(buf, d + f->part, rem);
        raw_done(f);
        n = (ssize_t) rem;
 out:
        pthread_mutex_unlock(&r->rx_lock);
        return n;
}

/* rd_lock held: serve the rest of the message kept in msg. */
static ssize_t msg_rest(struct frf * r,
                        void *       buf,
                        size_t       count,
                        bool         nopart)
{
        size_t rem = r->msg_len - r->msg_off;

        if (rem > count) {
                if (nopart)
                        return -EMSGSIZE;
                memcpy(buf, r->msg + r->msg_off, count);
                r->msg_off += count;
                return (ssize_t) count;
        }

        memcpy(buf, r->msg + r->msg_off, rem);
        explicit_bzero(r->msg, r->msg_len);
        free(r->msg);
        r->msg     = NULL;
        r->msg_len = 0;
        r->msg_off = 0;

        return (ssize_t) rem;
}

/* lock held: read the next message (len bytes) whole into msg. */
static int msg_take(struct frf * r,
                    size_t       len)
{
        ssize_t n;

        r->msg = malloc(len > 0 ? len : 1);
        if (r->msg == NULL)
                return -ENOMEM;

        n = frct_read(r->fr, r->msg, len, frf_now());
        if (n < 0) {
                free(r->msg);
                r->msg = NULL;
                return (int) n;
        }
        r->msg_len = (size_t) n;
        r->msg_off = 0;

        return 0;
}

/* One try at a whole message: its length, -EAGAIN (none), -EMSGSIZE. */
static ssize_t take(struct ft_flow * f,
                    void *           buf,
                    size_t           count,
                    bool             nopart,
                    uint64_t *       seq)
{
        struct frf * r = f->fr;
        ssize_t      len;
        ssize_t      n;

        pthread_mutex_lock(&r->lock);
        *seq = r->seq;
        len  = frct_next_len(r->fr);
        if (len <= 0) {
                n = -EAGAIN;
        } else if ((size_t) len > count) {
                n = nopart ? -EMSGSIZE : msg_take(r, (size_t) len);
        } else {
                n = frct_read(r->fr, buf, count, frf_now());
        }
        if (len > 0)
                frf_changed(r);
        pthread_mutex_unlock(&r->lock);

        if (len > 0)
                frf_try_flush(f); /* the window moved: tell the peer */

        if (n == 0 && r->msg != NULL)
                return msg_rest(r, buf, count, false);

        return n;
}

/*
 * The ring ended (the peer left) while messages of an in-order flow that
 * is not reliable may wait behind a gap that can no longer fill: let
 * max_gap pass once, so they are delivered before -EFLOWDOWN.
 */
static bool gap_drain(struct ft_flow * f)
{
        struct frf *    r = f->fr;
        struct timespec ts;

        if (r->reliable || r->max_gap == 0 || r->down_seen)
                return false;

        r->down_seen = true;
        ts = ns_to_ts(ns_after((int64_t) r->max_gap * NS_PER_MS));
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)
               == EINTR)
                ;
        frf_tick(f, frf_now());

        return true;
}

ssize_t frf_read(struct ft_flow *        f,
                 void *                  buf,
                 size_t                  count,
                 bool                    nopart,
                 bool                    nonblock,
                 const struct timespec * abstime)
{
        struct frf * r = f->fr;
        uint64_t     seq;
        ssize_t      n;
        int          ret;

        if (r->raw)
                return raw_read(f, buf, count, nopart, nonblock, abstime);

        if (r->msg != NULL && !r->peeked)
                return msg_rest(r, buf, count, nopart);

        for (;;) {
                n = take(f, buf, count, nopart, &seq);
                if (n != -EAGAIN)
                        return n;
                ret = frf_state(f);
                if (ret == -EFLOWPEER || ret == -ENOTALLOC)
                        return ret;
                if (nonblock) {
                        if (pthread_mutex_trylock(&r->rx_lock) != 0)
                                return -EAGAIN;
                        n = frf_pump(f, true, NULL);
                        pthread_mutex_unlock(&r->rx_lock);
                        if (n <= 0)
                                return n == 0 ? -EAGAIN : n;
                        frf_try_flush(f);
                        nonblock = false; /* one more look, no wait */
                        n = take(f, buf, count, nopart, &seq);
                        return n;
                }
                ret = frf_wait(f, seq, abstime);
                if (ret == -EFLOWDOWN && gap_drain(f))
                        continue;
                if (ret < 0) {
                        n = take(f, buf, count, nopart, &seq);
                        return n == -EAGAIN ? ret : n;
                }
        }
}

static ssize_t raw_write(struct ft_flow *        f,
                         const void *            buf,
                         size_t                  count,
                         bool                    nonblock,
                         const struct timespec * abstime)
{
        struct frf * r = f->fr;
        uint8_t *    p;
        void *       room;
        size_t       n = 1 + count;
        ssize_t      ret;

        /* Clear: built in the ring's room. Encrypted: in txb, then
         * sealed into the room (plaintext never in shared memory). */
        ret = flow_shm_reserve(f->shm, n + FRCT_CRC_LEN * r->crc + f->ovh,
                               &room, nonblock, abstime);
        if (ret < 0)
                return ret;
        p = f->cf == NULL ? room : r->txb;

        p[0] = r->crc ? FRCT_FL_CRC : 0; /* FRCT_DATA, raw */
        memcpy(p + 1, buf, count);
        if (r->crc)
                n = frct_crc_put(p, n);

        if (f->cf != NULL) {
                ret = fc_seal(f, p, n, room, n + f->ovh);
                if (ret < 0)
                        return ret; /* the room lapses */
                n = (size_t) ret;
        }
        ret = flow_shm_commit(f->shm, n);
        if (ret < 0)
                return ret;

        frf_said(r);

        return (ssize_t) count;
}

ssize_t frf_write(struct ft_flow *        f,
                  const void *            buf,
                  size_t                  count,
                  bool                    nonblock,
                  const struct timespec * abstime)
{
        struct frf * r = f->fr;
        uint64_t     seq;
        ssize_t      n;
        int          ret;

        if (count > frf_max_write(f))
                return -EMSGSIZE;

        if (r->raw) {
                if (atomic_load(&r->gone))
                        return -EFLOWPEER;
                return raw_write(f, buf, count, nonblock, abstime);
        }

        for (;;) {
                ret = frf_state(f);
                if (ret < 0)
                        return ret;

                /* Acks that came meanwhile first: they open the window
                 * and clock out what waits (unless a reader pumps). */
                if (flow_shm_rxqlen(f->shm) > 0 &&
                    pthread_mutex_trylock(&r->rx_lock) == 0) {
                        frf_pump(f, true, NULL);
                        pthread_mutex_unlock(&r->rx_lock);
                }

                /* -EAGAIN when the window is full (or the peer's limit
                 * is not known yet: any packet taken wakes frf_wait),
                 * -EMSGSIZE over the peer's. frct_send is not called
                 * to be refused: it would ask for FRCT_EV_WRITE, which
                 * this loop does not need, and the timer would wake
                 * for it at every ack. */
                pthread_mutex_lock(&r->lock);
                if (frct_writable(r->fr, count))
                        n = frct_send(r->fr, buf, count, frf_now());
                else if (count > frct_max_send(r->fr))
                        n = -EMSGSIZE;
                else
                        n = -EAGAIN;
                seq = r->seq;
                frf_set_due(r);
                pthread_mutex_unlock(&r->lock);

                if (n != -EAGAIN) {
                        /* Taken: a flow that goes down meanwhile is
                         * the next call's to report. */
                        if (n >= 0)
                                frf_flush(f, nonblock, abstime);
                        return n;
                }

                ret = frf_flush(f, true, NULL);
                if (ret < 0)
                        return ret;
                if (nonblock)
                        return -EAGAIN;
                ret = frf_wait(f, seq, abstime);
                if (ret < 0)
                        return ret;
        }
}

ssize_t frf_peek(struct ft_flow * f,
                 const void **    pkt)
{
        struct frf *    r = f->fr;
        const uint8_t * d;
        size_t          len;
        uint64_t        seq;
        ssize_t         n;

        if (f->cf != NULL)
                return -ENOTSUP; /* ciphertext: flow_read decrypts */

        if (r->raw) {
                pthread_mutex_lock(&r->rx_lock);
                n = frf_raw_head(f, &d, &len, true, NULL);
                pthread_mutex_unlock(&r->rx_lock);
                if (n < 0)
                        return atomic_load(&r->gone) ? -EFLOWPEER : n;
                *pkt = d;
                return (ssize_t) len;
        }

        /* In order: a copy of the next whole message. */
        if (!r->peeked) {
                if (r->msg != NULL)
                        return -EBUSY; /* a partial flow_read */
                if (pthread_mutex_trylock(&r->rx_lock) == 0) {
                        frf_pump(f, true, NULL);
                        pthread_mutex_unlock(&r->rx_lock);
                        frf_try_flush(f);
                }
                pthread_mutex_lock(&r->lock);
                n = frct_next_len(r->fr);
                if (n > 0) {
                        n = msg_take(r, (size_t) n);
                        frf_changed(r);
                } else if (n == 0) {
                        n = -EAGAIN;
                }
                seq = r->seq;
                pthread_mutex_unlock(&r->lock);
                (void) seq;
                if (n < 0)
                        return atomic_load(&r->gone) ? -EFLOWPEER : n;
                frf_try_flush(f);
                r->peeked = true;
        }

        *pkt = r->msg;

        return (ssize_t) r->msg_len;
}

void frf_consume(struct ft_flow * f)
{
        struct frf * r = f->fr;

        if (f->cf != NULL)
                return;

        if (r->raw) {
                pthread_mutex_lock(&r->rx_lock);
                f->part = 0;
                flow_shm_consume(f->shm);
                pthread_mutex_unlock(&r->rx_lock);
                return;
        }

        if (!r->peeked)
                return;

        explicit_bzero(r->msg, r->msg_len);
        free(r->msg);
        r->msg     = NULL;
        r->msg_len = 0;
        r->peeked  = false;
}

int frf_reserve(struct ft_flow * f,
                size_t           len,
                void **          buf)
{
        struct frf * r = f->fr;
        int          ret;

        if (f->cf != NULL)
                return -ENOTSUP; /* flow_write encrypts */
        if (len > frf_max_write(f))
                return -EMSGSIZE;
        if (atomic_load(&r->gone))
                return -EFLOWPEER;

        if (!r->resv)
                pthread_mutex_lock(&f->wr_lock);
        r->resv = false;

        if (r->raw) {
                ret = flow_shm_reserve(f->shm, 1 + len + FRCT_CRC_LEN *
                                       r->crc, &r->resv_p, true, NULL);
                if (ret < 0)
                        goto fail;
                *buf = (uint8_t *) r->resv_p + 1;
        } else {
                pthread_mutex_lock(&r->lock);
                ret = frct_writable(r->fr, len) ? 0 : -EAGAIN;
                pthread_mutex_unlock(&r->lock);
                if (ret < 0) {
                        frf_flush(f, true, NULL);
                        goto fail;
                }
                if (r->wcap < len) {
                        uint8_t * p = realloc(r->wbuf, len);
                        if (p == NULL) {
                                ret = -ENOMEM;
                                goto fail;
                        }
                        r->wbuf = p;
                        r->wcap = len;
                }
                *buf = r->wbuf;
        }

        r->resv     = true;
        r->resv_len = len;

        return 0; /* wr_lock stays held until the commit */
 fail:
        frf_wr_unlock(f);
        return ret;
}

int frf_commit(struct ft_flow * f,
               size_t           len)
{
        struct frf * r = f->fr;
        uint8_t *    p = r->resv_p;
        size_t       n = 1 + len;
        ssize_t      ret;

        if (!r->resv)
                return -EINVAL;

        r->resv = false;
        if (len > r->resv_len) {
                frf_wr_unlock(f);
                return -EINVAL;
        }

        if (r->raw) {
                p[0] = r->crc ? FRCT_FL_CRC : 0;
                if (r->crc)
                        n = frct_crc_put(p, n);
                ret = flow_shm_commit(f->shm, n);
                if (ret >= 0)
                        frf_said(r);
        } else {
                ret = frf_write(f, r->wbuf, len, true, NULL);
        }
        frf_wr_unlock(f);

        return ret < 0 ? (int) ret : 0;
}
