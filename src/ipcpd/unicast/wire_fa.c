/*
 * Ouroboros - the messages of the unicast layer's flow allocator
 * (wire_fa.h): encoder and strict parser.
 */
#include "wire_fa.h"

#include "ipcpd/mgmt/be.h"

#include <errno.h>
#include <string.h>

/* The fields parse refuses, checked before writing. */
static int check(const struct fa_msg * m)
{
        if (m->s_addr == 0)
                return -EINVAL;

        switch (m->type) {
        case FA_REQ:
                if (m->s_eid == 0 || m->hash == NULL ||
                    m->hash_len < FA_HASH_MIN || m->hash_len > FA_HASH_MAX ||
                    m->key_len > FA_KEY_MAX ||
                    (m->key_len > 0 && m->key == NULL))
                        return -EINVAL;
                return 0;
        case FA_REPLY:
                if (m->d_eid == 0 || m->result > 0 ||
                    (m->result == 0 && m->s_eid == 0) ||
                    (m->result < 0 && (m->s_eid != 0 || m->key_len > 0)) ||
                    m->key_len > FA_KEY_MAX ||
                    (m->key_len > 0 && m->key == NULL))
                        return -EINVAL;
                return 0;
        case FA_DEALLOC:
        case FA_DEALLOC_ACK:
                return m->s_eid == 0 || m->d_eid == 0 ? -EINVAL : 0;
        case FA_UPDATE:
                if (m->s_eid == 0 || m->d_eid == 0 || m->pkts == 0 ||
                    m->marked > m->pkts)
                        return -EINVAL;
                return 0;
        default:
                return -EINVAL;
        }
}

ssize_t fa_msg_len(const struct fa_msg * m)
{
        if (check(m) < 0)
                return -EINVAL;

        switch (m->type) {
        case FA_REQ:
                return (ssize_t) FA_REQ_LEN(m->hash_len, m->key_len);
        case FA_REPLY:
                return (ssize_t) FA_REPLY_LEN(m->key_len);
        case FA_DEALLOC:
        case FA_DEALLOC_ACK:
                return (ssize_t) FA_DEALLOC_LEN;
        default:
                return (ssize_t) FA_UPDATE_LEN;
        }
}

ssize_t fa_msg_write(const struct fa_msg * m,
                     uint8_t *             buf,
                     size_t                len)
{
        ssize_t   n = fa_msg_len(m);
        uint8_t * p;

        if (n < 0)
                return n;
        if ((size_t) n > len)
                return -EMSGSIZE;

        buf[0] = (uint8_t) m->type;
        buf[1] = FA_MSG_VERSION;
        be_put64(buf + 2, m->s_addr);
        be_put64(buf + 10, m->s_eid);
        p = buf + FA_HDR_LEN;

        switch (m->type) {
        case FA_REQ:
                be_put32(p, m->cookie);
                p = qos_wire_put(p + 4, &m->qos);
                *p++ = (uint8_t) m->hash_len;
                memcpy(p, m->hash, m->hash_len);
                p += m->hash_len;
                be_put16(p, (uint16_t) m->key_len);
                if (m->key_len > 0)
                        memcpy(p + 2, m->key, m->key_len);
                break;
        case FA_REPLY:
                be_put64(p, m->d_eid);
                be_put32(p + 8, m->cookie);
                be_put16(p + 12, (uint16_t) m->result);
                be_put16(p + 14, (uint16_t) m->key_len);
                if (m->key_len > 0)
                        memcpy(p + 16, m->key, m->key_len);
                break;
        case FA_DEALLOC:
        case FA_DEALLOC_ACK:
                be_put64(p, m->d_eid);
                break;
        default:
                be_put64(p, m->d_eid);
                be_put32(p + 8, m->pkts);
                be_put32(p + 12, m->marked);
                p[16] = m->ecn;
                break;
        }

        return n;
}

int fa_msg_parse(const uint8_t * buf,
                 size_t          len,
                 struct fa_msg * m)
{
        const uint8_t * p;
        size_t          left;

        memset(m, 0, sizeof(*m));

        if (buf == NULL || len < FA_HDR_LEN)
                return -EBADMSG;
        if (buf[1] != FA_MSG_VERSION)
                return -EPROTONOSUPPORT;

        m->type   = (enum fa_msg_type) buf[0];
        m->s_addr = be_get64(buf + 2);
        m->s_eid  = be_get64(buf + 10);
        p         = buf + FA_HDR_LEN;
        left      = len - FA_HDR_LEN;

        switch (m->type) {
        case FA_REQ:
                if (left < 4 + FA_QOS_LEN + 1)
                        return -EBADMSG;
                m->cookie = be_get32(p);
                qos_wire_get(p + 4, &m->qos);
                m->hash_len = p[4 + FA_QOS_LEN];
                p    += 4 + FA_QOS_LEN + 1;
                left -= 4 + FA_QOS_LEN + 1;
                if (left < m->hash_len + 2)
                        return -EBADMSG;
                m->hash  = p;
                p       += m->hash_len;
                left    -= m->hash_len;
                m->key_len = be_get16(p);
                p    += 2;
                left -= 2;
                if (left != m->key_len)
                        return -EBADMSG;
                m->key = m->key_len > 0 ? p : NULL;
                break;
        case FA_REPLY:
                if (left < 16)
                        return -EBADMSG;
                m->d_eid   = be_get64(p);
                m->cookie  = be_get32(p + 8);
                m->result  = (int16_t) be_get16(p + 12);
                m->key_len = be_get16(p + 14);
                if (left - 16 != m->key_len)
                        return -EBADMSG;
                m->key = m->key_len > 0 ? p + 16 : NULL;
                break;
        case FA_DEALLOC:
        case FA_DEALLOC_ACK:
                if (left != 8)
                        return -EBADMSG;
                m->d_eid = be_get64(p);
                break;
        case FA_UPDATE:
                if (left != 17)
                        return -EBADMSG;
                m->d_eid  = be_get64(p);
                m->pkts   = be_get32(p + 8);
                m->marked = be_get32(p + 12);
                m->ecn    = p[16];
                break;
        default:
                return -EPROTO;
        }

        return check(m) < 0 ? -EBADMSG : 0;
}
