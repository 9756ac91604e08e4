/*
 * Ouroboros - the enrollment messages of the unicast layer
 * (wire_enroll.h).
 */
#include "wire_enroll.h"
#include "wire_mgmt.h"

#include "common/ipcp_conf.h"

#include <errno.h>
#include <string.h>

static uint8_t * put(uint8_t * p,
                     uint64_t  v,
                     size_t    n)
{
        size_t i;

        for (i = n; i-- > 0;) {
                p[i] = (uint8_t) v;
                v >>= 8;
        }

        return p + n;
}

static const uint8_t * get(const uint8_t * p,
                           uint64_t *      v,
                           size_t          n)
{
        size_t i;

        *v = 0;
        for (i = 0; i < n; ++i)
                *v = *v << 8 | p[i];

        return p + n;
}

ssize_t enr_req_write(uint8_t * buf,
                      size_t    len)
{
        if (len < ENR_REQ_LEN)
                return -EMSGSIZE;

        buf[0] = ENR_VERSION;
        buf[1] = ENR_REQ;
        buf[2] = 0;
        buf[3] = 0;

        return ENR_REQ_LEN;
}

int enr_req_parse(const uint8_t * buf,
                  size_t          len)
{
        if (len != ENR_REQ_LEN || buf[0] != ENR_VERSION ||
            buf[1] != ENR_REQ || buf[2] != 0 || buf[3] != 0)
                return -EBADMSG;

        return 0;
}

/* The answer's fields beyond the header are consistent. */
static bool ans_ok(const struct enr_ans * a)
{
        const struct layer_config * c = &a->lc;

        if (c->type != IPCP_UNICAST || !ipcp_conf_valid(c) ||
            c->layer[0] == '\0')
                return false;

        return mgmt_addr_ok(c->addr_size, a->addr) &&
                mgmt_addr_ok(c->addr_size, a->enroller) &&
                a->addr != a->enroller;
}

ssize_t enr_ans_write(const struct enr_ans * a,
                      uint8_t *              buf,
                      size_t                 len)
{
        const struct layer_config * c = &a->lc;
        uint8_t *                   p = buf;
        size_t                      ln;

        if (a->result > 0)
                return -EINVAL;
        if (len < 4)
                return -EMSGSIZE;

        p[0] = ENR_VERSION;
        p[1] = ENR_ANS;
        p = put(p + 2, (uint16_t) a->result, 2);
        if (a->result != 0)
                return 4;

        if (!ans_ok(a))
                return -EINVAL;
        ln = strlen(c->layer);
        if (len < ENR_ANS_FIXED + ln)
                return -EMSGSIZE;

        p = put(p, a->addr, 8);
        p = put(p, a->enroller, 8);
        *p++ = (uint8_t) c->hash;
        *p++ = c->addr_size;
        *p++ = c->eid_size;
        *p++ = c->max_ttl;
        *p++ = c->routing;
        *p++ = c->congestion;
        *p++ = c->dht_alpha;
        *p++ = c->dht_k;
        p = put(p, c->dht_t_expire, 4);
        p = put(p, c->dht_t_refresh, 4);
        p = put(p, c->dht_t_replicate, 4);
        p = put(p, c->ls_t_recalc, 4);
        p = put(p, c->ls_t_update, 4);
        p = put(p, c->ls_t_timeo, 4);
        p = put(p, c->mtu, 2);
        *p++ = (uint8_t) ln;
        memcpy(p, c->layer, ln);

        return (ssize_t) (ENR_ANS_FIXED + ln);
}

int enr_ans_parse(const uint8_t *  buf,
                  size_t           len,
                  struct enr_ans * a)
{
        struct layer_config * c = &a->lc;
        const uint8_t *       p = buf;
        uint64_t              v;

        if (len < 4 || buf[0] != ENR_VERSION || buf[1] != ENR_ANS)
                return -EBADMSG;

        p = get(p + 2, &v, 2);
        a->result = (int16_t) (uint16_t) v;
        if (a->result > 0)
                return -EBADMSG;
        if (a->result < 0)
                return len == 4 ? 0 : -EBADMSG;

        if (len < ENR_ANS_FIXED || len != (size_t) ENR_ANS_FIXED + buf[54])
                return -EBADMSG;

        ipcp_conf_init(c, IPCP_UNICAST, NULL);
        p = get(p, &a->addr, 8);
        p = get(p, &a->enroller, 8);
        if (*p > HASH_SHA3_512)
                return -EBADMSG;
        c->hash       = (enum hash_algo) *p++;
        c->addr_size  = *p++;
        c->eid_size   = *p++;
        c->max_ttl    = *p++;
        c->routing    = *p++;
        c->congestion = *p++;
        c->dht_alpha  = *p++;
        c->dht_k      = *p++;
        p = get(p, &v, 4);
        c->dht_t_expire = (uint32_t) v;
        p = get(p, &v, 4);
        c->dht_t_refresh = (uint32_t) v;
        p = get(p, &v, 4);
        c->dht_t_replicate = (uint32_t) v;
        p = get(p, &v, 4);
        c->ls_t_recalc = (uint32_t) v;
        p = get(p, &v, 4);
        c->ls_t_update = (uint32_t) v;
        p = get(p, &v, 4);
        c->ls_t_timeo = (uint32_t) v;
        p = get(p, &v, 2);
        c->mtu = (uint16_t) v;
        memcpy(c->layer, p + 1, *p);
        c->layer[*p] = '\0';
        if (memchr(c->layer, '\0', *p) != NULL)
                return -EBADMSG;

        return ans_ok(a) ? 0 : -EBADMSG;
}
