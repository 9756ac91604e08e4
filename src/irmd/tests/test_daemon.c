/*
 * Ouroboros IRMd - protocol tests of the daemon itself: malformed and
 * random messages, connection floods, instances side by side, the
 * configuration file and the command line (see test_proto.c).
 */
#include "tp.h"

#include "irmd/irmd.h"

#include "common/flow_shm.h"
#include "common/hash.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void t_fuzz(void)
{
        struct th_irmd d;
        uint8_t        buf[512];
        int            silent;
        int            fd;
        int            fds0;
        int            i;
        int            r;
        struct app     a;

        th_mkdir(&d);
        th_start(&d, NULL);
        tp_local_layer(&d);
        CHECK_EQ(th_ipcp_list(&d), 1);
        th_sleep_ms(100);
        fds0 = tp_n_fds(d.pid);

        /* a client that never sends does not block others */
        silent = th_connect(&d);
        CHECK(silent >= 0);
        CHECK_EQ(th_ipcp_list(&d), 1);

        /* runt datagram: connection closed */
        fd = th_connect(&d);
        CHECK_EQ(send(fd, "abc", 3, 0), 3);
        CHECK_EQ(msg_recv(fd, &tp_r, 2000), -EPIPE);
        close(fd);

        /* truncated TLV: -EBADMSG with the header's type and id */
        fd = th_connect(&d);
        msg_init(&tp_m, M_NAME_CREATE, 0, 77);
        msg_put_str(&tp_m, T_NAME, "hello");
        tp_m.len -= 2;
        CHECK_EQ(th_call(fd, &tp_m, &tp_r, 2000), -EBADMSG);
        /* wrong size of an integer field */
        msg_init(&tp_m, M_BIND_PROC, 0, 78);
        msg_put_bytes(&tp_m, T_PID, "ab", 2);
        msg_put_str(&tp_m, T_NAME, "n");
        CHECK_EQ(th_call(fd, &tp_m, &tp_r, 2000), -EBADMSG);
        /* string with NUL */
        msg_init(&tp_m, M_NAME_CREATE, 0, 79);
        msg_put_bytes(&tp_m, T_NAME, "a\0b", 3);
        CHECK_EQ(th_call(fd, &tp_m, &tp_r, 2000), -EBADMSG);
        /* bad nested conf */
        msg_init(&tp_m, M_IPCP_BOOTSTRAP, 0, 80);
        msg_put_str(&tp_m, T_IPCP_NAME, "loc");
        msg_put_bytes(&tp_m, T_CONF, "\x01\x00\x09\x00", 4);
        CHECK_EQ(th_call(fd, &tp_m, &tp_r, 2000), -EBADMSG);
        /* unknown type, with fds attached (closed by the IRMd) */
        msg_init(&tp_m, 4242, 0, 81);
        msg_put_fd(&tp_m, 0);
        msg_put_fd(&tp_m, 1);
        CHECK_EQ(th_call(fd, &tp_m, &tp_r, 2000), -EOPNOTSUPP);
        /* a stray reply */
        msg_init(&tp_m, M_IPCP_LIST, MSG_F_REPLY, 82);
        CHECK_EQ(msg_send(fd, &tp_m), 0);
        /* announce with something that is not an eventfd */
        msg_init(&tp_m, M_PROC_ANNOUNCE, 0, 83);
        msg_put_str(&tp_m, T_PROG, "/x");
        msg_put_fd(&tp_m, fd);
        CHECK_EQ(th_call(fd, &tp_m, &tp_r, 2000), -EINVAL);
        msg_init(&tp_m, M_PROC_ANNOUNCE, 0, 84);
        msg_put_str(&tp_m, T_PROG, "/x");
        CHECK_EQ(th_call(fd, &tp_m, &tp_r, 2000), -EBADMSG); /* no fd */
        close(fd);

        /* announce twice */
        CHECK_EQ(tp_announce(&d, &a, "/test/x"), 0);
        msg_init(&tp_m, M_PROC_ANNOUNCE, 0, 85);
        msg_put_str(&tp_m, T_PROG, "/x");
        msg_put_fd(&tp_m, a.evfd);
        CHECK_EQ(th_call(a.sess, &tp_m, &tp_r, 2000), -EEXIST);
        close(a.sess);
        close(a.evfd);

        /* 1000 random datagrams over a few connections */
        srand(12345);
        for (i = 0; i < 1000; ++i) {
                size_t len = (size_t) (rand() % (int) sizeof(buf));
                size_t k;
                if (i % 100 == 0) {
                        if (i > 0)
                                close(fd);
                        fd = th_connect(&d);
                        CHECK(fd >= 0);
                }
                for (k = 0; k < len; ++k)
                        buf[k] = (uint8_t) rand();
                if (len >= 2 && i % 3 == 0) { /* plausible types */
                        buf[0] = (uint8_t) (rand() % 110);
                        buf[1] = 0;
                }
                if (len >= 4 && i % 2 == 0)
                        buf[2] = buf[3] = 0; /* requests, not replies */
                r = (int) send(fd, buf, len, MSG_NOSIGNAL);
                if (r < 0) {
                        close(fd);
                        fd = th_connect(&d);
                        CHECK(fd >= 0);
                }
                /* drain replies */
                while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
                        ;
        }
        close(fd);

        CHECK(th_alive(d.pid));
        CHECK_EQ(th_ipcp_list(&d), 1);
        close(silent);
        th_sleep_ms(200);
        CHECK_EQ(th_ipcp_list(&d), 1);
        th_sleep_ms(100);
        /* no fd leaked by all of this */
        for (i = 0; i < 300 && tp_n_fds(d.pid) > fds0; ++i)
                th_sleep_ms(10);
        CHECK(tp_n_fds(d.pid) <= fds0);
        CHECK_EQ(th_stop(&d), 0);
}

/* fds[i] was closed by the IRMd (EOF, nothing to read). */
static bool closed_by_peer(int fd)
{
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        char          c;

        if (poll(&pfd, 1, 0) != 1)
                return false;

        return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

/*
 * The connection cap: IRMD_MAX_CONNS clients are served, every one past
 * that is closed at once, and one whose request is already waiting when
 * the IRMd accepts it gets -EBUSY. A freed slot is served again.
 */
void t_flood(void)
{
        enum { EXTRA = 50, N = IRMD_MAX_CONNS + EXTRA };
        struct th_irmd d;
        struct rlimit  rl;
        static int     fds[N];
        int            n;
        int            i;
        int            fd;
        int            closed = 0;

        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t) N + 64) {
                fprintf(stderr, "SKIP flood: needs %d file descriptors, the "
                        "hard limit is %llu\n", N + 64,
                        (unsigned long long) rl.rlim_cur);
                exit(77);
        }

        th_mkdir(&d);
        th_start(&d, NULL);

        for (n = 0; n < N; ++n) {
                fds[n] = th_connect(&d);
                CHECK(fds[n] >= 0);
        }
        /* until the IRMd has accepted (and closed) the last of them */
        for (i = 0; i < 500 && !closed_by_peer(fds[N - 1]); ++i)
                th_sleep_ms(10);
        th_sleep_ms(100);

        for (i = 0; i < n; ++i)
                closed += closed_by_peer(fds[i]);
        printf("flood: %d connections, %d closed by the IRMd (cap %d)\n",
               n, closed, IRMD_MAX_CONNS);
        CHECK_EQ(closed, EXTRA);
        for (i = 0; i < IRMD_MAX_CONNS; ++i)
                CHECK(!closed_by_peer(fds[i]));  /* the first ones stay */

        /* a request already sent when the IRMd accepts: -EBUSY */
        CHECK_EQ(kill(d.pid, SIGSTOP), 0);
        fd = th_connect(&d);
        CHECK(fd >= 0);
        msg_init(&tp_m, M_IPCP_LIST, 0, 1);
        CHECK_EQ(msg_send(fd, &tp_m), 0);
        CHECK_EQ(kill(d.pid, SIGCONT), 0);
        CHECK_EQ(msg_recv(fd, &tp_r, 3000), 0);
        CHECK(tp_r.flags & MSG_F_REPLY);
        CHECK_EQ(msg_result(&tp_r), -EBUSY);
        msg_fini(&tp_r);
        close(fd);

        /* a client inside the cap is served */
        msg_init(&tp_m, M_IPCP_LIST, 0, 2);
        CHECK_EQ(th_call(fds[0], &tp_m, &tp_r, 3000), 0);
        msg_fini(&tp_r);

        /* a freed slot takes a new client */
        close(fds[1]);
        th_sleep_ms(100);
        CHECK_EQ(th_ipcp_list(&d), 0);

        CHECK(th_alive(d.pid));
        for (i = 0; i < n; ++i)
                if (i != 1)
                        close(fds[i]);
        th_sleep_ms(300);
        CHECK_EQ(th_ipcp_list(&d), 0);
        CHECK_EQ(th_stop(&d), 0);
}

void t_instances(void)
{
        struct th_irmd a;
        struct th_irmd b;
        struct th_irmd a2;
        char           out[1024];
        char           want[128];
        const char *   args[] = { NULL };

        th_mkdir(&a);
        th_mkdir(&b);
        th_start(&a, NULL);
        th_start(&b, NULL);
        CHECK_EQ(tp_ipcp_create(&a, "x", IPCP_LOCAL), 0);
        CHECK_EQ(th_ipcp_list(&a), 1);
        CHECK_EQ(th_ipcp_list(&b), 0);

        /* a second IRMd on the same directory is refused */
        a2 = a;
        CHECK_EQ(th_run(&a2, args, out, sizeof(out)), 1);
        snprintf(want, sizeof(want), "an IRMd (pid %d) is already running "
                 "on %s", a.pid, a.dir);
        if (strstr(out, want) == NULL) {
                fprintf(stderr, "got: %s\n", out);
                CHECK(false);
        }
        CHECK_EQ(th_ipcp_list(&a), 1);

        /* kill -9: the socket stays, the next IRMd removes it */
        kill(a.pid, SIGKILL);
        waitpid(a.pid, NULL, 0);
        CHECK(access(a.sock, F_OK) == 0);
        CHECK(th_connect(&a) < 0);
        th_start(&a, NULL);
        CHECK(tp_wait_log(&a, "removed stale socket", 2000));
        CHECK_EQ(th_ipcp_list(&a), 0);
        CHECK_EQ(tp_ipcp_create(&a, "x", IPCP_LOCAL), 0); /* old one exited */

        CHECK_EQ(th_stop(&a), 0);
        CHECK_EQ(th_stop(&b), 0);
}

void t_config(void)
{
        struct th_irmd  d;
        char            conf[128];
        char            out[2048];
        const char *    args[] = { "--config", conf, NULL };
        struct msg_view e;
        uint32_t        v;

        th_mkdir(&d);
        snprintf(conf, sizeof(conf), "%s/irmd.conf", d.dir);
        tp_write_file(conf,
                   "# test configuration\n"
                   "\n"
                   "ipcp bootstrap type local name loc layer L\n"
                   "name create srv lb spillover   # comment\n"
                   "name register srv layer L\n"
                   "bind program /bin/true name srv auto -- -x y\n"
                   "bind program true name srv2\n");
        th_start(&d, args);
        CHECK(tp_wait_log(&d, "applied", 5000));
        msg_init(&tp_m, M_IPCP_LIST, 0, 5);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(msg_sub(msg_body(&tp_r), T_ENTRY, 0, &e), 0);
        CHECK_EQ(msg_get_u32(e, T_STATE, &v), 0);
        CHECK_EQ(v, IPCP_STATE_OPERATIONAL);
        msg_init(&tp_m, M_NAME_LIST, 0, 8);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(msg_count(msg_body(&tp_r), T_ENTRY), 2);
        CHECK_EQ(msg_sub(msg_body(&tp_r), T_ENTRY, 0, &e), 0);
        CHECK_EQ(msg_get_u32(e, T_LB, &v), 0);
        CHECK_EQ(v, LB_SPILL);
        CHECK_EQ(msg_get_u32(e, T_N_LAYERS, &v), 0);
        CHECK_EQ(v, 1);
        CHECK_EQ(msg_get_u32(e, T_N_PROGS, &v), 0);
        CHECK_EQ(v, 1);
        CHECK_EQ(th_stop(&d), 0);

        /* syntax errors are found before anything starts */
        tp_write_file(conf, "name create a\n\nname frobnicate x\n");
        CHECK_EQ(th_run(&d, args, out, sizeof(out)), 1);
        CHECK(strstr(out, "irmd.conf:3: unknown name command") != NULL);
        tp_write_file(conf, "ipcp bootstrap name x\n");
        CHECK_EQ(th_run(&d, args, out, sizeof(out)), 1);
        CHECK(strstr(out, "irmd.conf:1: ipcp bootstrap needs") != NULL);
        tp_write_file(conf, "bind program /no/such/prog name x\n");
        CHECK_EQ(th_run(&d, args, out, sizeof(out)), 1);
        CHECK(strstr(out, "irmd.conf:1: program") != NULL);

        /* failures while running stop the IRMd too */
        tp_write_file(conf, "name create a\nipcp create name u type eth-llc\n");
        CHECK_EQ(th_run(&d, args, out, sizeof(out)), 1);
        CHECK(strstr(out, "irmd.conf:2: IPCP type eth-llc is not available "
                     "in this build") != NULL);
        tp_write_file(conf, "ipcp bootstrap name nope layer L\n");
        CHECK_EQ(th_run(&d, args, out, sizeof(out)), 1);
        CHECK(strstr(out, "irmd.conf:1: no IPCP named nope (give 'type' to "
                     "create it)") != NULL);
        CHECK(access(d.sock, F_OK) < 0);
}

void t_options(void)
{
        struct th_irmd d;
        char           out[4096];
        const char *   help[] = { "--help", NULL };
        const char *   ver[] = { "--version", NULL };
        const char *   bad1[] = { "--bogus", NULL };
        const char *   bad2[] = { "--ring-size", "abc", NULL };
        const char *   bad3[] = { "--max-pkt", NULL };
        const char *   bad4[] = { "extra", NULL };
        const char *   bad5[] = { "--ring-size", "100000", NULL };
        const char *   good[] = { "--ring-size", "65536", "--max-pkt",
                                  "16384", "--max-pkts", "64", NULL };
        struct app     a;
        struct child   c;
        struct flow    f;
        struct flow    fc;

        th_mkdir(&d);
        CHECK_EQ(th_run(&d, help, out, sizeof(out)), 0);
        CHECK(strstr(out, "--ring-size") != NULL);
        CHECK_EQ(th_run(&d, ver, out, sizeof(out)), 0);
        CHECK(strstr(out, "irmd") != NULL);
        CHECK_EQ(th_run(&d, bad1, out, sizeof(out)), 1);
        CHECK(strstr(out, "--bogus") != NULL);
        CHECK_EQ(th_run(&d, bad2, out, sizeof(out)), 1);
        CHECK(strstr(out, "--ring-size") != NULL);
        CHECK_EQ(th_run(&d, bad3, out, sizeof(out)), 1);
        CHECK_EQ(th_run(&d, bad4, out, sizeof(out)), 1);
        CHECK_EQ(th_run(&d, bad5, out, sizeof(out)), 1);

        th_start(&d, good);
        tp_local_layer(&d);
        CHECK_EQ(tp_name_reg(&d, "srv", T_LAYER, "L"), 0);
        CHECK_EQ(tp_bind_prog(&d, "/test/srv", "srv", false, NULL), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);
        tp_child_start(&d, &c, "/test/srv", 5000);
        tp_flow_alloc(&d, "srv", 5000, &f);
        CHECK_EQ(f.res, 0);
        CHECK_EQ(f.max_pkt, 16384);
        tp_child_result(&c, &fc);
        CHECK_EQ(tp_child_cmd(&c, 'q'), 0);
        CHECK_EQ(th_stop(&d), 0);
}
