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

#include <ouroboros/errno.h>
#include <ouroboros/qos.h>

#include <errno.h>
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

/*
 * Requests on the session connection (as the library sends them) and
 * M_FLOW_CANCEL: an accept parked there and cancelled takes no flow
 * (the next allocation times out); a flow handed there and cancelled
 * (its answer came too late for the library) is taken back: the
 * requester sees its peer dead.
 */

/* Child: announce, allocate "srv" (timeo_ms, -1 none), write its
 * result; with a flow, then write 1 if the peer's side goes dead within
 * 3 s, else 0. */
static pid_t cancel_requester(struct th_irmd * d,
                              int64_t          timeo_ms,
                              int *            res_rd)
{
        int   p[2];
        pid_t pid;

        CHECK(pipe(p) == 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                struct app        a;
                struct flow       f;
                struct flow_shm * shm;
                char              dead;
                close(p[0]);
                if (tp_announce(d, &a, "/test/cli") != 0)
                        _exit(3);
                tp_flow_alloc(d, "srv", timeo_ms, &f);
                if (write(p[1], &f.res, sizeof(f.res)) != sizeof(f.res))
                        _exit(4);
                if (f.res == 0) {
                        if (flow_shm_map(f.memfd, f.side, -1, &shm) < 0)
                                _exit(5);
                        dead = tp_wait_for(tp_peer_dead, shm, 3000);
                        if (write(p[1], &dead, 1) != 1)
                                _exit(6);
                }
                _exit(0);
        }
        close(p[1]);
        *res_rd = p[0];

        return pid;
}

void t_flows_cancel(void)
{
        struct th_irmd d;
        struct app     a;
        struct flow    fy;
        pid_t          pid;
        int            rd;
        int            res;
        int            st;
        char           dead = 0;

        tp_srv_start(&d, &a);

        /* parked, then cancelled: nobody accepts any more */
        msg_init(&tp_m, M_FLOW_ACCEPT, 0, 30);
        CHECK_EQ(msg_send(a.sess, &tp_m), 0);
        CHECK(tp_wait_log(&d, "waits for a flow", 3000));
        msg_init(&tp_m, M_FLOW_CANCEL, 0, 30);
        CHECK_EQ(msg_send(a.sess, &tp_m), 0);
        CHECK(tp_wait_log(&d, "gave up accepting", 3000));
        pid = cancel_requester(&d, 500, &rd);
        CHECK(read(rd, &res, sizeof(res)) == sizeof(res));
        CHECK_EQ(res, -ETIMEDOUT);
        CHECK(waitpid(pid, &st, 0) == pid);
        close(rd);
        CHECK_EQ(msg_recv(a.sess, &tp_r, 0), -ETIMEDOUT); /* no answer */

        /* handed on the session, then cancelled: taken back */
        msg_init(&tp_m, M_FLOW_ACCEPT, 0, 31);
        CHECK_EQ(msg_send(a.sess, &tp_m), 0);
        pid = cancel_requester(&d, -1, &rd);
        CHECK_EQ(msg_recv(a.sess, &tp_r, 5000), 0);
        CHECK(tp_r.id == 31 && (tp_r.flags & MSG_F_REPLY));
        tp_get_flow(&tp_r, msg_result(&tp_r), &fy);
        CHECK_EQ(fy.res, 0);
        CHECK(read(rd, &res, sizeof(res)) == sizeof(res));
        CHECK_EQ(res, 0);
        msg_init(&tp_m, M_FLOW_CANCEL, 0, 31);
        CHECK_EQ(msg_send(a.sess, &tp_m), 0);
        CHECK(read(rd, &dead, 1) == 1);
        CHECK_EQ(dead, 1);
        CHECK(tp_wait_log(&d, "was lost by pid", 3000));
        CHECK(waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        close(rd);
        close(fy.memfd);
        if (fy.peer_evfd >= 0)
                close(fy.peer_evfd);

        CHECK_EQ(th_stop(&d), 0);
}
