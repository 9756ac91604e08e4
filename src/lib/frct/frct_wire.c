/*
 * Ouroboros - the FRCT header's encoder and strict parser (the format
 * is described at the top of frct_wire.h).
 */
#include "frct_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <zlib.h>

static void put32(uint8_t * p,
                  uint32_t  v)
{
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

static uint32_t get32(const uint8_t * p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
                (uint32_t) p[2] << 8 | p[3];
}

/* The rules on byte 0 and the SACK blocks, shared by both ways. */
static bool hdr_ok(const struct frct_hdr * h)
{
        uint8_t f = h->flags;
        int     t = f & FRCT_TYPE_MASK;
        int     i;

        if ((f & FRCT_FL_SEQ) && t != FRCT_DATA && t != FRCT_SKIP)
                return false;
        if (t == FRCT_SKIP && (!(f & FRCT_FL_SEQ) || (f & (FRCT_FL_FIRST |
            FRCT_FL_LAST | FRCT_FL_ISN))))
                return false;
        if (!(f & FRCT_FL_SEQ) && (f & (FRCT_FL_FIRST | FRCT_FL_LAST)))
                return false;
        /* LIM: on ACK and KEEPALIVE packets, a limit of at least 1. */
        if (!(f & FRCT_FL_SEQ) && (f & FRCT_FL_ISN) &&
            ((t != FRCT_ACK && t != FRCT_KA) ||
             (h->lim & FRCT_LIM_MASK) == 0))
                return false;
        if (t == FRCT_ACK && !(f & FRCT_FL_ACK))
                return false;
        if (!(f & FRCT_FL_ACK))
                return true;
        if (h->nsack > FRCT_SACK_MAX)
                return false;
        for (i = 0; i < h->nsack; ++i)
                if (h->sack[i].start == h->sack[i].end)
                        return false;

        return true;
}

size_t frct_hdr_len(const struct frct_hdr * h)
{
        size_t n = 1;

        if (h->flags & FRCT_FL_SEQ)
                n += 4;
        if (h->flags & FRCT_FL_ISN)
                n += 4;
        if (h->flags & FRCT_FL_ACK)
                n += 9 + 8 * (size_t) h->nsack;

        return n;
}

ssize_t frct_hdr_put(uint8_t *               buf,
                     size_t                  cap,
                     const struct frct_hdr * h)
{
        size_t n = frct_hdr_len(h);
        size_t o = 1;
        int    i;

        if (!hdr_ok(h))
                return -EINVAL;
        if (cap < n)
                return -ENOBUFS;

        buf[0] = h->flags;
        if (h->flags & FRCT_FL_SEQ) {
                put32(buf + o, h->seq);
                o += 4;
        }
        if ((h->flags & FRCT_FL_ISN) && (h->flags & FRCT_FL_SEQ)) {
                put32(buf + o, h->isn);
                o += 4;
        }
        if (h->flags & FRCT_FL_ACK) {
                put32(buf + o, h->ack);
                put32(buf + o + 4, h->wnd);
                buf[o + 8] = h->nsack;
                o += 9;
                for (i = 0; i < h->nsack; ++i, o += 8) {
                        put32(buf + o, h->sack[i].start);
                        put32(buf + o + 4, h->sack[i].end);
                }
        }
        if ((h->flags & FRCT_FL_ISN) && !(h->flags & FRCT_FL_SEQ))
                put32(buf + o, h->lim);

        return (ssize_t) n;
}

size_t frct_crc_put(uint8_t * pkt,
                    size_t    len)
{
        uLong c = crc32(0L, Z_NULL, 0);

        c = crc32(c, pkt, (uInt) len);
        put32(pkt + len, (uint32_t) c);

        return len + FRCT_CRC_LEN;
}

static int parse_ack(const uint8_t *   p,
                     size_t            len,
                     size_t *          o,
                     struct frct_hdr * h)
{
        int i;

        if (len < *o + 9)
                return -EBADMSG;
        h->ack   = get32(p + *o);
        h->wnd   = get32(p + *o + 4);
        h->nsack = p[*o + 8];
        *o += 9;
        if (h->nsack > FRCT_SACK_MAX || len < *o + 8 * (size_t) h->nsack)
                return -EBADMSG;
        for (i = 0; i < h->nsack; ++i, *o += 8) {
                h->sack[i].start = get32(p + *o);
                h->sack[i].end   = get32(p + *o + 4);
        }

        return 0;
}

int frct_parse(const uint8_t *   pkt,
               size_t            len,
               struct frct_hdr * h,
               size_t *          off,
               size_t *          plen)
{
        size_t o = 1;
        size_t end = len;

        if (len < 1)
                return -EBADMSG;

        h->flags = pkt[0];
        h->seq   = h->isn = h->lim = h->ack = h->wnd = 0;
        h->nsack = 0;

        if (h->flags & FRCT_FL_CRC) {
                uLong c = crc32(0L, Z_NULL, 0);
                if (len < 1 + FRCT_CRC_LEN)
                        return -EBADMSG;
                end = len - FRCT_CRC_LEN;
                c = crc32(c, pkt, (uInt) end);
                if ((uint32_t) c != get32(pkt + end))
                        return -EBADMSG;
        }

        if (h->flags & FRCT_FL_SEQ) {
                if (end < o + 4)
                        return -EBADMSG;
                h->seq = get32(pkt + o);
                o += 4;
        }
        if ((h->flags & FRCT_FL_ISN) && (h->flags & FRCT_FL_SEQ)) {
                if (end < o + 4)
                        return -EBADMSG;
                h->isn = get32(pkt + o);
                o += 4;
        }
        if ((h->flags & FRCT_FL_ACK) && parse_ack(pkt, end, &o, h) < 0)
                return -EBADMSG;
        if ((h->flags & FRCT_FL_ISN) && !(h->flags & FRCT_FL_SEQ)) {
                if (end < o + 4)
                        return -EBADMSG;
                h->lim = get32(pkt + o);
                o += 4;
        }
        if (!hdr_ok(h))
                return -EBADMSG;

        *off  = o;
        *plen = end - o;

        if (frct_hdr_type(h) != FRCT_DATA && *plen > 0)
                return -EBADMSG;
        if (frct_hdr_type(h) == FRCT_DATA && (h->flags & FRCT_FL_SEQ) &&
            *plen == 0 &&
            (h->flags & (FRCT_FL_FIRST | FRCT_FL_LAST)) !=
            (FRCT_FL_FIRST | FRCT_FL_LAST))
                return -EBADMSG;

        return 0;
}
