/*
 * Ouroboros - encoder and strict decoder of link-state advertisements
 * (format and sequence-number order in lsa.h).
 *
 * The decoder checks the length against the neighbour count before it
 * reads a neighbour, then applies the same checks as lsa_check while it
 * copies, so a refused LSA is never half-used by the caller.
 */
#include "lsa.h"

#include "ipcpd/mgmt/be.h"

#include <errno.h>
#include <stdlib.h>

static int check_hdr(uint64_t origin,
                     uint32_t lifetime,
                     size_t   n)
{
        if (origin == 0)
                return -EINVAL;
        if (lifetime > LSA_LIFETIME_MAX)
                return -ERANGE;
        if (n > LSA_NBRS_MAX)
                return -E2BIG;
        if (lifetime == 0 && n > 0)
                return -EPROTO;
        return 0;
}

/* Check neighbour i given the one before it (NULL for the first). */
static int check_nbr(uint64_t               origin,
                     const struct lsa_nbr * prev,
                     const struct lsa_nbr * nb)
{
        if (nb->addr == 0)
                return -EINVAL;
        if (nb->addr == origin)
                return -ELOOP;
        if (nb->metric == 0 || nb->metric > LSA_METRIC_MAX)
                return -ERANGE;
        if (prev != NULL && nb->addr <= prev->addr)
                return -ENOTUNIQ;
        return 0;
}

int lsa_check(const struct lsa * l)
{
        size_t i;
        int    ret;

        ret = check_hdr(l->origin, l->lifetime, l->n);
        if (ret < 0)
                return ret;

        for (i = 0; i < l->n; ++i) {
                ret = check_nbr(l->origin, i > 0 ? &l->nbrs[i - 1] : NULL,
                                &l->nbrs[i]);
                if (ret < 0)
                        return ret;
        }

        return 0;
}

static int cmp_nbr(const void * a,
                   const void * b)
{
        const struct lsa_nbr * x = a;
        const struct lsa_nbr * y = b;

        return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void lsa_sort(struct lsa * l)
{
        if (l->n <= LSA_NBRS_MAX)
                qsort(l->nbrs, l->n, sizeof(l->nbrs[0]), cmp_nbr);
}

ssize_t lsa_encode(uint8_t *          buf,
                   size_t             cap,
                   const struct lsa * l)
{
        uint8_t * p;
        size_t    i;
        int       ret;

        ret = lsa_check(l);
        if (ret < 0)
                return ret;
        if (cap < LSA_LEN(l->n))
                return -ENOBUFS;

        buf[0] = LSA_VERSION;
        buf[1] = 0;
        be_put16(buf + 2, l->n);
        be_put64(buf + 4, l->origin);
        be_put32(buf + 12, l->seqno);
        be_put32(buf + 16, l->lifetime);

        p = buf + LSA_HDR_LEN;
        for (i = 0; i < l->n; ++i, p += LSA_NBR_LEN) {
                be_put64(p, l->nbrs[i].addr);
                be_put32(p + 8, l->nbrs[i].metric);
        }

        return (ssize_t) LSA_LEN(l->n);
}

int lsa_parse(const uint8_t * buf,
              size_t          n,
              struct lsa *    l)
{
        const uint8_t * p;
        size_t          cnt;
        size_t          i;
        int             ret;

        if (n < LSA_HDR_LEN)
                return -EBADMSG;
        if (buf[0] != LSA_VERSION)
                return -EPROTONOSUPPORT;
        if (buf[1] != 0)
                return -EINVAL;

        cnt         = be_get16(buf + 2);
        l->origin   = be_get64(buf + 4);
        l->seqno    = be_get32(buf + 12);
        l->lifetime = be_get32(buf + 16);

        ret = check_hdr(l->origin, l->lifetime, cnt);
        if (ret < 0)
                return ret;
        if (n < LSA_LEN(cnt))
                return -EBADMSG;
        if (n > LSA_LEN(cnt))
                return -EPROTO;

        l->n = (uint16_t) cnt;
        p    = buf + LSA_HDR_LEN;
        for (i = 0; i < cnt; ++i, p += LSA_NBR_LEN) {
                l->nbrs[i].addr   = be_get64(p);
                l->nbrs[i].metric = be_get32(p + 8);
                ret = check_nbr(l->origin, i > 0 ? &l->nbrs[i - 1] : NULL,
                                &l->nbrs[i]);
                if (ret < 0)
                        return ret;
        }

        return 0;
}
