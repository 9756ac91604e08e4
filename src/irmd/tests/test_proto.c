/*
 * Ouroboros IRMd - protocol tests against the real irmd binary.
 *
 *   test-irmd-proto SCENARIO IRMD FAKEBIN
 *
 * Each scenario starts private IRMds (th.h) with the fake ipcpd-local
 * from FAKEBIN and plays applications with msg.h directly: the test
 * process is one application, forked children are others (each has its
 * own pid, which the IRMd takes from SO_PEERCRED). This file: management,
 * flows, deaths, auto-start, load balancing; test_daemon.c: robustness,
 * instances, configuration, options.
 */
#include "tp.h"

#include "common/flow_shm.h"
#include "common/hash.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void bind_proc(struct th_irmd * d,
                      pid_t            pid,
                      int              res)
{
        msg_init(&tp_m, M_BIND_PROC, 0, 11);
        msg_put_u32(&tp_m, T_PID, (uint32_t) pid);
        msg_put_str(&tp_m, T_NAME, "x");
        CHECK_EQ(th_req(d, &tp_m, &tp_r), res);
}

static void t_mgmt(void)
{
        struct th_irmd d;
        char           longname[NAME_MAX_LEN + 2];
        uint32_t       v;
        struct msg_view e;
        pid_t          loc;

        th_mkdir(&d);
        th_start(&d, NULL);

        CHECK_EQ(tp_ipcp_create(&d, "loc", IPCP_LOCAL), 0);
        CHECK_EQ(msg_get_u32(msg_body(&tp_r), T_PID, &v), 0);
        CHECK(v > 0);
        loc = (pid_t) v;
        CHECK_EQ(tp_ipcp_create(&d, "loc", IPCP_LOCAL), -EEXIST);
        CHECK_EQ(tp_ipcp_create(&d, "x", 99), -EIPCPTYPE);
        CHECK_EQ(tp_ipcp_create(&d, "x", IPCP_BROADCAST), -EIPCPTYPE);
        CHECK_EQ(tp_ipcp_create(&d, "", IPCP_LOCAL), -EINVAL);
        memset(longname, 'n', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        CHECK_EQ(tp_ipcp_create(&d, longname, IPCP_LOCAL), -ENAMETOOLONG);
        msg_init(&tp_m, M_IPCP_CREATE, 0, 1);
        msg_put_u32(&tp_m, T_IPCP_TYPE, IPCP_LOCAL);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EBADMSG);

        CHECK_EQ(th_ipcp_list(&d), 1);
        CHECK_EQ(tp_ipcp_bootstrap(&d, "nope", IPCP_LOCAL, "L"), -ENOENT);
        CHECK_EQ(tp_ipcp_bootstrap(&d, "loc", IPCP_UNICAST, "L"), -EINVAL);
        CHECK_EQ(tp_ipcp_bootstrap(&d, "loc", IPCP_LOCAL, ""), -EINVAL);
        CHECK_EQ(tp_ipcp_bootstrap(&d, "loc", IPCP_LOCAL, "L"), 0);
        CHECK_EQ(tp_ipcp_bootstrap(&d, "loc", IPCP_LOCAL, "L"), -EIPCPSTATE);

        msg_init(&tp_m, M_IPCP_LIST, 0, 5);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(msg_sub(msg_body(&tp_r), T_ENTRY, 0, &e), 0);
        CHECK_EQ(msg_get_u32(e, T_STATE, &v), 0);
        CHECK_EQ(v, IPCP_STATE_OPERATIONAL);
        CHECK_EQ(msg_get_str(e, T_LAYER, longname, LAYER_MAX_LEN), 1);

        msg_init(&tp_m, M_IPCP_ENROLL, 0, 6);
        msg_put_str(&tp_m, T_IPCP_NAME, "loc");
        msg_put_str(&tp_m, T_DST, "L");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EIPCPSTATE); /* operational */
        msg_init(&tp_m, M_IPCP_CONNECT, 0, 6);
        msg_put_str(&tp_m, T_IPCP_NAME, "loc");
        msg_put_str(&tp_m, T_DST, "x");
        msg_put_str(&tp_m, T_COMPONENT, "dt");
        msg_put_qos(&tp_m, T_QOS, &qos_raw);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -ENOTSUP); /* relayed from IPCP */
        msg_init(&tp_m, M_IPCP_DISCONNECT, 0, 6);
        msg_put_str(&tp_m, T_IPCP_NAME, "loc");
        msg_put_str(&tp_m, T_DST, "x");
        msg_put_str(&tp_m, T_COMPONENT, "foo");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EINVAL);

        /* names */
        msg_init(&tp_m, M_NAME_CREATE, 0, 7);
        msg_put_str(&tp_m, T_NAME, "a");
        msg_put_u32(&tp_m, T_LB, LB_SPILL);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EEXIST);
        msg_init(&tp_m, M_NAME_CREATE, 0, 7);
        msg_put_str(&tp_m, T_NAME, "b");
        msg_put_u32(&tp_m, T_LB, 5);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EINVAL);

        CHECK_EQ(tp_name_reg(&d, "oecho", T_LAYER, "L"), 0);
        CHECK_EQ(msg_get_u32(msg_body(&tp_r), T_COUNT, &v), 0);
        CHECK_EQ(v, 1);
        CHECK_EQ(tp_name_reg(&d, "oecho", T_IPCP_NAME, "loc"), -EEXIST);
        CHECK_EQ(tp_name_reg(&d, "oecho", T_LAYER, "nolayer"), -ENOENT);
        CHECK_EQ(tp_name_reg(&d, "oecho", T_IPCP_NAME, "nope"), -ENOENT);

        msg_init(&tp_m, M_NAME_LIST, 0, 8);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(msg_count(msg_body(&tp_r), T_ENTRY), 2);
        CHECK_EQ(msg_sub(msg_body(&tp_r), T_ENTRY, 1, &e), 0);
        CHECK_EQ(msg_get_u32(e, T_N_LAYERS, &v), 0);
        CHECK_EQ(v, 1);

        msg_init(&tp_m, M_NAME_UNREG, 0, 9);
        msg_put_str(&tp_m, T_NAME, "oecho");
        msg_put_str(&tp_m, T_IPCP_NAME, "loc");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -ENOENT);
        msg_init(&tp_m, M_NAME_UNREG, 0, 9);
        msg_put_str(&tp_m, T_NAME, "zzz");
        msg_put_str(&tp_m, T_LAYER, "L");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -ENAME);

        /* bindings */
        CHECK_EQ(tp_bind_prog(&d, "bin/true", "x", false, NULL), -EINVAL);
        CHECK_EQ(tp_bind_prog(&d, "/bin/true", "x", false, "-a"), 0);
        CHECK_EQ(tp_bind_prog(&d, "/bin/true", "x", false, NULL), -EEXIST);
        msg_init(&tp_m, M_BIND_PROG, 0, 4);
        msg_put_str(&tp_m, T_PROG, "/bin/true");
        msg_put_str(&tp_m, T_NAME, "y");
        msg_put_u8(&tp_m, T_AUTO, 7);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EINVAL);
        msg_init(&tp_m, M_UNBIND_PROG, 0, 4);
        msg_put_str(&tp_m, T_PROG, "/bin/true");
        msg_put_str(&tp_m, T_NAME, "x");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -ENOENT);

        /* only a process that announced itself, or an IPCP, binds:
         * this one did not (it is still not announced below) */
        bind_proc(&d, getpid(), -ESRCH);
        bind_proc(&d, 1, -ESRCH);
        bind_proc(&d, 0x3ffffff0, -ESRCH);
        bind_proc(&d, loc, 0);
        bind_proc(&d, loc, -EEXIST);
        msg_init(&tp_m, M_UNBIND_PROC, 0, 12);
        msg_put_u32(&tp_m, T_PID, (uint32_t) loc);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -ENOENT);

        msg_init(&tp_m, M_NAME_DESTROY, 0, 13);
        msg_put_str(&tp_m, T_NAME, "a");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -ENAME);

        /* requests that are not for clients */
        msg_init(&tp_m, 999, 0, 14);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EOPNOTSUPP);
        msg_init(&tp_m, M_IPCPD_REG, 0, 14);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EOPNOTSUPP);
        msg_init(&tp_m, M_IPCP_FLOW_REQ_ARR, 0, 14);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EPERM);
        msg_init(&tp_m, M_IPCP_HELLO, 0, 14);
        msg_put_u32(&tp_m, T_PID, (uint32_t) getpid());
        msg_put_str(&tp_m, T_IPCP_NAME, "loc");
        msg_put_u32(&tp_m, T_IPCP_TYPE, IPCP_LOCAL);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EPERM);
        msg_init(&tp_m, M_FLOW_ALLOC, 0, 15);
        msg_put_str(&tp_m, T_NAME, "oecho");
        msg_put_qos(&tp_m, T_QOS, &qos_raw);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EPERM); /* not announced */
        msg_init(&tp_m, M_FLOW_JOIN, 0, 15);
        msg_put_str(&tp_m, T_NAME, "bc");
        msg_put_qos(&tp_m, T_QOS, &qos_raw);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -EPERM); /* as an alloc */

        msg_init(&tp_m, M_IPCP_DESTROY, 0, 16);
        msg_put_str(&tp_m, T_IPCP_NAME, "loc");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -ENOENT);
        CHECK_EQ(th_ipcp_list(&d), 0);

        CHECK_EQ(th_stop(&d), 0);
        CHECK(access(d.sock, F_OK) < 0);
        CHECK(access(d.dir, F_OK) == 0);
}

static void t_flow(void)
{
        struct th_irmd   d;
        struct app       a;
        struct child     c;
        struct flow      fa;
        struct flow      fc;
        struct flow_shm * shm;

        th_mkdir(&d);
        th_start(&d, NULL);
        tp_local_layer(&d);
        CHECK_EQ(tp_name_reg(&d, "srv", T_LAYER, "L"), 0);
        CHECK_EQ(tp_bind_prog(&d, "/test/srv", "srv", false, NULL), 0);

        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);

        /* nobody accepting: times out; unknown name: no IPCP */
        tp_flow_alloc(&d, "srv", 300, &fa);
        CHECK_EQ(fa.res, -ETIMEDOUT);
        tp_flow_alloc(&d, "nobody", -1, &fa);
        CHECK_EQ(fa.res, -ENAME);
        /* non-blocking accept with nothing queued */
        tp_flow_accept(&d, 0, &fa);
        CHECK_EQ(fa.res, -EAGAIN);

        tp_child_start(&d, &c, "/test/srv", -1);
        th_sleep_ms(100);
        tp_flow_alloc(&d, "srv", 5000, &fa);
        CHECK_EQ(fa.res, 0);
        tp_child_result(&c, &fc);
        CHECK_EQ(fc.res, 0);
        CHECK_EQ(fa.side, 0);
        CHECK_EQ(fc.side, 1);
        CHECK_EQ(fa.ino, fc.ino);           /* one flow memory */
        CHECK_EQ(fa.peer_pid, c.pid);
        CHECK_EQ(fc.peer_pid, getpid());
        CHECK(fa.id != fc.id);
        CHECK(strcmp(fc.name, "srv") == 0);
        CHECK_EQ(fa.max_pkt, FLOW_SHM_MAX_PKT_DEF);
        CHECK(tp_wait_log(&d, "allocated", 2000));

        CHECK_EQ(tp_flow_dealloc(&d, fc.id), -EPERM);
        CHECK_EQ(tp_flow_dealloc(&d, 777777), -ENOTALLOC);

        /* the acceptor deallocates; then comes back for a second flow */
        CHECK_EQ(tp_child_cmd(&c, 'd'), 0);
        CHECK_EQ(tp_flow_dealloc(&d, fa.id), 0);
        CHECK_EQ(tp_flow_dealloc(&d, fa.id), -ENOTALLOC);
        close(fa.memfd);
        close(fa.peer_evfd);
        CHECK_EQ(tp_child_cmd(&c, 'q'), 0);

        /* process death: the peer sees the side dead */
        tp_child_start(&d, &c, "/test/srv", 5000);
        tp_flow_alloc(&d, "srv", 5000, &fa);
        CHECK_EQ(fa.res, 0);
        tp_child_result(&c, &fc);
        CHECK_EQ(fc.res, 0);
        CHECK_EQ(flow_shm_map(fa.memfd, 0, -1, &shm), 0);
        CHECK_EQ(flow_shm_peer_state(shm), FLOW_SIDE_OPEN);
        CHECK_EQ(tp_child_cmd(&c, 'q'), 0);
        CHECK(tp_wait_for(tp_peer_dead, shm, 3000));
        CHECK(tp_wait_log(&d, "reclaimed 1 flow", 2000));
        CHECK_EQ(tp_flow_dealloc(&d, fa.id), 0);
        flow_shm_unmap(shm);
        close(fa.memfd);
        close(fa.peer_evfd);

        CHECK(th_ipcp_list(&d) == 1);
        CHECK_EQ(th_stop(&d), 0);
}

static void t_death(void)
{
        struct th_irmd    d;
        struct app        a;
        struct app        b;
        struct child      c;
        struct flow       f;
        struct flow       fc;
        struct flow_shm * shm;
        pid_t             pid;
        int               st;
        int               fd;
        char              line[128];

        th_mkdir(&d);
        th_start(&d, NULL);
        tp_local_layer(&d);
        CHECK_EQ(tp_name_reg(&d, "srv", T_LAYER, "L"), 0);
        CHECK_EQ(tp_bind_prog(&d, "/test/srv", "srv", false, NULL), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);

        /* an acceptor killed while waiting gets no flow */
        tp_child_start(&d, &c, "/test/srv", -1);
        th_sleep_ms(200);
        kill(c.pid, SIGKILL);
        waitpid(c.pid, NULL, 0);
        close(c.res_rd);
        close(c.cmd_wr);
        tp_flow_alloc(&d, "srv", 400, &f);
        CHECK_EQ(f.res, -ETIMEDOUT);

        /* a requester that gives up: its queued flow is withdrawn */
        fd = th_connect(&d);
        msg_init(&tp_m, M_FLOW_ALLOC, 0, 20);
        msg_put_str(&tp_m, T_NAME, "srv");
        msg_put_qos(&tp_m, T_QOS, &qos_raw);
        CHECK_EQ(msg_send(fd, &tp_m), 0);
        CHECK(tp_wait_log(&d, "queued", 3000));
        close(fd);
        CHECK(tp_wait_log(&d, "Connection reset by peer", 3000));
        tp_child_start(&d, &c, "/test/srv", 300);
        tp_child_result(&c, &fc);
        CHECK_EQ(fc.res, -ETIMEDOUT);
        CHECK_EQ(tp_child_cmd(&c, 'q'), 0);

        /* the requester dies: the acceptor sees it */
        CHECK_EQ(tp_announce(&d, &b, "/test/srv"), -EEXIST); /* pid known */
        close(b.sess);
        close(b.evfd);
        close(a.sess); /* end our session: we come back as the server */
        close(a.evfd);
        snprintf(line, sizeof(line), "Process %d (/test/cli) exited",
                 getpid());
        CHECK(tp_wait_log(&d, line, 3000));
        CHECK_EQ(tp_announce(&d, &a, "/test/srv"), 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                if (tp_announce(&d, &b, "/test/cli2") != 0)
                        _exit(1);
                tp_flow_alloc(&d, "srv", 5000, &f);
                th_sleep_ms(300);
                _exit(f.res == 0 ? 0 : 2);
        }
        tp_flow_accept(&d, 5000, &fc);
        CHECK_EQ(fc.res, 0);
        CHECK_EQ(flow_shm_map(fc.memfd, 1, -1, &shm), 0);
        CHECK(tp_wait_for(tp_peer_dead, shm, 3000));
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        flow_shm_unmap(shm);
        CHECK_EQ(tp_flow_dealloc(&d, fc.id), 0);
        close(fc.memfd);
        close(fc.peer_evfd);

        CHECK_EQ(th_ipcp_list(&d), 1);
        CHECK_EQ(th_stop(&d), 0);
}

static void t_ipcp_death(void)
{
        struct th_irmd    d;
        struct app        a;
        struct child      c;
        struct flow       fa;
        struct flow       fc;
        struct flow_shm * shm;
        uint32_t          ipcp_pid;

        th_mkdir(&d);
        th_start(&d, NULL);
        CHECK_EQ(tp_ipcp_create(&d, "loc", IPCP_LOCAL), 0);
        CHECK_EQ(msg_get_u32(msg_body(&tp_r), T_PID, &ipcp_pid), 0);
        CHECK_EQ(tp_ipcp_bootstrap(&d, "loc", IPCP_LOCAL, "L"), 0);
        CHECK_EQ(tp_name_reg(&d, "srv", T_LAYER, "L"), 0);
        CHECK_EQ(tp_bind_prog(&d, "/test/srv", "srv", false, NULL), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);

        tp_child_start(&d, &c, "/test/srv", 5000);
        tp_flow_alloc(&d, "srv", 5000, &fa);
        CHECK_EQ(fa.res, 0);
        tp_child_result(&c, &fc);
        CHECK_EQ(flow_shm_map(fa.memfd, 0, -1, &shm), 0);
        CHECK(!flow_shm_is_down(shm));

        kill((pid_t) ipcp_pid, SIGKILL);
        CHECK(tp_wait_for(tp_is_down, shm, 3000));
        th_sleep_ms(100);
        CHECK(tp_wait_log(&d, "IPCP loc (pid", 2000));
        CHECK(tp_wait_log(&d, "type local) died", 2000));
        CHECK_EQ(th_ipcp_list(&d), 0);
        tp_flow_alloc(&d, "srv", 1000, &fc); /* its layer is gone */
        CHECK_EQ(fc.res, -ENAME);
        CHECK_EQ(tp_flow_dealloc(&d, fa.id), 0);
        flow_shm_unmap(shm);
        close(fa.memfd);
        close(fa.peer_evfd);
        CHECK_EQ(tp_child_cmd(&c, 'q'), 0);

        /* an IPCP that never says hello: create fails after ~5 s */
        setenv("FAKE_IPCPD_SILENT", "1", 1);
        th_stop(&d);
        th_start(&d, NULL);
        unsetenv("FAKE_IPCPD_SILENT");
        CHECK_EQ(tp_ipcp_create(&d, "mute", IPCP_LOCAL), -EIPCP);
        CHECK_EQ(th_ipcp_list(&d), 0);
        CHECK_EQ(th_stop(&d), 0);
}

/* Run by the IRMd as an auto-started program: accept once, then wait. */
static int helper(void)
{
        struct th_irmd d;
        struct app     a;
        struct flow    f;
        const char *   dir = getenv("OUROBOROS_RUNDIR");

        CHECK(dir != NULL);
        snprintf(d.sock, sizeof(d.sock), "%s/irmd.sock", dir);
        CHECK_EQ(tp_announce(&d, &a, tp_self), 0);
        tp_flow_accept(&d, 5000, &f);
        CHECK_EQ(f.res, 0);
        th_sleep_ms(1000);

        return 0;
}

static void t_autostart(void)
{
        struct th_irmd d;
        struct app     a;
        struct flow    f;

        th_mkdir(&d);
        th_start(&d, NULL);
        tp_local_layer(&d);
        CHECK_EQ(tp_name_reg(&d, "auto", T_LAYER, "L"), 0);
        CHECK_EQ(tp_bind_prog(&d, tp_self, "auto", true, "helper"), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);

        tp_flow_alloc(&d, "auto", 5000, &f);
        CHECK_EQ(f.res, 0);
        CHECK(tp_wait_log(&d, "Auto-started", 2000));
        CHECK(f.peer_pid != 0 && (pid_t) f.peer_pid != getpid());
        CHECK_EQ(tp_flow_dealloc(&d, f.id), 0);
        close(f.memfd);
        close(f.peer_evfd);
        CHECK_EQ(th_stop(&d), 0);
}

static void t_lb(void)
{
        struct th_irmd d;
        struct app     a;
        pid_t          g[6];

        th_mkdir(&d);
        th_start(&d, NULL);
        tp_local_layer(&d);
        msg_init(&tp_m, M_NAME_CREATE, 0, 7);
        msg_put_str(&tp_m, T_NAME, "spill");
        msg_put_u32(&tp_m, T_LB, LB_SPILL);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(tp_name_reg(&d, "spill", T_LAYER, "L"), 0);
        CHECK_EQ(tp_name_reg(&d, "rr", T_LAYER, "L"), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);

        /* round-robin: alternate between the two servers */
        CHECK_EQ(tp_bind_prog(&d, "/test/lb", "rr", false, NULL), 0);
        tp_lb_round(&d, "rr", g);
        CHECK(g[0] != g[1] && g[0] == g[2] && g[1] == g[3]);

        /* spillover: the first server while it is waiting, then the next */
        msg_init(&tp_m, M_UNBIND_PROG, 0, 4);
        msg_put_str(&tp_m, T_PROG, "/test/lb");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(tp_bind_prog(&d, "/test/lb", "spill", false, NULL), 0);
        tp_lb_round(&d, "spill", g);
        CHECK(g[0] == g[4] && g[1] == g[4] && g[2] == g[5] && g[3] == g[5]);

        CHECK_EQ(th_stop(&d), 0);
}


/* A name no local IPCP knows is found by asking the other IPCPs
 * (M_IPCPD_QUERY); enrollment makes an IPCP operational in the layer
 * its reply names. */
static void t_query(void)
{
        struct th_irmd  d;
        struct app      a;
        struct child    c;
        struct flow     fa;
        struct flow     fc;
        struct msg_view e;
        char            layer[LAYER_MAX_LEN + 1];
        uint32_t        v;

        th_mkdir(&d);
        th_start(&d, NULL);
        tp_local_layer(&d);
        CHECK_EQ(tp_ipcp_create(&d, "u", IPCP_UNICAST), 0);
        msg_init(&tp_m, M_IPCP_ENROLL, 0, 6);
        msg_put_str(&tp_m, T_IPCP_NAME, "u");
        msg_put_str(&tp_m, T_DST, "peer");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(msg_get_str(msg_body(&tp_r), T_LAYER, layer,
                             LAYER_MAX_LEN), 8);
        msg_init(&tp_m, M_IPCP_LIST, 0, 5);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(msg_sub(msg_body(&tp_r), T_ENTRY, 1, &e), 0);
        CHECK_EQ(msg_get_u32(e, T_STATE, &v), 0);
        CHECK_EQ(v, IPCP_STATE_OPERATIONAL);
        CHECK_EQ(msg_get_str(e, T_LAYER, layer, LAYER_MAX_LEN), 8);
        CHECK(strcmp(layer, "enrolled") == 0);

        /* "far" is registered nowhere: the unicast IPCP says it can
         * reach it; the local one is not asked */
        CHECK_EQ(tp_bind_prog(&d, "/test/far", "far", false, NULL), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);
        tp_child_start(&d, &c, "/test/far", 5000);
        tp_flow_alloc(&d, "far", 5000, &fa);
        CHECK_EQ(fa.res, 0);
        tp_child_result(&c, &fc);
        CHECK_EQ(fc.res, 0);
        /* the unicast layer carries data: each end has its own memory,
         * side 0, with the IPCP as its peer */
        CHECK(fa.ino != fc.ino);
        CHECK_EQ(fa.side, 0);
        CHECK_EQ(fc.side, 0);
        CHECK_EQ(fa.peer_pid, fc.peer_pid);
        CHECK(tp_wait_log(&d, "allocating to far via (query)", 2000));
        CHECK_EQ(tp_flow_dealloc(&d, fa.id), 0);
        close(fa.memfd);
        close(fa.peer_evfd);
        CHECK_EQ(tp_child_cmd(&c, 'q'), 0);

        /* without the unicast IPCP nobody knows it */
        msg_init(&tp_m, M_IPCP_DESTROY, 0, 16);
        msg_put_str(&tp_m, T_IPCP_NAME, "u");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        tp_flow_alloc(&d, "far", 1000, &fa);
        CHECK_EQ(fa.res, -ENAME);

        CHECK_EQ(th_stop(&d), 0);
}

int main(int    argc,
         char * argv[])
{
        static const struct {
                const char * name;
                void      (* fn)(void);
        } scn[] = {
                { "mgmt", t_mgmt }, { "flow", t_flow }, { "death", t_death },
                { "ipcp_death", t_ipcp_death }, { "autostart", t_autostart },
                { "fuzz", t_fuzz }, { "flood", t_flood },
                { "instances", t_instances }, { "config", t_config },
                { "options", t_options }, { "lb", t_lb },
                { "query", t_query }, { "review", t_review },
                { "stall", t_stall }, { "names", t_names },
                { "hello_rate", t_hello_rate },
                { "flows_lost", t_flows_lost },
                { "flows_cancel", t_flows_cancel },
                { "flows_recycle", t_flows_recycle },
                { "layers", t_layers },
                { "layer_choice", t_layer_choice },
                { "flows_data", t_flows_data },
                { "flows_noannounce", t_flows_noannounce },
                { "join", t_join },
        };
        size_t i;

        CHECK(realpath("/proc/self/exe", tp_self) != NULL);

        if (argc >= 2 && strcmp(argv[1], "helper") == 0)
                return helper();

        if (argc != 4) {
                fprintf(stderr, "usage: %s SCENARIO IRMD FAKEBIN\n", argv[0]);
                return 2;
        }

        th_init(argv[2], argv[3], 50);

        for (i = 0; i < sizeof(scn) / sizeof(scn[0]); ++i) {
                if (strcmp(argv[1], scn[i].name) == 0) {
                        scn[i].fn();
                        printf("%s: ok\n", argv[1]);
                        return 0;
                }
        }

        fprintf(stderr, "unknown scenario %s\n", argv[1]);
        return 2;
}
