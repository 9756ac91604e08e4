/*
 * Ouroboros - a member of the unicast layer's directory: a Kademlia DHT
 * mapping name hashes to the addresses of the members where the name is
 * registered. Pure C with no I/O and no clock: the caller (the unicast
 * IPCP) hands in what it receives (dht_rcv), calls dht_tick at
 * dht_next or at least every DHT_TICK_MS, and sends what dht_pop gives
 * (to the address given, over the layer's management flows). Times are
 * the caller's monotonic milliseconds.
 *
 * Pieces: messages dht_msg.h, k-buckets dht_table.h, lookups
 * dht_lookup.h, values dht_store.h. What the member does:
 *   - answers FIND_NODE (k closest contacts), FIND_VALUE (values held,
 *     or contacts) and STORE (holds the values for their ttl, at most
 *     t_expire; ttl 0 withdraws); every message it hears refreshes the
 *     sender in its k-buckets, a full bucket pings its oldest contact;
 *   - requests get t_req ms to be answered; no answer marks the
 *     contact (stale after DHT_STALE_FAILS in a row, dht_table.h); a
 *     STORE is sent up to DHT_STORE_TRIES times;
 *   - dht_register: holds the value as its own and publishes it: a
 *     FIND_NODE lookup of the key, then STORE (ttl t_expire) to the k
 *     closest that answered; again every t_refresh;
 *   - replication: every key it holds for others is published the same
 *     way (the values with the ttl they have left) t_replicate (plus
 *     up to a tenth, by key and member) after it was last stored on
 *     it, so a registration survives the loss of its owner and of
 *     holders, until it expires t_expire after the owner last published
 *     it; a STORE received puts the next replication off, so the k
 *     holders of a key do not all replicate it in every period; a
 *     holder whose lookup finds k members closer to the key than
 *     itself drops its copy instead (it is theirs to keep);
 *   - dht_unregister: a lookup of the key, then a STORE with ttl 0 to
 *     the 2k closest it heard of, asked or not (a wider net than
 *     publishing, for holders that lookups under loss disagree on);
 *     a member that held a value it is told to withdraw passes the
 *     withdrawal on to its 2k closest to the key, so it follows the
 *     copies (and stops where there are none); every member told keeps
 *     a tombstone for t_expire and refuses copies of the value (a
 *     STORE with less than t_expire left), so a copy the withdrawal
 *     missed cannot bring it back through the members that know; it
 *     expires in time;
 *   - a member new in its k-buckets gets a STORE of the keys it holds
 *     for others that the newcomer is closer to, if this member is
 *     among the k closest to them it knows (values move towards their
 *     key only); an owner whose last publish reached fewer than k
 *     members publishes again, so a name registered before others
 *     joined is found at once;
 *   - every t_refresh a lookup of its own id keeps its neighbourhood of
 *     the id space known;
 *   - dht_query answers from its own store, or runs a FIND_VALUE lookup
 *     (dht_result when done); lookups end within t_lookup ms.
 * Memory is bounded: keys and values (dht_store.h), lookups at once,
 * requests awaiting answers, messages waiting in the outbox; beyond,
 * refused with an error and counted.
 *
 * Not thread-safe: one thread owns a member.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DHT_H
#define OUROBOROS_IPCPD_UNICAST_DHT_H

#include "dht_lookup.h"
#include "dht_msg.h"
#include "dht_store.h"
#include "dht_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DHT_TICK_MS      1000
#define DHT_T_REQ_DEF    1000   /* ms to answer a request */
#define DHT_T_LOOKUP_DEF 10000  /* ms a lookup may take */
#define DHT_LOOKUPS_DEF  64
#define DHT_REQS_DEF     1024
#define DHT_OUT_DEF      4096
#define DHT_STORE_TRIES  3      /* sends of a STORE left unanswered */

struct dht;

/* The bootstrap options dht_k, dht_alpha, dht_t_* (seconds) of
 * ipcp_conf.c, and limits; a 0 takes the default. */
struct dht_cfg {
        size_t   klen;         /* the layer's hash length (required) */
        size_t   k;            /* default 8 */
        size_t   alpha;        /* default 3 */
        uint32_t t_expire;     /* s, default 86400 */
        uint32_t t_refresh;    /* s, default 900 */
        uint32_t t_replicate;  /* s, default 900 */
        uint32_t t_req;        /* ms, DHT_T_REQ_DEF */
        uint32_t t_lookup;     /* ms, DHT_T_LOOKUP_DEF */
        size_t   rounds_max;   /* DHT_ROUNDS_DEF */
        size_t   max_keys;     /* DHT_KEYS_DEF */
        size_t   max_vals;     /* per key, DHT_VALS_DEF */
        size_t   max_lookups;  /* at once, DHT_LOOKUPS_DEF */
        size_t   max_reqs;     /* awaiting answers, DHT_REQS_DEF */
        size_t   max_out;      /* messages not yet popped, DHT_OUT_DEF */
};

struct dht_stats {
        uint64_t rcv;          /* messages taken */
        uint64_t bad;          /* refused by dht_msg_parse, or own id */
        uint64_t unmatched;    /* replies to no request (late, forged) */
        uint64_t sent;         /* messages queued */
        uint64_t timeouts;     /* requests unanswered */
        uint64_t resent;       /* STOREs sent again after a timeout */
        uint64_t refused;      /* not sent: requests or outbox full */
        uint64_t lookups;      /* started */
        struct dht_table_stats table;
        struct dht_store_stats store;
};

/* A member with node id self (cfg->klen bytes, see dht_key.h) at
 * address addr. Returns 0, -EINVAL or -ENOMEM. */
int      dht_create(struct dht **          d,
                    const struct dht_cfg * cfg,
                    const uint8_t *        self,
                    uint64_t               addr,
                    uint64_t               now);

void     dht_destroy(struct dht * d);

/* Join through the member at addr (its id unknown yet): a FIND_NODE
 * of the own id; when it answers, a lookup of the own id fills the
 * k-buckets. Returns 0 or -EBUSY (requests or outbox full). */
int      dht_join(struct dht * d,
                  uint64_t     addr,
                  uint64_t     now);

/* A message of n bytes from the layer. Returns 0, an error of
 * dht_msg_parse (counted in bad), or -EINVAL (a message with the
 * member's own id). */
int      dht_rcv(struct dht *    d,
                 const uint8_t * buf,
                 size_t          n,
                 uint64_t        now);

/* Timeouts, lookups past their deadline, expiry, publishing, refresh
 * and replication due by now. Returns the messages queued. */
size_t   dht_tick(struct dht * d,
                  uint64_t     now);

/* The earliest time dht_tick has work: a request's or a lookup's
 * deadline, a value's expiry, own values due, replication, refresh.
 * Publishing that found no lookup free is retried at the next tick:
 * tick at least every DHT_TICK_MS. */
uint64_t dht_next(const struct dht * d);

/* The next message to send: its length (written to buf, the
 * destination address to *dst), 0 if none, -ENOBUFS if it does not fit
 * in cap bytes (it stays queued; DHT_MSG_LEN_MAX always fits). */
ssize_t  dht_pop(struct dht * d,
                 uint64_t *   dst,
                 uint8_t *    buf,
                 size_t       cap);

/* Register this member's address for key and publish it. Returns 0,
 * or an error of dht_store_put (-ENOSPC). */
int      dht_register(struct dht *    d,
                      const uint8_t * key,
                      uint64_t        now);

/* Withdraw the registration: dropped here, and a STORE with ttl 0
 * sent to the k closest found by a lookup. Returns 0, -ENOENT (not
 * registered) or -EBUSY (no lookup free: copies expire in time). */
int      dht_unregister(struct dht *    d,
                        const uint8_t * key,
                        uint64_t        now);

/* The addresses of key. Returns 0 with up to cap of them in addrs
 * (*n) if this member holds key, else a lookup id (> 0) for
 * dht_result, or -EBUSY (DHT_LOOKUPS at once), -ENOMEM. */
int      dht_query(struct dht *    d,
                   const uint8_t * key,
                   uint64_t        now,
                   uint64_t *      addrs,
                   size_t          cap,
                   size_t *        n);

/* The outcome of query id: -EINPROGRESS while it runs; 0 when done
 * with up to cap addresses (*n, 0: not found) and its figures in *st
 * (may be NULL), after which id is forgotten; -ENOENT if unknown. A
 * query holds one of the max_lookups until its result is read. */
int      dht_result(struct dht *              d,
                    int                       id,
                    uint64_t *                addrs,
                    size_t                    cap,
                    size_t *                  n,
                    struct dht_lookup_stats * st);

void     dht_stats(const struct dht * d,
                   struct dht_stats * st);

/* One key held, as dht_entries shows it (for irm ipcp stat). */
struct dht_entry {
        const uint8_t *        key;
        bool                   own;   /* registered on this member */
        size_t                 nv;
        const struct dht_val * vals;  /* ttl: seconds left */
};

/* Call fn for every key held with live values at now, until it returns
 * non-zero; returns that value or 0. */
int      dht_entries(const struct dht * d,
                     uint64_t           now,
                     int             (* fn)(const struct dht_entry * e,
                                            void *                   arg),
                     void *             arg);

/* The fresh contacts closest to key, as dht_table_closest. */
size_t   dht_closest(const struct dht *   d,
                     const uint8_t *      key,
                     struct dht_contact * out,
                     size_t               n);

#endif /* OUROBOROS_IPCPD_UNICAST_DHT_H */
