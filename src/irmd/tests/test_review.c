/*
 * Ouroboros IRMd tests - regressions found in review: descriptors the
 * IRMd must not leak (into its children or across failed allocations).
 */
#include "tp.h"

#include "common/flow_shm.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <dirent.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Eventfds open in process pid. */
static int n_eventfds(pid_t pid)
{
        char            path[64];
        char            lnk[512];
        char            buf[64];
        DIR *           dir;
        struct dirent * e;
        int             n = 0;

        snprintf(path, sizeof(path), "/proc/%d/fd", pid);
        dir = opendir(path);
        CHECK(dir != NULL);
        while ((e = readdir(dir)) != NULL) {
                ssize_t k;
                if (e->d_name[0] == '.')
                        continue;
                snprintf(lnk, sizeof(lnk), "%s/%s", path, e->d_name);
                k = readlink(lnk, buf, sizeof(buf) - 1);
                if (k < 0)
                        continue;
                buf[k] = '\0';
                if (strcmp(buf, "anon_inode:[eventfd]") == 0)
                        ++n;
        }
        closedir(dir);

        return n;
}

/* Allocate to name from this process (bound to it) and accept it here:
 * the two flows. */
static void self_flow(struct th_irmd * d, const char * name,
                      struct flow * fa, struct flow * fc)
{
        int fd = th_connect(d);
        int res;

        CHECK(fd >= 0);
        msg_init(&tp_m, M_FLOW_ALLOC, 0, 40);
        msg_put_str(&tp_m, T_NAME, name);
        msg_put_qos(&tp_m, T_QOS, &qos_raw);
        msg_put_u64(&tp_m, T_TIMEO, 5000000000ULL);
        CHECK_EQ(msg_send(fd, &tp_m), 0);
        tp_flow_accept(d, 5000, fc);
        CHECK_EQ(fc->res, 0);
        res = msg_recv(fd, &tp_r, 5000);
        CHECK_EQ(res, 0);
        tp_get_flow(&tp_r, msg_result(&tp_r), fa);
        CHECK_EQ(fa->res, 0);
        close(fd);
}

static void close_flow(struct flow * f)
{
        close(f->memfd);
        close(f->peer_evfd);
}

/* The dups of the peers' eventfds the IRMd keeps per flow must not be
 * inherited by the IPCPs and programs it starts. */
static void t_cloexec(void)
{
        struct th_irmd d;
        struct app     a;
        struct flow    fa;
        struct flow    fc;
        uint32_t       pid;

        tp_srv_start(&d, &a);

        self_flow(&d, "srv", &fa, &fc);

        CHECK_EQ(tp_ipcp_create(&d, "loc2", IPCP_LOCAL), 0);
        CHECK_EQ(msg_get_u32(msg_body(&tp_r), T_PID, &pid), 0);
        CHECK_EQ(n_eventfds((pid_t) pid), 0);

        CHECK_EQ(tp_flow_dealloc(&d, fa.id), 0);
        CHECK_EQ(tp_flow_dealloc(&d, fc.id), 0);
        close_flow(&fa);
        close_flow(&fc);
        CHECK_EQ(th_stop(&d), 0);
}

/* Loops of failing and completing allocations leave the IRMd with the
 * descriptors it had. */
static void t_leaks(void)
{
        struct th_irmd d;
        struct app     a;
        struct flow    fa;
        struct flow    fc;
        int            before;
        int            i;

        tp_srv_start(&d, &a);

        /* warm up */
        self_flow(&d, "srv", &fa, &fc);
        CHECK_EQ(tp_flow_dealloc(&d, fa.id), 0);
        CHECK_EQ(tp_flow_dealloc(&d, fc.id), 0);
        close_flow(&fa);
        close_flow(&fc);
        th_sleep_ms(100);
        before = tp_n_fds(d.pid);

        for (i = 0; i < 10; ++i) {
                int fd;
                /* complete, dealloc both halves (in either order) */
                self_flow(&d, "srv", &fa, &fc);
                CHECK_EQ(tp_flow_dealloc(&d, i % 2 ? fa.id : fc.id), 0);
                CHECK_EQ(tp_flow_dealloc(&d, i % 2 ? fc.id : fa.id), 0);
                CHECK_EQ(tp_flow_dealloc(&d, fa.id), -ENOTALLOC);
                close_flow(&fa);
                close_flow(&fc);
                /* timed out */
                tp_flow_alloc(&d, "srv", 50, &fa);
                CHECK_EQ(fa.res, -ETIMEDOUT);
                /* requester gives up */
                fd = th_connect(&d);
                msg_init(&tp_m, M_FLOW_ALLOC, 0, 20);
                msg_put_str(&tp_m, T_NAME, "srv");
                msg_put_qos(&tp_m, T_QOS, &qos_raw);
                CHECK_EQ(msg_send(fd, &tp_m), 0);
                th_sleep_ms(20);
                close(fd);
                /* acceptor gives up */
                fd = th_connect(&d);
                msg_init(&tp_m, M_FLOW_ACCEPT, 0, 21);
                CHECK_EQ(msg_send(fd, &tp_m), 0);
                th_sleep_ms(20);
                close(fd);
        }
        th_sleep_ms(200);
        CHECK_EQ(tp_n_fds(d.pid), before);

        /* the IPCP goes while a flow is queued at it; an acceptor dies
         * holding its flow */
        for (i = 0; i < 5; ++i) {
                struct child c;
                int          fd = th_connect(&d);
                msg_init(&tp_m, M_FLOW_ALLOC, 0, 20);
                msg_put_str(&tp_m, T_NAME, "srv");
                msg_put_qos(&tp_m, T_QOS, &qos_raw);
                CHECK_EQ(msg_send(fd, &tp_m), 0);
                th_sleep_ms(50);
                msg_init(&tp_m, M_IPCP_DESTROY, 0, 16);
                msg_put_str(&tp_m, T_IPCP_NAME, "loc");
                CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
                CHECK_EQ(msg_recv(fd, &tp_r, 3000), 0);
                CHECK_EQ(msg_result(&tp_r), -EIPCP);
                close(fd);
                tp_local_layer(&d);
                CHECK_EQ(tp_name_reg(&d, "srv", T_LAYER, "L"), 0);

                tp_child_start(&d, &c, "/test/srv", 5000);
                tp_flow_alloc(&d, "srv", 5000, &fa);
                CHECK_EQ(fa.res, 0);
                tp_child_result(&c, &fc);
                CHECK_EQ(fc.res, 0);
                close_flow(&fc);
                CHECK_EQ(tp_child_cmd(&c, 'q'), 0);
                CHECK(tp_wait_log(&d, "reclaimed 1 flow", 2000));
                CHECK_EQ(tp_flow_dealloc(&d, fa.id), 0);
                close_flow(&fa);
        }
        th_sleep_ms(300);
        CHECK_EQ(tp_n_fds(d.pid), before);

        CHECK_EQ(th_stop(&d), 0);
}

/* An acceptor whose connection can no longer take the answer (it gave
 * up, its reply is lost) must not be left holding the flow: the
 * requester sees its peer gone instead of a flow nobody serves. */
static void t_lost_accept(void)
{
        struct th_irmd    d;
        struct app        a;
        struct flow       fa;
        struct flow_shm * shm;
        int               fd;

        tp_srv_start(&d, &a);

        fd = th_connect(&d);
        msg_init(&tp_m, M_FLOW_ACCEPT, 0, 21);
        CHECK_EQ(msg_send(fd, &tp_m), 0);
        CHECK(tp_wait_log(&d, "waits for a flow", 3000));
        CHECK_EQ(shutdown(fd, SHUT_RD), 0); /* the answer cannot come */

        tp_flow_alloc(&d, "srv", 3000, &fa);
        CHECK_EQ(fa.res, 0);
        CHECK_EQ(flow_shm_map(fa.memfd, 0, -1, &shm), 0);
        CHECK(tp_wait_for(tp_peer_dead, shm, 3000));
        flow_shm_unmap(shm);
        CHECK_EQ(tp_flow_dealloc(&d, fa.id), 0);
        close_flow(&fa);
        close(fd);

        CHECK_EQ(th_stop(&d), 0);
}

/* Numbers in the configuration file are decimal like irm's (hex only
 * for ethertype): "010" is ten, not eight, and "0x1" no pid. (This test
 * process is no process of the IRMd's, so the bind itself is refused,
 * in irm's words.) */
static void t_config_numbers(void)
{
        struct th_irmd d;
        char           conf[128];
        char           line[128];
        char           out[2048];
        const char *   args[] = { "--config", conf, NULL };

        th_mkdir(&d);
        snprintf(conf, sizeof(conf), "%s/irmd.conf", d.dir);
        snprintf(line, sizeof(line), "bind process 0%d name x\n", getpid());
        tp_write_file(conf, line);
        CHECK_EQ(th_run(&d, args, out, sizeof(out)), 1);
        snprintf(line, sizeof(line), "Bind of process %d refused", getpid());
        CHECK(strstr(out, line) != NULL);
        snprintf(line, sizeof(line), "irmd.conf:1: process %d is not an "
                 "Ouroboros process", getpid());
        CHECK(strstr(out, line) != NULL);

        tp_write_file(conf, "bind process 0x1 name x\n");
        CHECK_EQ(th_run(&d, args, out, sizeof(out)), 1);
        CHECK(strstr(out, "irmd.conf:1: process must be a number "
                     "(1..2147483647), not '0x1'") != NULL);
}

void t_review(void)
{
        t_config_numbers();
        t_lost_accept();
        t_cloexec();
        t_leaks();
}
