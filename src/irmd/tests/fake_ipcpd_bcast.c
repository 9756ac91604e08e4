/*
 * Ouroboros IRMd tests - the fake IPCP as a broadcast IPCP (installed
 * as ipcpd-broadcast): a hub on one host, so the IRMd's join path
 * (M_FLOW_JOIN) can be tested without the real broadcast layer.
 *
 *   M_IPCPD_BOOTSTRAP {T_CONF {T_LAYER, T_HASH_ALGO}}: keeps the layer
 *     name and algorithm; answers T_MAX_PKT BC_MAX_PKT.
 *   M_IPCPD_FLOW_ALLOC {X, hash, qos, side, pid, memfd, evfd}: the hash
 *     must be the layer name's in the layer's algorithm ("fake ipcpd:
 *     join X hash ok"), else -ENAME; then it adopts X's side and
 *     answers M_IPCP_FLOW_ALLOC_REPLY {X, 0} at once. Layers named
 *     refuse* answer the request itself -ECONNREFUSED, full* reply
 *     -ENOSPC in the ALLOC_REPLY, slow* never reply.
 *   Every packet a member writes is copied to every other member (not
 *   back to the writer); a member whose queue is full misses it.
 *   M_IPCPD_FLOW_DEALLOC {X}: "fake ipcpd: dealloc X", X leaves.
 */
#include "fake_ipcpd.h"

#include "common/hash.h"
#include "common/proto.h"
#include "ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fqueue.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#define BC_MAX_PKT  1400
#define MAX_MEMBERS 64

static struct member {
        uint32_t id;  /* 0: free */
        int      fd;
} mb[MAX_MEMBERS];

static char           layer[LAYER_MAX_LEN + 1];
static enum hash_algo algo = HASH_SHA3_256;
static fset_t *       bset;
static fqueue_t *     bfq;

static void on_bootstrap(void)
{
        struct msg_view conf;
        uint32_t        a = HASH_SHA3_256;

        if (msg_sub(msg_body(&in), T_CONF, 0, &conf) < 0 ||
            msg_get_str(conf, T_LAYER, layer, LAYER_MAX_LEN) <= 0) {
                reply(-EINVAL);
                return;
        }
        msg_get_u32(conf, T_HASH_ALGO, &a);
        algo = (enum hash_algo) a;

        msg_init_reply(&out, &in, 0);
        msg_put_u32(&out, T_MAX_PKT, BC_MAX_PKT);
        msg_send(sock, &out);
}

static void join_reply(uint32_t id,
                       int      res)
{
        msg_init(&out, M_IPCP_FLOW_ALLOC_REPLY, 0, next_id++);
        msg_put_u32(&out, T_FLOW_ID, id);
        msg_put_i32(&out, T_RESULT, res);
        msg_send(sock, &out);
}

static void on_alloc(void)
{
        struct msg_view v = msg_body(&in);
        uint8_t         want[HASH_MAX_LEN];
        const void *    h;
        size_t          hl;
        qosspec_t       qs;
        uint32_t        id;
        int             len;
        int             fd;
        int             i;

        if (msg_get_u32(v, T_FLOW_ID, &id) < 0 ||
            msg_get_bytes(v, T_HASH, &h, &hl) < 0 ||
            msg_get_qos(v, T_QOS, &qs) < 0) {
                reply(-EBADMSG);
                return;
        }

        len = hash_name(algo, layer, want);
        if (len < 0 || (size_t) len != hl || memcmp(h, want, hl) != 0) {
                fprintf(stderr, "fake ipcpd: join %u hash wrong\n", id);
                reply(-ENAME);
                return;
        }
        fprintf(stderr, "fake ipcpd: join %u hash ok\n", id);

        if (strncmp(layer, "refuse", 6) == 0) {
                reply(-ECONNREFUSED);
                return;
        }

        for (i = 0; i < MAX_MEMBERS && mb[i].id != 0; ++i)
                ;
        fd = i < MAX_MEMBERS ? data_adopt(id, &qs) : -ENOMEM;
        reply(fd < 0 ? fd : 0);
        if (fd < 0)
                return;

        if (strncmp(layer, "slow", 4) == 0) {
                mb[i].id = id; /* adopted, never answered */
                mb[i].fd = fd;
                return;
        }

        if (strncmp(layer, "full", 4) == 0) {
                flow_dealloc(fd);
                join_reply(id, -ENOSPC);
                return;
        }

        mb[i].id = id;
        mb[i].fd = fd;
        fset_add(bset, fd);
        join_reply(id, 0);
}

static void leave(struct member * m)
{
        flow_dealloc(m->fd);
        m->id = 0;
        m->fd = -1;
}

static void on_dealloc(void)
{
        uint32_t id;
        int      i;

        if (data_dealloc_id(&id) < 0)
                return;

        for (i = 0; i < MAX_MEMBERS; ++i)
                if (mb[i].id == id)
                        leave(&mb[i]);
}

bool bc_request(void)
{
        switch (in.type) {
        case M_IPCPD_BOOTSTRAP:
                on_bootstrap();
                return true;
        case M_IPCPD_FLOW_ALLOC:
                on_alloc();
                return true;
        case M_IPCPD_FLOW_DEALLOC:
                on_dealloc();
                return true;
        default:
                return false;
        }
}

/* Copy what member s wrote to every other member; false once its flow
 * ended. */
static bool spread(int s)
{
        const void * pkt;
        void *       room;
        ssize_t      n;
        int          i;

        while ((n = ipcp_flow_peek(mb[s].fd, &pkt)) >= 0) {
                for (i = 0; i < MAX_MEMBERS; ++i) {
                        if (i == s || mb[i].id == 0 ||
                            ipcp_flow_reserve(mb[i].fd, (size_t) n,
                                              &room) < 0)
                                continue;
                        memcpy(room, pkt, (size_t) n);
                        ipcp_flow_commit(mb[i].fd, (size_t) n);
                }
                ipcp_flow_consume(mb[s].fd);
        }

        return n == -EAGAIN;
}

bool bc_wait(int sock)
{
        struct timespec zero = { 0, 0 };
        struct pollfd   pfd[2];
        int             i;

        if (bset == NULL) {
                bset = fset_create();
                bfq  = fqueue_create();
        }

        for (i = 0; i < MAX_MEMBERS; ++i) {
                if (mb[i].id == 0 || !fset_has(bset, mb[i].fd) ||
                    spread(i))
                        continue;
                fprintf(stderr, "fake ipcpd: member %u left\n", mb[i].id);
                leave(&mb[i]);
        }

        pfd[0].fd      = sock;
        pfd[0].events  = POLLIN;
        pfd[1].fd      = fset_fd(bset);
        pfd[1].events  = POLLIN;
        pfd[0].revents = pfd[1].revents = 0;
        if (poll(pfd, 2, -1) < 0)
                return false;

        if (pfd[1].revents != 0 && fevent(bset, bfq, &zero) > 0)
                while (fqueue_next(bfq) >= 0)
                        ;

        return pfd[0].revents != 0;
}
