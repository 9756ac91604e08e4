/*
 * Ouroboros - the libvdeplug plugin's URL parser (see vde_url.h): a layer
 * name, then options separated by '/', as vxvde:// and udp:// write
 * theirs. An unknown option, a repeated one or a bad value is an error,
 * never ignored.
 */
#include "vde_url.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(char *       err,
               size_t       err_len,
               const char * fmt,
               ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);

        return -EINVAL;
}

static int parse_mtu(const char * v,
                     size_t       len,
                     size_t *     mtu)
{
        char          buf[16];
        char *        end;
        unsigned long n;

        if (len == 0 || len >= sizeof(buf) || v[0] < '1' || v[0] > '9')
                return -EINVAL;
        memcpy(buf, v, len);
        buf[len] = '\0';

        errno = 0;
        n = strtoul(buf, &end, 10);
        if (errno != 0 || *end != '\0' || n < VDE_URL_MTU_MIN ||
            n > VDE_URL_MTU_MAX)
                return -EINVAL;

        *mtu = n;
        return 0;
}

static int parse_opt(const char *     o,
                     size_t           len,
                     struct vde_url * u,
                     char *           err,
                     size_t           err_len)
{
        const char * eq;
        size_t       klen;

        eq = memchr(o, '=', len);
        klen = eq != NULL ? (size_t) (eq - o) : len;

        if (klen == 3 && strncmp(o, "mtu", 3) == 0) {
                if (u->mtu != 0)
                        return bad(err, err_len, "option mtu given twice");
                if (eq == NULL || parse_mtu(eq + 1, len - klen - 1,
                                            &u->mtu) < 0)
                        return bad(err, err_len, "bad option '%.*s': mtu "
                                   "takes a number from %d to %d",
                                   (int) len, o, VDE_URL_MTU_MIN,
                                   VDE_URL_MTU_MAX);
                return 0;
        }

        return bad(err, err_len, "unknown option '%.*s' (known: mtu=N)",
                   (int) len, o);
}

int vde_url_parse(const char *     s,
                  struct vde_url * u,
                  char *           err,
                  size_t           err_len)
{
        const char * p;
        size_t       len;
        int          r;

        if (err_len > 0)
                err[0] = '\0';

        memset(u, 0, sizeof(*u));

        if (s == NULL)
                return bad(err, err_len, "no URL");

        len = strcspn(s, "/");
        if (len == 0)
                return bad(err, err_len, "no layer name "
                           "(ouroboros://LAYER[/mtu=N])");
        if (len > VDE_URL_LAYER_MAX)
                return bad(err, err_len, "layer name longer than %d "
                           "characters", VDE_URL_LAYER_MAX);
        memcpy(u->layer, s, len);
        u->layer[len] = '\0';

        for (p = s + len; *p == '/'; p += len) {
                ++p;
                len = strcspn(p, "/");
                if (len == 0)
                        continue;  /* "L/" and "L//mtu=N" */
                r = parse_opt(p, len, u, err, err_len);
                if (r < 0)
                        return r;
        }

        return 0;
}
