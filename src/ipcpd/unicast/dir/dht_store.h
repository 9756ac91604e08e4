/*
 * Ouroboros - the values a member of the directory holds: for each key
 * (a name hash) the addresses registered for it, its own registrations
 * and those other members stored on it.
 *
 * An own value never expires (until dht_store_del); a stored value
 * expires at the absolute time it was given. Each key is due for
 * publishing at a time the member sets (dht_store_due; 0 for a new
 * key). A value stored again
 * takes the later expiry; an own value stays own.
 *
 * A withdrawn value is buried (dht_store_bury): kept as a tombstone
 * until a given time, invisible to get, so that a late copy of it can
 * be told apart (dht_store_buried) and refused; a put revives it.
 *
 * Memory is bounded (tombstones count): at most max_keys keys and max_vals values per key;
 * beyond, dht_store_put refuses with -ENOSPC and counts.
 *
 * Time is an argument (the caller's monotonic ms). Not thread-safe.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DHT_STORE_H
#define OUROBOROS_IPCPD_UNICAST_DHT_STORE_H

#include "dht_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHT_KEYS_DEF      8192
#define DHT_VALS_DEF      16
#define DHT_EXPIRY_NEVER  UINT64_MAX

struct dht_store;

struct dht_store_stats {
        size_t   keys;          /* with a live value */
        size_t   vals;          /* live */
        size_t   buried;        /* tombstones */
        uint64_t refused_keys;  /* values of new keys refused: max_keys */
        uint64_t refused_vals;  /* new values refused: max_vals reached */
        uint64_t expired;
};

/* One key as dht_store_foreach shows it. */
struct dht_store_key {
        const uint8_t * key;
        bool            own;       /* holds an own value */
        uint64_t        due;       /* when its values are due (publish) */
        bool            sparse;    /* last published to fewer than k */
        size_t          live;      /* values not buried */
};

/* Returns 0, -EINVAL (klen, max_vals above DHT_MSG_VALS_MAX) or
 * -ENOMEM; max_keys, max_vals 0: defaults. */
int    dht_store_create(struct dht_store ** s,
                        size_t              klen,
                        size_t              max_keys,
                        size_t              max_vals);

void   dht_store_destroy(struct dht_store * s);

/* Hold addr for key until expiry (DHT_EXPIRY_NEVER and own for a
 * registration of this member). Returns 1 if new, 0 if known (expiry
 * extended), -EINVAL (addr 0), -ENOSPC, -ENOMEM. */
int    dht_store_put(struct dht_store * s,
                     const uint8_t *    key,
                     uint64_t           addr,
                     uint64_t           expiry,
                     bool               own);

/* Drop addr from key; an own value only if own. Returns 0 or -ENOENT. */
int    dht_store_del(struct dht_store * s,
                     const uint8_t *    key,
                     uint64_t           addr,
                     bool               own);

/* Withdraw addr of key (not an own value) until until: a tombstone,
 * made if there was no value. Returns 1 if a live value was buried, 0
 * if not, -EPERM (an own value), -ENOSPC, -ENOMEM. */
int    dht_store_bury(struct dht_store * s,
                      const uint8_t *    key,
                      uint64_t           addr,
                      uint64_t           until);

/* 1 if addr of key is buried, 0 otherwise. */
int    dht_store_buried(const struct dht_store * s,
                        const uint8_t *          key,
                        uint64_t                 addr);

/* The live values of key at now, at most n, with the seconds they have
 * left in ttl (others' values: rounded down, at least 1; own values:
 * own_ttl), only own ones if own_only. Returns how many. */
size_t dht_store_get(const struct dht_store * s,
                     const uint8_t *          key,
                     uint64_t                 now,
                     uint32_t                 own_ttl,
                     bool                     own_only,
                     struct dht_val *         out,
                     size_t                   n);

/* 1 if key holds an own value, 0 if not, -ENOENT if key is unknown. */
int    dht_store_own(const struct dht_store * s,
                     const uint8_t *          key);

/* Set when the values of key are next due (to publish). Returns 0 or -ENOENT. */
int    dht_store_due(struct dht_store * s,
                     const uint8_t *    key,
                     uint64_t           due);

/* Mark key as last published to fewer than k members (or not).
 * Returns 0 or -ENOENT. */
int    dht_store_sparse(struct dht_store * s,
                        const uint8_t *    key,
                        bool               sparse);

/* Drop values expired by now (keys left empty too). Returns how many. */
size_t dht_store_expire(struct dht_store * s,
                        uint64_t           now);

/* The earliest time a held value expires or a key is due
 * (UINT64_MAX: none). */
uint64_t dht_store_next(const struct dht_store * s);

/* Call fn for every key until it returns non-zero; returns that. fn
 * may set when a key is due (dht_store_due), nothing else. */
int    dht_store_foreach(const struct dht_store * s,
                         int                   (* fn)(
                                 const struct dht_store_key * k,
                                 void *                       arg),
                         void *                   arg);

void   dht_store_stats(const struct dht_store * s,
                       struct dht_store_stats * st);

#endif /* OUROBOROS_IPCPD_UNICAST_DHT_STORE_H */
