/*
 * Ouroboros - the state of a directory member (dht.h) and the calls
 * its three files share: dht.c (life, lookups, timers, the IPCP's
 * calls), dht_out.c (outbox and requests awaiting answers), dht_rcv.c
 * (messages received). Not for use outside this folder.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DHT_PRIV_H
#define OUROBOROS_IPCPD_UNICAST_DHT_PRIV_H

#include "dht.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum req_kind { R_PING, R_LOOKUP, R_STORE, R_JOIN };

struct req {
        bool          used;
        enum req_kind kind;
        uint8_t       type;
        uint32_t      id;
        uint64_t      dst;
        uint8_t       dst_id[DHT_KEY_MAX];
        uint64_t      deadline;
        int           lk;      /* R_LOOKUP: lookup id */
        struct pkt *  copy;    /* R_STORE: to send again */
        unsigned      tries;   /* R_STORE: sends left */
};

enum purpose { P_QUERY, P_PUBLISH, P_WITHDRAW, P_SELF };

struct slot {
        struct dht_lookup * lk;
        int                 id;
        enum purpose        p;
        uint64_t            addr;  /* P_WITHDRAW */
};

struct pkt {
        uint64_t dst;
        size_t   len;
        uint8_t  data[];
};

struct dht {
        struct dht_cfg     cfg;
        uint8_t            self[DHT_KEY_MAX];
        uint64_t           addr;
        struct dht_table * tbl;
        struct dht_store * st;
        struct req *       reqs;
        struct slot *      slots;
        struct pkt **      out;     /* ring of max_out */
        size_t             out_h;
        size_t             out_n;
        uint32_t           next_req;
        int                next_lk;
        uint64_t           refresh_at;
        struct dht_stats   stats;
        struct dht_msg     in;
        struct dht_msg     msg;
        uint8_t            buf[DHT_MSG_LEN_MAX];
};

/* dht_out.c */

/* d->msg with the header filled for a message of type about key. */
struct dht_msg * dht_out_msg(struct dht *    d,
                             uint8_t         type,
                             uint32_t        reqid,
                             const uint8_t * key);

/* Queue d->msg for dst. Returns 0, -EBUSY (outbox full) or -ENOMEM. */
int dht_out_queue(struct dht * d,
                  uint64_t     dst);

/* Queue copy c again (a STORE unanswered). Returns 0 or -EBUSY. */
int dht_out_requeue(struct dht *       d,
                    const struct pkt * c);

/* Send d->msg (a request, header from dht_out_msg) to dst, awaiting an
 * answer. Returns 0, or -EBUSY (requests or outbox full). */
int dht_out_request(struct dht *    d,
                    enum req_kind   kind,
                    uint64_t        dst,
                    const uint8_t * dst_id,
                    int             lk,
                    uint64_t        now);

/* dht.c */

/* The slot of lookup id, or NULL. */
struct slot * dht_slot_of(struct dht * d,
                          int          id);

/* Start a lookup; returns its id or -EBUSY/-ENOMEM. */
int dht_lk_start(struct dht *    d,
                 const uint8_t * key,
                 enum purpose    p,
                 uint64_t        addr,
                 uint64_t        now);

/* Send the lookup's requests in out[0..n) (replies and timeouts give
 * the next ones); ends the lookup when it is no longer running. */
void dht_lk_send(struct dht *               d,
                 struct slot *              s,
                 const struct dht_contact * out,
                 size_t                     n,
                 uint64_t                   now);

/* A lookup ended: what it was for (publish, withdraw) is done. */
void dht_lk_done(struct dht *  d,
                 struct slot * s,
                 uint64_t      now);

/* STORE vals[0..nv) of key to the contacts c[0..n). */
void dht_send_store(struct dht *               d,
                    const uint8_t *            key,
                    const struct dht_contact * c,
                    size_t                     n,
                    const struct dht_val *     vals,
                    size_t                     nv,
                    uint64_t                   now);

/* When key is next published (its own or a copy held for others). */
uint64_t dht_due(const struct dht * d,
                 const uint8_t *    key,
                 uint64_t           now);

#endif /* OUROBOROS_IPCPD_UNICAST_DHT_PRIV_H */
