/*
 * Ouroboros - the connection handshake of lower flows (lower.h): encode
 * and strictly decode the request and the answer. No state, no thread:
 * the fuzz target links this file alone.
 */
#include "lower.h"

#include "common/name_check.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define FIXED_LEN 10 /* magic, kind, result, type, proto */

/* The length of string field s of size n, or -1 if not terminated. */
static ssize_t field_len(const char * s,
                         size_t       n)
{
        size_t l = strnlen(s, n);

        return l == n ? -1 : (ssize_t) l;
}

/* A string of n bytes as a field: 1..max bytes (0..max if it may be
 * empty) under the project's name rules. */
static bool str_ok(const void * p,
                   size_t       n,
                   size_t       max,
                   bool         may_be_empty)
{
        if (n == 0)
                return may_be_empty;

        return name_check_bytes(p, n, max) == 0;
}

/* The fields that do not depend on the encoding. */
static bool head_ok(enum lower_kind kind,
                    int             result,
                    unsigned        type)
{
        if (type >= IPCP_INVALID)
                return false;

        switch (kind) {
        case LOWER_REQ:
                return result == 0;
        case LOWER_ANS:
                return result <= 0;
        default:
                return false;
        }
}

static uint8_t * put_str(uint8_t *    p,
                         const char * s,
                         size_t       n)
{
        *p++ = (uint8_t) n;
        memcpy(p, s, n);

        return p + n;
}

ssize_t lower_info_write(const struct lower_info * i,
                         uint8_t *                 buf,
                         size_t                    len)
{
        ssize_t   cl;
        ssize_t   ll;
        ssize_t   nl;
        size_t    total;
        uint8_t * p = buf;

        if (i == NULL || buf == NULL)
                return -EINVAL;

        cl = field_len(i->comp, sizeof(i->comp));
        ll = field_len(i->layer, sizeof(i->layer));
        nl = field_len(i->name, sizeof(i->name));
        if (cl < 0 || ll < 0 || nl < 0)
                return -EINVAL;

        if (!head_ok(i->kind, i->result, (unsigned) i->type) ||
            !str_ok(i->comp, (size_t) cl, IPCP_COMP_MAX, false) ||
            !str_ok(i->layer, (size_t) ll, LAYER_MAX_LEN, true) ||
            !str_ok(i->name, (size_t) nl, IPCP_NAME_MAX_LEN, false))
                return -EINVAL;

        total = FIXED_LEN + 3 + (size_t) (cl + ll + nl);
        if (len < total)
                return -EMSGSIZE;

        *p++ = (uint8_t) (LOWER_MAGIC >> 24);
        *p++ = (uint8_t) (LOWER_MAGIC >> 16);
        *p++ = (uint8_t) (LOWER_MAGIC >> 8);
        *p++ = (uint8_t) LOWER_MAGIC;
        *p++ = (uint8_t) i->kind;
        *p++ = (uint8_t) ((uint16_t) i->result >> 8);
        *p++ = (uint8_t) (uint16_t) i->result;
        *p++ = (uint8_t) i->type;
        *p++ = (uint8_t) (i->proto >> 8);
        *p++ = (uint8_t) i->proto;
        p = put_str(p, i->comp, (size_t) cl);
        p = put_str(p, i->layer, (size_t) ll);
        p = put_str(p, i->name, (size_t) nl);

        return p - buf;
}

/* One length-prefixed string at *pos of buf (len bytes) into out (size
 * max + 1): 0, or -EBADMSG (runs past the end, too long, not a name). */
static int get_str(const uint8_t * buf,
                   size_t          len,
                   size_t *        pos,
                   char *          out,
                   size_t          max,
                   bool            may_be_empty)
{
        size_t n;

        if (*pos >= len)
                return -EBADMSG;

        n = buf[(*pos)++];
        if (n > max || n > len - *pos)
                return -EBADMSG;

        if (!str_ok(buf + *pos, n, max, may_be_empty))
                return -EBADMSG;

        memcpy(out, buf + *pos, n);
        out[n] = '\0';
        *pos += n;

        return 0;
}

int lower_info_parse(const uint8_t *     buf,
                     size_t              len,
                     struct lower_info * i)
{
        uint32_t magic;
        int16_t  result;
        size_t   pos = FIXED_LEN;

        if (buf == NULL || i == NULL || len < FIXED_LEN)
                return -EBADMSG;

        magic = (uint32_t) buf[0] << 24 | (uint32_t) buf[1] << 16 |
                (uint32_t) buf[2] << 8 | buf[3];
        if (magic != LOWER_MAGIC)
                return -EBADMSG;

        result = (int16_t) (uint16_t) ((unsigned) buf[5] << 8 | buf[6]);
        if (!head_ok((enum lower_kind) buf[4], result, buf[7]))
                return -EBADMSG;

        memset(i, 0, sizeof(*i));
        i->kind   = (enum lower_kind) buf[4];
        i->result = result;
        i->type   = (enum ipcp_type) buf[7];
        i->proto  = (uint16_t) ((unsigned) buf[8] << 8 | buf[9]);

        if (get_str(buf, len, &pos, i->comp, IPCP_COMP_MAX, false) < 0 ||
            get_str(buf, len, &pos, i->layer, LAYER_MAX_LEN, true) < 0 ||
            get_str(buf, len, &pos, i->name, IPCP_NAME_MAX_LEN, false) < 0)
                return -EBADMSG;

        return pos == len ? 0 : -EBADMSG;
}
