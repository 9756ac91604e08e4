/*
 * Ouroboros IRMd - protocol tests of the limits a client cannot get
 * around: messages with thousands of repeated fields cost the IRMd one
 * pass and are refused before any work per field, so that a normal
 * client is still answered at once (see test_proto.c for the harness).
 */
#include "tp.h"

#include <ouroboros/errno.h>

#include <errno.h>
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
