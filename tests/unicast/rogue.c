/*
 * Ouroboros tests - a hostile neighbour of a unicast member, for
 * tests/unicast/test_rogue.sh. It allocates a flow to DST (a member's
 * name in a lower layer), does the lower flow handshake by hand
 * (src/ipcpd/common/lower.h), says HELLO as a member of address 0x0a0b0c0d
 * (src/ipcpd/unicast/wire_mgmt.h), reads the member's HELLO ACK and then
 * sends what no member would (layers of 4-byte addresses and 8-byte
 * endpoint ids, the defaults):
 *   mgmt LAYER        garbage of an unknown type, a HELLO of another
 *                     version, a keepalive with a byte too many, an LSA
 *                     that is garbage, a truncated address claim;
 *   dt LAYER ADDR     (ADDR: the member's address, decimal) a packet
 *                     shorter than the header, one of an unknown cube,
 *                     one to an address no one has, one with ttl 1 for
 *                     another member, one to an endpoint of no flow,
 *                     garbage to the member's flow allocator (eid 1) and
 *                     to its directory (eid 2);
 *   enroll            asks to enroll, then sends garbage; prints
 *                     "CLOSED" when the member closes the flow.
 * Prints "SENT" when done (mgmt, dt). Exit 0, or 1 with the error on
 * stderr.
 */
#include <ouroboros/dev.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROGUE_TYPE  1            /* IPCP_UNICAST */
#define ROGUE_PROTO 1            /* NBR_VERSION */
#define ROGUE_FD    fd
#define ME      0x0a0b0c0du  /* the address the rogue claims */
#define A_SIZE  4
#define E_SIZE  8
#define HDR_LEN (A_SIZE + 3 + E_SIZE)

static int fd;

#include "../rogue_lower.h"

static void put_be(uint8_t * p, uint64_t v, size_t n)
{
        size_t i;

        for (i = 0; i < n; ++i)
                p[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
}

static void send_buf(const void * b, size_t n)
{
        if (flow_write(fd, b, n) < 0)
                die("write", (long) n);
}

/* A dt header at p: dst, cube, ttl, eid. */
static void dt_hdr(uint8_t * p,
                   uint64_t  dst,
                   uint8_t   cube,
                   uint8_t   ttl,
                   uint64_t  eid)
{
        put_be(p, dst, A_SIZE);
        p[A_SIZE]     = cube;
        p[A_SIZE + 1] = ttl;
        p[A_SIZE + 2] = 0;
        put_be(p + A_SIZE + 3, eid, E_SIZE);
}

/* HELLO (no flags) from ME at p: its length. */
static size_t hello(uint8_t * p)
{
        p[0] = 1;
        p[1] = 1;
        p[2] = 0;
        put_be(p + 3, ME, A_SIZE);

        return 3 + A_SIZE;
}

/* The member's answer to the hello: a HELLO ACK (at off in it). */
static void hello_ack(size_t off)
{
        uint8_t         b[256];
        ssize_t         r;
        struct timespec to = { 5, 0 };

        fccntl(fd, FLOWSRCVTIMEO, &to);
        r = flow_read(fd, b, sizeof(b));
        if (r < (ssize_t) (off + 3) || b[off] != 1 || !(b[off + 2] & 1))
                die("no HELLO ACK", r);
}

static void rogue_mgmt(const char * layer)
{
        uint8_t b[64];
        size_t  n;
        int     res;

        res = handshake("mgmt", layer);
        if (res < 0)
                die("mgmt refused", res);
        n = hello(b);
        send_buf(b, n);
        hello_ack(0);

        send_buf("garbage", 7);              /* type 'g': unknown */
        n = hello(b);
        b[1] = 9;                            /* another version */
        send_buf(b, n);
        send_buf("\x02\x00", 2);             /* KA and a byte more */
        memset(b, 0xee, sizeof(b));
        b[0] = 3;                            /* an LSA of garbage */
        send_buf(b, 21);
        send_buf("\x04\x0a\x0b", 3);         /* a claim cut short */
}

static void rogue_dt(const char * layer,
                     uint64_t     addr)
{
        uint8_t b[128];
        size_t  n;
        int     res;

        res = handshake("dt", layer);
        if (res < 0)
                die("dt refused", res);
        dt_hdr(b, (1ull << (8 * A_SIZE)) - 1, 3, 1, 0);
        n = hello(b + HDR_LEN);
        send_buf(b, HDR_LEN + n);
        hello_ack(HDR_LEN);

        send_buf("\x01\x02\x03", 3);         /* shorter than a header */
        dt_hdr(b, addr, 9, 8, 16);           /* an unknown cube */
        send_buf(b, HDR_LEN + 4);
        dt_hdr(b, 0x55555555, 0, 8, 16);     /* an address no one has */
        send_buf(b, HDR_LEN + 4);
        dt_hdr(b, 0x55555555, 0, 1, 16);     /* ttl 1, not for it */
        send_buf(b, HDR_LEN + 4);
        dt_hdr(b, addr, 0, 8, 4242);         /* an endpoint of no flow */
        send_buf(b, HDR_LEN + 4);
        dt_hdr(b, addr, 3, 8, 1);            /* garbage: flow allocator */
        memset(b + HDR_LEN, 0xee, 40);
        send_buf(b, HDR_LEN + 40);
        dt_hdr(b, addr, 1, 8, 2);            /* garbage: directory */
        send_buf(b, HDR_LEN + 40);
}

int main(int    argc,
         char * argv[])
{
        struct timespec to    = { 5, 0 };
        struct timespec pause = { 0, 300000000 };
        uint8_t         b[64];
        ssize_t         r;
        int             res;

        if (argc < 3) {
                fprintf(stderr, "usage: rogue DST mgmt LAYER | "
                        "rogue DST dt LAYER ADDR | rogue DST enroll\n");
                return 2;
        }

        fd = flow_alloc(argv[1], NULL, &to);
        if (fd < 0)
                die("flow_alloc", fd);

        if (strcmp(argv[2], "mgmt") == 0 && argc == 4) {
                rogue_mgmt(argv[3]);
        } else if (strcmp(argv[2], "dt") == 0 && argc == 5) {
                rogue_dt(argv[3], strtoull(argv[4], NULL, 10));
        } else if (strcmp(argv[2], "enroll") == 0) {
                res = handshake("enroll", "");
                if (res < 0)
                        die("enroll refused", res);
                send_buf("\x01\x07", 2);
                fccntl(fd, FLOWSRCVTIMEO, &to);
                r = flow_read(fd, b, sizeof(b));
                if (r >= 0)
                        die("an answer to a bad request", r);
                printf("CLOSED %zd\n", r);
                flow_dealloc(fd);
                return 0;
        } else {
                die("bad arguments", argc);
        }

        printf("SENT\n");
        fflush(stdout);
        nanosleep(&pause, NULL);
        flow_dealloc(fd);

        return 0;
}
