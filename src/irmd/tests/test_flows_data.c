/*
 * Ouroboros IRMd tests - flows through a layer that carries data: the
 * fake IPCP as udp6 (fake_ipcpd_data.c) adopts both halves of an
 * allocation between two applications of one IRMd and moves their
 * packets. Allocation and accept hand each application side 0 of its
 * own memory with the IPCP as peer, the IPCP side 1; packets go both
 * ways; the keys of an encrypted flow are relayed through the IPCP; the
 * IRMd holds one memfd per half and none after; a dealloc, an
 * application killed with -9 and the IPCP killed with -9 are seen at
 * the other end; a request withdrawn by the IPCP, or accepted without
 * the key an encrypted flow needs, is refused to it; an IPCP that never
 * announced itself cannot carry flows (-EIPCP).
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

#define KEY_LEN 32

static const uint8_t key_a[KEY_LEN] = "requester's key, 32 bytes long.";
static const uint8_t key_b[KEY_LEN] = "acceptor's key,  32 bytes long.";

/* What the accepting child reports. */
struct acc_report {
        struct flow f;
        bool        key_ok; /* it got the requester's key */
};

/* Exit codes of the accepting child when its flow ends. */
#define END_CLOSED 0  /* peer side closed: the IPCP closed it */
#define END_DOWN   1
#define END_DEAD   2
#define END_OTHER  3

/* Child: accept with key B, report, echo every packet until the flow
 * ends; exit with how it ended. */
static void echo_child(struct th_irmd * d,
                       int              wr)
{
        struct acc_report rep;
        struct app        a;
        struct flow_shm * shm;
        struct timespec   dl;
        const void *      pkt;
        const void *      k;
        size_t            kl;
        ssize_t           n;
        int               fd;
        int               res;

        if (tp_announce(d, &a, "/test/srv") != 0)
                _exit(10);
        fd = th_connect(d);
        msg_init(&tp_m, M_FLOW_ACCEPT, 0, 21);
        msg_put_u64(&tp_m, T_TIMEO, 5000000000ULL);
        msg_put_bytes(&tp_m, T_PUBKEY, key_b, KEY_LEN);
        res = th_call(fd, &tp_m, &tp_r, 10000);
        close(fd);
        memset(&rep, 0, sizeof(rep));
        rep.key_ok = res == 0 &&
                msg_get_bytes(msg_body(&tp_r), T_PUBKEY, &k, &kl) == 0 &&
                kl == KEY_LEN && memcmp(k, key_a, KEY_LEN) == 0;
        tp_get_flow(&tp_r, res, &rep.f);
        if (write(wr, &rep, sizeof(rep)) != sizeof(rep) || res < 0)
                _exit(11);

        if (flow_shm_map(rep.f.memfd, rep.f.side, rep.f.peer_evfd,
                         &shm) < 0)
                _exit(12);

        for (;;) {
                dl = ns_to_ts(now_ns() + 20 * NS_PER_S);
                n = flow_shm_peek(shm, &pkt, false, &dl);
                if (n < 0)
                        break;
                if (flow_shm_write(shm, pkt, (size_t) n, false, &dl) != n)
                        _exit(13);
                flow_shm_consume(shm);
        }

        if (n != -EFLOWDOWN)
                _exit(END_OTHER);
        if (flow_shm_is_down(shm))
                _exit(END_DOWN);
        if (flow_shm_peer_state(shm) == FLOW_SIDE_DEAD)
                _exit(END_DEAD);
        if (flow_shm_peer_state(shm) == FLOW_SIDE_CLOSED)
                _exit(END_CLOSED);
        _exit(END_OTHER);
}

static pid_t start_acceptor(struct th_irmd * d,
                            int *            rd)
{
        int   p[2];
        pid_t pid;

        CHECK(pipe(p) == 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                echo_child(d, p[1]);
        }
        close(p[1]);
        *rd = p[0];

        return pid;
}

/* Allocate to srv with key A (encrypted qos): the reply's flow. */
static void alloc_crypt(struct th_irmd * d,
                        const char *     name,
                        uint64_t         timeo_ns,
                        struct flow *    f,
                        bool *           key_ok)
{
        const void * k;
        size_t       kl;
        int          fd = th_connect(d);
        int          res;

        msg_init(&tp_m, M_FLOW_ALLOC, 0, 20);
        msg_put_str(&tp_m, T_NAME, name);
        msg_put_qos(&tp_m, T_QOS, &qos_raw_crypt);
        msg_put_u64(&tp_m, T_TIMEO, timeo_ns);
        msg_put_bytes(&tp_m, T_PUBKEY, key_a, KEY_LEN);
        res = th_call(fd, &tp_m, &tp_r, 10000);
        close(fd);
        *key_ok = res == 0 &&
                msg_get_bytes(msg_body(&tp_r), T_PUBKEY, &k, &kl) == 0 &&
                kl == KEY_LEN && memcmp(k, key_b, KEY_LEN) == 0;
        tp_get_flow(&tp_r, res, f);
}

/* Allocate, get the acceptor's report, check both ends. */
static void connect_pair(struct th_irmd *    d,
                         pid_t               ipcp,
                         struct flow *       fa,
                         struct flow_shm **  shm,
                         struct acc_report * rep,
                         pid_t *             child)
{
        char line[128];
        bool key_ok;
        int  rd;

        *child = start_acceptor(d, &rd);
        CHECK(tp_wait_log(d, "waits for a flow", 3000));
        alloc_crypt(d, "srv", 5000000000ULL, fa, &key_ok);
        CHECK_EQ(fa->res, 0);
        CHECK(key_ok); /* the acceptor's key, relayed by the IPCP */
        CHECK_EQ(read(rd, rep, sizeof(*rep)), sizeof(*rep));
        close(rd);
        CHECK_EQ(rep->f.res, 0);
        CHECK(rep->key_ok); /* the requester's key, through the IPCP */

        /* both hold side 0 of their own memory; the IPCP is the peer */
        CHECK_EQ(fa->side, 0);
        CHECK_EQ(rep->f.side, 0);
        CHECK(fa->ino != rep->f.ino);
        CHECK_EQ(fa->peer_pid, (uint32_t) ipcp);
        CHECK_EQ(rep->f.peer_pid, (uint32_t) ipcp);
        CHECK(fa->max_pkt > 0);
        CHECK_EQ(rep->f.max_pkt, fa->max_pkt);
        snprintf(line, sizeof(line), "adopted flow %u side 1 peer %d "
                 "max_pkt %u", fa->id, getpid(), fa->max_pkt);
        CHECK(tp_wait_log(d, line, 2000));
        snprintf(line, sizeof(line), "adopted flow %u side 1 peer %d",
                 rep->f.id, *child);
        CHECK(tp_wait_log(d, line, 2000));

        CHECK_EQ(flow_shm_map(fa->memfd, 0, fa->peer_evfd, shm), 0);
        CHECK_EQ(flow_shm_max_pkt(*shm), fa->max_pkt); /* the real one */
}

/* n packets of growing sizes out and back, intact; the largest the
 * layer takes (its T_MAX_PKT, if the IPCP gave one) among them. */
static void echo_some(struct flow_shm * shm,
                      int               n)
{
        static uint8_t  buf[9000];
        struct timespec dl;
        const void *    pkt;
        size_t          max = flow_shm_max_pkt(shm);
        size_t          len;
        int             i;

        if (max > sizeof(buf))
                max = sizeof(buf);
        CHECK_EQ(flow_shm_write(shm, buf, flow_shm_max_pkt(shm) + 1, true,
                                NULL), -EMSGSIZE);

        for (i = 0; i < n; ++i) {
                len = i == 1 ? max : (size_t) (i * 89) % (max + 1);
                memset(buf, 'a' + i % 26, len);
                dl = ns_to_ts(now_ns() + 5 * NS_PER_S);
                CHECK_EQ(flow_shm_write(shm, buf, len, false, &dl), len);
                CHECK_EQ(flow_shm_peek(shm, &pkt, false, &dl), len);
                CHECK(memcmp(pkt, buf, len) == 0);
                flow_shm_consume(shm);
        }
}

static void release(struct th_irmd *  d,
                    struct flow *     f,
                    struct flow_shm * shm)
{
        flow_shm_close(shm);
        flow_shm_unmap(shm);
        tp_flow_dealloc(d, f->id);
        close(f->memfd);
        close(f->peer_evfd);
}

static int wait_child(pid_t pid)
{
        int st;

        CHECK(waitpid(pid, &st, 0) == pid);

        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool peer_closed(void * shm)
{
        return flow_shm_peer_state(shm) == FLOW_SIDE_CLOSED;
}

static pid_t data_layer(struct th_irmd * d)
{
        uint32_t pid;
        char     line[64];
        int      off;

        CHECK_EQ(tp_ipcp_create(d, "u", IPCP_UDP6), 0);
        CHECK_EQ(msg_get_u32(msg_body(&tp_r), T_PID, &pid), 0);
        msg_init(&tp_m, M_IPCP_BOOTSTRAP, 0, 2);
        msg_put_str(&tp_m, T_IPCP_NAME, "u");
        off = msg_open_sub(&tp_m, T_CONF);
        msg_put_u32(&tp_m, T_IPCP_TYPE, IPCP_UDP6);
        msg_put_str(&tp_m, T_LAYER, "D");
        msg_put_u32(&tp_m, T_HASH_ALGO, HASH_SHA3_256);
        msg_put_str(&tp_m, T_C_IP, "::1");
        msg_close_sub(&tp_m, off);
        CHECK_EQ(th_req(d, &tp_m, &tp_r), 0);

        snprintf(line, sizeof(line), "Process %u (", pid);
        CHECK(getenv("FAKE_IPCPD_NOANNOUNCE") != NULL ||
              tp_wait_log(d, line, 3000));

        return (pid_t) pid;
}

void t_flows_data(void)
{
        struct th_irmd    d;
        struct app        a;
        struct flow       fa;
        struct flow_shm * shm;
        struct acc_report rep;
        struct child      c;
        struct flow       fc;
        const void *      pkt;
        char              line[64];
        bool              key_ok;
        pid_t             ipcp;
        pid_t             child;

        th_mkdir(&d);
        th_start(&d, NULL);
        ipcp = data_layer(&d);
        CHECK_EQ(tp_name_reg(&d, "srv", T_LAYER, "D"), 0);
        CHECK_EQ(tp_name_reg(&d, "nobody", T_LAYER, "D"), 0);
        CHECK_EQ(tp_bind_prog(&d, "/test/srv", "srv", false, NULL), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);

        /* 1. data both ways; the requester deallocates: the IPCP is
         * told and closes the acceptor's flow, which reads to the end */
        connect_pair(&d, ipcp, &fa, &shm, &rep, &child);
        CHECK(tp_memfds_are(&d, 2)); /* one per half, nothing else */
        echo_some(shm, 100);
        release(&d, &fa, shm);
        snprintf(line, sizeof(line), "fake ipcpd: dealloc %u", fa.id);
        CHECK(tp_wait_log(&d, line, 3000));
        CHECK_EQ(wait_child(child), END_CLOSED);
        snprintf(line, sizeof(line), "fake ipcpd: dealloc %u", rep.f.id);
        CHECK(tp_wait_log(&d, line, 3000)); /* its exit released it */
        CHECK(tp_memfds_are(&d, 0));

        /* 2. the acceptor is killed: the IPCP is told, closes ours */
        connect_pair(&d, ipcp, &fa, &shm, &rep, &child);
        echo_some(shm, 3);
        CHECK(kill(child, SIGKILL) == 0);
        CHECK_EQ(wait_child(child), 128 + SIGKILL);
        snprintf(line, sizeof(line), "fake ipcpd: dealloc %u", rep.f.id);
        CHECK(tp_wait_log(&d, line, 3000));
        CHECK(tp_wait_for(peer_closed, shm, 3000));
        CHECK_EQ(flow_shm_peek(shm, &pkt, true, NULL), -EFLOWDOWN);
        release(&d, &fa, shm);
        CHECK(tp_memfds_are(&d, 0));

        /* 3. a request nobody accepts: the requester times out, the IPCP
         * withdraws it and the IRMd refuses the queued half */
        alloc_crypt(&d, "nobody", 300000000ULL, &fa, &key_ok);
        CHECK_EQ(fa.res, -ETIMEDOUT);
        CHECK(tp_wait_log(&d, "fake ipcpd: alloc_resp", 3000));
        CHECK(th_log_has(&d, "refused -"));
        CHECK(tp_memfds_are(&d, 0));

        /* 4. an encrypted flow accepted without a key: both fail, the
         * IPCP is refused the half with -ECRYPT */
        tp_child_start(&d, &c, "/test/srv", 5000);
        CHECK(tp_wait_log(&d, "waits for a flow", 3000));
        alloc_crypt(&d, "srv", 5000000000ULL, &fa, &key_ok);
        CHECK_EQ(fa.res, -ECRYPT);
        tp_child_result(&c, &fc);
        CHECK_EQ(fc.res, -ECRYPT);
        snprintf(line, sizeof(line), "refused %d", -ECRYPT);
        CHECK(tp_wait_log(&d, line, 3000));
        CHECK_EQ(tp_child_cmd(&c, 'q'), 0);
        CHECK(tp_memfds_are(&d, 0));

        /* 5. the IPCP is killed: both ends see their flow down */
        connect_pair(&d, ipcp, &fa, &shm, &rep, &child);
        echo_some(shm, 3);
        CHECK(kill(ipcp, SIGKILL) == 0);
        CHECK(tp_wait_for(tp_is_down, shm, 3000));
        CHECK_EQ(flow_shm_peek(shm, &pkt, true, NULL), -EFLOWDOWN);
        CHECK_EQ(wait_child(child), END_DOWN);
        release(&d, &fa, shm);
        CHECK(tp_memfds_are(&d, 0));

        CHECK_EQ(th_stop(&d), 0);
}

/* An IPCP that never announced itself has no eventfd: -EIPCP. */
void t_flows_noannounce(void)
{
        struct th_irmd d;
        struct app     a;
        struct flow    fa;

        setenv("FAKE_IPCPD_NOANNOUNCE", "1", 1);
        th_mkdir(&d);
        th_start(&d, NULL);
        data_layer(&d);
        CHECK_EQ(tp_name_reg(&d, "srv", T_LAYER, "D"), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);
        tp_flow_alloc(&d, "srv", 1000, &fa);
        CHECK_EQ(fa.res, -EIPCP);
        CHECK(th_log_has(&d, "never announced"));
        CHECK(tp_memfds_are(&d, 0));
        CHECK_EQ(th_stop(&d), 0);
}
