/*
 * Ouroboros - the data transfer header of the unicast layer (wire_dt.h).
 */
#include "wire_dt.h"

#include "ipcpd/mgmt/be.h"

#include <errno.h>

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

        if (!fmt_ok(f) || h->dst == 0 || h->dst > be_maxn(f->addr_size) ||
            h->eid > be_maxn(f->eid_size) || h->cube >= DT_CUBES)
                return -EINVAL;

        n = dt_hdr_len(f);
        if (len < n)
                return -EMSGSIZE;

        be_putn(buf, h->dst, f->addr_size);
        buf[f->addr_size]     = h->cube;
        buf[f->addr_size + 1] = h->ttl;
        buf[f->addr_size + 2] = h->ecn;
        be_putn(buf + f->addr_size + 3, h->eid, f->eid_size);

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

        h->dst  = be_getn(buf, f->addr_size);
        h->cube = buf[f->addr_size];
        h->ttl  = buf[f->addr_size + 1];
        h->ecn  = buf[f->addr_size + 2];
        h->eid  = be_getn(buf + f->addr_size + 3, f->eid_size);

        if (h->dst == 0 || h->cube >= DT_CUBES)
                return -EBADMSG;

        return (ssize_t) n;
}
