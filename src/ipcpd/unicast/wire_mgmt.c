/*
 * Ouroboros - the management messages of the unicast layer
 * (wire_mgmt.h).
 */
#include "wire_mgmt.h"

#include "ipcpd/mgmt/be.h"

#include <errno.h>

static bool size_ok(uint8_t addr_size)
{
        return addr_size >= 1 && addr_size <= 8;
}

uint64_t mgmt_addr_any(uint8_t addr_size)
{
        return be_maxn(addr_size);
}

bool mgmt_addr_ok(uint8_t  addr_size,
                  uint64_t a)
{
        return size_ok(addr_size) && a != 0 && a < mgmt_addr_any(addr_size);
}

int mgmt_type(const uint8_t * buf,
              size_t          len)
{
        return len == 0 ? -EBADMSG : buf[0];
}

static bool flags_ok(uint8_t f)
{
        if (f & ~(MGMT_HELLO_ACK | MGMT_HELLO_DUP))
                return false;

        return !(f & MGMT_HELLO_DUP) || (f & MGMT_HELLO_ACK);
}

ssize_t mgmt_hello_write(uint8_t                   addr_size,
                         const struct mgmt_hello * h,
                         uint8_t *                 buf,
                         size_t                    len)
{
        if (!mgmt_addr_ok(addr_size, h->addr) || !flags_ok(h->flags))
                return -EINVAL;
        if (len < (size_t) 3 + addr_size)
                return -EMSGSIZE;

        buf[0] = MGMT_T_HELLO;
        buf[1] = MGMT_HELLO_VERSION;
        buf[2] = h->flags;
        be_putn(buf + 3, h->addr, addr_size);

        return 3 + addr_size;
}

int mgmt_hello_parse(uint8_t             addr_size,
                     const uint8_t *     buf,
                     size_t              len,
                     struct mgmt_hello * h)
{
        if (!size_ok(addr_size) || len != (size_t) 3 + addr_size ||
            buf[0] != MGMT_T_HELLO || buf[1] != MGMT_HELLO_VERSION ||
            !flags_ok(buf[2]))
                return -EBADMSG;

        h->flags = buf[2];
        h->addr  = be_getn(buf + 3, addr_size);

        return mgmt_addr_ok(addr_size, h->addr) ? 0 : -EBADMSG;
}

ssize_t mgmt_ka_write(uint8_t * buf,
                      size_t    len)
{
        if (len < 1)
                return -EMSGSIZE;

        buf[0] = MGMT_T_KA;

        return 1;
}

int mgmt_ka_parse(const uint8_t * buf,
                  size_t          len)
{
        return len == 1 && buf[0] == MGMT_T_KA ? 0 : -EBADMSG;
}

static bool claim_type(int type)
{
        return type == MGMT_T_CLAIM || type == MGMT_T_CONFLICT;
}

ssize_t mgmt_claim_write(uint8_t                   addr_size,
                         int                       type,
                         const struct mgmt_claim * c,
                         uint8_t *                 buf,
                         size_t                    len)
{
        if (!claim_type(type) || !mgmt_addr_ok(addr_size, c->addr))
                return -EINVAL;
        if (len < (size_t) 1 + addr_size + 8)
                return -EMSGSIZE;

        buf[0] = (uint8_t) type;
        be_putn(buf + 1, c->addr, addr_size);
        be_putn(buf + 1 + addr_size, c->nonce, 8);

        return 1 + addr_size + 8;
}

int mgmt_claim_parse(uint8_t             addr_size,
                     int                 type,
                     const uint8_t *     buf,
                     size_t              len,
                     struct mgmt_claim * c)
{
        if (!claim_type(type) || !size_ok(addr_size) ||
            len != (size_t) 1 + addr_size + 8 || buf[0] != type)
                return -EBADMSG;

        c->addr  = be_getn(buf + 1, addr_size);
        c->nonce = be_getn(buf + 1 + addr_size, 8);

        return mgmt_addr_ok(addr_size, c->addr) ? 0 : -EBADMSG;
}

ssize_t mgmt_dt_hello_write(const struct dt_fmt *     f,
                            const struct mgmt_hello * h,
                            uint8_t *                 buf,
                            size_t                    len)
{
        struct dt_hdr d;
        ssize_t       hl;
        ssize_t       n;

        if (!size_ok(f->addr_size))
                return -EINVAL;

        d.dst  = mgmt_addr_any(f->addr_size);
        d.cube = 3;
        d.ttl  = 1;
        d.ecn  = 0;
        d.eid  = 0;
        hl = dt_hdr_write(f, &d, buf, len);
        if (hl < 0)
                return hl;

        n = mgmt_hello_write(f->addr_size, h, buf + hl, len - (size_t) hl);
        if (n < 0)
                return n;

        return hl + n;
}

int mgmt_dt_hello_parse(const struct dt_fmt * f,
                        const uint8_t *       buf,
                        size_t                len,
                        struct mgmt_hello *   h)
{
        struct dt_hdr d;
        ssize_t       hl;

        if (!size_ok(f->addr_size))
                return -EBADMSG;

        hl = dt_hdr_parse(f, buf, len, &d);
        if (hl < 0)
                return -EBADMSG;

        if (d.dst != mgmt_addr_any(f->addr_size) || d.cube != 3 ||
            d.ttl != 1 || d.ecn != 0 || d.eid != 0)
                return -EBADMSG;

        return mgmt_hello_parse(f->addr_size, buf + hl, len - (size_t) hl,
                                h);
}
