/*
 * Ouroboros - libFuzzer target for the IPCP framework's parser of the
 * IRMd's requests (src/ipcpd/common/req.c): the input is one message as
 * it arrives on an IPCP's connection (no fds), the first byte choosing
 * whether the IPCP carries data. Every op is present and checks what it
 * is given.
 *
 * Oracle: a malformed message is refused by msg_parse; for any other,
 * the answer (unless the op answers later) parses, has the request's
 * type and id with MSG_F_REPLY, and its result is the op's; the views
 * an op gets (hash, key, conf) lie inside the request; a carrying IPCP
 * never gets an op call for a flow without flow memory (there are no
 * fds here), a local one gets fd -1.
 *
 * Sources: src/ipcpd/common/req.c src/common/[a-z]*.c src/lib/[a-z]*.c src/lib/frct/[a-z]*.c
 * Libs: -lz -lm
 */
#include "ipcpd/common/loop.h"
#include "ipcpd/common/req.h"

#include "common/proto.h"

#include <ouroboros/errno.h>

#include <stdlib.h>
#include <string.h>

static struct msg req;
static struct msg rep;
static struct msg extra;
static bool       carries;
static int        op_res;

static void inside(const void * p,
                   size_t       n)
{
        const uint8_t * b = p;

        if (n == 0)
                return;
        if (b < req.buf || b + n > req.buf + req.len)
                abort();
}

static int f_bootstrap(struct msg_view      conf,
                       struct ipcp_attach * at)
{
        inside(conf.p, conf.len);
        at->max_pkt = 1400;
        memset(at->info, 'x', sizeof(at->info)); /* unterminated */
        return op_res;
}

static int f_enroll(const char *         dst,
                    struct msg *         r,
                    struct ipcp_attach * at)
{
        if (strlen(dst) > NAME_MAX_LEN)
                abort();
        msg_put_str(r, T_LAYER, "lyr");
        at->max_pkt = 1000;
        return op_res;
}

static int f_connect(const char *      dst,
                     const char *      comp,
                     const qosspec_t * qs)
{
        (void) qs;
        if (strlen(dst) > NAME_MAX_LEN || strlen(comp) > 15)
                abort();
        return op_res;
}

static int f_disconnect(const char * dst,
                        const char * comp)
{
        return f_connect(dst, comp, NULL);
}

static int f_hash(struct ipcp_hash h)
{
        inside(h.p, h.len);
        return op_res;
}

static int f_query(struct ipcp_hash h,
                   ipcp_tok_t       tok)
{
        if (tok != req.id)
                abort();
        inside(h.p, h.len);
        return op_res == 0 ? IPCP_LATER : op_res;
}

static int f_flow_alloc(const struct ipcp_flow_req * r)
{
        if (carries || r->fd != -1)
                abort(); /* no memory handed: refused before the op */
        inside(r->hash.p, r->hash.len);
        inside(r->key.p, r->key.len);
        return op_res;
}

static int f_flow_alloc_resp(const struct ipcp_flow_resp * r)
{
        if (r->fd != -1 || r->result > 0 || (carries && r->result == 0))
                abort();
        inside(r->key.p, r->key.len);
        return op_res;
}

static int f_flow_dealloc(uint32_t id)
{
        (void) id;
        return op_res;
}

static int f_stat(struct ipcp_stat * s)
{
        while (ipcp_stat_add(s, "counter", 7) == 0)
                ;
        return op_res;
}

/* The event loop is not linked in: its counters, which the stat answer
 * appends when they fit, stand in as one more entry. */
int loop_stat(struct ipcp_stat * s)
{
        return ipcp_stat_add(s, "loop.iterations", 1);
}

static const struct ipcp_ops ops_local = {
        .bootstrap = f_bootstrap, .enroll = f_enroll,
        .connect = f_connect, .disconnect = f_disconnect,
        .reg = f_hash, .unreg = f_hash, .query = f_query,
        .flow_alloc = f_flow_alloc, .flow_alloc_resp = f_flow_alloc_resp,
        .flow_dealloc = f_flow_dealloc, .stat = f_stat
};

static const struct ipcp_ops ops_data = {
        .bootstrap = f_bootstrap, .enroll = f_enroll,
        .connect = f_connect, .disconnect = f_disconnect,
        .reg = f_hash, .unreg = f_hash, .query = f_query,
        .flow_alloc = f_flow_alloc, .flow_alloc_resp = f_flow_alloc_resp,
        .flow_dealloc = f_flow_dealloc, .stat = f_stat,
        .carries_data = true
};

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        int res;

        if (size < 1 || size - 1 > MSG_MAX)
                return 0;

        carries = data[0] & 1;
        op_res  = data[0] & 2 ? -EINVAL : 0;

        memcpy(req.buf, data + 1, size - 1);
        req.len   = size - 1;
        req.n_fds = 0;
        if (msg_parse(&req) < 0)
                return 0;

        res = req_handle(carries ? &ops_data : &ops_local, &req, &rep,
                         &extra);
        msg_fini(&req);
        if (res == IPCP_LATER)
                return 0;

        if (msg_parse(&rep) < 0 || !(rep.flags & MSG_F_REPLY) ||
            rep.type != req.type || rep.id != req.id ||
            msg_result(&rep) != res || res > 0)
                abort();

        return 0;
}
