/*
 * Ouroboros - libFuzzer target for the flow memory as seen from a
 * malicious peer: the input is a script of what the peer does to the
 * shared header, its channel counters and its ring (raw stores of any
 * value anywhere in them, or honest packets through a real handle of
 * its side), interleaved with what our side does (map, peek/consume,
 * write, reserve/commit, events, arm, queue lengths, close, set_down).
 * Every call must return cleanly; a packet handed out by peek must lie
 * inside our receive ring and be at most max_pkt, room handed out by
 * reserve inside our transmit ring; nothing blocks (deadlines are
 * already past or the calls are non-blocking).
 *
 * Sources: src/common/flow_shm.c src/common/flow_shm_ctl.c src/common/flow_shm_cache.c
 */
#include "common/flow_shm_priv.h"
#include "common/timeutil.h"
#include "fuzz_input.h"

#include <ouroboros/errno.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RING     16384
#define MAX_PKT  2048
#define MAX_PKTS 64

static int             memfd;
static uint8_t *       raw;   /* the peer's view of the whole memfd */
static size_t          raw_len;
static struct shm_hdr  fresh; /* the header as flow_shm_create left it */

static void setup(void)
{
        struct flow_shm_conf c = { RING, MAX_PKTS, MAX_PKT };

        memfd = flow_shm_create(&c);
        if (memfd < 0)
                abort();
        raw_len = SHM_HDR_SIZE + 2 * RING;
        raw = mmap(NULL, raw_len, PROT_READ | PROT_WRITE, MAP_SHARED,
                   memfd, 0);
        if (raw == MAP_FAILED)
                abort();
        memcpy(&fresh, raw, sizeof(fresh));
}

/* A peer's raw store: a value of 1, 4 or 8 bytes at any offset of the
 * header page or of either ring. */
static void peer_store(struct input * in)
{
        uint64_t off  = take(in, 3) % raw_len;
        int      size = (int) take(in, 1) % 3;
        uint64_t v    = take(in, 8);

        if (size == 0) {
                raw[off] = (uint8_t) v;
        } else if (size == 1 && off + 4 <= raw_len) {
                uint32_t w = (uint32_t) v;
                memcpy(raw + off, &w, 4);
        } else if (off + 8 <= raw_len) {
                memcpy(raw + off, &v, 8);
        }
}

/* The peer stores a counter of a channel (most of the attack surface). */
static void peer_counter(struct input * in)
{
        struct shm_hdr *   h = (struct shm_hdr *) raw;
        struct shm_chan *  c = &h->chan[take(in, 1) & 1];
        uint64_t           v = take(in, 8);

        switch (take(in, 1) % 8) {
        case 0: atomic_store(&c->tail, v); break;
        case 1: atomic_store(&c->head, v); break;
        case 2: atomic_store(&c->tpkts, v); break;
        case 3: atomic_store(&c->hpkts, v); break;
        case 4: atomic_store(&c->wwaiters, (uint32_t) v); break;
        case 5: atomic_store(&c->whead, v); break;
        case 6: atomic_store(&h->state[v & 1], (uint32_t) (v >> 8)); break;
        default: atomic_store(&h->armed[v & 1], (uint32_t) (v >> 8)); break;
        }
}

/* The peer writes a record by hand into its ring (side 1 writes 1). */
static void peer_record(struct input * in)
{
        uint8_t * ring = raw + SHM_HDR_SIZE + RING;
        uint64_t  pos  = (take(in, 2) * 8) % RING;
        uint32_t  len  = (uint32_t) take(in, 2);
        uint32_t  tag  = (uint32_t) take(in, 4);

        if (take(in, 1) & 1)
                len = REC_WRAP;
        memcpy(ring + pos, &len, 4);
        memcpy(ring + pos + 4, &tag, 4);
}

static void check_pkt(const struct flow_shm * s,
                      const void *            pkt,
                      ssize_t                 n)
{
        const uint8_t * p = pkt;

        if (n < 0)
                return;
        if ((size_t) n > s->max_pkt)
                abort();
        if (p < s->rxring || p + n > s->rxring + s->ring)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct input      in = { data, size };
        struct flow_shm * us = NULL;
        struct flow_shm * peer = NULL;
        struct timespec   past = { 0, 0 };
        static uint8_t    buf[MAX_PKT + 8];
        const void *      pkt;
        void *            room;
        ssize_t           n;
        int               ops = 0;

        if (raw == NULL)
                setup();

        /* A fresh flow each run: header, counters and rings zeroed. */
        memset(raw, 0, raw_len);
        memcpy(raw, &fresh, sizeof(fresh));

        while (in.n > 0 && ops++ < 256) {
                switch (take(&in, 1) % 13) {
                case 0:
                        peer_store(&in);
                        break;
                case 1:
                        peer_counter(&in);
                        break;
                case 2:
                        peer_record(&in);
                        break;
                case 3: /* map (or remap) our side, resuming the counters */
                        flow_shm_unmap(us);
                        us = NULL;
                        flow_shm_map(memfd, 0, -1, &us);
                        break;
                case 4: /* an honest packet from the peer's own handle */
                        if (peer == NULL &&
                            flow_shm_map(memfd, 1, -1, &peer) < 0)
                                break;
                        n = (ssize_t) (take(&in, 2) % (MAX_PKT + 2));
                        memset(buf, 'p', sizeof(buf));
                        flow_shm_write(peer, buf, (size_t) n, true, NULL);
                        break;
                case 5:
                        if (us == NULL)
                                break;
                        n = flow_shm_peek(us, &pkt, take(&in, 1) & 1, &past);
                        check_pkt(us, pkt, n);
                        if (n >= 0) {
                                memcpy(buf, pkt, (size_t) n);
                                flow_shm_consume(us);
                        }
                        break;
                case 6:
                        if (us == NULL)
                                break;
                        n = (ssize_t) (take(&in, 2) % (MAX_PKT + 2));
                        memset(buf, 'u', sizeof(buf));
                        flow_shm_write(us, buf, (size_t) n,
                                       take(&in, 1) & 1, &past);
                        break;
                case 7:
                        if (us != NULL)
                                flow_shm_events(us);
                        break;
                case 8:
                        if (us != NULL)
                                flow_shm_arm(us, take(&in, 1) & 1);
                        break;
                case 9:
                        if (us == NULL)
                                break;
                        if (flow_shm_rxqlen(us) > MAX_PKTS ||
                            flow_shm_txqlen(us) > MAX_PKTS)
                                abort();
                        flow_shm_is_down(us);
                        flow_shm_peer_state(us);
                        break;
                case 10:
                        if (us != NULL)
                                flow_shm_set_down(us, take(&in, 1) & 1);
                        break;
                case 11: /* in place: reserve, fill, commit (maybe less) */
                        if (us == NULL)
                                break;
                        n = (ssize_t) (take(&in, 2) % (MAX_PKT + 2));
                        if (flow_shm_reserve(us, (size_t) n, &room,
                                             take(&in, 1) & 1, &past) == 0) {
                                uint8_t * p = room;
                                if (p < us->txring ||
                                    p + n > us->txring + us->ring)
                                        abort();
                                memset(p, 'r', (size_t) n);
                        }
                        flow_shm_commit(us, (size_t) n -
                                        take(&in, 1) % ((size_t) n + 1));
                        break;
                default:
                        if (us != NULL && (take(&in, 1) & 7) == 0)
                                flow_shm_close(us);
                        break;
                }
        }

        flow_shm_unmap(us);
        flow_shm_unmap(peer);

        return 0;
}
