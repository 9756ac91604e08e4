/*
 * Ouroboros tests - what the hostile neighbours of tests/broadcast and
 * tests/unicast (rogue.c) share: dying with a reason, and the lower
 * flow handshake done by hand (src/ipcpd/common/lower.h: every field
 * big-endian) on the flow ROGUE_FD, as an IPCP of type ROGUE_TYPE
 * speaking version ROGUE_PROTO. Include after defining those.
 */
#ifndef OUROBOROS_TESTS_ROGUE_LOWER_H
#define OUROBOROS_TESTS_ROGUE_LOWER_H

#include <ouroboros/dev.h>
#include <ouroboros/fccntl.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROGUE_MAGIC 0x4f434931u

static void die(const char * what, long err)
{
        fprintf(stderr, "rogue: %s: %ld\n", what, err);
        exit(1);
}

static size_t put_str(uint8_t * p, const char * s)
{
        size_t n = strlen(s);

        p[0] = (uint8_t) n;
        memcpy(p + 1, s, n);

        return n + 1;
}

/* Send the request for comp in layer; the answer's result. */
static int handshake(const char * comp,
                     const char * layer)
{
        uint8_t         b[1024];
        size_t          n = 0;
        ssize_t         r;
        struct timespec to = { 5, 0 };

        b[n++] = ROGUE_MAGIC >> 24;
        b[n++] = (ROGUE_MAGIC >> 16) & 0xff;
        b[n++] = (ROGUE_MAGIC >> 8) & 0xff;
        b[n++] = ROGUE_MAGIC & 0xff;
        b[n++] = 1;                /* request */
        b[n++] = 0;
        b[n++] = 0;                /* result */
        b[n++] = ROGUE_TYPE;
        b[n++] = ROGUE_PROTO >> 8;
        b[n++] = ROGUE_PROTO & 0xff;
        n += put_str(b + n, comp);
        n += put_str(b + n, layer);
        n += put_str(b + n, "rogue");

        if (flow_write(ROGUE_FD, b, n) < 0)
                die("handshake write", 0);
        fccntl(ROGUE_FD, FLOWSRCVTIMEO, &to);
        r = flow_read(ROGUE_FD, b, sizeof(b));
        if (r < 10)
                die("handshake answer", r);

        return (int16_t) (uint16_t) ((unsigned) b[5] << 8 | b[6]);
}

#endif /* OUROBOROS_TESTS_ROGUE_LOWER_H */
