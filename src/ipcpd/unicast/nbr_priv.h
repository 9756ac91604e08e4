/*
 * Ouroboros - ipcpd-unicast: the adjacencies' state, shared by their
 * files: nbr.c (the table, accepting lower flows, what other modules
 * ask), nbr_dial.c (connects, dialling and redialling), nbr_hello.c
 * (the hello exchange, keepalives, liveness) and nbr_mgmt.c (reading
 * mgmt flows, framing mgmt messages). Not for other modules: they use
 * uni.h.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_NBR_PRIV_H
#define OUROBOROS_IPCPD_UNICAST_NBR_PRIV_H

#include "uni.h"
#include "uenroll.h"
#include "wire_dt.h"
#include "wire_mgmt.h"

#include <stdbool.h>
#include <stdint.h>

#define NBR_VERSION        1
#define NBR_CONNECT_MS     5000  /* flow_alloc and handshake          */
#define NBR_KA_MS          250   /* keepalive period                  */
#define NBR_DEAD_MS        1000  /* silence that ends an adjacency    */
#define NBR_HELLO_MS       3000  /* hello answered within             */
#define NBR_REDIAL_MS      500   /* first redial after a failure      */
#define NBR_REDIAL_MAX_MS  4000
#define NBR_BUDGET         64    /* mgmt packets read per wake-up     */
#define NBR_LOG_MS         1000  /* at most one warning per kind      */
#define NBR_WAITERS        8     /* requests waiting on one want      */
#define NBR_BUF            (65536 + 64)

enum nbr_ctr {
        C_UP = 0,
        C_LOST_SILENT,
        C_LOST_FLOW,
        C_LOST_PEER,
        C_HELLO_TIMEOUT,
        C_CONNECT_FAILED,
        C_REDIALS,
        C_DUPLICATE,
        C_REPLACED,
        C_REFUSED_LAYER,
        C_REFUSED_MTU,
        C_REFUSED_PROTO,
        C_REFUSED_SELF,
        C_MALFORMED,
        C_MGMT_RX,
        C_MGMT_TX,
        C_MGMT_DROP,
        C_KA_TX,
        C_MAX
};

/* Requests waiting for wants to end: cb(arg, first error) once the
 * last is done. */
struct nreq {
        nbr_done_cb cb;
        void *      arg;
        int         left;
        int         err;
};

struct adj;

/* A connect this member was asked for. */
struct want {
        struct want *       next;
        enum nbr_comp       comp;
        char                dst[NAME_MAX_LEN + 1];
        qosspec_t           qs;
        bool                dialing;  /* lower connect in flight      */
        bool                gone;     /* disconnected while dialing   */
        bool                was_up;   /* up once: dial again if lost  */
        struct adj *        adj;
        struct ipcp_timer * redial;
        int64_t             backoff;
        struct nreq *       wt[NBR_WAITERS];
        size_t              n_wt;
};

enum adj_st {
        ADJ_HELLO = 0,
        ADJ_UP,
        ADJ_DUP     /* acceptor: answered DUP, waits for the close */
};

struct adj {
        struct adj *  next;
        enum nbr_comp comp;
        enum adj_st   st;
        int           fd;
        uint64_t      addr;
        bool          dialer;
        bool          watched;
        struct want * w;
        char          peer[IPCP_NAME_MAX_LEN + 1];
        size_t        max_pkt;
        int64_t       since;
        int64_t       heard;
};

struct nbr_state {
        bool                on;
        bool                listening;
        struct adj *        adjs;
        struct want *       wants;
        struct ipcp_timer * tick;
        struct dt_fmt       fmt;
        uint8_t *           rbuf;
        uint8_t *           wbuf;
        int64_t             last_log[C_MAX];
        uint64_t            c[C_MAX];
};

extern struct nbr_state nbr;

extern const char * const nbr_comp_name[];

#define WARN_RL(k, ...) do {                                            \
                int64_t now_ = ipcp_now_ms();                           \
                if (now_ - nbr.last_log[k] >= NBR_LOG_MS) {             \
                        nbr.last_log[k] = now_;                         \
                        log_warn(__VA_ARGS__);                          \
                }                                                       \
        } while (0)

static inline unsigned long long ull(uint64_t v)
{
        return (unsigned long long) v;
}

/* nbr.c: the table */
struct adj * nbr_adj_up_to(enum nbr_comp comp,
                           uint64_t      addr,
                           struct adj *  but);
/* Whether a is the first adjacency up to its address of its comp. */
bool         nbr_first_to(const struct adj * a);
/* Whether lower flow fd carries a dt packet of the layer's mtu: 0 or
 * -EMSGSIZE. */
int          nbr_check_max(int          fd,
                           const char * peer);
/* A new adjacency in its hello on fd, dialled for w (NULL: accepted). */
struct adj * nbr_adj_new(enum nbr_comp comp,
                         int           fd,
                         struct want * w,
                         const char *  peer);
/* Take a down: unlinked, dt.c and routing told, flow deallocated. ctr:
 * the counter (C_MAX: none), err: for the connects waiting on it,
 * retry: whether its want dials again. */
void         nbr_adj_close(struct adj * a,
                           enum nbr_ctr ctr,
                           int          err,
                           bool         retry,
                           const char * why);
int          nbr_adj_write(struct adj *    a,
                           const uint8_t * buf,
                           size_t          len);

/* nbr_dial.c: wants */
void         nbr_want_notify(struct want * w,
                             int           err);
void         nbr_want_free(struct want * w);
/* The want's adjacency failed or could not be made: tell who waits;
 * dial again later if it was up once (retry), else forget it. */
void         nbr_want_failed(struct want * w,
                             int           err,
                             bool          retry);

/* nbr_hello.c */
void         nbr_tick_arm(void);
int          nbr_send_hello(struct adj * a,
                            uint8_t      flags);
int          nbr_parse_hello(struct adj *        a,
                             const uint8_t *     buf,
                             size_t              n,
                             struct mgmt_hello * h);
/* A packet on an adjacency in its hello: true if a is closed or no
 * longer read here. */
bool         nbr_hello_rcv(struct adj *    a,
                           const uint8_t * buf,
                           size_t          n);

/* nbr_mgmt.c: the watch callback of an adjacency's lower flow */
void         nbr_adj_cb(void * arg,
                        int    fd,
                        int    events);

#endif /* OUROBOROS_IPCPD_UNICAST_NBR_PRIV_H */
