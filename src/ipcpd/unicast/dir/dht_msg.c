/*
 * Ouroboros - encoder and strict decoder of the directory's messages
 * (format in dht_msg.h). The decoder checks the length against the
 * counts before it reads a contact or a value.
 */
#include "dht_msg.h"

#include "ipcpd/mgmt/be.h"

#include <errno.h>
#include <string.h>

static int check_hdr(uint8_t  type,
                     size_t   klen,
                     uint64_t src,
                     size_t   nc,
                     size_t   nv)
{
        if (!dht_klen_ok(klen))
                return -EKEYREJECTED;
        if (src == 0)
                return -EINVAL;
        if (nc > DHT_MSG_CONTACTS_MAX || nv > DHT_MSG_VALS_MAX)
                return -E2BIG;

        switch (type) {
        case DHT_FIND_NODE:
        case DHT_FIND_VALUE:
        case DHT_STORE_REP:
                return nc == 0 && nv == 0 ? 0 : -EPROTO;
        case DHT_STORE:
                return nc == 0 && nv > 0 ? 0 : -EPROTO;
        case DHT_FIND_NODE_REP:
                return nv == 0 ? 0 : -EPROTO;
        case DHT_FIND_VALUE_REP:
                return 0;
        default:
                return -EINVAL;
        }
}

static int check_val(uint8_t                type,
                     const struct dht_val * v)
{
        if (v->addr == 0)
                return -EINVAL;
        if (v->ttl == 0 && type != DHT_STORE)
                return -ERANGE;
        return 0;
}

int dht_msg_check(const struct dht_msg * m)
{
        size_t i;
        int    ret;

        ret = check_hdr(m->type, m->klen, m->src, m->nc, m->nv);
        if (ret < 0)
                return ret;

        for (i = 0; i < m->nc; ++i)
                if (m->contacts[i].addr == 0)
                        return -EINVAL;

        for (i = 0; i < m->nv; ++i) {
                ret = check_val(m->type, &m->vals[i]);
                if (ret < 0)
                        return ret;
        }

        return 0;
}

ssize_t dht_msg_encode(uint8_t *              buf,
                       size_t                 cap,
                       const struct dht_msg * m)
{
        uint8_t * p;
        size_t    kl = m->klen;
        size_t    i;
        int       ret;

        ret = dht_msg_check(m);
        if (ret < 0)
                return ret;
        if (cap < DHT_MSG_LEN(kl, m->nc, m->nv))
                return -ENOBUFS;

        buf[0] = DHT_MSG_VERSION;
        buf[1] = m->type;
        buf[2] = m->klen;
        buf[3] = 0;
        be_put32(buf + 4, m->reqid);
        be_put64(buf + 8, m->src);
        be_put16(buf + 16, m->nc);
        be_put16(buf + 18, m->nv);
        memcpy(buf + DHT_MSG_HDR_LEN, m->id, kl);
        memcpy(buf + DHT_MSG_HDR_LEN + kl, m->key, kl);

        p = buf + DHT_MSG_HDR_LEN + 2 * kl;
        for (i = 0; i < m->nc; ++i, p += kl + 8) {
                memcpy(p, m->contacts[i].id, kl);
                be_put64(p + kl, m->contacts[i].addr);
        }
        for (i = 0; i < m->nv; ++i, p += DHT_MSG_VAL_LEN) {
                be_put64(p, m->vals[i].addr);
                be_put32(p + 8, m->vals[i].ttl);
        }

        return (ssize_t) (p - buf);
}

int dht_msg_parse(const uint8_t *  buf,
                  size_t           n,
                  size_t           klen,
                  struct dht_msg * m)
{
        const uint8_t * p;
        size_t          i;
        int             ret;

        if (n > DHT_MSG_LEN_MAX)
                return -EMSGSIZE;
        if (n < DHT_MSG_HDR_LEN)
                return -EBADMSG;
        if (buf[0] != DHT_MSG_VERSION)
                return -EPROTONOSUPPORT;
        if (buf[3] != 0)
                return -EINVAL;
        if (buf[2] != klen)
                return -EKEYREJECTED;

        m->type  = buf[1];
        m->klen  = buf[2];
        m->reqid = be_get32(buf + 4);
        m->src   = be_get64(buf + 8);
        m->nc    = be_get16(buf + 16);
        m->nv    = be_get16(buf + 18);

        ret = check_hdr(m->type, klen, m->src, m->nc, m->nv);
        if (ret < 0)
                return ret;
        if (n < DHT_MSG_LEN(klen, m->nc, m->nv))
                return -EBADMSG;
        if (n > DHT_MSG_LEN(klen, m->nc, m->nv))
                return -EPROTO;

        memcpy(m->id, buf + DHT_MSG_HDR_LEN, klen);
        memcpy(m->key, buf + DHT_MSG_HDR_LEN + klen, klen);

        p = buf + DHT_MSG_HDR_LEN + 2 * klen;
        for (i = 0; i < m->nc; ++i, p += klen + 8) {
                memcpy(m->contacts[i].id, p, klen);
                m->contacts[i].addr = be_get64(p + klen);
                if (m->contacts[i].addr == 0)
                        return -EINVAL;
        }
        for (i = 0; i < m->nv; ++i, p += DHT_MSG_VAL_LEN) {
                m->vals[i].addr = be_get64(p);
                m->vals[i].ttl  = be_get32(p + 8);
                ret = check_val(m->type, &m->vals[i]);
                if (ret < 0)
                        return ret;
        }

        return 0;
}
