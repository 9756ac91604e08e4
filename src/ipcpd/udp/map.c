/*
 * Ouroboros - parser of the udp layers' static name mapping file
 * (format and errors in map.h). The text is parsed line by line in
 * memory; each line is split into fields without writing to it.
 */
#include "map.h"
#include "common/name_check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct udp_map_entry {
        char                    name[UDP_MAP_NAME_MAX + 1];
        struct sockaddr_storage addr;
        socklen_t               len;
};

struct udp_map {
        struct udp_map_entry * e;
        size_t                 n;
        size_t                 cap;
};

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

/* Parse the port after ':' (n bytes at s). */
static int parse_port(const char * s,
                      size_t       n,
                      uint16_t *   port)
{
        unsigned long v = 0;

        if (n == 0 || n > 5)
                return -ERANGE;
        for (size_t i = 0; i < n; ++i) {
                if (s[i] < '0' || s[i] > '9')
                        return -ERANGE;
                v = v * 10 + (unsigned long) (s[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -ERANGE;
        *port = (uint16_t) v;
        return 0;
}

/* Split "ADDR", "ADDR:PORT" (v4) or "[ADDR]:PORT" (v6) of n bytes
 * into the address text (a copy in buf) and the port. */
static int split_addr(const char * s,
                      size_t       n,
                      char *       buf,
                      size_t       cap,
                      uint16_t *   port)
{
        const char * end = s + n;
        const char * colon;
        int          ret;

        if (n > 0 && s[0] == '[') {
                const char * rb = memchr(s, ']', n);
                if (rb == NULL)
                        return -EINVAL;
                if (rb + 1 < end) {
                        if (rb[1] != ':')
                                return -EINVAL;
                        ret = parse_port(rb + 2, (size_t) (end - rb - 2),
                                         port);
                        if (ret < 0)
                                return ret;
                }
                s += 1;
                n  = (size_t) (rb - s);
        } else {
                colon = memchr(s, ':', n);
                /* One colon: IPv4 with a port; more: a bare IPv6. */
                if (colon != NULL &&
                    memchr(colon + 1, ':', (size_t) (end - colon - 1))
                    == NULL) {
                        ret = parse_port(colon + 1,
                                         (size_t) (end - colon - 1), port);
                        if (ret < 0)
                                return ret;
                        n = (size_t) (colon - s);
                }
        }
        if (n == 0 || n >= cap)
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return 0;
}

static int parse_addr(const char *              s,
                      size_t                    n,
                      int                       family,
                      uint16_t                  port,
                      struct udp_map_entry *    e)
{
        char                  buf[INET6_ADDRSTRLEN + 1];
        struct in_addr        a4;
        struct in6_addr       a6;
        struct sockaddr_in *  s4 = (struct sockaddr_in *) &e->addr;
        struct sockaddr_in6 * s6 = (struct sockaddr_in6 *) &e->addr;
        bool                  v4;
        bool                  v6;
        int                   ret;

        ret = split_addr(s, n, buf, sizeof(buf), &port);
        if (ret < 0)
                return ret;
        v4 = inet_pton(AF_INET, buf, &a4) == 1;
        v6 = inet_pton(AF_INET6, buf, &a6) == 1;
        if (!v4 && !v6)
                return -EINVAL;
        if ((family == AF_INET) != v4)
                return -EAFNOSUPPORT;
        /* "[1.2.3.4]" or "::1:80"-style ambiguity: brackets are v6 only */
        if (v4 && s[0] == '[')
                return -EINVAL;

        memset(&e->addr, 0, sizeof(e->addr));
        if (v4) {
                s4->sin_family = AF_INET;
                s4->sin_port   = htons(port);
                s4->sin_addr   = a4;
                e->len         = sizeof(*s4);
        } else {
                s6->sin6_family = AF_INET6;
                s6->sin6_port   = htons(port);
                s6->sin6_addr   = a6;
                e->len          = sizeof(*s6);
        }
        return 0;
}

static int map_add(struct udp_map *             m,
                   const struct udp_map_entry * tmpl,
                   const char *                 name,
                   size_t                       n)
{
        struct udp_map_entry * e;
        int                    ret;

        ret = name_check_bytes(name, n, UDP_MAP_NAME_MAX);
        if (ret == -EINVAL)
                return -EILSEQ;
        if (ret < 0)
                return ret;
        for (size_t i = 0; i < m->n; ++i)
                if (strlen(m->e[i].name) == n &&
                    memcmp(m->e[i].name, name, n) == 0)
                        return -EEXIST;
        if (m->n == m->cap) {
                size_t cap = m->cap == 0 ? 16 : m->cap * 2;
                e = realloc(m->e, cap * sizeof(*e));
                if (e == NULL)
                        return -ENOMEM;
                m->e   = e;
                m->cap = cap;
        }
        e = &m->e[m->n++];
        *e = *tmpl;
        memcpy(e->name, name, n);
        e->name[n] = '\0';
        return 0;
}

/* One line (n bytes, no newline). */
static int parse_line(struct udp_map * m,
                      const char *     s,
                      size_t           n,
                      int              family,
                      uint16_t         port)
{
        struct udp_map_entry tmpl;
        const char *         end;
        const char *         f;
        const char *         hash = memchr(s, '#', n);
        size_t               fields = 0;
        int                  ret;

        if (memchr(s, '\0', n) != NULL)
                return -EILSEQ;
        if (hash != NULL)
                n = (size_t) (hash - s);
        end = s + n;

        while (s < end) {
                while (s < end && is_blank(*s))
                        ++s;
                if (s == end)
                        break;
                f = s;
                while (s < end && !is_blank(*s))
                        ++s;
                if (fields++ == 0)
                        ret = parse_addr(f, (size_t) (s - f), family, port,
                                         &tmpl);
                else
                        ret = map_add(m, &tmpl, f, (size_t) (s - f));
                if (ret < 0)
                        return ret;
        }
        return fields == 1 ? -EDESTADDRREQ : 0;
}

int udp_map_parse(const char *      text,
                  size_t            len,
                  int               family,
                  uint16_t          port,
                  struct udp_map ** out,
                  int *             line)
{
        struct udp_map * m;
        const char *     end = text + len;
        const char *     nl;
        int              ret = 0;

        *line = 0;
        if (family != AF_INET && family != AF_INET6)
                return -EINVAL;
        if (len > UDP_MAP_FILE_MAX)
                return -EFBIG;
        m = calloc(1, sizeof(*m));
        if (m == NULL)
                return -ENOMEM;

        while (text < end) {
                ++*line;
                nl = memchr(text, '\n', (size_t) (end - text));
                if (nl == NULL)
                        nl = end;
                ret = parse_line(m, text, (size_t) (nl - text), family,
                                 port);
                if (ret < 0) {
                        udp_map_free(m);
                        return ret;
                }
                text = nl + 1;
        }
        *line = 0;
        *out  = m;
        return 0;
}

int udp_map_load(const char *      path,
                 int               family,
                 uint16_t          port,
                 struct udp_map ** out,
                 int *             line)
{
        char *  buf;
        size_t  len = 0;
        ssize_t n;
        int     fd;
        int     ret;

        *line = 0;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        buf = malloc(UDP_MAP_FILE_MAX + 1);
        if (buf == NULL) {
                close(fd);
                return -ENOMEM;
        }
        do {
                n = read(fd, buf + len, UDP_MAP_FILE_MAX + 1 - len);
                if (n > 0)
                        len += (size_t) n;
        } while ((n > 0 && len <= UDP_MAP_FILE_MAX) ||
                 (n < 0 && errno == EINTR));
        ret = n < 0 ? -errno : 0;
        close(fd);
        if (ret == 0)
                ret = udp_map_parse(buf, len, family, port, out, line);
        free(buf);
        return ret;
}

void udp_map_free(struct udp_map * m)
{
        if (m == NULL)
                return;
        free(m->e);
        free(m);
}

size_t udp_map_count(const struct udp_map * m)
{
        return m->n;
}

int udp_map_lookup(const struct udp_map *    m,
                   const char *              name,
                   struct sockaddr_storage * addr,
                   socklen_t *               len)
{
        for (size_t i = 0; i < m->n; ++i) {
                if (strcmp(m->e[i].name, name) == 0) {
                        *addr = m->e[i].addr;
                        *len  = m->e[i].len;
                        return 0;
                }
        }
        return -ENOENT;
}

const char * udp_map_at(const struct udp_map *    m,
                        size_t                    i,
                        struct sockaddr_storage * addr,
                        socklen_t *               len)
{
        if (i >= m->n)
                return NULL;
        *addr = m->e[i].addr;
        *len  = m->e[i].len;
        return m->e[i].name;
}
