/*
 * Ouroboros IRMd tests - the fake IPCP's data-carrying mode (every type
 * but local): it plays both ends of a layer that carries data, so two
 * applications of one IRMd talk through it as if over another system.
 *
 *   M_IPCPD_FLOW_ALLOC {X, hash, qos, [key], side, pid, memfd, evfd}:
 *     adopt X's side (ipcp_flow_adopt), ask the IRMd for the accepting
 *     half: M_IPCP_FLOW_REQ_ARR {hash, qos, [key]} (no T_PEER_FLOW) -> Y.
 *   M_IPCPD_FLOW_ALLOC_RESP {Y, 0, [key], side, pid, memfd, evfd}:
 *     adopt Y's side, M_IPCP_FLOW_ALLOC_REPLY {X, 0, [key]}; refused:
 *     the reply carries the refusal and X's side is closed.
 *   Then packets move between the two adopted flows, in place (peek,
 *   reserve, copy once, commit, consume), woken through an event set's
 *   descriptor (fset_fd) polled with the IPCP connection. A flow that ends (its
 *   application deallocated or died, or it went down) closes the other
 *   one, which that application sees as FLOW_DEALLOC.
 *   M_IPCPD_FLOW_DEALLOC: logged; a requester gone before its flow was
 *   accepted withdraws the request (M_IPCP_FLOW_DEALLOC_ARR {Y}).
 *
 * Every step is logged on stderr ("fake ipcpd: ..."), which the tests'
 * IRMd (--stdout) passes to its log. FAKE_IPCPD_NOANNOUNCE: never
 * announce, so the IRMd cannot hand this IPCP flows.
 */
#include "fake_ipcpd.h"

#include "common/proto.h"
#include "ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DPAIRS 256
#define KEY_LEN    32

static struct dpair {
        bool     used;
        uint32_t x;   /* requester's half */
        uint32_t y;   /* acceptor's half, 0 until the IRMd answers */
        uint32_t req; /* our M_IPCP_FLOW_REQ_ARR while unanswered */
        int      fx;  /* adopted descriptors, -1 */
        int      fy;
} dp[MAX_DPAIRS];

static fset_t *   set; /* the flows of complete pairs */
static fqueue_t * fq;

int data_init(void)
{
        set = fset_create();
        fq  = fqueue_create();
        if (set == NULL || fq == NULL)
                return -ENOMEM;

        if (getenv("FAKE_IPCPD_NOANNOUNCE") != NULL)
                return 0;

        return ipcp_dev_init();
}

static struct dpair * dp_find(uint32_t x,
                              uint32_t y,
                              uint32_t req)
{
        int i;

        for (i = 0; i < MAX_DPAIRS; ++i) {
                if (!dp[i].used)
                        continue;
                if ((x && dp[i].x == x) || (y && dp[i].y == y) ||
                    (req && dp[i].req == req))
                        return &dp[i];
        }

        return NULL;
}

static void dp_free(struct dpair * p)
{
        if (p->fx >= 0)
                flow_dealloc(p->fx);
        if (p->fy >= 0)
                flow_dealloc(p->fy);
        memset(p, 0, sizeof(*p));
}

int data_adopt(uint32_t          id,
               const qosspec_t * qs)
{
        uint8_t  side;
        uint32_t pid;
        size_t   mp = 0;
        int      memfd;
        int      evfd;
        int      fd;

        if (msg_get_u8(msg_body(&in), T_SIDE, &side) < 0 ||
            msg_get_u32(msg_body(&in), T_PEER_PID, &pid) < 0)
                return -EBADMSG;
        memfd = msg_take_fd(&in, 0);
        evfd  = msg_take_fd(&in, 1);
        fd = ipcp_flow_adopt(id, memfd, side, evfd, (pid_t) pid, qs);
        if (fd < 0)
                return fd;

        fccntl(fd, FLOWGMAXPKT, &mp);
        fprintf(stderr, "fake ipcpd: adopted flow %u side %u peer %u "
                "max_pkt %zu\n", id, side, pid, mp);

        return fd;
}

static void alloc_reply(uint32_t     x,
                        int          res,
                        const void * key)
{
        msg_init(&out, M_IPCP_FLOW_ALLOC_REPLY, 0, next_id++);
        msg_put_u32(&out, T_FLOW_ID, x);
        msg_put_i32(&out, T_RESULT, res);
        if (key != NULL)
                msg_put_bytes(&out, T_PUBKEY, key, KEY_LEN);
        msg_send(sock, &out);
}

static void on_alloc(void)
{
        struct msg_view v = msg_body(&in);
        struct dpair *  p;
        const void *    h;
        const void *    key = NULL;
        size_t          hl;
        size_t          kl = 0;
        qosspec_t       qs;
        uint32_t        id;
        int             fd;
        int             i;

        if (msg_get_u32(v, T_FLOW_ID, &id) < 0 ||
            msg_get_bytes(v, T_HASH, &h, &hl) < 0 ||
            msg_get_qos(v, T_QOS, &qs) < 0 ||
            (msg_has(v, T_PUBKEY) &&
             msg_get_bytes(v, T_PUBKEY, &key, &kl) < 0) ||
            (key != NULL && kl != KEY_LEN)) {
                reply(-EBADMSG);
                return;
        }

        for (i = 0; i < MAX_DPAIRS && dp[i].used; ++i)
                ;
        if (i == MAX_DPAIRS) {
                reply(-ENOMEM);
                return;
        }

        fd = data_adopt(id, &qs);
        if (fd < 0) {
                fprintf(stderr, "fake ipcpd: cannot adopt flow %u: %d\n",
                        id, fd);
                reply(fd);
                return;
        }
        reply(0);

        p = &dp[i];
        p->used = true;
        p->x    = id;
        p->fx   = fd;
        p->fy   = -1;
        p->req  = next_id;
        msg_init(&out, M_IPCP_FLOW_REQ_ARR, 0, next_id++);
        msg_put_bytes(&out, T_HASH, h, hl);
        msg_put_qos(&out, T_QOS, &qs);
        if (key != NULL)
                msg_put_bytes(&out, T_PUBKEY, key, KEY_LEN);
        msg_send(sock, &out);
}

static void on_alloc_resp(void)
{
        struct msg_view v = msg_body(&in);
        struct dpair *  p;
        const void *    key = NULL;
        size_t          kl = 0;
        qosspec_t       qs = qos_raw;
        uint32_t        id;
        int32_t         res;
        int             fd;

        if (msg_get_u32(v, T_FLOW_ID, &id) < 0 ||
            msg_get_i32(v, T_RESULT, &res) < 0 ||
            (msg_has(v, T_PUBKEY) &&
             (msg_get_bytes(v, T_PUBKEY, &key, &kl) < 0 || kl != KEY_LEN))) {
                reply(-EBADMSG);
                return;
        }

        if (res < 0)
                fprintf(stderr, "fake ipcpd: alloc_resp %u refused %d\n",
                        id, res);

        p = dp_find(0, id, 0);
        if (p == NULL || p->fy >= 0) {
                reply(0); /* withdrawn, or a repeat: nothing to do */
                return;
        }

        fd = res == 0 ? data_adopt(id, &qs) : res;
        reply(fd < 0 ? fd : 0);
        if (fd < 0) {
                fprintf(stderr, "fake ipcpd: flow %u refused: %d\n", id,
                        fd);
                alloc_reply(p->x, fd, NULL);
                dp_free(p);
                return;
        }

        p->fy = fd;
        if (fset_add(set, p->fx) < 0 || fset_add(set, p->fy) < 0)
                fprintf(stderr, "fake ipcpd: fset_add failed\n");
        alloc_reply(p->x, 0, key);
}

int data_dealloc_id(uint32_t * id)
{
        if (msg_get_u32(msg_body(&in), T_FLOW_ID, id) < 0) {
                reply(-EBADMSG);
                return -EBADMSG;
        }
        reply(0);

        fprintf(stderr, "fake ipcpd: dealloc %u\n", *id);

        return 0;
}

static void on_dealloc(void)
{
        struct dpair * p;
        uint32_t       id;

        if (data_dealloc_id(&id) < 0)
                return;

        p = dp_find(id, 0, 0);
        if (p == NULL || p->fy >= 0)
                return; /* the flow memory tells the rest */

        /* the requester left before an accept: withdraw the request */
        if (p->y != 0) {
                msg_init(&out, M_IPCP_FLOW_DEALLOC_ARR, 0, next_id++);
                msg_put_u32(&out, T_FLOW_ID, p->y);
                msg_send(sock, &out);
        }
        dp_free(p);
}

bool data_request(void)
{
        switch (in.type) {
        case M_IPCPD_FLOW_ALLOC:
                on_alloc();
                return true;
        case M_IPCPD_FLOW_ALLOC_RESP:
                on_alloc_resp();
                return true;
        case M_IPCPD_FLOW_DEALLOC:
                on_dealloc();
                return true;
        default:
                return false;
        }
}

bool data_reply(void)
{
        struct dpair * p;
        uint32_t       y;
        int            res = msg_result(&in);

        if (in.type == M_IPCP_FLOW_ALLOC_REPLY ||
            in.type == M_IPCP_FLOW_DEALLOC_ARR)
                return true;
        if (in.type != M_IPCP_FLOW_REQ_ARR)
                return false;

        p = dp_find(0, 0, in.id);
        if (p == NULL)
                return true;
        p->req = 0;
        if (res < 0 || msg_get_u32(msg_body(&in), T_FLOW_ID, &y) < 0) {
                alloc_reply(p->x, res < 0 ? res : -EBADMSG, NULL);
                dp_free(p);
                return true;
        }
        p->y = y;

        return true;
}

/* Move what waits in a to b, one copy per packet: 0 all moved, 1 some
 * wait for room in b, or < 0 when a flow ended. */
static int move(int a,
                int b)
{
        const void * pkt;
        void *       room;
        ssize_t      n;
        int          r;

        for (;;) {
                n = ipcp_flow_peek(a, &pkt);
                if (n == -EAGAIN)
                        return 0;
                if (n < 0)
                        return (int) n;
                r = ipcp_flow_reserve(b, (size_t) n, &room);
                if (r == -EAGAIN)
                        return 1;
                if (r < 0)
                        return r;
                memcpy(room, pkt, (size_t) n);
                r = ipcp_flow_commit(b, (size_t) n);
                if (r < 0)
                        return r;
                ipcp_flow_consume(a);
        }
}

/* Move what waits in the flows: true if some packets wait for room. */
static bool pump(void)
{
        bool stuck = false;
        int  i;
        int  r;

        for (i = 0; i < MAX_DPAIRS; ++i) {
                struct dpair * p = &dp[i];
                if (!p->used || p->fx < 0 || p->fy < 0)
                        continue;
                r = move(p->fx, p->fy);
                if (r >= 0) {
                        stuck |= r > 0;
                        r = move(p->fy, p->fx);
                }
                if (r >= 0) {
                        stuck |= r > 0;
                        continue;
                }
                fprintf(stderr, "fake ipcpd: flow %u/%u ended: %d\n",
                        p->x, p->y, r);
                dp_free(p);
        }

        return stuck;
}

bool data_wait(int sock)
{
        struct timespec zero = { 0, 0 };
        struct pollfd   pfd[2];
        bool            stuck = pump();

        pfd[0].fd     = sock;
        pfd[0].events = POLLIN;
        pfd[1].fd     = fset_fd(set);
        pfd[1].events = POLLIN;
        pfd[0].revents = pfd[1].revents = 0;

        /* the set stays readable while packets wait for room: then
         * only the connection, and a look again soon */
        if (poll(pfd, stuck ? 1 : 2, stuck ? 1 : -1) < 0)
                return false;

        /* report (and so clear) the events that keep the set readable;
         * packets keep it readable until the next pump moves them */
        if (pfd[1].revents != 0 && fevent(set, fq, &zero) > 0)
                while (fqueue_next(fq) >= 0)
                        ;

        return pfd[0].revents != 0;
}
