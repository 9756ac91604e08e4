/*
 * Ouroboros - the data transfer header of the unicast layer (wire_dt.h).
 */
#include "wire_dt.h"

#include <errno.h>

static uint64_t max_for(uint8_t n)
{
        return n >= 8 ? UINT64_MAX : (((uint64_t) 1 << (8 * n)) - 1);
}

static void put_be(uint8_t * p,
                   uint64_t  v,
                   uint8_t   n)
{
        while (n-- > 0) {
                p[n] = (uint8_t) v;
                v >>= 8;
        }
}

static uint64_t get_be(const uint8_t * p,
                       uint8_t         n)
{
        uint64_t v = 0;
        uint8_t  i;

        for (i = 0; i < n; i++)
                v = v << 8 | p[i];

        return v;
}

static int fmt_ok(const struct dt_fmt * f)
{
        return f->addr_size >= 1 && f->addr_size <= 8 &&
                f->eid_size >= 1 && f->eid_size <= 8;
}

ssize_t dt_hdr_write(const struct dt_fmt * f,
                     const struct dt_hdr * h,
                     uint8_t *             buf,
                     size_t                len)
{
        size_t n;

        if (!fmt_ok(f) || h->dst == 0 || h->dst > max_for(f->addr_size) ||
            h->eid > max_for(f->eid_size) || h->cube >= DT_CUBES)
                return -EINVAL;

        n = dt_hdr_len(f);
        if (len < n)
                return -EMSGSIZE;

        put_be(buf, h->dst, f->addr_size);
        buf[f->addr_size]     = h->cube;
        buf[f->addr_size + 1] = h->ttl;
        buf[f->addr_size + 2] = h->ecn;
        put_be(buf + f->addr_size + 3, h->eid, f->eid_size);

        return (ssize_t) n;
}

ssize_t dt_hdr_parse(const struct dt_fmt * f,
                     const uint8_t *       buf,
                     size_t                len,
                     struct dt_hdr *       h)
{
        size_t n;

        if (!fmt_ok(f))
                return -EBADMSG;

        n = dt_hdr_len(f);
        if (len < n)
                return -EBADMSG;

        h->dst  = get_be(buf, f->addr_size);
        h->cube = buf[f->addr_size];
        h->ttl  = buf[f->addr_size + 1];
        h->ecn  = buf[f->addr_size + 2];
        h->eid  = get_be(buf + f->addr_size + 3, f->eid_size);

        if (h->dst == 0 || h->cube >= DT_CUBES)
                return -EBADMSG;

        return (ssize_t) n;
}
