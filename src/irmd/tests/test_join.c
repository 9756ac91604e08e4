/*
 * Ouroboros IRMd tests - joining a broadcast layer (M_FLOW_JOIN): an
 * allocation through the broadcast IPCP of the layer on this host, the
 * fake IPCP as ipcpd-broadcast (fake_ipcpd_bcast.c, a hub). The errors
 * (-EIPCPTYPE no broadcast IPCP, -ENAME none operational in that layer,
 * -ENOTSUP encrypted, -EPERM not announced, the IPCP's refusals, the
 * requester's timeout); a join gets side 0 of its own memory with the
 * IPCP as peer, the layer's largest packet, and the IPCP the hash of
 * the layer's name in the layer's algorithm; what one member writes
 * reaches the others and not itself; a dealloc and a member killed
 * with -9 release the flow at the IPCP; the IPCP killed: flows down.
 */
#include "tp.h"

#include "common/flow_shm.h"
#include "common/proto.h"
#include "common/timeutil.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>
#include <ouroboros/qos.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BC_MAX_PKT 1400 /* the fake's T_MAX_PKT */

/* Join layer (timeo_ms < 0: no T_TIMEO), with qos qs (NULL: none). */
static void join(struct th_irmd *  d,
                 const char *      layer,
                 int64_t           timeo_ms,
                 const qosspec_t * qs,
                 struct flow *     f)
{
        int fd = th_connect(d);
        int res;

        CHECK(fd >= 0);
        msg_init(&tp_m, M_FLOW_JOIN, 0, 30);
        msg_put_str(&tp_m, T_NAME, layer);
        if (qs != NULL)
                msg_put_qos(&tp_m, T_QOS, qs);
        if (timeo_ms >= 0)
                msg_put_u64(&tp_m, T_TIMEO,
                            (uint64_t) timeo_ms * 1000000ULL);
        res = th_call(fd, &tp_m, &tp_r, 10000);
        tp_get_flow(&tp_r, res, f);
        close(fd);
}

static int join_res(struct th_irmd * d,
                    const char *     layer)
{
        struct flow f;

        join(d, layer, 2000, &qos_raw, &f);
        CHECK(f.res < 0);

        return f.res;
}

/* A broadcast IPCP name in layer with algo; its pid. */
static pid_t bc_layer(struct th_irmd * d,
                      const char *     name,
                      const char *     layer,
                      uint32_t         algo)
{
        uint32_t pid;
        char     line[64];

        CHECK_EQ(tp_ipcp_create(d, name, IPCP_BROADCAST), 0);
        CHECK_EQ(msg_get_u32(msg_body(&tp_r), T_PID, &pid), 0);
        CHECK_EQ(tp_ipcp_bootstrap_hash(d, name, IPCP_BROADCAST, layer,
                                        algo), 0);

        snprintf(line, sizeof(line), "Process %u (", pid);
        CHECK(tp_wait_log(d, line, 3000)); /* announced: carries flows */

        return (pid_t) pid;
}

/* A member that joined: its flow and mapped memory. */
struct member {
        struct flow       f;
        struct flow_shm * shm;
};

static void member_join(struct th_irmd * d,
                        pid_t            ipcp,
                        struct member *  m)
{
        char line[64];

        join(d, "B", -1, &qos_raw, &m->f);
        CHECK_EQ(m->f.res, 0);
        CHECK_EQ(m->f.side, 0);
        CHECK_EQ(m->f.peer_pid, (uint32_t) ipcp);
        CHECK_EQ(m->f.max_pkt, BC_MAX_PKT); /* the layer's, smaller */
        snprintf(line, sizeof(line), "fake ipcpd: join %u hash ok",
                 m->f.id);
        CHECK(tp_wait_log(d, line, 2000));
        CHECK_EQ(flow_shm_map(m->f.memfd, 0, m->f.peer_evfd, &m->shm), 0);
}

static void member_leave(struct th_irmd * d,
                         struct member *  m)
{
        char line[64];

        flow_shm_close(m->shm);
        flow_shm_unmap(m->shm);
        CHECK_EQ(tp_flow_dealloc(d, m->f.id), 0);
        close(m->f.memfd);
        close(m->f.peer_evfd);
        snprintf(line, sizeof(line), "fake ipcpd: dealloc %u", m->f.id);
        CHECK(tp_wait_log(d, line, 3000));
}

static void say(struct member * m,
                const char *    s)
{
        CHECK_EQ(flow_shm_write(m->shm, s, strlen(s), true, NULL),
                 (ssize_t) strlen(s));
}

/* m gets s, within 3 s. */
static void hears(struct member * m,
                  const char *    s)
{
        struct timespec dl = ns_to_ts(now_ns() + 3 * NS_PER_S);
        const void *    pkt;

        CHECK_EQ(flow_shm_peek(m->shm, &pkt, false, &dl),
                 (ssize_t) strlen(s));
        CHECK(memcmp(pkt, s, strlen(s)) == 0);
        flow_shm_consume(m->shm);
}

/* m has nothing to read (after 100 ms for anything in flight). */
static void silent(struct member * m)
{
        struct timespec dl = ns_to_ts(now_ns() + 100 * NS_PER_MS);
        const void *    pkt;

        CHECK_EQ(flow_shm_peek(m->shm, &pkt, false, &dl), -ETIMEDOUT);
}

/* A member in a child that joins, says its flow id on wr and waits. */
static pid_t child_member(struct th_irmd * d,
                          uint32_t *       id)
{
        struct app  a;
        struct flow f;
        int         p[2];
        pid_t       pid;

        CHECK(pipe(p) == 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                if (tp_announce(d, &a, "/test/member") != 0)
                        _exit(10);
                join(d, "B", -1, &qos_raw, &f);
                if (write(p[1], &f.id, sizeof(f.id)) < 0 || f.res < 0)
                        _exit(11);
                pause();
                _exit(0);
        }
        close(p[1]);
        CHECK_EQ(read(p[0], id, sizeof(*id)), sizeof(*id));
        close(p[0]);

        return pid;
}

void t_join(void)
{
        struct th_irmd d;
        struct app     a;
        struct member  m1;
        struct member  m2;
        struct flow    f;
        qosspec_t      qs = qos_raw_crypt;
        char           line[64];
        uint32_t       id;
        pid_t          ipcp;
        pid_t          pid;
        int            st;
        int            n;

        th_mkdir(&d);
        th_start(&d, NULL);

        /* not announced */
        CHECK_EQ(join_res(&d, "B"), -EPERM);
        CHECK_EQ(tp_announce(&d, &a, "/test/joiner"), 0);

        /* no broadcast IPCP at all; one that is in no layer yet */
        CHECK_EQ(join_res(&d, "B"), -EIPCPTYPE);
        tp_local_layer(&d); /* another type does not count */
        CHECK_EQ(join_res(&d, "L"), -EIPCPTYPE);
        CHECK_EQ(tp_ipcp_create(&d, "idle", IPCP_BROADCAST), 0);
        CHECK_EQ(join_res(&d, "B"), -ENAME);

        /* a layer in another hash algorithm than the default */
        ipcp = bc_layer(&d, "bc", "B", HASH_SHA3_512);
        CHECK_EQ(join_res(&d, "C"), -ENAME);
        CHECK_EQ(join_res(&d, "L"), -ENAME); /* local, not broadcast */
        CHECK_EQ(join_res(&d, ""), -EINVAL);
        join(&d, "B", 2000, NULL, &f);
        CHECK_EQ(f.res, -EBADMSG);
        join(&d, "B", 2000, &qs, &f);
        CHECK_EQ(f.res, -ENOTSUP);
        CHECK(!th_log_has(&d, "fake ipcpd: join")); /* none reached it */

        /* two members: each hears the other, never itself */
        member_join(&d, ipcp, &m1);
        member_join(&d, ipcp, &m2);
        CHECK(m1.f.ino != m2.f.ino);
        CHECK(tp_memfds_are(&d, 2));
        say(&m1, "one");
        hears(&m2, "one");
        say(&m2, "two");
        hears(&m1, "two");
        silent(&m1);
        silent(&m2);

        /* a member killed: the IPCP is told, the others go on */
        pid = child_member(&d, &id);
        say(&m1, "three");
        hears(&m2, "three");
        CHECK(kill(pid, SIGKILL) == 0);
        CHECK(waitpid(pid, &st, 0) == pid);
        snprintf(line, sizeof(line), "fake ipcpd: dealloc %u", id);
        CHECK(tp_wait_log(&d, line, 3000));
        CHECK(tp_memfds_are(&d, 2));

        /* a dealloc: the IPCP is told, the other stays */
        member_leave(&d, &m1);
        CHECK(tp_memfds_are(&d, 1));

        /* the IPCP's refusals, and a reply that never comes */
        bc_layer(&d, "bcr", "refuseB", HASH_SHA3_256);
        CHECK_EQ(join_res(&d, "refuseB"), -ECONNREFUSED);
        bc_layer(&d, "bcf", "fullB", HASH_SHA3_256);
        CHECK_EQ(join_res(&d, "fullB"), -ENOSPC);
        bc_layer(&d, "bcs", "slowB", HASH_SHA3_256);
        n = tp_log_count(&d, "fake ipcpd: dealloc");
        join(&d, "slowB", 300, &qos_raw, &f);
        CHECK_EQ(f.res, -ETIMEDOUT);
        for (st = 0; st < 300 &&
                     tp_log_count(&d, "fake ipcpd: dealloc") == n; ++st)
                th_sleep_ms(10);
        CHECK_EQ(tp_log_count(&d, "fake ipcpd: dealloc"), n + 1);
        CHECK(tp_memfds_are(&d, 1));

        /* the IPCP is killed: the member's flow goes down; the layer
         * is gone */
        CHECK(kill(ipcp, SIGKILL) == 0);
        CHECK(tp_wait_for(tp_is_down, m2.shm, 3000));
        flow_shm_unmap(m2.shm);
        CHECK_EQ(tp_flow_dealloc(&d, m2.f.id), 0);
        close(m2.f.memfd);
        close(m2.f.peer_evfd);
        CHECK_EQ(join_res(&d, "B"), -ENAME);
        CHECK(tp_memfds_are(&d, 0));

        CHECK_EQ(th_stop(&d), 0);
}
