/*
 * Ouroboros - the enrollment messages of the unicast layer
 * (wire_enroll.h).
 */
#include "wire_enroll.h"
#include "wire_mgmt.h"

#include "common/ipcp_conf.h"

#include <errno.h>
#include <stddef.h>
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

/* The configuration's u32 fields, in wire order. */
static const size_t time_off[] = {
        offsetof(struct layer_config, dht_t_expire),
        offsetof(struct layer_config, dht_t_refresh),
        offsetof(struct layer_config, dht_t_replicate),
        offsetof(struct layer_config, ls_t_recalc),
        offsetof(struct layer_config, ls_t_update),
        offsetof(struct layer_config, ls_t_timeo)
};

#define N_TIMES (sizeof(time_off) / sizeof(time_off[0]))

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
        size_t                      i;
        uint32_t                    u;

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
        for (i = 0; i < N_TIMES; ++i) {
                memcpy(&u, (const uint8_t *) c + time_off[i], sizeof(u));
                p = put(p, u, 4);
        }
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
        size_t                i;
        uint32_t              u;

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
        for (i = 0; i < N_TIMES; ++i) {
                p = get(p, &v, 4);
                u = (uint32_t) v;
                memcpy((uint8_t *) c + time_off[i], &u, sizeof(u));
        }
        p = get(p, &v, 2);
        c->mtu = (uint16_t) v;
        memcpy(c->layer, p + 1, *p);
        c->layer[*p] = '\0';
        if (memchr(c->layer, '\0', *p) != NULL)
                return -EBADMSG;

        return ans_ok(a) ? 0 : -EBADMSG;
}
