/*
 * Ouroboros - the per-process cache of flow memory mappings.
 *
 * Mapping a flow's memory and unmapping it again cost more than the
 * rest of an allocation: the page tables made at the first touch, and
 * freed with a TLB flush at munmap. The IRMd hands the memory of a flow
 * that ended cleanly to the next flow between the same two processes
 * (src/irmd/flow_mem.c), so a mapping of a closed flow is kept here,
 * keyed by the memfd's (st_dev, st_ino), and taken again when the same
 * memory comes back: no mmap, no fault, no munmap.
 *
 * A parked mapping is not in use: flow_shm_unmap parks it after every
 * thread left the flow. At most SHM_CACHE_MAX are kept (the oldest is
 * unmapped to make room). The last side to park a flow's mapping (the
 * peer closed or died) gives the rings' pages back to the kernel, so
 * what a cached mapping holds is its header page. A forked child drops
 * the cache (flow_shm_cache_drop): its copies are not its flows.
 */
#include "flow_shm_priv.h"

#include <pthread.h>
#include <sys/mman.h>

#define SHM_CACHE_MAX 8

struct shm_cached {
        void * base;
        size_t len;
        dev_t  dev;
        ino_t  ino;
};

static struct {
        pthread_mutex_t   lock;
        struct shm_cached e[SHM_CACHE_MAX]; /* e[0] the oldest */
        int               n;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

void * shm_cache_take(dev_t  dev,
                      ino_t  ino,
                      size_t len)
{
        void * base = NULL;
        int    i;

        pthread_mutex_lock(&cache.lock);
        for (i = cache.n - 1; i >= 0; --i) {
                if (cache.e[i].dev == dev && cache.e[i].ino == ino &&
                    cache.e[i].len == len)
                        break;
        }
        if (i >= 0) {
                base = cache.e[i].base;
                for (; i < cache.n - 1; ++i)
                        cache.e[i] = cache.e[i + 1];
                --cache.n;
        }
        pthread_mutex_unlock(&cache.lock);

        return base;
}

void shm_cache_park(void * base,
                    size_t len,
                    dev_t  dev,
                    ino_t  ino)
{
        struct shm_cached old = { NULL, 0, 0, 0 };
        int               i;

        pthread_mutex_lock(&cache.lock);
        if (cache.n == SHM_CACHE_MAX) {
                old = cache.e[0];
                for (i = 0; i < cache.n - 1; ++i)
                        cache.e[i] = cache.e[i + 1];
                --cache.n;
        }
        cache.e[cache.n].base = base;
        cache.e[cache.n].len  = len;
        cache.e[cache.n].dev  = dev;
        cache.e[cache.n].ino  = ino;
        ++cache.n;
        pthread_mutex_unlock(&cache.lock);

        if (old.base != NULL)
                munmap(old.base, old.len);
}

void flow_shm_cache_drop(void)
{
        int i;

        pthread_mutex_init(&cache.lock, NULL);
        for (i = 0; i < cache.n; ++i)
                munmap(cache.e[i].base, cache.e[i].len);
        cache.n = 0;
}
