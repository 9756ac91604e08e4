/*
 * Ouroboros - encoder and strict decoder of the management messages
 * of the eth and udp layers (format in mgmt.h).
 *
 * The decoder checks the CRC trailer before it reads a field, then
 * reads through a cursor that refuses any read past the end, so every
 * length is checked before the bytes it covers.
 */
#include "mgmt.h"
#include "be.h"
#include "qos_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <zlib.h>

struct cur {
        const uint8_t * p;
        size_t          left;
};

static bool take(struct cur * c, size_t n, const uint8_t ** out)
{
        if (c->left < n)
                return false;
        *out = c->p;
        c->p += n;
        c->left -= n;
        return true;
}

static bool has_name(uint8_t type)
{
        return type == MGMT_NAME_QUERY || type == MGMT_NAME_REPLY ||
                type == MGMT_FLOW_REQ;
}

static bool has_key(uint8_t type)
{
        return type == MGMT_FLOW_REQ || type == MGMT_FLOW_REPLY;
}

/* A probe (0), its answer (REPLY), or an answer with NONE. */
static bool ka_flags_ok(uint8_t f)
{
        return f == 0 || f == MGMT_KA_REPLY ||
                f == (MGMT_KA_REPLY | MGMT_KA_NONE);
}

ssize_t mgmt_len(const struct mgmt_msg * m)
{
        size_t n = MGMT_HDR_LEN + MGMT_CRC_LEN;

        if (has_name(m->type) &&
            (m->name == NULL || m->name_len == 0 ||
             m->name_len > MGMT_NAME_MAX))
                return -EINVAL;
        if (has_key(m->type) &&
            (m->key_len > MGMT_KEY_MAX || (m->key_len > 0 && m->key == NULL)))
                return -EINVAL;

        switch (m->type) {
        case MGMT_NAME_QUERY:
                return (ssize_t) (n + 1 + m->name_len);
        case MGMT_NAME_REPLY:
                if (m->result > 0)
                        return -EINVAL;
                return (ssize_t) (n + 2 + 1 + m->name_len);
        case MGMT_FLOW_REQ:
                if (m->s_eid == 0 || m->qos.in_order > 1)
                        return -EINVAL;
                return (ssize_t) (n + 2 + MGMT_QOS_LEN + 1 + m->name_len +
                                  2 + m->key_len);
        case MGMT_FLOW_REPLY:
                if (m->d_eid == 0 || m->result > 0)
                        return -EINVAL;
                /* A refusal has no endpoint of its own: s_eid may be 0. */
                if (m->result == 0 && m->s_eid == 0)
                        return -EINVAL;
                return (ssize_t) (n + 2 + 2 + 2 + 2 + m->key_len);
        case MGMT_FLOW_DEALLOC:
                if (m->s_eid == 0 || m->d_eid == 0)
                        return -EINVAL;
                return (ssize_t) (n + 4);
        case MGMT_KEEPALIVE:
                if (!ka_flags_ok(m->flags))
                        return -EINVAL;
                return (ssize_t) (n + 1);
        default:
                return -EINVAL;
        }
}

static uint32_t crc_of(const uint8_t * buf,
                       size_t          n)
{
        uLong c = crc32(0L, Z_NULL, 0);

        return (uint32_t) crc32(c, buf, (uInt) n);
}

void mgmt_seal(uint8_t * buf,
               size_t    n)
{
        if (n < MGMT_CRC_LEN)
                return;
        be_put32(buf + n - MGMT_CRC_LEN, crc_of(buf, n - MGMT_CRC_LEN));
}

uint32_t mgmt_layer_tag(const char * name)
{
        return crc_of((const uint8_t *) name, strlen(name));
}

static uint8_t * put_bytes(uint8_t * p, const uint8_t * b, size_t n)
{
        if (n > 0)
                memcpy(p, b, n);
        return p + n;
}

ssize_t mgmt_encode(uint8_t *               buf,
                    size_t                  cap,
                    const struct mgmt_msg * m)
{
        ssize_t   len = mgmt_len(m);
        uint8_t * p   = buf;

        if (len < 0)
                return len;
        if ((size_t) len > cap)
                return -ENOBUFS;

        p[0] = m->type;
        p[1] = MGMT_VERSION;
        be_put32(p + 2, m->layer);
        be_put32(p + 6, m->id);
        p += MGMT_HDR_LEN;

        switch (m->type) {
        case MGMT_NAME_REPLY:
                be_put16(p, (uint16_t) m->result);
                p += 2;
                /* fall through */
        case MGMT_NAME_QUERY:
                *p++ = (uint8_t) m->name_len;
                put_bytes(p, m->name, m->name_len);
                break;
        case MGMT_FLOW_REQ:
                be_put16(p, m->s_eid);
                p = qos_wire_put(p + 2, &m->qos);
                *p++ = (uint8_t) m->name_len;
                p = put_bytes(p, m->name, m->name_len);
                be_put16(p, (uint16_t) m->key_len);
                put_bytes(p + 2, m->key, m->key_len);
                break;
        case MGMT_FLOW_REPLY:
                be_put16(p, m->s_eid);
                be_put16(p + 2, m->d_eid);
                be_put16(p + 4, (uint16_t) m->result);
                be_put16(p + 6, (uint16_t) m->key_len);
                put_bytes(p + 8, m->key, m->key_len);
                break;
        case MGMT_FLOW_DEALLOC:
                be_put16(p, m->s_eid);
                be_put16(p + 2, m->d_eid);
                break;
        case MGMT_KEEPALIVE:
                *p = m->flags;
                break;
        }
        mgmt_seal(buf, (size_t) len);

        return len;
}

static int get_name(struct cur * c, struct mgmt_msg * m)
{
        const uint8_t * p;

        if (!take(c, 1, &p))
                return -EBADMSG;
        m->name_len = *p;
        if (m->name_len == 0)
                return -EINVAL;
        if (!take(c, m->name_len, &m->name))
                return -EBADMSG;
        return 0;
}

static int get_key(struct cur * c, struct mgmt_msg * m)
{
        const uint8_t * p;

        if (!take(c, 2, &p))
                return -EBADMSG;
        m->key_len = be_get16(p);
        if (m->key_len > MGMT_KEY_MAX)
                return -EKEYREJECTED;
        if (!take(c, m->key_len, &m->key))
                return -EBADMSG;
        if (m->key_len == 0)
                m->key = NULL;
        return 0;
}

static int get_result(struct cur * c, int16_t * r)
{
        const uint8_t * p;

        if (!take(c, 2, &p))
                return -EBADMSG;
        *r = (int16_t) be_get16(p);
        return *r > 0 ? -ERANGE : 0;
}

static int parse_body(struct cur * c, struct mgmt_msg * m)
{
        const uint8_t * p;
        int             ret;

        switch (m->type) {
        case MGMT_NAME_QUERY:
                return get_name(c, m);
        case MGMT_NAME_REPLY:
                ret = get_result(c, &m->result);
                return ret < 0 ? ret : get_name(c, m);
        case MGMT_FLOW_REQ:
                if (!take(c, 2 + MGMT_QOS_LEN, &p))
                        return -EBADMSG;
                m->s_eid = be_get16(p);
                qos_wire_get(p + 2, &m->qos);
                if (m->s_eid == 0 || m->qos.in_order > 1)
                        return -EINVAL;
                ret = get_name(c, m);
                return ret < 0 ? ret : get_key(c, m);
        case MGMT_FLOW_REPLY:
                if (!take(c, 4, &p))
                        return -EBADMSG;
                m->s_eid = be_get16(p);
                m->d_eid = be_get16(p + 2);
                ret = get_result(c, &m->result);
                if (ret < 0)
                        return ret;
                if (m->d_eid == 0 || (m->result == 0 && m->s_eid == 0))
                        return -EINVAL;
                return get_key(c, m);
        case MGMT_FLOW_DEALLOC:
                if (!take(c, 4, &p))
                        return -EBADMSG;
                m->s_eid = be_get16(p);
                m->d_eid = be_get16(p + 2);
                return m->s_eid == 0 || m->d_eid == 0 ? -EINVAL : 0;
        case MGMT_KEEPALIVE:
                if (!take(c, 1, &p))
                        return -EBADMSG;
                m->flags = *p;
                return ka_flags_ok(m->flags) ? 0 : -EINVAL;
        default:
                return -ENOMSG;
        }
}

int mgmt_parse(const uint8_t *   buf,
               size_t            n,
               struct mgmt_msg * m)
{
        struct cur      c;
        const uint8_t * p;
        int             ret;

        memset(m, 0, sizeof(*m));

        if (n < MGMT_HDR_LEN + MGMT_CRC_LEN)
                return -EBADMSG;
        c.p    = buf;
        c.left = n - MGMT_CRC_LEN;
        if (buf[1] != MGMT_VERSION)
                return -EPROTONOSUPPORT;
        if (be_get32(buf + n - MGMT_CRC_LEN) !=
            crc_of(buf, n - MGMT_CRC_LEN))
                return -EILSEQ;
        take(&c, MGMT_HDR_LEN, &p);
        m->type  = p[0];
        m->layer = be_get32(p + 2);
        m->id    = be_get32(p + 6);

        ret = parse_body(&c, m);
        if (ret < 0)
                return ret;

        return c.left > 0 ? -EPROTO : 0;
}
