/*
 * Ouroboros - binary search over the sorted arrays of the routing core
 * whose elements start with a uint64_t key (an address): address
 * lists, LSA neighbours (struct lsa_nbr), forwarding entries
 * (struct fwd_entry). Internal to the routing library.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_SEARCH_H
#define OUROBOROS_IPCPD_UNICAST_SEARCH_H

#include <stddef.h>
#include <stdint.h>

/* The index of the element whose key is key in base (n elements of
 * size bytes each, keys increasing), or n if there is none. */
static inline size_t search_u64(const void * base,
                                size_t       n,
                                size_t       size,
                                uint64_t     key)
{
        const char * p  = base;
        size_t       lo = 0;
        size_t       hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (*(const uint64_t *) (p + mid * size) < key)
                        lo = mid + 1;
                else
                        hi = mid;
        }

        if (lo < n && *(const uint64_t *) (p + lo * size) == key)
                return lo;

        return n;
}

#endif /* OUROBOROS_IPCPD_UNICAST_SEARCH_H */
