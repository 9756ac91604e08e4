/*
 * Ouroboros IRMd tests - flow halves whose answer is lost: a requester
 * that closes its request connection right after sending M_FLOW_ALLOC
 * with T_ACK (as the library does; its process lives on) must not leave
 * the acceptor holding a live flow; the acceptor sees its peer dead at
 * once.
 */
#include "tp.h"

#include "common/flow_shm.h"
#include "common/proto.h"

#include "../../../tests/check.h"

#include <ouroboros/qos.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* A requester process: announce, send the alloc, close, live on until
 * the pipe closes. */
static pid_t lost_requester(struct th_irmd * d,
                            int *            hold)
{
        int   p[2];
        pid_t pid;

        CHECK(pipe(p) == 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                struct app a;
                char       c;
                int        fd;
                close(p[1]);
                if (tp_announce(d, &a, "/test/cli") != 0)
                        _exit(3);
                fd = th_connect(d);
                msg_init(&tp_m, M_FLOW_ALLOC, 0, 20);
                msg_put_str(&tp_m, T_NAME, "srv");
                msg_put_qos(&tp_m, T_QOS, &qos_raw);
                msg_put_u8(&tp_m, T_ACK, 1); /* as the library does */
                if (msg_send(fd, &tp_m) < 0)
                        _exit(4);
                close(fd); /* the answer is lost */
                while (read(p[0], &c, 1) > 0)
                        ;
                _exit(0);
        }
        close(p[0]);
        *hold = p[1];

        return pid;
}

void t_flows_lost(void)
{
        struct th_irmd    d;
        struct app        a;
        struct flow       fy;
        struct flow_shm * shm;
        pid_t             pid;
        int               hold;
        int               fd;
        int               res;
        int               st;

        tp_srv_start(&d, &a);

        fd = th_connect(&d);
        msg_init(&tp_m, M_FLOW_ACCEPT, 0, 21);
        msg_put_u64(&tp_m, T_TIMEO, 5000000000ULL);
        CHECK_EQ(msg_send(fd, &tp_m), 0);
        CHECK(tp_wait_log(&d, "waits for a flow", 3000));

        pid = lost_requester(&d, &hold);
        CHECK_EQ(msg_recv(fd, &tp_r, 5000), 0);
        res = msg_result(&tp_r);
        tp_get_flow(&tp_r, res, &fy);
        close(fd);
        CHECK_EQ(fy.res, 0);
        CHECK_EQ(fy.side, 1);

        /* the requester lives on, yet its side is dead */
        CHECK_EQ(flow_shm_map(fy.memfd, 1, -1, &shm), 0);
        CHECK(tp_wait_for(tp_peer_dead, shm, 3000));
        CHECK(th_alive(pid));
        flow_shm_unmap(shm);
        CHECK_EQ(tp_flow_dealloc(&d, fy.id), 0);
        close(fy.memfd);
        if (fy.peer_evfd >= 0)
                close(fy.peer_evfd);

        close(hold);
        CHECK(waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK_EQ(th_stop(&d), 0);
}
