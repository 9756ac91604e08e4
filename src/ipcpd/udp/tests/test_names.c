/*
 * Names of the udp layers from the mapping file (names.c): found by
 * hash, the file read again when it changes, a bad new version
 * ignored (the last good one stays), a removed file an empty map, a
 * bad file refused at open with its line.
 */
#include "names.h"

#include "common/hash.h"

#include <ouroboros/errno.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../../tests/check.h"

static char path[64];

static void put(const char * text)
{
        FILE * f = fopen(path, "w");

        CHECK(f != NULL);
        fputs(text, f);
        fclose(f);
}

/* The port name maps to, -ENAME or another error. */
static int find(struct udp_names * n,
                const char *       name)
{
        struct sockaddr_storage ss;
        socklen_t               len;
        uint8_t                 h[HASH_MAX_LEN];
        int                     hl;
        int                     r;

        hl = hash_name(HASH_SHA3_256, name, h);
        CHECK(hl == 32);
        r = udp_names_find(n, h, (size_t) hl, 7, &ss, &len);
        if (r < 0)
                return r;
        CHECK(r == 0 && ss.ss_family == AF_INET);
        CHECK(len == sizeof(struct sockaddr_in));
        return ntohs(((struct sockaddr_in *) &ss)->sin_port);
}

int main(void)
{
        struct udp_names * n;
        int                line;
        int                fd;

        check_keep_going = true;

        strcpy(path, "/tmp/ouro-test-names.XXXXXX");
        fd = mkstemp(path);
        CHECK(fd >= 0);
        close(fd);

        put("127.0.0.1:4000 a b\n127.0.0.1 c\n");
        CHECK(udp_names_map(&n, path, AF_INET, 3435, HASH_SHA3_256,
                            &line) == 0);
        CHECK(find(n, "a") == 4000);
        CHECK(find(n, "b") == 4000);
        CHECK(find(n, "c") == 3435);
        CHECK(find(n, "d") == -ENAME);
        /* Registration is local with a map. */
        CHECK(udp_names_reg(n, (const uint8_t *) "x", 1, 7) == 0);

        /* Changed (another size): read again at the next lookup. */
        put("127.0.0.1:4000 a b\n127.0.0.1 c\n127.0.0.1:4001 d\n");
        CHECK(find(n, "d") == 4001);

        /* A bad version: ignored, the last good one stays. */
        put("127.0.0.1:4000 a\n10.0.0.1:99999 e\n");
        CHECK(find(n, "d") == 4001);
        CHECK(find(n, "e") == -ENAME);

        /* Fixed again. */
        put("127.0.0.1:4002 e\n");
        CHECK(find(n, "e") == 4002);
        CHECK(find(n, "a") == -ENAME);

        /* Removed: nothing maps. */
        CHECK(unlink(path) == 0);
        CHECK(find(n, "e") == -ENAME);
        udp_names_close(n);

        /* A bad file at open: its line; a missing one: empty. */
        put("# x\n\n127.0.0.1 a\n::1 b\n");
        CHECK(udp_names_map(&n, path, AF_INET, 3435, HASH_SHA3_256,
                            &line) == -EAFNOSUPPORT);
        CHECK(line == 4);
        CHECK(unlink(path) == 0);
        CHECK(udp_names_map(&n, path, AF_INET, 3435, HASH_SHA3_256,
                            &line) == 0);
        CHECK(find(n, "a") == -ENAME);
        udp_names_close(n);

        return check_report("udp names");
}
