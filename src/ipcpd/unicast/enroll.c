/*
 * Ouroboros - ipcpd-unicast: enrollment (uni.h) and addresses.
 *
 * The new member (enroll_op): a lower flow of component "enroll" to
 * dst (lower.h; its layer field empty: not in a layer yet), the
 * request, the answer (wire_enroll.h): the layer's configuration and an
 * address. It takes both (conf_set, uni_set_addr), starts every module
 * (uni_operate), closes the enroll flow and connects dt and mgmt to
 * dst (nbr_connect_cb); then it answers the IRMd. Without an answer
 * within ENR_ANSWER_MS of the flow (ENR_CONNECT_MS for the flow
 * itself), the enrollment fails with -ETIMEDOUT and the reason in the
 * IRMd's answer.
 *
 * The member (enroll_accept): refuses a request naming another layer
 * (-EPERM, logged and counted), then finds the new member an address
 * with a claim over the layer (wire_claim.h: the protocol and its
 * argument), answers, and keeps the flow until the new member closes
 * it (ENR_HOLD_MS at most). Every member takes part in claims:
 * enroll_rcv_mgmt gets the CLAIM and CONFLICT messages nbr.c reads.
 */
#include "uni.h"
#include "uenroll.h"
#include "wire_claim.h"
#include "wire_enroll.h"
#include "wire_mgmt.h"

#include "common/log.h"
#include "common/proto.h"
#include "ipcpd/common/enroll_lower.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define ENR_CONNECT_MS  5000    /* the enroll flow to dst             */
#define ENR_ANSWER_MS   (CLAIM_TRIES * CLAIM_WAIT_MS + 5000)
#define ENR_HOLD_MS     (ENR_ANSWER_MS + 5000) /* member keeps a flow */
#define ENR_MAX         32      /* enrollments of others at once      */
#define ENR_EXPIRE_MS   60000   /* claims forgotten this often        */
#define ENR_LOG_MS      1000

enum ctr {
        C_ENROLLED = 0,
        C_REFUSED_LAYER,
        C_REFUSED_PROTO,
        C_REFUSED_BUSY,
        C_MALFORMED,
        C_CLAIMS_SENT,
        C_CLAIMS_RX,
        C_CONFLICTS_SENT,
        C_CONFLICTS_RX,
        C_RECLAIMS,
        C_LATE_CONFLICTS,
        C_NO_ADDR,
        C_MAX
};

static const char * const ctr_name[C_MAX] = {
        [C_ENROLLED]       = "enroll.enrolled_others",
        [C_REFUSED_LAYER]  = "enroll.refused_layer",
        [C_REFUSED_PROTO]  = "enroll.refused_proto",
        [C_REFUSED_BUSY]   = "enroll.refused_busy",
        [C_MALFORMED]      = "enroll.drop_malformed",
        [C_CLAIMS_SENT]    = "enroll.claims_sent",
        [C_CLAIMS_RX]      = "enroll.claims_rx",
        [C_CONFLICTS_SENT] = "enroll.conflicts_sent",
        [C_CONFLICTS_RX]   = "enroll.conflicts_rx",
        [C_RECLAIMS]       = "enroll.reclaims",
        [C_LATE_CONFLICTS] = "enroll.late_conflicts",
        [C_NO_ADDR]        = "enroll.no_address"
};

/* Another IPCP's enrollment through this member. */
struct mbr {
        struct mbr *        next;
        int                 fd;
        char                name[IPCP_NAME_MAX_LEN + 1];
        struct ipcp_timer * hold;
        struct ipcp_timer * claim;    /* while a claim waits   */
        bool                started;  /* request taken         */
        bool                answered;
        int                 tries;
        uint64_t            addr;
        uint64_t            nonce;
};

static struct {
        struct ipcp_enrolling * me;
        struct mbr *            mbrs;
        size_t                  n_mbrs;
        struct claim_tab        tab;
        struct ipcp_timer *     expire;
        int64_t                 last_log[C_MAX];
        uint64_t                c[C_MAX];
} en;

#define WARN_RL(k, ...) do {                                            \
                int64_t now_ = ipcp_now_ms();                           \
                if (now_ - en.last_log[k] >= ENR_LOG_MS) {              \
                        en.last_log[k] = now_;                          \
                        log_warn(__VA_ARGS__);                          \
                }                                                       \
        } while (0)

static uint64_t rnd64(void)
{
        uint64_t v = 0;

        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
                v = (uint64_t) ipcp_now_ms() * 0x9e3779b97f4a7c15ull ^
                        (uint64_t) rand();

        return v;
}

static void close_flow(int fd)
{
        ipcp_flow_unwatch(fd);
        flow_dealloc(fd);
}

/* ---- the new member's side ---- */

static const char * why(int err)
{
        switch (err) {
        case -ETIMEDOUT:
                return "no answer in time";
        case -EPERM:
                return "refused: another layer";
        case -EADDRINUSE:
                return "no free address in the layer";
        case -EBADMSG:
                return "malformed answer";
        case -ECONNRESET:
                return "the member closed the flow";
        case -ENAME:
                return "no lower layer reaches that name";
        default:
                return strerror(err < 0 ? -err : err);
        }
}

static void fail_info(struct ipcp_attach * at,
                      const char *         dst,
                      int                  err)
{
        snprintf(at->info, sizeof(at->info), "enrollment with %.180s "
                 "failed: %.40s", dst, why(err));
}

static void enr_free(void)
{
        struct ipcp_enrolling * e = en.me;

        en.me = NULL;
        if (e->t != NULL)
                ipcp_timer_cancel(e->t);
        if (e->fd >= 0)
                close_flow(e->fd);
        free(e);
}

static void enr_fail(int err)
{
        struct ipcp_attach at;
        ipcp_tok_t         tok = en.me->tok;

        memset(&at, 0, sizeof(at));
        fail_info(&at, en.me->dst, err);
        log_warn("Enrollment with %s failed: %s (%d).", en.me->dst,
                 why(err), err);

        enr_free();
        uni_set_addr(0);
        uni_enroll_failed();

        if (ipcp_answer_ext(tok, err, NULL, &at) < 0)
                log_warn("Could not answer the enrollment request.");
}

/* The adjacencies with dst are made (or failed): answer the IRMd. */
static void enr_adj_done(void * arg,
                         int    err)
{
        struct ipcp_attach at;
        struct msg *       extra;
        ipcp_tok_t         tok;
        int                r = 0;

        (void) arg;

        if (en.me == NULL)
                return;

        if (err < 0)
                log_warn("Enrolled, but no adjacency with %s: %d.",
                         en.me->dst, err);

        tok = en.me->tok;
        log_info("Enrolled with %s (%s) in layer %s as %llu.", en.me->dst,
                 en.me->peer, uni_conf.lc.layer,
                 (unsigned long long) uni_addr());
        enr_free();

        memset(&at, 0, sizeof(at));
        uni_attach(&at);

        extra = malloc(sizeof(*extra));
        if (extra == NULL) {
                r = -ENOMEM;
        } else {
                msg_init(extra, 0, 0, 0);
                if (msg_put_str(extra, T_LAYER, uni_conf.lc.layer) < 0 ||
                    msg_put_u32(extra, T_HASH_ALGO,
                                (uint32_t) uni_conf.lc.hash) < 0)
                        r = -ENOMEM;
        }

        if (ipcp_answer_ext(tok, r, extra, &at) < 0)
                log_warn("Could not answer the enrollment request.");

        free(extra);
}

static void enr_got(const struct enr_ans * a)
{
        int err;

        close_flow(en.me->fd);
        en.me->fd = -1;
        if (en.me->t != NULL)
                ipcp_timer_cancel(en.me->t);
        en.me->t = NULL;

        err = conf_set(&a->lc);
        if (err < 0) {
                enr_fail(err);
                return;
        }

        uni_set_addr(a->addr);
        err = uni_operate();
        if (err < 0) {
                enr_fail(err);
                return;
        }

        err = nbr_connect_cb(en.me->dst, NULL, NULL, enr_adj_done, NULL);
        if (err != 1)
                enr_adj_done(NULL, err);
}

static void enr_timeout(void * arg)
{
        (void) arg;

        en.me->t = NULL;
        enr_fail(-ETIMEDOUT);
}

static void enr_flow_cb(void * arg,
                        int    fd,
                        int    events)
{
        uint8_t        buf[ENR_ANS_MAX + 1];
        struct enr_ans a;
        ssize_t        n;

        (void) arg;

        n = flow_read(fd, buf, sizeof(buf));
        if (n == -EAGAIN) {
                if (events & (FLOW_DEALLOC | FLOW_DOWN | FLOW_PEER))
                        enr_fail(-ECONNRESET);
                return;
        }
        if (n < 0) {
                enr_fail(n == -EFLOWDOWN ? -ECONNRESET : (int) n);
                return;
        }

        if (enr_ans_parse(buf, (size_t) n, &a) < 0) {
                ++en.c[C_MALFORMED];
                enr_fail(-EBADMSG);
                return;
        }

        if (a.result < 0) {
                enr_fail(a.result);
                return;
        }

        enr_got(&a);
}

static void enr_conn_cb(void *                    arg,
                        int                       fd,
                        int                       result,
                        const struct lower_info * ans)
{
        uint8_t buf[ENR_REQ_LEN];
        ssize_t n;
        int     err;

        (void) arg;

        if (fd < 0) {
                enr_fail(result < 0 ? result : -EIPCP);
                return;
        }

        en.me->fd = fd;
        snprintf(en.me->peer, sizeof(en.me->peer), "%s", ans->name);
        ipcp_flow_nonblock(fd);

        n   = enr_req_write(buf, sizeof(buf));
        err = n < 0 ? (int) n : (int) flow_write(fd, buf, (size_t) n);
        if (err >= 0)
                err = ipcp_flow_watch(fd, enr_flow_cb, NULL);
        if (err < 0) {
                flow_dealloc(fd);
                en.me->fd = -1;
                enr_fail(err);
                return;
        }

        en.me->t = ipcp_timer_add(ENR_ANSWER_MS, enr_timeout, NULL);
        if (en.me->t == NULL)
                enr_fail(-ENOMEM);
}

int enroll_op(const char *         dst,
              struct msg *         rep,
              struct ipcp_attach * at)
{
        int err;

        (void) rep;
        (void) at;

        if (en.me != NULL)
                return -EBUSY;

        err = ipcp_enroll_lower(&en.me, dst, "enroll", ENR_VERSION,
                                ENR_CONNECT_MS, enr_conn_cb, NULL);
        if (err < 0) {
                fail_info(at, dst, err);
                return err;
        }

        log_info("Enrolling with %s.", dst);

        return IPCP_LATER;
}

/* ---- address claims (every member) ---- */

static void expire_cb(void * arg)
{
        (void) arg;

        en.expire = NULL;
        claim_expire(&en.tab, ipcp_now_ms());
        if (en.tab.n > 0)
                en.expire = ipcp_timer_add(ENR_EXPIRE_MS, expire_cb, NULL);
}

static void expire_arm(void)
{
        if (en.expire == NULL)
                en.expire = ipcp_timer_add(ENR_EXPIRE_MS, expire_cb, NULL);
}

/* Whether addr is in use as far as this member knows. */
static bool held(uint64_t addr)
{
        uint64_t nbrs[64];
        size_t   n;
        size_t   i;

        if (addr == uni_addr() || nbr_dt_up(addr) ||
            route_next_hop(addr, 0) != 0)
                return true;

        n = nbr_list(NBR_MGMT, nbrs, 64);
        for (i = 0; i < n && i < 64; ++i)
                if (nbrs[i] == addr)
                        return true;

        return false;
}

static void flood(uint64_t                  except,
                  int                       type,
                  const struct mgmt_claim * c)
{
        uint8_t buf[MGMT_CLAIM_MAX];
        ssize_t n;

        n = mgmt_claim_write(uni_conf.lc.addr_size, type, c, buf,
                             sizeof(buf));
        if (n > 1)
                nbr_mgmt_flood(except, (enum mgmt_type) type, buf + 1,
                               (size_t) n - 1);
}

static void mbr_answer(struct mbr * m,
                       int          result);
static void claim_next(struct mbr * m);

static void claim_done(void * arg)
{
        struct mbr * m = arg;

        m->claim = NULL;
        mbr_answer(m, 0);
}

/* A free address: one that passes held() and the claim table. */
static uint64_t pick_addr(void)
{
        uint8_t  as  = uni_conf.lc.addr_size;
        uint64_t max = mgmt_addr_any(as);
        uint64_t a;
        int      i;

        for (i = 0; i < 256; ++i) {
                a = rnd64() & max;
                if (mgmt_addr_ok(as, a) && !held(a) &&
                    !claim_taken(&en.tab, a))
                        return a;
        }

        return 0;
}

static void claim_next(struct mbr * m)
{
        struct mgmt_claim c;
        int64_t           now = ipcp_now_ms();
        int               i;

        if (m->tries++ >= CLAIM_TRIES) {
                ++en.c[C_NO_ADDR];
                mbr_answer(m, -EADDRINUSE);
                return;
        }

        c.addr = pick_addr();
        for (i = 0; i < 8; ++i) {
                c.nonce = rnd64();
                if (c.addr == 0 ||
                    claim_mine(&en.tab, c.addr, c.nonce, now) == 0)
                        break;
        }
        if (c.addr == 0 || i == 8) {
                ++en.c[C_NO_ADDR];
                mbr_answer(m, -EADDRINUSE);
                return;
        }
        expire_arm();

        m->addr  = c.addr;
        m->nonce = c.nonce;

        if (nbr_list(NBR_MGMT, NULL, 0) == 0) {
                mbr_answer(m, 0); /* nobody else to ask */
                return;
        }

        ++en.c[C_CLAIMS_SENT];
        flood(0, MGMT_T_CLAIM, &c);

        m->claim = ipcp_timer_add(CLAIM_WAIT_MS, claim_done, m);
        if (m->claim == NULL)
                mbr_answer(m, -ENOMEM);
}

/* Our claim c lost. */
static void mine_lost(const struct mgmt_claim * c)
{
        struct mbr * m;

        for (m = en.mbrs; m != NULL; m = m->next) {
                if (m->claim == NULL || m->addr != c->addr ||
                    m->nonce != c->nonce)
                        continue;
                ipcp_timer_cancel(m->claim);
                m->claim = NULL;
                ++en.c[C_RECLAIMS];
                log_info("Address %llu for %s taken elsewhere: another.",
                         (unsigned long long) c->addr, m->name);
                claim_next(m);
                return;
        }

        ++en.c[C_LATE_CONFLICTS];
        WARN_RL(C_LATE_CONFLICTS, "Conflict for address %llu, handed out "
                "already (its claim waited %d ms).",
                (unsigned long long) c->addr, CLAIM_WAIT_MS);
}

void enroll_rcv_mgmt(uint64_t        from,
                     const uint8_t * buf,
                     size_t          len)
{
        struct mgmt_claim c;
        struct mgmt_claim x;
        int64_t           now = ipcp_now_ms();
        uint64_t          loser = 0;
        bool              mine;
        int               t = mgmt_type(buf, len);

        if (mgmt_claim_parse(uni_conf.lc.addr_size, t, buf, len, &c) < 0) {
                ++en.c[C_MALFORMED];
                WARN_RL(C_MALFORMED, "Malformed address claim (%zu bytes) "
                        "from %llu: dropped.", len,
                        (unsigned long long) from);
                return;
        }

        expire_arm();

        if (t == MGMT_T_CONFLICT) {
                ++en.c[C_CONFLICTS_RX];
                if (claim_rcv_conflict(&en.tab, &c, now, &mine) == CLAIM_DUP)
                        return;
                flood(from, MGMT_T_CONFLICT, &c);
                if (mine)
                        mine_lost(&c);
                return;
        }

        ++en.c[C_CLAIMS_RX];
        switch (claim_rcv(&en.tab, &c, held(c.addr), now, &loser)) {
        case CLAIM_DUP:
                return;
        case CLAIM_FLOOD_CONFLICT:
                flood(from, MGMT_T_CLAIM, &c);
                x.addr  = c.addr;
                x.nonce = loser;
                claim_rcv_conflict(&en.tab, &x, now, &mine);
                ++en.c[C_CONFLICTS_SENT];
                log_info("Claim of address %llu: conflict.",
                         (unsigned long long) c.addr);
                flood(0, MGMT_T_CONFLICT, &x);
                if (mine)
                        mine_lost(&x);
                return;
        default:
                flood(from, MGMT_T_CLAIM, &c);
                return;
        }
}

/* ---- the member's side ---- */

static void mbr_end(struct mbr * m)
{
        struct mbr ** pp;

        for (pp = &en.mbrs; *pp != m; pp = &(*pp)->next)
                ;
        *pp = m->next;
        --en.n_mbrs;

        if (m->hold != NULL)
                ipcp_timer_cancel(m->hold);
        if (m->claim != NULL)
                ipcp_timer_cancel(m->claim);
        close_flow(m->fd);
        free(m);
}

static void mbr_hold_cb(void * arg)
{
        struct mbr * m = arg;

        m->hold = NULL;
        mbr_end(m);
}

static void mbr_answer(struct mbr * m,
                       int          result)
{
        uint8_t        buf[ENR_ANS_MAX];
        struct enr_ans a;
        ssize_t        n;

        memset(&a, 0, sizeof(a));
        a.result   = (int16_t) result;
        a.addr     = m->addr;
        a.enroller = uni_addr();
        a.lc       = uni_conf.lc;

        m->answered = true;
        n = enr_ans_write(&a, buf, sizeof(buf));
        if (n < 0 || flow_write(m->fd, buf, (size_t) n) < 0) {
                log_warn("Could not answer the enrollment of %s.", m->name);
                mbr_end(m);
                return;
        }

        if (result < 0) {
                log_warn("Enrollment of %s refused: %d.", m->name, result);
                return;
        }

        ++en.c[C_ENROLLED];
        log_info("Enrolled %s as %llu.", m->name,
                 (unsigned long long) m->addr);
}

static void mbr_flow_cb(void * arg,
                        int    fd,
                        int    events)
{
        struct mbr * m = arg;
        uint8_t      buf[ENR_REQ_LEN + 1];
        ssize_t      n;

        n = flow_read(fd, buf, sizeof(buf));
        if (n == -EAGAIN) {
                if (events & (FLOW_DEALLOC | FLOW_DOWN | FLOW_PEER))
                        mbr_end(m); /* done, or gone */
                return;
        }
        if (n < 0) {
                mbr_end(m);
                return;
        }

        if (m->started || enr_req_parse(buf, (size_t) n) < 0) {
                ++en.c[C_MALFORMED];
                WARN_RL(C_MALFORMED, "Malformed enrollment request from "
                        "%s: closed.", m->name);
                mbr_end(m);
                return;
        }

        m->started = true;
        claim_next(m);
}

int enroll_accept(int                       fd,
                  const qosspec_t *         qs,
                  const struct lower_info * req,
                  struct lower_info *       ans)
{
        struct mbr * m;

        (void) qs;

        ans->proto = ENR_VERSION;

        if (req->proto != ENR_VERSION) {
                ++en.c[C_REFUSED_PROTO];
                WARN_RL(C_REFUSED_PROTO, "Enrollment of %s: version %u, "
                        "not %d: refused.", req->name, req->proto,
                        ENR_VERSION);
                return -EPROTO;
        }

        if (req->layer[0] != '\0' &&
            strcmp(req->layer, uni_conf.lc.layer) != 0) {
                ++en.c[C_REFUSED_LAYER];
                log_warn("Enrollment of %s into layer '%s' refused: this "
                         "is layer '%s'.", req->name, req->layer,
                         uni_conf.lc.layer);
                return -EPERM;
        }

        if (en.n_mbrs >= ENR_MAX) {
                ++en.c[C_REFUSED_BUSY];
                WARN_RL(C_REFUSED_BUSY, "Enrollment of %s refused: %d "
                        "enrollments at once.", req->name, ENR_MAX);
                return -EBUSY;
        }

        m = calloc(1, sizeof(*m));
        if (m == NULL)
                return -ENOMEM;

        m->fd = fd;
        snprintf(m->name, sizeof(m->name), "%s", req->name);
        ipcp_flow_nonblock(fd);
        if (ipcp_flow_watch(fd, mbr_flow_cb, m) < 0) {
                free(m);
                return -ENOMEM;
        }
        m->hold = ipcp_timer_add(ENR_HOLD_MS, mbr_hold_cb, m);
        if (m->hold == NULL) {
                ipcp_flow_unwatch(fd);
                free(m);
                return -ENOMEM;
        }

        m->next = en.mbrs;
        en.mbrs = m;
        ++en.n_mbrs;

        return 0;
}

int enroll_stat(struct ipcp_stat * s)
{
        int r = 0;
        int i;

        for (i = 0; i < C_MAX; ++i)
                r |= ipcp_stat_add(s, ctr_name[i], en.c[i]);
        r |= ipcp_stat_add(s, "enroll.claims_known", en.tab.n);
        r |= ipcp_stat_add(s, "enroll.in_progress", en.n_mbrs);

        return r < 0 ? -EMSGSIZE : 0;
}

void enroll_fini(void)
{
        if (en.me != NULL)
                enr_free();
        while (en.mbrs != NULL)
                mbr_end(en.mbrs);
        if (en.expire != NULL)
                ipcp_timer_cancel(en.expire);
        en.expire = NULL;
}
