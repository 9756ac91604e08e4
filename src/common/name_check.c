/*
 * Ouroboros - what a name may be (see name_check.h): a UTF-8 decoder
 * that accepts only the shortest form and no control characters, and
 * the escaping of text that came from a client for log lines.
 */
#include "name_check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

size_t name_char_len(const uint8_t * p,
                     size_t          n)
{
        uint32_t c;
        size_t   len;
        size_t   i;

        if (p[0] < 0x80) /* ASCII: no C0, no DEL */
                return p[0] >= 0x20 && p[0] != 0x7f ? 1 : 0;

        if (p[0] >= 0xc2 && p[0] <= 0xdf) {
                len = 2;
                c   = p[0] & 0x1f;
        } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
                len = 3;
                c   = p[0] & 0x0f;
        } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
                len = 4;
                c   = p[0] & 0x07;
        } else { /* continuation byte, overlong lead 0xc0/0xc1, > 0xf4 */
                return 0;
        }

        if (n < len)
                return 0;

        for (i = 1; i < len; ++i) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (p[i] & 0x3f);
        }

        if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
            c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c <= 0x9f)
                return 0; /* overlong, too big, surrogate, or C1 */

        return len;
}

int name_check_bytes(const void * p,
                     size_t       n,
                     size_t       max)
{
        const uint8_t * b = p;
        size_t          off = 0;

        if (n == 0)
                return -EINVAL;
        if (n > max)
                return -ENAMETOOLONG;

        while (off < n) {
                size_t k = name_char_len(b + off, n - off);
                if (k == 0)
                        return -EINVAL;
                off += k;
        }

        return 0;
}

int name_check(const char * s,
               size_t       max)
{
        if (s == NULL)
                return -EINVAL;

        return name_check_bytes(s, strnlen(s, max + 1), max);
}

size_t name_escape(char *       out,
                   size_t       len,
                   const char * in,
                   size_t       n)
{
        const uint8_t * b = (const uint8_t *) in;
        size_t          i = 0;
        size_t          o = 0;

        while (i < n) {
                size_t k = name_char_len(b + i, n - i);
                if (k == 0) {
                        if (o + 5 > len)
                                break;
                        snprintf(out + o, 5, "\\x%02x", b[i]);
                        o += 4;
                        ++i;
                        continue;
                }
                if (o + k + 1 > len)
                        break;
                memcpy(out + o, b + i, k);
                o += k;
                i += k;
        }

        out[o] = '\0';

        return o;
}
