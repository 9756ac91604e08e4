/*
 * Ouroboros - libFuzzer target for the udp layers' name mapping file
 * parser. The first input byte picks the family (udp4 or udp6); the
 * rest is the file.
 *
 * Oracle: a refused file names a line within it (1..lines) and leaves
 * no map; an accepted one answers a lookup of every field of every
 * line that is not its address (each is a name it mapped) and of no
 * name it was not given.
 *
 * Sources: src/ipcpd/udp/map.c src/common/name_check.c
 */
#include "ipcpd/udp/map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static size_t lines(const uint8_t * p,
                    size_t          n)
{
        size_t c = n > 0;

        for (size_t i = 0; i + 1 < n; ++i)
                c += p[i] == '\n';
        return c;
}

/* Look up every name field of the text (fields after the first of a
 * line, up to a '#'). */
static void lookup_all(const struct udp_map * m,
                       const char *           t,
                       size_t                 n)
{
        struct sockaddr_storage ss;
        socklen_t               len;
        char                    name[UDP_MAP_NAME_MAX + 1];
        size_t                  i = 0;

        while (i < n) {
                size_t field = 0;
                while (i < n && t[i] != '\n' && t[i] != '#') {
                        size_t s;
                        while (i < n && (t[i] == ' ' || t[i] == '\t' ||
                                         t[i] == '\r'))
                                ++i;
                        s = i;
                        while (i < n && t[i] != ' ' && t[i] != '\t' &&
                               t[i] != '\r' && t[i] != '\n' && t[i] != '#')
                                ++i;
                        if (i == s)
                                continue;
                        if (field++ == 0)
                                continue;
                        if (i - s > UDP_MAP_NAME_MAX)
                                abort();
                        memcpy(name, t + s, i - s);
                        name[i - s] = '\0';
                        if (udp_map_lookup(m, name, &ss, &len) != 0)
                                abort();
                }
                while (i < n && t[i] != '\n')
                        ++i;
                ++i;
        }
        if (udp_map_lookup(m, "", &ss, &len) != -ENOENT)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct udp_map * m = NULL;
        char *           t;
        int              family;
        int              line;
        int              ret;

        if (size < 1)
                return 0;
        family = data[0] & 1 ? AF_INET6 : AF_INET;
        ++data;
        --size;

        t = malloc(size > 0 ? size : 1);
        if (t == NULL)
                return 0;
        memcpy(t, data, size);

        ret = udp_map_parse(t, size, family, 3435, &m, &line);
        if (ret < 0) {
                if (m != NULL || line < 1 ||
                    (size_t) line > lines(data, size))
                        abort();
        } else {
                if (m == NULL || line != 0)
                        abort();
                lookup_all(m, t, size);
                udp_map_free(m);
        }
        free(t);
        return 0;
}
