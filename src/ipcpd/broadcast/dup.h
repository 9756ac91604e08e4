/*
 * Ouroboros - the broadcast layer's duplicate filter: which (origin,
 * seq) pairs a member has already taken, in bounded memory.
 *
 * Per origin a sliding window of BC_DUP_WIN sequence numbers: a bitmap
 * of the seqs taken in [top - BC_DUP_WIN + 1, top], top the highest
 * seq taken (serial arithmetic: seqs wrap). A seq above top slides the
 * window; one inside it is new unless its bit is set; one below it is
 * refused as too old (it can not be told from a duplicate).
 *
 * The origins form a table of at most max entries, in order of last
 * sight (every packet of an origin, new or duplicate, refreshes it).
 * An origin silent for idle_ms is forgotten (bc_dup_expire). A new
 * origin when the table is full takes the place of the least recently
 * seen one, but only if that one has been silent for hold_ms at least;
 * else the new origin's packet is refused (BC_DUP_FULL) until one is.
 * So a duplicate is always caught when it comes within hold_ms of its
 * origin's previous packet, whatever the load; the copies of one
 * message racing over the cycles of a layer come milliseconds apart.
 *
 * Not thread-safe (the IPCP's loop thread owns it). Memory: about
 * (BC_DUP_WIN / 8 + 48) bytes per origin, allocated at creation.
 */
#ifndef OUROBOROS_IPCPD_BROADCAST_DUP_H
#define OUROBOROS_IPCPD_BROADCAST_DUP_H

#include <stddef.h>
#include <stdint.h>

#define BC_DUP_WIN      1024    /* seqs remembered per origin        */
#define BC_DUP_ORIGINS  4096    /* origins remembered                */
#define BC_DUP_IDLE_MS  120000  /* an origin silent this long: gone  */
#define BC_DUP_HOLD_MS  10000   /* never evicted younger than this   */

enum bc_dup_res {
        BC_DUP_NEW = 0,  /* first sight: take it                     */
        BC_DUP_SEEN,     /* a duplicate                              */
        BC_DUP_OLD,      /* below the origin's window                */
        BC_DUP_FULL      /* a new origin and no room for it          */
};

struct bc_dup;

/* A filter of at most max origins (max >= 1). NULL: out of memory or
 * max 0. */
struct bc_dup * bc_dup_create(size_t  max,
                              int64_t idle_ms,
                              int64_t hold_ms);

void            bc_dup_destroy(struct bc_dup * d);

/* Whether (origin, seq) is new at time now_ms; a new one is recorded. */
enum bc_dup_res bc_dup_check(struct bc_dup * d,
                             uint64_t        origin,
                             uint32_t        seq,
                             int64_t         now_ms);

/* Forget the origins silent for idle_ms at now_ms: how many. */
size_t          bc_dup_expire(struct bc_dup * d,
                              int64_t         now_ms);

/* Origins remembered now, and evicted since creation. */
size_t          bc_dup_count(const struct bc_dup * d);
uint64_t        bc_dup_evicted(const struct bc_dup * d);

#endif /* OUROBOROS_IPCPD_BROADCAST_DUP_H */
