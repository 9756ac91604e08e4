/*
 * Ouroboros IRMd - protocol tests of the limits a client cannot get
 * around: messages with thousands of repeated fields cost the IRMd one
 * pass and are refused before any work per field, so that a normal
 * client is still answered at once; names that are not UTF-8 text
 * without control characters are refused, and what a client sends is
 * escaped in the log; rejected hellos (any process can send them) are
 * not logged one line each (see test_proto.c for the harness).
 */
#include "tp.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <sys/eventfd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N_BIG 40

/* utime + stime of pid, in clock ticks. */
static long cpu_ticks(pid_t pid)
{
        char          path[64];
        char          buf[1024];
        char *        p;
        unsigned long ut = 0;
        unsigned long st = 0;
        FILE *        f;
        size_t        n;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        f = fopen(path, "r");
        if (f == NULL)
                return -1;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        p = strrchr(buf, ')');
        if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
                                "%*u %*u %lu %lu", &ut, &st) != 2)
                return -1;

        return (long) (ut + st);
}

/* m: a request of type full of empty T_ARG after T_PROG (and T_NAME). */
static void big_request(struct msg * m,
                        uint16_t     type)
{
        msg_init(m, type, 0, 5);
        msg_put_str(m, T_PROG, "/bin/true");
        if (type == M_BIND_PROG)
                msg_put_str(m, T_NAME, "big");
        while (msg_put_bytes(m, T_ARG, NULL, 0) == 0)
                ;
}

/*
 * 40 messages of 64 KiB with ~16 000 empty arguments each (announces and
 * program binds) used to take the IRMd ~0.2 s each, during which it
 * answered nobody. Now: all refused and a normal request answered well
 * within a generous 3 s.
 */
void t_stall(void)
{
        struct th_irmd d;
        int            fds[N_BIG];
        int64_t        t0;
        int64_t        dt;
        long           cpu0;
        int            i;

        th_mkdir(&d);
        th_start(&d, NULL);
        CHECK_EQ(th_ipcp_list(&d), 0);
        cpu0 = cpu_ticks(d.pid);

        t0 = check_now_ms();
        for (i = 0; i < N_BIG; ++i) {
                fds[i] = th_connect(&d);
                CHECK(fds[i] >= 0);
                big_request(&tp_m, i % 2 == 0 ? M_PROC_ANNOUNCE :
                            M_BIND_PROG);
                CHECK_EQ(msg_send(fds[i], &tp_m), 0);
        }

        /* a normal client right behind them */
        CHECK_EQ(th_ipcp_list(&d), 0);
        dt = check_now_ms() - t0;
        printf("stall: normal request answered after %lld ms\n",
               (long long) dt);
        CHECK(dt < 3000);

        for (i = 0; i < N_BIG; ++i) {
                CHECK_EQ(msg_recv(fds[i], &tp_r, 3000), 0);
                CHECK_EQ(msg_result(&tp_r), i % 2 == 0 ? -E2BIG : -EINVAL);
                close(fds[i]);
        }
        dt = check_now_ms() - t0;
        printf("stall: %d messages of %zu bytes refused in %lld ms, "
               "IRMd CPU %ld ticks\n", N_BIG, tp_m.len, (long long) dt,
               cpu_ticks(d.pid) - cpu0);
        CHECK(dt < 3000);

        CHECK(th_alive(d.pid));
        CHECK_EQ(th_stop(&d), 0);
}

static int name_create(struct th_irmd * d,
                       const char *     name)
{
        msg_init(&tp_m, M_NAME_CREATE, 0, 3);
        msg_put_str(&tp_m, T_NAME, name);

        return th_req(d, &tp_m, &tp_r);
}

static int name_count(struct th_irmd * d)
{
        msg_init(&tp_m, M_NAME_LIST, 0, 4);
        CHECK_EQ(th_req(d, &tp_m, &tp_r), 0);

        return (int) msg_count(msg_body(&tp_r), T_ENTRY);
}

void t_names(void)
{
        static const char * bad[] = {
                "a\nINFO: forged", "\x1b[2Jclear", "\xff\xfe", "c1\xc2\x85",
                "tab\t", "\xed\xa0\x80",
        };
        struct th_irmd d;
        size_t         i;
        int            off;
        int            fd;
        int            evfd;

        th_mkdir(&d);
        th_start(&d, NULL);

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
                CHECK_EQ(name_create(&d, bad[i]), -EINVAL);
                CHECK_EQ(tp_ipcp_create(&d, bad[i], IPCP_LOCAL), -EINVAL);
                CHECK_EQ(tp_name_reg(&d, "ok", T_LAYER, bad[i]), -EINVAL);
                /* a layer name inside the configuration */
                msg_init(&tp_m, M_IPCP_BOOTSTRAP, 0, 2);
                msg_put_str(&tp_m, T_IPCP_NAME, "x");
                off = msg_open_sub(&tp_m, T_CONF);
                msg_put_u32(&tp_m, T_IPCP_TYPE, IPCP_LOCAL);
                msg_put_str(&tp_m, T_LAYER, bad[i]);
                msg_close_sub(&tp_m, off);
                CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EINVAL);
        }
        CHECK_EQ(name_count(&d), 0);
        CHECK_EQ(th_ipcp_list(&d), 0);

        /* text in any script is a name */
        CHECK_EQ(name_create(&d, "caf\xc3\xa9 \xe5\x90\x8d"), 0);
        CHECK_EQ(name_create(&d, "caf\xc3\xa9 \xe5\x90\x8d"), -EEXIST);
        CHECK_EQ(name_count(&d), 1);

        /* a program path is any bytes, and logged escaped */
        fd = th_connect(&d);
        CHECK(fd >= 0);
        evfd = eventfd(0, EFD_CLOEXEC);
        msg_init(&tp_m, M_PROC_ANNOUNCE, 0, 9);
        msg_put_str(&tp_m, T_PROG, "/x\n00:00:00.000 irmd(1) INFO: forged\x1b[2J");
        msg_put_fd(&tp_m, evfd);
        CHECK_EQ(th_call(fd, &tp_m, &tp_r, 3000), 0);
        CHECK(tp_wait_log(&d, "(/x\\x0a00:00:00.000 irmd(1) INFO: forged"
                          "\\x1b[2J) announced", 2000));
        CHECK(!th_log_has(&d, "\n00:00:00.000 irmd(1) INFO: forged"));
        CHECK(!th_log_has(&d, "\x1b"));
        close(fd);
        close(evfd);

        CHECK_EQ(th_stop(&d), 0);
}

/* A hello the IRMd rejects (no IPCP of that name): its result. */
static int bad_hello(struct th_irmd * d)
{
        msg_init(&tp_m, M_IPCP_HELLO, 0, 11);
        msg_put_u32(&tp_m, T_PID, (uint32_t) getpid());
        msg_put_str(&tp_m, T_IPCP_NAME, "nobody");
        msg_put_u32(&tp_m, T_IPCP_TYPE, IPCP_LOCAL);

        return th_req(d, &tp_m, &tp_r);
}

/*
 * 200 rejected hellos in a burst give at most a burst of WARN lines (the
 * bound is generous: the burst, 5 a second, and slack); the next one
 * after a pause says how many were suppressed.
 */
void t_hello_rate(void)
{
        struct th_irmd d;
        int64_t        t0;
        int            n;
        int            i;

        th_mkdir(&d);
        th_start(&d, NULL);

        t0 = check_now_ms();
        for (i = 0; i < 200; ++i)
                CHECK_EQ(bad_hello(&d), -ENOENT);
        th_sleep_ms(1500);
        CHECK_EQ(bad_hello(&d), -ENOENT);
        th_sleep_ms(100);

        n = tp_log_count(&d, "Rejected hello");
        printf("hello_rate: 201 rejected hellos in %lld ms, %d logged\n",
               (long long) (check_now_ms() - t0), n);
        CHECK(n >= 10);
        CHECK(n <= 10 + 5 * (int) ((check_now_ms() - t0) / 1000 + 1) + 5);
        CHECK(tp_log_count(&d, "rejected hello message(s).") >= 1);

        CHECK_EQ(th_stop(&d), 0);
}
