/*
 * Ouroboros tests - a hostile neighbour of a broadcast member, for
 * tests/broadcast/test_rogue.sh. It allocates a flow to DST (a member's
 * name in a lower layer), does the lower flow handshake by hand
 * (src/ipcpd/common/lower.h: every field big-endian) and then:
 *   dt LAYER OWN MTU  as a neighbour of LAYER, sends: garbage, a header
 *                     of an unknown version, "r 1" (origin R, seq 1)
 *                     twice, a message of origin OWN (the member's own
 *                     id, decimal), a message of MTU + 1 bytes, "r 2";
 *                     prints "SENT";
 *   enroll            asks to enroll, then sends garbage; prints
 *                     "CLOSED" when the member closes the flow;
 *   comp NAME         asks for component NAME; prints "RESULT r" with
 *                     the member's answer.
 * Exit 0, or 1 with the error on stderr.
 */
#include <ouroboros/dev.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROGUE_TYPE  2 /* IPCP_BROADCAST */
#define ROGUE_PROTO 1 /* the broadcast layer's version */
#define ROGUE_FD    fd

static int fd;

#include "../rogue_lower.h"

static void data(uint64_t     origin,
                 uint32_t     seq,
                 const char * msg,
                 size_t       len)
{
        uint8_t * b = calloc(1, 16 + len);
        int       i;

        if (b == NULL)
                die("calloc", 0);
        b[0] = 1;
        b[1] = 1;
        for (i = 0; i < 4; ++i)
                b[4 + i] = (uint8_t) (seq >> (24 - 8 * i));
        for (i = 0; i < 8; ++i)
                b[8 + i] = (uint8_t) (origin >> (56 - 8 * i));
        if (msg != NULL)
                memcpy(b + 16, msg, strlen(msg));
        if (flow_write(fd, b, 16 + len) < 0)
                die("data write", (long) len);
        free(b);
}

int main(int    argc,
         char * argv[])
{
        struct timespec to = { 5, 0 };
        const uint64_t  R  = 0x0123456789abcdefull;
        uint8_t         b[64];
        ssize_t         r;
        int             res;

        if (argc < 3) {
                fprintf(stderr, "usage: rogue DST dt LAYER OWN MTU | "
                        "rogue DST enroll | rogue DST comp NAME\n");
                return 2;
        }

        fd = flow_alloc(argv[1], NULL, &to);
        if (fd < 0)
                die("flow_alloc", fd);

        if (strcmp(argv[2], "dt") == 0 && argc == 6) {
                struct timespec pause = { 0, 300000000 };

                res = handshake("dt", argv[3]);
                if (res < 0)
                        die("dt refused", res);
                if (flow_write(fd, "garbage", 7) < 0)
                        die("write", 0);
                memset(b, 0, 16);
                b[0] = 9;
                b[1] = 1;
                if (flow_write(fd, b, 16) < 0)
                        die("write", 0);
                data(R, 1, "r 1", 3);
                data(R, 1, "r 1", 3);
                data(strtoull(argv[4], NULL, 10), 1, "echo", 4);
                data(R, 2, NULL, strtoul(argv[5], NULL, 10) + 1);
                data(R, 3, "r 2", 3);
                printf("SENT\n");
                fflush(stdout);
                nanosleep(&pause, NULL);
        } else if (strcmp(argv[2], "enroll") == 0) {
                res = handshake("enroll", "");
                if (res < 0)
                        die("enroll refused", res);
                if (flow_write(fd, "\x01\x07", 2) < 0)
                        die("write", 0);
                fccntl(fd, FLOWSRCVTIMEO, &to);
                r = flow_read(fd, b, sizeof(b));
                if (r >= 0)
                        die("an answer to a bad request", r);
                printf("CLOSED %zd\n", r);
        } else if (strcmp(argv[2], "comp") == 0 && argc == 4) {
                printf("RESULT %d\n", handshake(argv[3], ""));
        } else {
                die("bad arguments", argc);
        }

        flow_dealloc(fd);

        return 0;
}
