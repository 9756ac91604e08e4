/*
 * Ouroboros - reading and writing encrypted flows. See flow_crypt.h.
 */
#include "flow_crypt.h"

#include "common/crypt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

ssize_t fc_write(struct ft_flow *        f,
                 const void *            buf,
                 size_t                  count,
                 bool                    nonblock,
                 const struct timespec * abstime)
{
        void *  room;
        ssize_t n;
        int     r;

        /*
         * Sealed straight into the ring's room once it is reserved: no
         * copy, and a write that finds no room uses no counter. A seal
         * that fails leaves the room unused (it lapses).
         */
        r = flow_shm_reserve(f->shm, count + CRYPT_OVERHEAD, &room,
                             nonblock, abstime);
        if (r < 0)
                return r;

        n = crypt_encrypt(f->cf, buf, count, room, count + CRYPT_OVERHEAD);
        if (n < 0)
                return n;

        r = flow_shm_commit(f->shm, (size_t) n);
        if (r < 0)
                return r;

        return (ssize_t) count;
}

/* Serve the rest of the packet kept in rx_buf; the packet leaves the
 * flow memory only once read completely, as on a clear flow (so
 * FLOW_PKT and FLOWGRXQLEN still count it meanwhile). */
static ssize_t rest(struct ft_flow * f,
                    void *           buf,
                    size_t           count,
                    bool             nopart)
{
        size_t rem = f->rx_len - f->part;

        if (rem > count) {
                if (nopart)
                        return -EMSGSIZE;
                memcpy(buf, f->rx_buf + f->part, count);
                f->part += count;
                return (ssize_t) count;
        }

        memcpy(buf, f->rx_buf + f->part, rem);
        explicit_bzero(f->rx_buf, f->rx_len);
        f->rx_len = 0;
        f->part   = 0;
        flow_shm_consume(f->shm);

        return (ssize_t) rem;
}

/* Open a packet too big for the caller into rx_buf; hand out the head. */
static ssize_t open_partial(struct ft_flow * f,
                            const void *     pkt,
                            size_t           len,
                            void *           buf,
                            size_t           count)
{
        size_t  max = flow_shm_max_pkt(f->shm);
        ssize_t r;

        if (f->rx_buf == NULL) { /* only flows read in parts pay for it */
                f->rx_buf = malloc(max);
                if (f->rx_buf == NULL)
                        return -ENOMEM;
        }

        r = crypt_decrypt_shared(f->cf, pkt, len, f->rx_buf, max);
        if (r < 0)
                return r;

        f->rx_len = (size_t) r;
        f->part   = 0;

        return rest(f, buf, count, false);
}

ssize_t fc_read(struct ft_flow *        f,
                void *                  buf,
                size_t                  count,
                bool                    nopart,
                bool                    nonblock,
                const struct timespec * abstime)
{
        const void * pkt;
        ssize_t      r;
        size_t       len;

        if (f->rx_len > 0)
                return rest(f, buf, count, nopart);

        for (;;) {
                r = flow_shm_peek(f->shm, &pkt, nonblock, abstime);
                if (r < 0)
                        return r;

                len = (size_t) r;
                if (len >= CRYPT_OVERHEAD && len - CRYPT_OVERHEAD > count) {
                        if (nopart)
                                return -EMSGSIZE; /* the packet stays */
                        r = open_partial(f, pkt, len, buf, count);
                        if (r >= 0)
                                return r; /* consumed by rest() */
                } else {
                        r = crypt_decrypt_shared(f->cf, pkt, len, buf,
                                                 count);
                }

                if (r == -ENOMEM)
                        return r; /* the packet stays: try again later */

                flow_shm_consume(f->shm);
                if (r >= 0)
                        return r;

                /* Forged, truncated or replayed: never shown. */
                atomic_fetch_add(&f->rx_drops, 1);
        }
}

ssize_t fc_seal(struct ft_flow * f,
                const void *     in,
                size_t           len,
                void *           out,
                size_t           cap)
{
        return crypt_encrypt(f->cf, in, len, out, cap);
}

ssize_t fc_open(struct ft_flow * f,
                const void *     pkt,
                size_t           len,
                void *           out,
                size_t           cap)
{
        ssize_t r;

        r = crypt_decrypt_shared(f->cf, pkt, len, out, cap);
        if (r == -EBADMSG || r == -ESTALE)
                atomic_fetch_add(&f->rx_drops, 1);

        return r;
}

void fc_stats(const struct ft_flow * f,
              struct crypt_stats *   st)
{
        crypt_stats(f->cf, st);
}
