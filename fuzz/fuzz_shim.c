/*
 * Ouroboros - libFuzzer target for the shim core (src/ipcpd/shim): its
 * state machine driven by hostile management messages and data from a
 * few peers, interleaved with the IRMd's requests (register, query,
 * allocate, accept or refuse, deallocate), the IRMd's replies to flow
 * requests, link changes and the passing of time. The input is a
 * script (fuzz_input.h); each step's first byte picks the event.
 *
 * The framework (ipcp.h) and the library calls the shim makes are
 * played by this file: timers on a clock the script advances, flows as
 * numbers whose packets come from the script, the IRMd's answers
 * recorded, random ids taken from the script (getrandom). Oracle: no crash or leak (ASan, LSan after op fini), and
 * after each step the shim's tables agree: every eid maps to a flow of
 * that eid, flow ids find their flows, each peer counts its flows, the
 * flows gauge counts the flows up, no fd is held twice.
 *
 * Sources: src/ipcpd/shim/shim.c src/ipcpd/shim/shim_dir.c src/ipcpd/shim/shim_flow.c src/ipcpd/shim/shim_peer.c src/ipcpd/shim/shim_rx.c src/ipcpd/shim/shim_tx.c src/ipcpd/mgmt/mgmt.c src/ipcpd/mgmt/qos_wire.c src/ipcpd/common/key.c src/common/msg.c
 * Libs: -lz
 */
#include "ipcpd/mgmt/be.h"
#include "ipcpd/shim/shim_priv.h"

#include "common/log.h"
#include "common/proto.h"
#include "fuzz_input.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define N_TIMERS 512
#define N_FDS    64
#define HLEN     32

/* ---- the framework, played ---- */

struct ipcp_timer {
        int64_t       at;
        ipcp_timer_cb cb;
        void *        arg;
        bool          used;
};

static struct ipcp_timer timers[N_TIMERS];
static int64_t           now;
static bool              fd_used[N_FDS];
static bool              fd_watched[N_FDS];
static void *            fd_arg[N_FDS];
static ipcp_flow_cb      fd_cb;
static struct input *    in;

struct ipcp_stat { int n; };

/* Pending ipcp_flow_req_arr callbacks (the IRMd's replies). */
static ipcp_reply_cb arr_cb;
static void *        arr_arg[16];
static size_t        n_arr;
static uint32_t      next_id = 100;

void log_msg(enum log_level lvl, const char * fmt, ...)
{
        (void) lvl;
        (void) fmt;
}

bool log_rate_ok(struct log_rate * r, enum log_level lvl, const char * w)
{
        (void) r;
        (void) lvl;
        (void) w;
        return false;
}

int64_t ipcp_now_ms(void)
{
        return now;
}

struct ipcp_timer * ipcp_timer_add(int64_t d, ipcp_timer_cb cb, void * arg)
{
        size_t i;

        for (i = 0; i < N_TIMERS; ++i) {
                if (!timers[i].used) {
                        timers[i] = (struct ipcp_timer) { now + d, cb, arg,
                                                          true };
                        return &timers[i];
                }
        }

        return NULL;
}

void ipcp_timer_cancel(struct ipcp_timer * t)
{
        if (!t->used)
                abort(); /* cancelled twice, or after it fired */
        t->used = false;
}

/* Fire every timer due by now, earliest first. */
static void run_timers(void)
{
        struct ipcp_timer * t;
        size_t              i;

        for (;;) {
                t = NULL;
                for (i = 0; i < N_TIMERS; ++i)
                        if (timers[i].used && timers[i].at <= now &&
                            (t == NULL || timers[i].at < t->at))
                                t = &timers[i];
                if (t == NULL)
                        return;
                t->used = false; /* freed by the framework after cb */
                t->cb(t->arg);
        }
}

int ipcp_answer(ipcp_tok_t tok, int res)
{
        (void) tok;
        (void) res;
        return 0;
}

int ipcp_flow_req_arr(struct ipcp_hash h, const qosspec_t * qs,
                      const struct ipcp_key * key, uint32_t peer_flow,
                      ipcp_reply_cb cb, void * arg)
{
        (void) h;
        (void) qs;
        (void) key;
        (void) peer_flow;

        if (n_arr == sizeof(arr_arg) / sizeof(arr_arg[0]))
                return -ENOMEM;
        arr_cb           = cb;
        arr_arg[n_arr++] = arg;

        return 0;
}

int ipcp_flow_alloc_reply(uint32_t flow_id, int result,
                          const struct ipcp_key * key, uint32_t peer_flow)
{
        (void) flow_id;
        (void) result;
        (void) key;
        (void) peer_flow;
        return 0;
}

int ipcp_flow_watch(int fd, ipcp_flow_cb cb, void * arg)
{
        if (fd < 0 || fd >= N_FDS || !fd_used[fd])
                abort();
        if (fd_watched[fd])
                return -EEXIST;
        fd_watched[fd] = true;
        fd_arg[fd]     = arg;
        fd_cb          = cb;
        return 0;
}

void ipcp_flow_unwatch(int fd)
{
        if (fd < 0 || fd >= N_FDS || !fd_watched[fd])
                abort();
        fd_watched[fd] = false;
}

int ipcp_stat_add(struct ipcp_stat * s, const char * name, uint64_t v)
{
        (void) name;
        (void) v;
        return ++s->n > 100 ? -EMSGSIZE : 0;
}

/* Ids and cookies come from the script, so it can answer them. */
ssize_t getrandom(void * buf, size_t len, unsigned flags)
{
        (void) flags;
        memset(buf, 0, len);
        *(uint8_t *) buf = (uint8_t) (take(in, 1) % 4);
        return (ssize_t) len;
}

/* ---- the library, played ---- */

static uint8_t pkt[2048];

ssize_t ipcp_flow_peek(int fd, const void ** p)
{
        uint64_t v = take(in, 1);

        if (fd < 0 || fd >= N_FDS || !fd_used[fd])
                abort();
        *p = pkt;
        if (v < 0x80)
                return -EAGAIN;
        if (v < 0x90)
                return -EFLOWDOWN;
        if (v < 0x98)
                return -EBADMSG;
        return (ssize_t) (take(in, 2) % sizeof(pkt));
}

void ipcp_flow_consume(int fd)
{
        (void) fd;
}

int ipcp_flow_reserve(int fd, size_t len, void ** buf)
{
        (void) fd;
        if (len > sizeof(pkt))
                return -EMSGSIZE;
        *buf = pkt;
        return take(in, 1) & 1 ? -EAGAIN : 0;
}

int ipcp_flow_commit(int fd, size_t len)
{
        (void) fd;
        (void) len;
        return 0;
}

int ipcp_flow_lost_add(int fd, uint64_t n)
{
        (void) n;
        /* the flow may have been closed since its packet: told anyway */
        if (fd < 0 || fd >= N_FDS || !fd_used[fd])
                return -EBADF;
        return 0;
}

void ipcp_dev_write_window(size_t bytes)
{
        (void) bytes;
}

ssize_t flow_write(int fd, const void * buf, size_t len)
{
        (void) fd;
        (void) buf;
        return (ssize_t) len;
}

int flow_dealloc(int fd)
{
        if (fd < 0 || fd >= N_FDS || !fd_used[fd] || fd_watched[fd])
                abort(); /* closed twice, or still watched */
        fd_used[fd] = false;
        return 0;
}

int fccntl(int fd, int cmd, ...)
{
        va_list ap;

        va_start(ap, cmd);
        if (cmd == FLOWGFLAGS)
                *va_arg(ap, uint32_t *) = FLOWFRDWR;
        va_end(ap);
        (void) fd;
        return 0;
}

static int new_fd(void)
{
        int i;

        for (i = 0; i < N_FDS; ++i) {
                if (!fd_used[i]) {
                        fd_used[i] = true;
                        return i;
                }
        }

        return -1;
}

/* ---- the transport, played ---- */

static int t_send_data(void * ctx, const struct shim_addr * dst,
                       uint16_t d, uint16_t s, const struct iovec * iov,
                       int cnt)
{
        (void) ctx;
        if (dst == NULL || dst->kind != SHIM_ADDR_MAC || d == 0 || s == 0 ||
            cnt != 1 || iov[0].iov_len > 1494)
                abort();
        return take(in, 1) == 0xff ? -EAGAIN : 0;
}

static int t_send_mgmt(void * ctx, const struct shim_addr * dst,
                       const struct mgmt_msg * m)
{
        uint8_t buf[MGMT_MSG_MAX];

        (void) ctx;
        (void) dst;
        if (mgmt_encode(buf, sizeof(buf), m) < 0)
                abort(); /* the shim built a message it cannot send */
        return 0;
}

static const struct shim_transport tp = {
        .name        = "fuzz",
        .layer       = "fuzz",
        .max_payload = 1494,
        .send_data   = t_send_data,
        .send_mgmt   = t_send_mgmt
};

/* ---- the script ---- */

static void peer_addr(struct shim_addr * a,
                      uint8_t            i)
{
        memset(a, 0, sizeof(*a));
        a->kind     = SHIM_ADDR_MAC;
        a->u.mac[0] = 0x02;
        a->u.mac[5] = i % 2;
}

static void hash_of(uint8_t * h,
                    uint8_t   i)
{
        memset(h, 0, HLEN);
        h[0] = i % 2;
}

static void check(struct shim * sh)
{
        struct speer * p;
        struct sflow * f;
        size_t         i;
        size_t         n;
        uint64_t       up = 0;

        /* eids are given in order from 1: none above next_eid here */
        for (i = 1; i <= sh->next_eid; ++i) {
                f = sh->eids[i];
                if (f == NULL)
                        continue;
                if (f->eid != i)
                        abort();
                if (f->state == SF_UP)
                        ++up;
                if (f->fd >= 0 && !fd_used[f->fd])
                        abort();
        }
        if (up != sh->ctr[SHIM_C_FLOWS])
                abort();

        for (p = sh->peers; p != NULL; p = p->next) {
                n = 0;
                for (f = p->flows; f != NULL; f = f->p_next) {
                        if (f->peer != p || sh->eids[f->eid] != f)
                                abort();
                        ++n;
                }
                if (n != p->n_flows || n == 0)
                        abort();
        }
}

/* A management message from the script: mostly well-formed ones with
 * fields from the script, sometimes raw bytes (resealed when the
 * length's bit 1 is set, so the decoder looks past the CRC). */
static void rcv_mgmt(struct shim * sh)
{
        struct shim_addr a;
        struct mgmt_msg  m;
        uint8_t          h[HLEN];
        uint8_t          buf[MGMT_MSG_MAX];
        uint8_t          key[32];
        ssize_t          n;
        size_t           raw;

        peer_addr(&a, (uint8_t) take(in, 1));
        memset(&m, 0, sizeof(m));
        m.type = (uint8_t) (take(in, 1) % 7);
        if (m.type == 0) {
                raw = take(in, 1);
                raw = raw < in->n ? raw : in->n;
                memcpy(buf, in->p, raw);
                if (raw & 2) { /* our layer's, past the CRC */
                        if (raw >= 6)
                                be_put32(buf + 2, mgmt_layer_tag("fuzz"));
                        mgmt_seal(buf, raw);
                }
                shim_rcv_mgmt(sh, &a, raw & 1, buf, raw);
                in->p += raw;
                in->n -= raw;
                return;
        }
        /* Small values, so ids, cookies and eids often match. */
        m.id       = (uint32_t) take(in, 1) % 4;
        m.s_eid    = (uint16_t) (take(in, 1) % 4);
        m.d_eid    = (uint16_t) (take(in, 1) % 4);
        m.result   = (int16_t) -(int16_t) take(in, 1);
        m.flags    = take(in, 1) & 1;
        /* another layer's now and then (drop_layer) */
        m.layer    = mgmt_layer_tag(take(in, 1) == 0 ? "other" : "fuzz");
        hash_of(h, (uint8_t) take(in, 1));
        m.name     = h;
        m.name_len = take(in, 1) & 1 ? HLEN : HLEN - 1;
        memset(key, 7, sizeof(key));
        m.key      = key;
        m.key_len  = take(in, 1) & 1 ? sizeof(key) : 0;
        n = mgmt_encode(buf, sizeof(buf), &m);
        if (n > 0)
                shim_rcv_mgmt(sh, &a, take(in, 1) & 1, buf, (size_t) n);
}

static void step(struct shim *           sh,
                 const struct ipcp_ops * ops)
{
        struct shim_addr      a;
        struct ipcp_flow_req  r;
        struct ipcp_flow_resp rs;
        struct msg            rep;
        struct msg            req;
        uint8_t               h[HLEN];
        struct ipcp_hash      hh = { h, HLEN };
        uint8_t               v = (uint8_t) take(in, 1);
        size_t                i;
        int                   fd;

        switch (v % 12) {
        case 0:
        case 1:
                rcv_mgmt(sh);
                break;
        case 2: /* data */
                peer_addr(&a, (uint8_t) take(in, 1));
                i = take(in, 2) % 1600;
                shim_rcv_data(sh, &a, (uint16_t) take(in, 1),
                              (uint16_t) take(in, 1), pkt, i);
                break;
        case 3:
                hash_of(h, (uint8_t) take(in, 1));
                ops->reg(hh);
                break;
        case 4:
                hash_of(h, (uint8_t) take(in, 1));
                ops->unreg(hh);
                break;
        case 5:
                hash_of(h, (uint8_t) take(in, 1));
                ops->query(hh, (ipcp_tok_t) take(in, 1));
                break;
        case 6: /* the IRMd asks for a flow */
                memset(&r, 0, sizeof(r));
                hash_of(h, (uint8_t) take(in, 1));
                r.flow_id = next_id++;
                r.fd      = new_fd();
                r.hash    = hh;
                if (r.fd >= 0)
                        ops->flow_alloc(&r);
                break;
        case 7: /* the IRMd answers a FLOW_REQ_ARR */
                if (n_arr == 0)
                        break;
                msg_init(&req, M_IPCP_FLOW_REQ_ARR, 0, 1);
                msg_init_reply(&rep, &req, take(in, 1) == 1 ? -ENAME : 0);
                msg_put_u32(&rep, T_FLOW_ID, next_id++);
                arr_cb(arr_arg[--n_arr], take(in, 1) == 1 ? NULL : &rep);
                break;
        case 8: /* accept or refuse a flow id */
                memset(&rs, 0, sizeof(rs));
                rs.flow_id = next_id - 1 - (uint32_t) (take(in, 1) % 4);
                rs.result  = take(in, 1) == 1 ? -ECONNREFUSED : 0;
                rs.fd      = rs.result == 0 ? new_fd() : -1;
                ops->flow_alloc_resp(&rs);
                break;
        case 9:
                ops->flow_dealloc(next_id - 1 - (uint32_t) (take(in, 1) % 8));
                break;
        case 10: /* events on a watched flow */
                fd = (int) (take(in, 1) % N_FDS);
                if (fd_watched[fd])
                        fd_cb(fd_arg[fd], fd, take(in, 1) & 1 ?
                              FLOW_PKT : FLOW_DEALLOC);
                break;
        default:
                switch (take(in, 1) % 4) {
                case 0:
                        shim_link(sh, take(in, 1) & 1);
                        break;
                case 1:
                        shim_tx_ready(sh);
                        break;
                default:
                        now += (int64_t) take(in, 2);
                        run_timers();
                        break;
                }
                break;
        }

        check(sh);
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct input     script = { data, size };
        struct ipcp_ops  ops;
        struct ipcp_stat st = { 0 };
        struct shim *    sh;
        int              steps = 0;

        memset(timers, 0, sizeof(timers));
        memset(fd_used, 0, sizeof(fd_used));
        memset(fd_watched, 0, sizeof(fd_watched));
        now   = 1000;
        n_arr = 0;
        in    = &script;

        memset(&ops, 0, sizeof(ops));
        shim_ipcp_ops(&ops);
        if (shim_start(&tp, NULL, HLEN, &sh) < 0)
                abort();

        while (script.n > 0 && steps++ < 2000)
                step(sh, &ops);

        ops.stat(&st);
        ops.fini();

        for (size_t i = 0; i < N_FDS; ++i)
                if (fd_used[i])
                        abort(); /* a flow left open */
        for (size_t i = 0; i < N_TIMERS; ++i)
                if (timers[i].used)
                        abort(); /* a timer would fire on freed state */

        return 0;
}
