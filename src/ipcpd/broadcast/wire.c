/*
 * Ouroboros - the broadcast layer's wire formats (see wire.h).
 */
#include "wire.h"

#include "common/name_check.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static void put16(uint8_t * p,
                  uint16_t  v)
{
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}

static uint16_t get16(const uint8_t * p)
{
        return (uint16_t) ((unsigned) p[0] << 8 | p[1]);
}

void bc_hdr_put(uint8_t *             buf,
                const struct bc_hdr * h)
{
        int i;

        buf[0] = BC_VERSION;
        buf[1] = BC_KIND_DATA;
        buf[2] = 0;
        buf[3] = 0;
        for (i = 0; i < 4; ++i)
                buf[4 + i] = (uint8_t) (h->seq >> (24 - 8 * i));
        for (i = 0; i < 8; ++i)
                buf[8 + i] = (uint8_t) (h->origin >> (56 - 8 * i));
}

int bc_hdr_parse(const uint8_t * buf,
                 size_t          len,
                 struct bc_hdr * h)
{
        int i;

        if (len < BC_HDR_LEN || buf[0] != BC_VERSION ||
            buf[1] != BC_KIND_DATA || buf[2] != 0 || buf[3] != 0)
                return -EBADMSG;

        h->seq = 0;
        for (i = 0; i < 4; ++i)
                h->seq = h->seq << 8 | buf[4 + i];
        h->origin = 0;
        for (i = 0; i < 8; ++i)
                h->origin = h->origin << 8 | buf[8 + i];

        return 0;
}

ssize_t bc_enr_req_put(uint8_t * buf,
                       size_t    len)
{
        if (len < BC_ENR_REQ_LEN)
                return -EMSGSIZE;

        buf[0] = BC_VERSION;
        buf[1] = BC_ENR_REQ;

        return BC_ENR_REQ_LEN;
}

int bc_enr_req_parse(const uint8_t * buf,
                     size_t          len)
{
        if (len != BC_ENR_REQ_LEN || buf[0] != BC_VERSION ||
            buf[1] != BC_ENR_REQ)
                return -EBADMSG;

        return 0;
}

static bool conf_ok(const struct bc_conf * c)
{
        return (unsigned) c->hash <= HASH_SHA3_512 &&
                c->mtu >= BC_MTU_MIN &&
                memchr(c->layer, '\0', sizeof(c->layer)) != NULL &&
                name_check(c->layer, LAYER_MAX_LEN) == 0;
}

ssize_t bc_enr_ans_put(uint8_t *              buf,
                       size_t                 len,
                       const struct bc_conf * c)
{
        size_t n;

        if (!conf_ok(c))
                return -EINVAL;

        n = strlen(c->layer);
        if (len < 6 + n)
                return -EMSGSIZE;

        buf[0] = BC_VERSION;
        buf[1] = BC_ENR_ANS;
        buf[2] = (uint8_t) c->hash;
        put16(buf + 3, c->mtu);
        buf[5] = (uint8_t) n;
        memcpy(buf + 6, c->layer, n);

        return (ssize_t) (6 + n);
}

int bc_enr_ans_parse(const uint8_t *  buf,
                     size_t           len,
                     struct bc_conf * c)
{
        size_t n;

        if (len < 6 || buf[0] != BC_VERSION || buf[1] != BC_ENR_ANS)
                return -EBADMSG;

        n = buf[5];
        if (len != 6 + n || n > LAYER_MAX_LEN || buf[2] > HASH_SHA3_512 ||
            get16(buf + 3) < BC_MTU_MIN ||
            name_check_bytes(buf + 6, n, LAYER_MAX_LEN) < 0)
                return -EBADMSG;

        c->hash = (enum hash_algo) buf[2];
        c->mtu  = get16(buf + 3);
        memcpy(c->layer, buf + 6, n);
        c->layer[n] = '\0';

        return 0;
}
