/*
 * Ouroboros - recycling a flow memory (flow_shm_recycle, the IRMd's
 * side) and the per-process mapping cache (flow_shm_unmap parks, and
 * flow_shm_map takes back, the mapping of a closed flow): a memory is
 * recycled only when both sides closed it, nothing of the old flow
 * survives, the last side to close frees the rings' pages, a mapping
 * comes back at the same address, and the cache stays bounded.
 */
#include "common/flow_shm.h"
#include "common/flow_shm_layout.h"
#include "common/flow_shm_priv.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CACHE_MAX 8 /* flow_shm_cache.c */

static struct flow_shm_conf conf;

/* Mappings of flow memories in this process (/proc/self/maps). */
static int flow_mappings(void)
{
        FILE * f = fopen("/proc/self/maps", "r");
        char   line[512];
        int    n = 0;

        CHECK(f != NULL);
        while (fgets(line, sizeof(line), f) != NULL)
                if (strstr(line, "ouroboros-flow") != NULL)
                        ++n;
        fclose(f);

        return n;
}

/* Is any page of the rings allocated? */
static bool rings_hold_data(int fd)
{
        off_t o = lseek(fd, SHM_HDR_SIZE, SEEK_DATA);

        CHECK(o >= 0 || errno == ENXIO);

        return o >= 0;
}

static void pair_map(int                fd,
                     struct flow_shm ** a,
                     struct flow_shm ** b)
{
        CHECK_EQ(flow_shm_map(fd, 0, -1, a), 0);
        CHECK_EQ(flow_shm_map(fd, 1, -1, b), 0);
}

static void t_refused(void)
{
        struct flow_shm_conf other = conf;
        struct flow_shm *    a;
        struct flow_shm *    b;
        int                  fd = flow_shm_create(&conf);

        CHECK(fd >= 0);
        CHECK_EQ(flow_shm_recycle(-1, &conf), -EINVAL);
        CHECK_EQ(flow_shm_recycle(fd, NULL), -EINVAL);

        pair_map(fd, &a, &b);
        CHECK_EQ(flow_shm_recycle(fd, &conf), -EBUSY); /* both open */
        flow_shm_close(a);
        CHECK_EQ(flow_shm_recycle(fd, &conf), -EBUSY); /* one open */
        CHECK_EQ(flow_shm_mark_dead(fd, 1, -1), 0);
        CHECK_EQ(flow_shm_recycle(fd, &conf), -EBUSY); /* one died */
        flow_shm_unmap(a);
        flow_shm_unmap(b);

        fd = (close(fd), flow_shm_create(&conf));
        CHECK(fd >= 0);
        pair_map(fd, &a, &b);
        CHECK_EQ(flow_shm_write(b, "secret", 6, true, NULL), 6);
        flow_shm_close(a);
        flow_shm_close(b);
        other.ring_size *= 2;
        CHECK_EQ(flow_shm_recycle(fd, &other), -EBUSY); /* another size */
        CHECK(rings_hold_data(fd));
        CHECK_EQ(flow_shm_recycle(fd, &conf), 0); /* still mapped here */
        CHECK(!rings_hold_data(fd));
        CHECK(memmem(b->base, b->map_len, "secret", 6) == NULL);
        CHECK_EQ(flow_shm_peer_state(a), FLOW_SIDE_OPEN);
        flow_shm_unmap(a);
        flow_shm_unmap(b);
        close(fd);
        flow_shm_cache_drop();
}

static void t_nothing_survives(void)
{
        static const char   msg[] = "the previous flow's secret";
        struct flow_shm *   a;
        struct flow_shm *   b;
        const void *        pkt;
        uint8_t *           base_a;
        uint8_t *           base_b;
        char                buf[4096];
        int                 fd = flow_shm_create(&conf);
        size_t              i;

        CHECK(fd >= 0);
        pair_map(fd, &a, &b);
        base_a = a->base;
        base_b = b->base;
        CHECK_EQ(flow_shm_write(a, msg, sizeof(msg), true, NULL),
                 sizeof(msg));
        CHECK_EQ(flow_shm_write(a, msg, sizeof(msg), true, NULL),
                 sizeof(msg));
        CHECK_EQ(flow_shm_peek(b, &pkt, true, NULL), sizeof(msg));
        flow_shm_consume(b); /* one left unread */
        CHECK(rings_hold_data(fd));

        flow_shm_close(a);
        flow_shm_unmap(a);      /* first to go: the data stays */
        CHECK(rings_hold_data(fd));
        flow_shm_close(b);
        flow_shm_unmap(b);      /* last to go: the rings' pages freed */
        CHECK(!rings_hold_data(fd));
        CHECK_EQ(flow_mappings(), 2); /* both parked */

        CHECK_EQ(flow_shm_recycle(fd, &conf), 0);
        CHECK(pread(fd, buf, sizeof(buf), SHM_HDR_SIZE) ==
              (ssize_t) sizeof(buf));
        for (i = 0; i < sizeof(buf); ++i)
                CHECK_EQ(buf[i], 0);

        /* the same mappings come back, on a new flow */
        pair_map(fd, &a, &b);
        CHECK(a->base == base_a || a->base == base_b);
        CHECK(b->base == base_a || b->base == base_b);
        CHECK(a->base != b->base);
        CHECK_EQ(flow_mappings(), 2);
        CHECK_EQ(flow_shm_peer_state(a), FLOW_SIDE_OPEN);
        CHECK_EQ(flow_shm_peer_state(b), FLOW_SIDE_OPEN);
        CHECK_EQ(flow_shm_rxqlen(b), 0);
        CHECK_EQ(flow_shm_peek(b, &pkt, true, NULL), -EAGAIN);
        CHECK_EQ(flow_shm_write(b, "x", 1, true, NULL), 1);
        CHECK_EQ(flow_shm_peek(a, &pkt, true, NULL), 1);
        CHECK_EQ(memcmp(pkt, "x", 1), 0);
        flow_shm_consume(a);

        /* a flow not closed here is unmapped, not kept */
        flow_shm_unmap(a);
        CHECK_EQ(flow_mappings(), 1);
        flow_shm_unmap(b);
        CHECK_EQ(flow_mappings(), 0);
        close(fd);
}

static void t_bounded(void)
{
        int fds[CACHE_MAX + 4];
        int i;

        for (i = 0; i < CACHE_MAX + 4; ++i) {
                struct flow_shm * s;
                fds[i] = flow_shm_create(&conf);
                CHECK(fds[i] >= 0);
                CHECK_EQ(flow_shm_map(fds[i], 0, -1, &s), 0);
                flow_shm_close(s);
                flow_shm_unmap(s);
        }
        CHECK_EQ(flow_mappings(), CACHE_MAX); /* the oldest went */

        for (i = 0; i < CACHE_MAX + 4; ++i)
                close(fds[i]);
        flow_shm_cache_drop();
        CHECK_EQ(flow_mappings(), 0);
}

int main(void)
{
        flow_shm_conf_default(&conf);
        conf.ring_size = 64 * 1024;
        conf.max_pkt   = 16 * 1024;
        conf.max_pkts  = 256;

        t_refused();
        t_nothing_survives();
        t_bounded();

        return check_report("flow_shm_recycle");
}
