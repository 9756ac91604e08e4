/*
 * Ouroboros - fuzz target: event sets against hostile peers. The input
 * is a script over 8 flows in one set (this process reads side 0, the
 * script plays the peers on side 1): a peer writes a packet, adds any
 * 64-bit value to the process eventfd (garbage, a near-token, a full
 * counter), scribbles on its own token word, this process reads a
 * packet or polls the set. A flow with packets (whose own peer did not
 * scribble on its token word) must be reported by a
 * poll or the one after it (fevent(3)'s fairness): garbage costs a
 * rescan, never an event.
 * Sources: src/lib/fqueue.c src/lib/fset_awake.c src/lib/evwait.c src/lib/flow_table.c src/common/env_num.c src/lib/flow_crypt.c src/common/flow_shm.c src/common/flow_shm_ctl.c src/common/crypt.c src/common/crypt_kex.c src/common/ossl.c src/common/hash.c src/common/flow_shm_cache.c src/lib/frct_flow.c src/lib/frct_flow_life.c src/lib/local_msg.c src/lib/frct_io.c src/lib/frct_timer.c src/lib/frct/[a-z]*.c
 * Libs: -lz -lm
 */
#include "fuzz_input.h"

#include "lib/evwait.h"
#include "lib/flow_table.h"
#include "lib/fqueue_priv.h"
#include "lib/session.h"

#include "common/flow_shm.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define NF 8

static int               efd = -1;
static int               fds[NF];
static struct flow_shm * peer[NF];
static fset_t *          set;
static fqueue_t *        fq;
static bool              tampered[NF]; /* not checked from then on */

int session_local_init(void)
{
        if (efd >= 0)
                return 0;
        if (ft_init() < 0)
                abort();
        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
                abort();
        evwait_init(efd);

        return 0;
}

static void setup(void)
{
        struct flow_shm_conf conf;
        int                  i;

        session_local_init();
        flow_shm_conf_default(&conf);
        conf.ring_size = FLOW_SHM_RING_MIN;
        conf.max_pkt   = 256;
        conf.max_pkts  = 64;
        set = fset_create();
        fq  = fqueue_create();
        for (i = 0; i < NF; ++i) {
                int memfd = flow_shm_create(&conf);
                int dupfd = dup(memfd);
                fds[i] = ft_reserve();
                if (memfd < 0 || dupfd < 0 || fds[i] < 0 ||
                    ft_publish(fds[i], (uint32_t) i + 1, memfd, 0, -1, 1,
                               &qos_data) < 0 ||
                    flow_shm_map(dupfd, 1, efd, &peer[i]) < 0)
                        abort();
                close(dupfd);
                fset_add(set, fds[i]);
        }
}

static void read_one(int fd)
{
        struct ft_flow * f;
        const void *     p;
        int              err;

        f = ft_get(fd, &err);
        if (f == NULL)
                abort();
        if (flow_shm_peek(f->shm, &p, true, NULL) >= 0)
                flow_shm_consume(f->shm);
        if (flow_shm_rxqlen(f->shm) == 0)
                fq_drained(fd);
        ft_put(f);
}

/* Poll the set twice: every flow with packets is reported. */
static void check_poll(void)
{
        struct timespec zero = { 0, 0 };
        bool            seen[NF] = { false };
        ssize_t         n;
        int             fd;
        int             i;
        int             k;

        for (k = 0; k < 2; ++k) {
                n = fevent(set, fq, &zero);
                if (n < 0 && n != -ETIMEDOUT)
                        abort();
                while ((fd = fqueue_next(fq)) >= 0)
                        for (i = 0; i < NF; ++i)
                                if (fds[i] == fd)
                                        seen[i] = true;
        }
        for (i = 0; i < NF; ++i) {
                struct ft_flow * f = ft_entry(fds[i]);
                if (flow_shm_rxqlen(f->shm) > 0 && !seen[i] && !tampered[i])
                        abort(); /* an event was lost */
        }
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct input in = { data, size };
        char         b = 'z';
        int          i;

        if (set == NULL)
                setup();

        while (in.n > 0) {
                int      op = (int) take(&in, 1);
                int      k  = (int) take(&in, 1) % NF;
                uint64_t v;

                switch (op % 6) {
                case 0: /* a peer writes */
                        flow_shm_write(peer[k], &b, 1, true, NULL);
                        break;
                case 1: /* a peer adds garbage to our eventfd: at or
                         * above 2^62 (so it sums with no token into a
                         * token); below, forging one is a 2^-41 guess that
                         * libFuzzer's comparison feedback would cheat on */
                        v = take(&in, 8) | (1ULL << 62);
                        if (write(efd, &v, sizeof(v)) < 0)
                                (void) 0; /* full counter, or 0xff..ff */
                        break;
                case 2: /* a near-token: the peer's own plus a delta */
                        v = fq_token(fds[k], atomic_load(
                                &ft_entry(fds[k])->gen)) +
                                (uint64_t) (int8_t) take(&in, 1);
                        if (write(efd, &v, sizeof(v)) < 0)
                                (void) 0;
                        break;
                case 3: /* a peer scribbles on our token word: that
                         * only misdirects its own flow's signals */
                        v = take(&in, 8);
                        flow_shm_set_token(ft_entry(fds[k])->shm, v);
                        tampered[k] = true;
                        break;
                case 4:
                        read_one(fds[k]);
                        break;
                default:
                        check_poll();
                }
        }
        check_poll();

        /* Leave the flows empty for the next input. */
        for (i = 0; i < NF; ++i)
                while (flow_shm_rxqlen(ft_entry(fds[i])->shm) > 0)
                        read_one(fds[i]);
        check_poll();

        return 0;
}
