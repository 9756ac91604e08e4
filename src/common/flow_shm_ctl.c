/*
 * Ouroboros - flow shared memory: creation, checking and mapping of the
 * memfd, side states and events (see flow_shm.h; the data path and the
 * wake-up protocol are in flow_shm.c).
 *
 * Map of the memfd (all offsets fixed, all recorded in the header and
 * checked by every mapper against the sealed size of the memfd):
 *
 *   0      struct shm_hdr     (one page)
 *            line 0  identity: magic, version, sizes, offsets
 *            line 1  side state words, event sequence, armed counts
 *            lines   per channel: producer (tail, tpkts, lost), consumer
 *                    (head, hpkts), reader wait (rseq, rwaiters,
 *                    rwoken), writer wait (wseq, wwaiters, wwoken, and
 *                    the wake target whead, whpkts), each on its own
 *                    128-byte block so the two processes never false-share
 *   4096   ring of channel 0  (ring_size bytes, written by side 0)
 *   4096 + ring_size  ring of channel 1 (written by side 1)
 *
 * The memfd is sparse: a page is allocated when first touched, and a
 * writer uses the start of its ring first (its window, see flow_shm.c),
 * so ring_size bounds a flow's memory and a quiet flow costs ~70 KiB.
 *
 * Nothing in the memory is a lock. A process killed at any instant leaves
 * at most a waiters count that is too high, which costs the other side a
 * spurious futex_wake, never a hang. The peer is not trusted: every value
 * it writes (head, tail, record lengths, state words) is range-checked
 * before use, and a bad one fails the call with -EBADMSG and marks the
 * handle broken; nothing is ever read or written outside the mapping.
 */

#include "flow_shm_priv.h"
#include "futex.h"

#include <ouroboros/errno.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_pow2(uint64_t n)
{
        return n != 0 && (n & (n - 1)) == 0;
}

void flow_shm_conf_default(struct flow_shm_conf * conf)
{
        assert(conf != NULL);

        conf->ring_size = FLOW_SHM_RING_DEF;
        conf->max_pkts  = FLOW_SHM_PKTS_DEF;
        conf->max_pkt   = FLOW_SHM_MAX_PKT_DEF;
}

static int conf_check(uint64_t ring,
                      uint64_t max_pkts,
                      uint64_t max_pkt)
{
        if (ring < FLOW_SHM_RING_MIN || ring > FLOW_SHM_RING_MAX)
                return -EINVAL;
        if (!is_pow2(ring))
                return -EINVAL;
        if (max_pkt < 1 || max_pkt > ring / 4)
                return -EINVAL;
        if (max_pkts < 1 || max_pkts > ring / REC_HDR)
                return -EINVAL;

        return 0;
}

int flow_shm_conf_check(const struct flow_shm_conf * conf)
{
        if (conf == NULL)
                return -EINVAL;

        return conf_check(conf->ring_size, conf->max_pkts, conf->max_pkt);
}

static uint64_t total_size(uint64_t ring)
{
        return SHM_HDR_SIZE + 2 * ring;
}

/* Write the header of a new (or recycled) flow at the start of fd, with
 * one pwrite: the IRMd makes no mapping (no page table, no TLB flush). */
static int hdr_write(int                          fd,
                     const struct flow_shm_conf * conf)
{
        struct shm_hdr * hdr;
        ssize_t          n;

        /* The whole page: nothing a peer wrote after the header stays. */
        hdr = calloc(1, SHM_HDR_SIZE);
        if (hdr == NULL)
                return -ENOMEM;

        hdr->magic      = SHM_MAGIC;
        hdr->version    = SHM_VERSION;
        hdr->total_size = total_size(conf->ring_size);
        hdr->hdr_size   = SHM_HDR_SIZE;
        hdr->ring_size  = conf->ring_size;
        hdr->max_pkts   = conf->max_pkts;
        hdr->max_pkt    = conf->max_pkt;
        hdr->chan_off   = offsetof(struct shm_hdr, chan);
        hdr->ring_off[0] = SHM_HDR_SIZE;
        hdr->ring_off[1] = SHM_HDR_SIZE + conf->ring_size;
        atomic_init(&hdr->state[0], FLOW_SIDE_OPEN);
        atomic_init(&hdr->state[1], FLOW_SIDE_OPEN);
        n = pwrite(fd, hdr, SHM_HDR_SIZE, 0);
        free(hdr);
        if (n != (ssize_t) SHM_HDR_SIZE)
                return n < 0 ? -errno : -EIO;

        return 0;
}

int flow_shm_create(const struct flow_shm_conf * conf)
{
        struct flow_shm_conf dflt;
        int                  fd;
        int                  r;

        if (conf == NULL) {
                flow_shm_conf_default(&dflt);
                conf = &dflt;
        }

        if (flow_shm_conf_check(conf) < 0)
                return -EINVAL;

        fd = memfd_create("ouroboros-flow", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;

        if (ftruncate(fd, (off_t) total_size(conf->ring_size)) < 0) {
                r = -errno;
                goto fail;
        }

        /* Nobody else holds the memfd yet, so no one can see a
         * half-written header; the rest of the memfd is zero-filled
         * (counters, waiters all 0). */
        r = hdr_write(fd, conf);
        if (r < 0)
                goto fail;

        /* Fixed size for ever, so no peer can SIGBUS our mapping. */
        if (fcntl(fd, F_ADD_SEALS, SEALS_NEEDED | F_SEAL_SEAL) < 0) {
                r = -errno;
                goto fail;
        }

        return fd;

 fail:
        close(fd);
        return r;
}

int flow_shm_recycle(int                          memfd,
                     const struct flow_shm_conf * conf)
{
        _Atomic uint32_t st[2];
        struct stat      sb;
        int              r;

        if (memfd < 0 || conf == NULL || flow_shm_conf_check(conf) < 0)
                return -EINVAL;

        if (fstat(memfd, &sb) < 0)
                return -errno;
        if ((uint64_t) sb.st_size != total_size(conf->ring_size))
                return -EBUSY; /* another size: make a new one */

        /* Both sides closed by their owners: nobody uses it any more. */
        if (pread(memfd, st, sizeof(st), offsetof(struct shm_hdr, state)) !=
            (ssize_t) sizeof(st))
                return -EBUSY;
        if (atomic_load(&st[0]) != FLOW_SIDE_CLOSED ||
            atomic_load(&st[1]) != FLOW_SIDE_CLOSED)
                return -EBUSY;

        /* No byte of the old flow survives: the rings go back to zero
         * pages (a no-op for pages never touched), then a new header. */
        if (fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      SHM_HDR_SIZE, (off_t) (2 * conf->ring_size)) < 0)
                return -errno;

        r = hdr_write(memfd, conf);
        if (r < 0)
                return r;

        return 0;
}

/*
 * Check the memfd and the header it starts with; on success *len is the
 * full size of the flow memory. hdr must map at least SHM_HDR_SIZE bytes.
 */
static int hdr_check(const struct shm_hdr * hdr,
                     size_t *               len)
{
        uint64_t ring;
        uint64_t size;

        if (hdr->magic != SHM_MAGIC || hdr->version != SHM_VERSION)
                return -EBADMSG;

        /* Copy once: the peer may change the header under us. */
        ring = hdr->ring_size;
        size = hdr->total_size;

        if (conf_check(ring, hdr->max_pkts, hdr->max_pkt) < 0)
                return -EBADMSG;
        if (size != total_size(ring) || hdr->hdr_size != SHM_HDR_SIZE)
                return -EBADMSG;
        if (hdr->chan_off != offsetof(struct shm_hdr, chan))
                return -EBADMSG;
        if (hdr->ring_off[0] != SHM_HDR_SIZE ||
            hdr->ring_off[1] != SHM_HDR_SIZE + ring)
                return -EBADMSG;

        *len = (size_t) size;

        return 0;
}

static int seals_check(int fd)
{
        int seals = fcntl(fd, F_GET_SEALS);

        if (seals < 0)
                return errno == EBADF ? -EBADF : -EBADMSG;
        if ((seals & SEALS_NEEDED) != SEALS_NEEDED)
                return -EBADMSG;

        return 0;
}

/*
 * The memfd: a regular file sealed against shrinking and growing (so its
 * size is final and no peer can SIGBUS a mapping), of a size a flow can
 * have. One fstat and one F_GET_SEALS (stp NULL; else the caller checks
 * the seals, see seals_check); the size goes to *len and the stat to
 * *stp.
 */
static int fd_check(int           fd,
                    size_t *      len,
                    struct stat * stp)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size < (off_t) SHM_HDR_SIZE ||
            (uint64_t) st.st_size > total_size(FLOW_SHM_RING_MAX))
                return -EBADMSG;

        *len = (size_t) st.st_size;
        if (stp != NULL)
                *stp = st;

        /* flow_shm_map looks at the seals only when it maps anew: a
         * mapping kept of this very file was checked when made, and
         * seals never come off. */
        return stp != NULL ? 0 : seals_check(fd);
}

/* Map only the header page (IRMd), after checking the memfd. */
static int hdr_map(int               fd,
                   struct shm_hdr ** hdr)
{
        size_t len;
        size_t hlen;
        void * p;
        int    r;

        r = fd_check(fd, &len, NULL);
        if (r < 0)
                return r;

        p = mmap(NULL, SHM_HDR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                 fd, 0);
        if (p == MAP_FAILED)
                return -errno;

        r = hdr_check(p, &hlen);
        if (r == 0 && hlen != len)
                r = -EBADMSG;
        if (r < 0) {
                munmap(p, SHM_HDR_SIZE);
                return r;
        }

        *hdr = p;

        return 0;
}

/* CPUs online, read once: sysconf opens and reads a /sys file. */
static long cpus_online(void)
{
        static _Atomic long n;
        long                v = atomic_load_explicit(&n, memory_order_relaxed);

        if (v == 0) {
                v = sysconf(_SC_NPROCESSORS_ONLN);
                if (v < 1)
                        v = 1;
                atomic_store_explicit(&n, v, memory_order_relaxed);
        }

        return v;
}

/* Poll before sleeping only if this thread can run beside its peer. */
static int64_t spin_budget(void)
{
        cpu_set_t set;

        if (cpus_online() < 2)
                return 0;
        if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
            CPU_COUNT(&set) < 2)
                return 0;

        return FLOW_SHM_SPIN_NS;
}

int flow_shm_map(int                memfd,
                 int                side,
                 int                ev_fd,
                 struct flow_shm ** shm)
{
        struct flow_shm * s;
        struct shm_hdr *  hdr;
        struct stat       st  = { 0 }; /* set by fd_check: for gcc -O2 */
        size_t            len = 0;
        size_t            hlen;
        void *            p;
        int               r;

        if (shm == NULL || memfd < 0 || (side != 0 && side != 1))
                return -EINVAL;

        /* One look at the memfd, one mapping of all of it: the one kept
         * from an earlier flow on the same memory if there is one. */
        r = fd_check(memfd, &len, &st);
        if (r < 0)
                return r;

        p = shm_cache_take(st.st_dev, st.st_ino, len);
        if (p == NULL) {
                r = seals_check(memfd);
                if (r < 0)
                        return r;
                p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
                         memfd, 0);
                if (p == MAP_FAILED)
                        return -errno;
        }
        hdr = p;

        s = calloc(1, sizeof(*s));
        if (s == NULL) {
                munmap(p, len);
                return -ENOMEM;
        }

        /* Check the header, then trust only our copy: the peer may change
         * it under us at any time. */
        s->ring     = hdr->ring_size;
        s->max_pkts = hdr->max_pkts;
        s->max_pkt  = hdr->max_pkt;
        r = hdr_check(hdr, &hlen);
        if (r < 0 || hlen != len ||
            conf_check(s->ring, s->max_pkts, s->max_pkt) < 0 ||
            total_size(s->ring) != len) {
                munmap(p, len);
                free(s);
                return -EBADMSG;
        }

        s->base    = p;
        s->map_len = len;
        s->dev     = st.st_dev;
        s->ino     = st.st_ino;
        s->hdr     = p;
        s->mask    = s->ring - 1;
        s->side    = side;
        s->ev_fd   = ev_fd;
        s->spin_ns = spin_budget();
        s->tx      = &s->hdr->chan[side];
        s->rx      = &s->hdr->chan[1 - side];
        s->txring  = s->base + SHM_HDR_SIZE + (uint64_t) side * s->ring;
        s->rxring  = s->base + SHM_HDR_SIZE + (uint64_t) (1 - side) * s->ring;

        /* Resume where a previous mapping of this side left off. */
        s->tail    = atomic_load(&s->tx->tail);
        s->tpkts   = atomic_load(&s->tx->tpkts);
        s->head_c  = atomic_load(&s->tx->head);
        s->hpkts_c = atomic_load(&s->tx->hpkts);
        s->win     = s->ring < FLOW_SHM_WIN_INIT ? s->ring : FLOW_SHM_WIN_INIT;
        s->head    = atomic_load(&s->rx->head);
        s->hpkts   = atomic_load(&s->rx->hpkts);
        s->tail_c  = s->head;
        if ((s->tail & 7) || (s->head & 7) || s->tail - s->head_c > s->ring) {
                munmap(p, len);
                free(s);
                return -EBADMSG;
        }

        atomic_store(&s->down_seen, flow_shm_is_down(s));
        *shm = s;

        return 0;
}

void flow_shm_unmap(struct flow_shm * shm)
{
        enum flow_side_state peer;

        if (shm == NULL)
                return;

        /* Only a flow this side closed (a dealloc) may come back. */
        if (!atomic_load(&shm->closed)) {
                munmap(shm->base, shm->map_len);
                free(shm);
                return;
        }

        /* The last side to go gives the rings' pages back: nobody reads
         * them any more (both sides stored their state before looking
         * at the other's, so at least one of the two sees both gone). */
        peer = state_of(shm->hdr, 1 - shm->side);
        if (peer == FLOW_SIDE_CLOSED || peer == FLOW_SIDE_DEAD)
                madvise(shm->base + SHM_HDR_SIZE, 2 * shm->ring,
                        MADV_REMOVE);

        shm_cache_park(shm->base, shm->map_len, shm->dev, shm->ino);
        free(shm);
}

void flow_shm_set_max_msg(struct flow_shm * shm,
                          uint32_t          n)
{
        atomic_store(&shm->hdr->max_msg[shm->side], n);
}

uint32_t flow_shm_peer_max_msg(const struct flow_shm * shm)
{
        return atomic_load(&shm->hdr->max_msg[1 - shm->side]);
}

void flow_shm_lost_add(struct flow_shm * shm,
                       uint64_t          n)
{
        atomic_fetch_add_explicit(&shm->tx->lost, n, memory_order_relaxed);
}

uint64_t flow_shm_lost(const struct flow_shm * shm)
{
        return atomic_load_explicit(&shm->rx->lost, memory_order_relaxed);
}

enum flow_side_state flow_shm_peer_state(const struct flow_shm * shm)
{
        return state_of(shm->hdr, 1 - shm->side);
}

bool flow_shm_is_down(const struct flow_shm * shm)
{
        return state_of(shm->hdr, 0) == FLOW_SIDE_DOWN ||
               state_of(shm->hdr, 1) == FLOW_SIDE_DOWN;
}

size_t flow_shm_max_pkt(const struct flow_shm * shm)
{
        return shm->max_pkt;
}

static size_t qlen(uint64_t in,
                   uint64_t out,
                   uint64_t max)
{
        uint64_t n = in - out;

        return (size_t) (n > max ? max : n);
}

size_t flow_shm_rxqlen(const struct flow_shm * shm)
{
        return qlen(atomic_load_explicit(&shm->rx->tpkts, memory_order_acquire),
                    atomic_load_explicit(&shm->rx->hpkts, memory_order_relaxed),
                    shm->max_pkts);
}

size_t flow_shm_txqlen(const struct flow_shm * shm)
{
        return qlen(atomic_load_explicit(&shm->tx->tpkts, memory_order_relaxed),
                    atomic_load_explicit(&shm->tx->hpkts, memory_order_acquire),
                    shm->max_pkts);
}

/* Wake every sleeper of both channels: used on any state change. */
static void hdr_wake_all(struct shm_hdr * hdr)
{
        int i;

        /* P2 of flow_shm.c's protocol: the state word was stored (P1,
         * seq_cst) before, so a waiter that is not counted yet sees the
         * state in its W3; only counted ones need the system call. */
        for (i = 0; i < 2; ++i) {
                atomic_fetch_add(&hdr->chan[i].rseq, 1);
                atomic_fetch_add(&hdr->chan[i].wseq, 1);
                if (atomic_load(&hdr->chan[i].rwaiters) > 0)
                        futex_wake_all(&hdr->chan[i].rseq);
                if (atomic_load(&hdr->chan[i].wwaiters) > 0)
                        futex_wake_all(&hdr->chan[i].wseq);
        }
}

/* After a state change: bump the event sequence, wake, signal fsets. */
static void hdr_notify(struct shm_hdr * hdr,
                       int              ev_fd0,
                       int              ev_fd1)
{
        atomic_fetch_add(&hdr->evseq, 1);
        hdr_wake_all(hdr);

        if (atomic_load(&hdr->armed[0]) > 0)
                evfd_signal(ev_fd0, evtok_of(hdr, 0));
        if (atomic_load(&hdr->armed[1]) > 0)
                evfd_signal(ev_fd1, evtok_of(hdr, 1));
}

/* Signal only the peer's fset: we hold the peer's eventfd only. */
static void shm_notify(struct flow_shm * shm)
{
        if (shm->side == 0)
                hdr_notify(shm->hdr, -1, shm->ev_fd);
        else
                hdr_notify(shm->hdr, shm->ev_fd, -1);
}

void flow_shm_close(struct flow_shm * shm)
{
        uint32_t st;

        atomic_store(&shm->closed, true);

        st = atomic_load(&shm->hdr->state[shm->side]);
        while (st != FLOW_SIDE_DEAD && st != FLOW_SIDE_CLOSED &&
               !atomic_compare_exchange_weak(&shm->hdr->state[shm->side],
                                             &st, FLOW_SIDE_CLOSED))
                ;

        shm_notify(shm);
}

void flow_shm_set_down(struct flow_shm * shm,
                       bool              down)
{
        uint32_t from = down ? FLOW_SIDE_OPEN : FLOW_SIDE_DOWN;
        uint32_t to   = down ? FLOW_SIDE_DOWN : FLOW_SIDE_OPEN;

        if (atomic_compare_exchange_strong(&shm->hdr->state[shm->side],
                                           &from, to))
                shm_notify(shm);
}

void flow_shm_arm(struct flow_shm * shm,
                  bool              on)
{
        _Atomic uint32_t * armed = &shm->hdr->armed[shm->side];
        uint32_t           n     = atomic_load(armed);

        if (on) {
                /* A second set: its waiter needs every signal. */
                if (atomic_fetch_add(armed, 1) > 0)
                        atomic_store(&shm->hdr->awake[shm->side], 0);
                return;
        }

        /* Never below zero, even if the peer scribbled on it. */
        while (n > 0 && !atomic_compare_exchange_weak(armed, &n, n - 1))
                ;
}

bool flow_shm_set_awake(struct flow_shm * shm,
                        bool              on)
{
        _Atomic uint32_t * awake = &shm->hdr->awake[shm->side];

        if (!on) {
                atomic_store(awake, 0);
                return true;
        }

        /* Only the one set that armed this side may take its signals. */
        if (atomic_load(&shm->hdr->armed[shm->side]) != 1)
                return false;

        atomic_store(awake, 1);

        return true;
}

void flow_shm_set_token(struct flow_shm * shm,
                        uint64_t          tok)
{
        atomic_store(&shm->hdr->evtok[shm->side], tok);
}

bool flow_shm_pending(const struct flow_shm * shm)
{
        enum flow_side_state peer = flow_shm_peer_state(shm);

        if (atomic_load(&shm->rx->tail) != atomic_load(&shm->rx->head))
                return true;
        if (side_gone(peer))
                return !atomic_load(&shm->dealloc_seen);

        return atomic_load(&shm->down_seen) != flow_shm_is_down(shm);
}

int flow_shm_events(struct flow_shm * shm)
{
        enum flow_side_state peer;
        bool                 down;
        int                  ev = 0;

        /*
         * The peer's state first, then the tail: every packet the peer
         * published before it closed is then seen, so a DEALLOC never
         * comes without the PKT of its last packets. seq_cst loads pair
         * with the writer's publish-then-check (the eventfd edge).
         */
        peer = flow_shm_peer_state(shm);
        if (atomic_load(&shm->rx->tail) != atomic_load(&shm->rx->head))
                ev |= FLOW_SHM_EV_PKT;

        if (side_gone(peer)) {
                if (!atomic_exchange(&shm->dealloc_seen, true))
                        ev |= FLOW_SHM_EV_DEALLOC;
                return ev;
        }

        down = flow_shm_is_down(shm);
        if (atomic_exchange(&shm->down_seen, down) != down)
                ev |= down ? FLOW_SHM_EV_DOWN : FLOW_SHM_EV_UP;

        return ev;
}

int flow_shm_mark_dead(int memfd,
                       int side,
                       int ev_fd)
{
        struct shm_hdr * hdr;
        int              r;

        if (side != 0 && side != 1)
                return -EINVAL;

        r = hdr_map(memfd, &hdr);
        if (r < 0)
                return r;

        atomic_store(&hdr->state[side], FLOW_SIDE_DEAD);
        if (side == 0)
                hdr_notify(hdr, -1, ev_fd);
        else
                hdr_notify(hdr, ev_fd, -1);

        munmap(hdr, SHM_HDR_SIZE);

        return 0;
}

int flow_shm_mark_down(int memfd,
                       int ev_fd0,
                       int ev_fd1)
{
        struct shm_hdr * hdr;
        uint32_t         open;
        int              i;
        int              r;

        r = hdr_map(memfd, &hdr);
        if (r < 0)
                return r;

        for (i = 0; i < 2; ++i) {
                open = FLOW_SIDE_OPEN;
                atomic_compare_exchange_strong(&hdr->state[i], &open,
                                               FLOW_SIDE_DOWN);
        }

        hdr_notify(hdr, ev_fd0, ev_fd1);
        munmap(hdr, SHM_HDR_SIZE);

        return 0;
}
