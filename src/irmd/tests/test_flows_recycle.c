/*
 * Ouroboros IRMd tests - the pool of flow memories (flow_mem.c): the
 * memory of a local flow both sides closed comes back for the next flow
 * between the same two processes, never for a flow with another
 * process, and never when a side was not closed by its owner.
 */
#include "tp.h"

#include "common/flow_shm.h"
#include "common/proto.h"

#include "../../../tests/check.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Queue an accept (this process) on a connection of its own. */
static int accept_start(struct th_irmd * d)
{
        int fd = th_connect(d);

        CHECK(fd >= 0);
        msg_init(&tp_m, M_FLOW_ACCEPT, 0, 21);
        msg_put_u64(&tp_m, T_TIMEO, 5000000000ULL);
        CHECK_EQ(msg_send(fd, &tp_m), 0);

        return fd;
}

static void accept_end(int           fd,
                       struct flow * f)
{
        int res;

        CHECK_EQ(msg_recv(fd, &tp_r, 5000), 0);
        res = msg_result(&tp_r);
        tp_get_flow(&tp_r, res, f);
        close(fd);
        CHECK_EQ(f->res, 0);
}

/* A flow from this process to itself: x requester, y acceptor. */
static void self_flow(struct th_irmd * d,
                      struct flow *    x,
                      struct flow *    y)
{
        int fd = accept_start(d); /* either may come first */

        tp_flow_alloc(d, "srv", 5000, x);
        CHECK_EQ(x->res, 0);
        accept_end(fd, y);
        CHECK_EQ(x->ino, y->ino);
}

/* Close the sides asked for (as the library does at dealloc), then
 * deallocate both halves. */
static void flow_end(struct th_irmd * d,
                     struct flow *    x,
                     struct flow *    y,
                     bool             close_x,
                     bool             close_y)
{
        struct flow_shm * sx;
        struct flow_shm * sy;

        CHECK_EQ(flow_shm_map(x->memfd, x->side, -1, &sx), 0);
        CHECK_EQ(flow_shm_map(y->memfd, y->side, -1, &sy), 0);
        if (close_x)
                flow_shm_close(sx);
        if (close_y)
                flow_shm_close(sy);
        flow_shm_unmap(sx);
        flow_shm_unmap(sy);
        CHECK_EQ(tp_flow_dealloc(d, x->id), 0);
        CHECK_EQ(tp_flow_dealloc(d, y->id), 0);
        close(x->memfd);
        close(y->memfd);
        if (x->peer_evfd >= 0)
                close(x->peer_evfd);
        if (y->peer_evfd >= 0)
                close(y->peer_evfd);
}

/* Another process allocates a flow to us: the acceptor's half. */
static void other_flow(struct th_irmd * d,
                       struct flow *    y,
                       pid_t *          pid,
                       int *            hold)
{
        int p[2];
        int fd = accept_start(d);

        CHECK(pipe(p) == 0);
        *pid = fork();
        CHECK(*pid >= 0);
        if (*pid == 0) {
                struct app  a;
                struct flow x;
                char        c;
                close(p[1]);
                if (tp_announce(d, &a, "/test/cli") != 0)
                        _exit(3);
                tp_flow_alloc(d, "srv", 5000, &x);
                if (x.res != 0)
                        _exit(4);
                while (read(p[0], &c, 1) > 0)
                        ;
                _exit(0);
        }
        close(p[0]);
        *hold = p[1];
        accept_end(fd, y);
}

void t_flows_recycle(void)
{
        struct th_irmd d;
        struct app     a;
        struct flow    x;
        struct flow    y;
        struct flow    z;
        ino_t          kept;
        pid_t          pid;
        int            hold;
        int            st;

        tp_srv_start(&d, &a);

        /* both sides closed: the next flow of the pair gets it */
        self_flow(&d, &x, &y);
        kept = x.ino;
        flow_end(&d, &x, &y, true, true);
        self_flow(&d, &x, &y);
        CHECK_EQ(x.ino, kept);

        /* a side not closed by its owner: not kept */
        flow_end(&d, &x, &y, true, false);
        self_flow(&d, &x, &y);
        CHECK(x.ino != kept);
        kept = x.ino;
        flow_end(&d, &x, &y, true, true);

        /* another process: a memory of its own, ours stays for us */
        other_flow(&d, &z, &pid, &hold);
        CHECK(z.ino != kept);
        self_flow(&d, &x, &y);
        CHECK_EQ(x.ino, kept);
        flow_end(&d, &x, &y, true, true);

        close(hold);
        CHECK(waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK_EQ(tp_flow_dealloc(&d, z.id), 0);
        close(z.memfd);
        if (z.peer_evfd >= 0)
                close(z.peer_evfd);
        CHECK_EQ(th_stop(&d), 0);
}
