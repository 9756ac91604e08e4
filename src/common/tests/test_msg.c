/*
 * Ouroboros - unit test of the IRMd wire codec: every field type round
 * trips, nested blocks, fds over a socketpair, and malformed or truncated
 * datagrams are rejected.
 */
#include "common/msg.h"
#include "common/proto.h"

#include "../../../tests/check.h"

#include <ouroboros/qos.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static struct msg a;
static struct msg b;

static void test_roundtrip(void)
{
        int             sv[2];
        char            s[64];
        uint8_t         u8;
        uint32_t        u32;
        int32_t         i32;
        uint64_t        u64;
        qosspec_t       qs;
        struct msg_view v;
        struct msg_view sub;
        int             off;
        int             i;

        CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);

        msg_init(&a, M_FLOW_ALLOC, 0, 42);
        CHECK(msg_put_str(&a, T_NAME, "oecho") == 0);
        CHECK(msg_put_qos(&a, T_QOS, &qos_voice) == 0);
        CHECK(msg_put_u8(&a, T_SIDE, 1) == 0);
        CHECK(msg_put_u32(&a, T_FLOW_ID, 0xdeadbeef) == 0);
        CHECK(msg_put_i32(&a, T_RESULT, -ETIMEDOUT) == 0);
        CHECK(msg_put_u64(&a, T_TIMEO, 0x0102030405060708ULL) == 0);
        for (i = 0; i < 3; ++i) {
                off = msg_open_sub(&a, T_ENTRY);
                CHECK(off > 0);
                msg_put_u32(&a, T_PID, (uint32_t) (100 + i));
                msg_close_sub(&a, off);
        }
        CHECK(msg_send(sv[0], &a) == 0);
        CHECK(msg_recv(sv[1], &b, 1000) == 0);

        v = msg_body(&b);
        CHECK(b.type == M_FLOW_ALLOC && b.id == 42 && b.flags == 0);
        CHECK(msg_get_str(v, T_NAME, s, sizeof(s) - 1) == 5);
        CHECK(strcmp(s, "oecho") == 0);
        CHECK(msg_get_qos(v, T_QOS, &qs) == 0);
        CHECK(memcmp(&qs, &qos_voice, sizeof(qs)) == 0 ||
              (qs.delay == qos_voice.delay &&
               qs.bandwidth == qos_voice.bandwidth &&
               qs.availability == qos_voice.availability &&
               qs.loss == qos_voice.loss && qs.ber == qos_voice.ber &&
               qs.in_order == qos_voice.in_order &&
               qs.max_gap == qos_voice.max_gap &&
               qs.cypher_s == qos_voice.cypher_s &&
               qs.timeout == qos_voice.timeout));
        CHECK(msg_get_u8(v, T_SIDE, &u8) == 0 && u8 == 1);
        CHECK(msg_get_u32(v, T_FLOW_ID, &u32) == 0 && u32 == 0xdeadbeef);
        CHECK(msg_get_i32(v, T_RESULT, &i32) == 0 && i32 == -ETIMEDOUT);
        CHECK(msg_result(&b) == -ETIMEDOUT);
        CHECK(msg_get_u64(v, T_TIMEO, &u64) == 0 &&
              u64 == 0x0102030405060708ULL);
        CHECK(msg_count(v, T_ENTRY) == 3);
        CHECK(msg_sub(v, T_ENTRY, 2, &sub) == 0);
        CHECK(msg_get_u32(sub, T_PID, &u32) == 0 && u32 == 102);
        CHECK(msg_sub(v, T_ENTRY, 3, &sub) == -ENOENT);

        /* wrong sizes, absent fields, too long strings */
        CHECK(msg_get_u64(v, T_FLOW_ID, &u64) == -EBADMSG);
        CHECK(msg_get_u32(v, T_PID, &u32) == -ENOENT);
        CHECK(msg_get_str(v, T_NAME, s, 3) == -ENAMETOOLONG);

        msg_fini(&b);
        close(sv[0]);
        close(sv[1]);
}

static void test_reply_and_fds(void)
{
        int         sv[2];
        int         fd;
        struct stat st1;
        struct stat st2;

        CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);

        msg_init(&b, M_FLOW_ACCEPT, 0, 7);
        msg_init_reply(&a, &b, 0);
        fd = open("/dev/null", O_RDONLY);
        CHECK(msg_put_fd(&a, fd) == 0);
        CHECK(msg_put_fd(&a, -1) == -EBADF);
        CHECK(msg_send(sv[0], &a) == 0);
        CHECK(msg_recv(sv[1], &b, 1000) == 0);
        CHECK(b.flags & MSG_F_REPLY);
        CHECK(b.id == 7 && msg_result(&b) == 0);
        CHECK(b.n_fds == 1);
        fstat(fd, &st1);
        fd = msg_take_fd(&b, 0);
        CHECK(fd >= 0 && fstat(fd, &st2) == 0 && st1.st_ino == st2.st_ino);
        CHECK(msg_take_fd(&b, 0) == -EBADMSG);
        close(fd);
        msg_fini(&b);

        /* timeout and EOF */
        CHECK(msg_recv(sv[1], &b, 10) == -ETIMEDOUT);
        close(sv[0]);
        CHECK(msg_recv(sv[1], &b, 100) == -EPIPE);
        close(sv[1]);
}

static void test_malformed(void)
{
        int     sv[2];
        uint8_t raw[16] = { 1, 0, 0, 0, 1, 0, 0, 0,   /* header   */
                            3, 0, 9, 0, 'a', 'b' };    /* TLV says 9 */
        uint8_t * big;

        CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);

        /* header only: fine; shorter: rejected */
        CHECK(send(sv[0], raw, 8, 0) == 8);
        CHECK(msg_recv(sv[1], &b, 100) == 0);
        CHECK(send(sv[0], raw, 5, 0) == 5);
        CHECK(msg_recv(sv[1], &b, 100) == -EBADMSG);
        /* a TLV that runs past the end */
        CHECK(send(sv[0], raw, 14, 0) == 14);
        CHECK(msg_recv(sv[1], &b, 100) == -EBADMSG);
        /* a dangling partial TLV header */
        CHECK(send(sv[0], raw, 10, 0) == 10);
        CHECK(msg_recv(sv[1], &b, 100) == -EBADMSG);
        /* a datagram bigger than MSG_MAX is truncated: rejected */
        big = calloc(1, MSG_MAX + 100);
        CHECK(big != NULL);
        if (big != NULL) {
                int sz = 512 * 1024;
                setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
                if (send(sv[0], big, MSG_MAX + 100, 0) == MSG_MAX + 100)
                        CHECK(msg_recv(sv[1], &b, 100) == -EBADMSG);
        }
        /* the socket still works afterwards */
        msg_init(&a, M_IPCP_LIST, 0, 1);
        CHECK(msg_send(sv[0], &a) == 0);
        CHECK(msg_recv(sv[1], &b, 100) == 0 && b.type == M_IPCP_LIST);

        /* a full message refuses more */
        msg_init(&a, M_IPCP_LIST, 0, 1);
        while (msg_put_bytes(&a, T_ARG, raw, sizeof(raw)) == 0)
                ;
        CHECK(a.len <= MSG_MAX);
        CHECK(msg_put_bytes(&a, T_ARG, raw, sizeof(raw)) == -EMSGSIZE);
        CHECK(msg_put_bytes(&a, T_ARG, big, 70000) == -EMSGSIZE);

        free(big);
        close(sv[0]);
        close(sv[1]);
}

/* a as a message of n empty T_ARG fields. */
static void fill_args(size_t n)
{
        size_t i;

        msg_init(&a, M_PROC_ANNOUNCE, 0, 1);
        for (i = 0; i < n; ++i)
                CHECK(msg_put_bytes(&a, T_ARG, NULL, 0) == 0);
}

/* CPU time of this thread: a busy machine does not count. */
static int64_t cpu_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);

        return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

/* CPU ns one msg_count plus one full iteration of a n-field message
 * take, over a batch of at least 10 ms. */
static double pass_ns(size_t n)
{
        int64_t t0;
        int64_t dt;
        long    reps = 0;

        fill_args(n);
        t0 = cpu_ns();
        do {
                struct msg_iter it;
                const void *    p;
                size_t          len;
                size_t          k = 0;
                msg_iter_init(&it, msg_body(&a));
                while (msg_iter_next(&it, T_ARG, &p, &len) == 0)
                        ++k;
                CHECK(k == msg_count(msg_body(&a), T_ARG));
                ++reps;
                dt = cpu_ns() - t0;
        } while (dt < 10000000);

        return (double) dt / reps;
}

/*
 * Counting and visiting repeated fields is one pass: 4 times the fields
 * cost about 4 times the time, not 16 (a quadratic walk: 18x measured).
 * The bound is generous (10x); the best of 5 alternating batches of CPU
 * time each. A 64 KiB message holds at most 16382 empty fields.
 */
static void test_linear(void)
{
        struct msg_iter it;
        struct msg_view sub;
        const void *    p;
        size_t          n;
        double          small = 0;
        double          large = 0;
        int             off;
        int             i;

        for (i = 0; i < 5; ++i) {
                double s = pass_ns(4000);
                double l = pass_ns(16000);
                small = i == 0 || s < small ? s : small;
                large = i == 0 || l < large ? l : large;
        }
        printf("4000 fields: %.0f ns, 16000 fields: %.0f ns (x%.1f)\n",
               small, large, large / small);
        CHECK(large < 10 * small);

        /* iteration: order, nested blocks, the end, a malformed block */
        msg_init(&a, M_NAME_LIST, 0, 1);
        msg_put_str(&a, T_ARG, "x");
        off = msg_open_sub(&a, T_ENTRY);
        msg_put_u32(&a, T_PID, 5);
        msg_close_sub(&a, off);
        msg_put_str(&a, T_ARG, "yz");
        msg_put_bytes(&a, T_ENTRY, "\x01\x00\x09", 3); /* runs past */
        msg_iter_init(&it, msg_body(&a));
        CHECK(msg_iter_next(&it, T_ARG, &p, &n) == 0 && n == 1);
        CHECK(msg_iter_next(&it, T_ARG, &p, &n) == 0 && n == 2 &&
              memcmp(p, "yz", 2) == 0);
        CHECK(msg_iter_next(&it, T_ARG, &p, &n) == -ENOENT);
        msg_iter_init(&it, msg_body(&a));
        CHECK(msg_iter_sub(&it, T_ENTRY, &sub) == 0);
        CHECK(msg_count(sub, T_PID) == 1);
        CHECK(msg_iter_sub(&it, T_ENTRY, &sub) == -EBADMSG);
        CHECK(msg_get_nth(msg_body(&a), T_ARG, 1, &p, &n) == 0 && n == 2);
        CHECK(msg_get_nth(msg_body(&a), T_ARG, 2, &p, &n) == -ENOENT);
}

int main(void)
{
        check_keep_going = true;

        test_roundtrip();
        test_reply_and_fds();
        test_malformed();
        test_linear();

        return check_report(NULL);
}
