/*
 * Unit test of the udp layers' name mapping file: a good file of each
 * family with comments, ports and several names per line, lookups, and
 * every kind of bad line refused with its error and line number.
 */
#include "map.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../../tests/check.h"

static struct udp_map * parse(const char * t,
                              int          family)
{
        struct udp_map * m = NULL;
        int              line = -1;
        int              ret = udp_map_parse(t, strlen(t), family, 3435,
                                             &m, &line);

        if (ret < 0)
                fprintf(stderr, "line %d: %s\n", line, strerror(-ret));
        CHECK(ret == 0 && line == 0);
        return m;
}

static void bad(const char * t,
                int          family,
                int          err,
                int          at)
{
        struct udp_map * m = NULL;
        int              line = -1;
        int              ret = udp_map_parse(t, strlen(t), family, 3435,
                                             &m, &line);

        if (ret != err || line != at)
                fprintf(stderr, "%s: got %d at %d, want %d at %d\n", t,
                        ret, line, err, at);
        CHECK(ret == err && line == at);
        CHECK(m == NULL);
}

static void v4(void)
{
        struct udp_map *        m;
        struct sockaddr_storage ss;
        struct sockaddr_in *    s4 = (struct sockaddr_in *) &ss;
        socklen_t               len;

        m = parse("# hosts of the udp4 layer\n"
                  "\n"
                  "10.0.0.1 oping.server  oecho  # two names\n"
                  "\t10.0.0.2:5000\tcbr\r\n"
                  "   # indented comment\n"
                  "10.0.0.3 naïve-名前", AF_INET);
        CHECK(udp_map_count(m) == 4);
        CHECK(udp_map_lookup(m, "oecho", &ss, &len) == 0);
        CHECK(len == sizeof(*s4) && s4->sin_family == AF_INET);
        CHECK(s4->sin_addr.s_addr == htonl(0x0a000001));
        CHECK(ntohs(s4->sin_port) == 3435);
        CHECK(udp_map_lookup(m, "cbr", &ss, &len) == 0);
        CHECK(ntohs(s4->sin_port) == 5000);
        CHECK(s4->sin_addr.s_addr == htonl(0x0a000002));
        CHECK(udp_map_lookup(m, "naïve-名前", &ss, &len) == 0);
        CHECK(udp_map_lookup(m, "nobody", &ss, &len) == -ENOENT);
        CHECK(udp_map_lookup(m, "oping", &ss, &len) == -ENOENT);
        /* In file order, one entry per name. */
        CHECK(strcmp(udp_map_at(m, 0, &ss, &len), "oping.server") == 0);
        CHECK(strcmp(udp_map_at(m, 2, &ss, &len), "cbr") == 0);
        CHECK(ntohs(s4->sin_port) == 5000);
        CHECK(udp_map_at(m, 4, &ss, &len) == NULL);
        udp_map_free(m);

        m = parse("", AF_INET);
        CHECK(udp_map_count(m) == 0);
        udp_map_free(m);
}

static void v6(void)
{
        struct udp_map *        m;
        struct sockaddr_storage ss;
        struct sockaddr_in6 *   s6 = (struct sockaddr_in6 *) &ss;
        socklen_t               len;
        struct in6_addr         a;

        m = parse("fd00::1 a\n[fd00::2] b\n[fd00::3]:7 c\n::ffff:1.2.3.4 d\n",
                  AF_INET6);
        CHECK(udp_map_count(m) == 4);
        CHECK(udp_map_lookup(m, "c", &ss, &len) == 0);
        CHECK(len == sizeof(*s6) && s6->sin6_family == AF_INET6);
        CHECK(ntohs(s6->sin6_port) == 7);
        inet_pton(AF_INET6, "fd00::3", &a);
        CHECK(memcmp(&a, &s6->sin6_addr, sizeof(a)) == 0);
        CHECK(udp_map_lookup(m, "a", &ss, &len) == 0);
        CHECK(ntohs(s6->sin6_port) == 3435);
        udp_map_free(m);
}

static void errors(void)
{
        char long_name[300];

        bad("10.0.0.1 a\nbogus b\n", AF_INET, -EINVAL, 2);
        bad("10.0.0.256 a\n", AF_INET, -EINVAL, 1);
        bad("fd00::1 a\n", AF_INET, -EAFNOSUPPORT, 1);
        bad("\n10.0.0.1 a\n", AF_INET6, -EAFNOSUPPORT, 2);
        bad("[10.0.0.1] a\n", AF_INET, -EINVAL, 1);
        bad("[fd00::1 a\n", AF_INET6, -EINVAL, 1);
        bad("[fd00::1]x a\n", AF_INET6, -EINVAL, 1);
        bad("10.0.0.1:0 a\n", AF_INET, -ERANGE, 1);
        bad("10.0.0.1:65536 a\n", AF_INET, -ERANGE, 1);
        bad("10.0.0.1: a\n", AF_INET, -ERANGE, 1);
        bad("10.0.0.1:8o a\n", AF_INET, -ERANGE, 1);
        bad("[fd00::1]:99999 a\n", AF_INET6, -ERANGE, 1);
        bad("# c\n10.0.0.1\n", AF_INET, -EDESTADDRREQ, 2);
        bad("10.0.0.1   # only a comment\n", AF_INET, -EDESTADDRREQ, 1);
        bad("10.0.0.1 a\x01b\n", AF_INET, -EILSEQ, 1);
        bad("10.0.0.1 \xff\n", AF_INET, -EILSEQ, 1);
        bad("10.0.0.1 a\n10.0.0.2 b a\n", AF_INET, -EEXIST, 2);
        memset(long_name, 'n', sizeof(long_name));
        memcpy(long_name, "1.1.1.1 ", 8);
        long_name[8 + 256] = '\0';
        bad(long_name, AF_INET, -ENAMETOOLONG, 1);
        long_name[8 + 255] = '\0';
        udp_map_free(parse(long_name, AF_INET));

        {       /* A NUL inside the text. */
                struct udp_map * m = NULL;
                int              line;
                const char       t[] = "1.1.1.1 a\n1.1.1.2 b\0c\n";
                CHECK(udp_map_parse(t, sizeof(t) - 1, AF_INET, 1, &m, &line)
                      == -EILSEQ && line == 2);
                CHECK(udp_map_parse(t, 1, AF_UNIX, 1, &m, &line)
                      == -EINVAL);
        }
}

static void file(void)
{
        char             path[] = "/tmp/ouro-udp-map-XXXXXX";
        int              fd = mkstemp(path);
        struct udp_map * m = NULL;
        int              line;
        const char       t[] = "127.0.0.1 x\n127.0.0.1 y x\n";

        CHECK(fd >= 0);
        CHECK(write(fd, t, sizeof(t) - 1) == (ssize_t) sizeof(t) - 1);
        close(fd);
        CHECK(udp_map_load(path, AF_INET, 1, &m, &line) == -EEXIST);
        CHECK(line == 2);
        CHECK(truncate(path, 12) == 0);
        CHECK(udp_map_load(path, AF_INET, 1, &m, &line) == 0);
        CHECK(udp_map_count(m) == 1);
        udp_map_free(m);
        CHECK(truncate(path, UDP_MAP_FILE_MAX + 1) == 0);
        CHECK(udp_map_load(path, AF_INET, 1, &m, &line) == -EFBIG);
        unlink(path);
        CHECK(udp_map_load(path, AF_INET, 1, &m, &line) == -ENOENT);
        CHECK(line == 0);
}

int main(void)
{
        v4();
        v6();
        errors();
        file();
        printf("udp name mapping file: ok\n");
        return 0;
}
