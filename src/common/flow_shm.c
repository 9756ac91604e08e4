/*
 * Ouroboros - the per-flow shared-memory data path (see flow_shm.h):
 * writing into and reading from the rings, and sleeping without losing
 * a wake-up. The memory layout is in flow_shm_ctl.c.
 *
 * A ring holds records of an 8-byte header { len, tag } and the payload,
 * padded to 8 bytes. tag is the low 32 bits of the record's stream
 * offset, so a stale or forged record is caught. A record never wraps:
 * when it does not fit before the writer's wrap point, the writer puts a
 * wrap marker (len = REC_WRAP) there and starts again at 0. head and tail
 * are 64-bit byte counters that only grow; tail - head is the fill level
 * (the bytes a wrap marker skips count as filled until the reader passes
 * the marker).
 *
 * Memory: the ring's size (4 MiB per direction by default) only bounds
 * it; a flow touches what its writer uses. The writer wraps at win, its
 * window: FLOW_SHM_WIN_INIT (32 KiB) at first, doubled each time the
 * window is full, and also when the writer reaches its wrap point with
 * half the window or more still unread (growing only on a full window
 * would leave the lap after a wrap as small as the old window: a young
 * flow held 32 KiB, and a reader that lagged 30 ms at 20 Mbit/s lost
 * packets in a 4 MiB ring), up to FLOW_SHM_WIN_FLOOD (1 MiB) or four of the
 * records it writes, whichever is larger, at most the ring. A process
 * may raise that 1 MiB for its writers (flow_shm_win_flood): the eth
 * and udp IPCPs, which write what their device receives, take
 * FLOW_SHM_WIN_RX (4 MiB), so that a reader sharing its CPU with the
 * other processes of a path can lag by more than 700 packets of 1400
 * bytes (5 ms of a unicast flood) without the shim dropping them. Not
 * every writer: a bigger window in front of a bottleneck link is a
 * longer queue that a voice packet may find filled by bulk data
 * before it came (netns_test_unicast_priority). A packet
 * larger than the window goes at offset 0 (waiting, if need be, for the
 * reader to pass the wrap point). memfd pages are allocated on first
 * touch, so a flow that carries little (it never fills 32 KiB) holds
 * one header page and at most 2 x 32 KiB of ring: 10 000 such flows
 * take under 700 MiB. A flow that once filled its window keeps what it
 * touched (at most 2 x 1 MiB, 4 MiB for a shim's writer, or 2 x the
 * ring after packets above 256 KiB) until it is deallocated. Wrapping early is always safe: the
 * reader only follows wrap markers, and the fill level counts what the
 * marker skipped.
 *
 * Wake-ups without loss. The only blocking is a futex wait on a 32-bit
 * sequence word (rseq for a reader, wseq for a writer). A waiter does:
 *
 *   W1 s = load(seq)   W2 waiters++   W3 recheck condition
 *   W4 futex_wait(seq, s)             W5 waiters--
 *
 * and the side that makes progress (publishes a packet, frees space,
 * changes a state word) does:
 *
 *   P1 store(progress)   P2 if (load(waiters) > 0) { seq++; wake(seq); }
 *
 * All of W2, W3, P1, P2 are seq_cst, so in their single total order either
 * P2 comes after W2 (the waker sees the waiter, bumps seq after W1 read
 * it, so futex_wait either sees the changed word and returns at once, or
 * is queued before the wake, which then finds it: the kernel checks the
 * word and queues under the same hash-bucket lock the waker takes), or P2
 * comes before W2, hence P1 before W3 and the recheck sees the progress
 * and the waiter never sleeps. State changes (close, down, dead) always
 * bump every sequence word, but call futex_wake only for words with a
 * counted waiter: their W3 checks the state, so the same pairing holds.
 *
 * A writer waits for more than room for its packet: it sleeps until the
 * reader consumed half of what was queued when it fell asleep, in bytes
 * and in packets (and there is room for its packet), so that a writer
 * and a reader sharing one CPU switch once per half ring, not once per
 * packet. Its W0, before W2, stores that target (whead, whpkts in the
 * channel); its W3 and the reader's P2 both test "head >= whead and
 * hpkts >= whpkts". Nothing is lost: a P2 that sees the W2 of a sleep
 * sees its W0 (seq_cst: W0 before W2 before that load of waiters, before
 * the load of the target), so the consume that reaches the target
 * either wakes the writer or comes before W2, and then W3 sees it. A P2
 * that reads a stale target (of an earlier sleep) can only wake too
 * early, and the writer loops. Both targets are at most the tail and
 * the packets published, so a reader that drains the ring always
 * reaches them (the window is at least four records then, so room for
 * one never needs more than the queued bytes). A small packet waits no
 * longer than it would anyway: it queues behind the other half.
 *
 * To wake only once per sleep, P2 also takes a one-shot flag: it wakes
 * only if it turns woken from 0 to 1, and a waiter clears woken (W2')
 * between W2 and W3. This loses nothing: a P2 that finds woken == 1
 * after W2' was preceded, after W2', by the P2 that set it, which bumped
 * seq after our W1, so our futex_wait cannot sleep through it; a P2 that
 * saw the stale flag before W2' precedes W3, which then sees its P1.
 *
 * The same store-then-check vs. announce-then-check pairing guards the
 * eventfd of an event set: a writer loads the peer's armed count (and,
 * for the empty -> non-empty edge, the reader's head) after publishing;
 * flow_shm_arm increments the count, and the reader's consume stores the
 * head, before the event loop polls flow_shm_events, which loads the
 * tail. A state change always signals an armed peer.
 *
 * The awake flag (flow_shm_set_awake) spares that signal while the
 * reader's event loop runs anyway: the one thread that polls the set
 * holding the flow stores awake = 1 when it leaves poll(), and before
 * it sleeps in poll() again stores awake = 0 (A1) and then loads the
 * tail (A2, flow_shm_pending); a writer loads awake (P3) after its
 * publish (P1) and skips the signal if it is 1. All seq_cst, so either
 * P3 follows A1 (the writer sees 0 and signals as above) or P1 precedes
 * A2 (the loop sees the packet and does not sleep). The edge rule is
 * unchanged: a packet that found the ring non-empty (its predecessor
 * unsignalled because awake) is behind one the loop sees at A2. Only
 * packets are spared: state changes signal whatever awake says. A
 * flow armed by two sets never has awake = 1 (a second arm clears it,
 * flow_shm_set_awake refuses it), so no other set's waiter misses a
 * signal; a thread blocked in flow_read sleeps on the futex, which
 * awake does not touch.
 *
 * In-place writes (flow_shm_reserve / flow_shm_commit) split
 * flow_shm_write in two without changing the protocol: reserve waits for
 * room exactly as a write does (the same W0-W5 sleep) and returns where
 * the payload will lie, between the tail and the head plus the ring,
 * bytes the reader never looks at (it reads only below the published
 * tail, and the writer is the channel's only producer). It writes
 * nothing shared. Commit writes the wrap marker and the record header,
 * then does the write's P1 and P2 (and the eventfd edge) unchanged, so
 * every argument above holds for it. Between the two calls the room
 * cannot shrink: the reader only frees. A commit shorter than the
 * reservation keeps the reservation's wrap decision (wrapping early is
 * always safe, see above) and publishes fewer bytes. A state change
 * between the calls (close, down, peer dead) makes the commit fail as a
 * write would, with nothing published.
 *
 * Before sleeping, a waiter polls for FLOW_SHM_SPIN_NS (only with more
 * than one CPU online, yielding after the first 2 µs so a peer on the
 * same CPU can run): a futex round trip costs tens of µs here, a running
 * peer answers in a few hundred ns. A side whose polls keep failing
 * (its peer is an IPCP whose answer crosses a network) stops polling
 * but for one wait in SPIN_RETRY (shm_spin). The poll is an
 * optimisation only: the sleep below does not depend on it. A writer polls for any room (only
 * the sleep waits for half the ring). A deadline already past fails at
 * once with -ETIMEDOUT, without polling or a system call.
 */

#include "flow_shm_priv.h"
#include "futex.h"
#include "timeutil.h"

#include <ouroboros/errno.h>

#include <assert.h>
#include <errno.h>
#include <sched.h>
#include <string.h>

_Thread_local uint64_t shm_signals;
static _Thread_local uint64_t shm_moved;

uint64_t flow_shm_moved(void)
{
        return shm_moved;
}

uint64_t flow_shm_signals(void)
{
        return shm_signals;
}

static uint64_t align8(uint64_t n)
{
        return (n + 7) & ~(uint64_t) 7;
}

static void shm_break(struct flow_shm * shm)
{
        atomic_store(&shm->broken, true);
}

/* What the two sides' states say against moving packets: this side
 * gone (-ENOTALLOC), the peer gone or either side down (-EFLOWDOWN),
 * or 0. */
static int sides_state(const struct flow_shm * shm)
{
        enum flow_side_state own;
        enum flow_side_state peer;

        own  = state_of(shm->hdr, shm->side);
        peer = state_of(shm->hdr, 1 - shm->side);
        if (side_gone(own))
                return -ENOTALLOC;
        if (side_gone(peer) || own == FLOW_SIDE_DOWN || peer == FLOW_SIDE_DOWN)
                return -EFLOWDOWN;

        return 0;
}

/* Why this side cannot write now, or 0. */
static int write_state(const struct flow_shm * shm)
{
        if (atomic_load(&shm->closed))
                return -ENOTALLOC;
        if (atomic_load_explicit(&shm->broken, memory_order_relaxed))
                return -EBADMSG;

        return sides_state(shm);
}

/*
 * Bytes the next record (rec bytes) needs at the current tail: rec if it
 * fits before the wrap point (or it starts the ring), else also the
 * skipped end of the ring.
 */
static uint64_t write_need(const struct flow_shm * shm,
                           uint64_t                rec)
{
        uint64_t pos = shm->tail & shm->mask;

        if (pos + rec <= shm->win || pos == 0)
                return rec;

        return (shm->ring - pos) + rec;
}

static _Atomic uint64_t win_flood = FLOW_SHM_WIN_FLOOD;

void flow_shm_win_flood(size_t bytes)
{
        if (bytes < FLOW_SHM_WIN_INIT)
                bytes = FLOW_SHM_WIN_INIT;
        atomic_store_explicit(&win_flood, bytes, memory_order_relaxed);
}

/* How far the window of a writer of rec-byte records may grow. */
static uint64_t win_cap(const struct flow_shm * shm,
                        uint64_t                rec)
{
        uint64_t cap = atomic_load_explicit(&win_flood,
                                            memory_order_relaxed);

        if (cap < 4 * rec)
                cap = 4 * rec;

        return cap < shm->ring ? cap : shm->ring;
}

/* 1 if there is room (after refreshing the caches), 0 if not, < 0 bad. */
static int write_room(struct flow_shm * shm,
                      uint64_t          need)
{
        if (shm->tail + need - shm->head_c <= shm->ring &&
            shm->tpkts - shm->hpkts_c < shm->max_pkts)
                return 1;

        shm->head_c  = atomic_load(&shm->tx->head);
        shm->hpkts_c = atomic_load(&shm->tx->hpkts);
        if (shm->tail - shm->head_c > shm->ring ||
            shm->tpkts - shm->hpkts_c > shm->max_pkts) {
                shm_break(shm);
                return -EBADMSG;
        }

        return shm->tail + need - shm->head_c <= shm->ring &&
                shm->tpkts - shm->hpkts_c < shm->max_pkts;
}

/*
 * Room for need bytes, growing the window while there is none. 1 if
 * there is room, 0 if not, < 0 bad; *need is updated to the new wrap
 * point. Without room the window is at its cap, also when the packet
 * count is what is full: a writer must never sleep on a wrap that needs
 * more room than is queued (see the top of file).
 */
static int write_room_grow(struct flow_shm * shm,
                           uint64_t          rec,
                           uint64_t *        need)
{
        uint64_t cap = win_cap(shm, rec);
        uint64_t pos = shm->tail & shm->mask;
        int      r;

        /* At the wrap point with a backlog: a longer lap ahead. */
        if (pos != 0 && pos + rec > shm->win && shm->win < cap) {
                shm->head_c = atomic_load(&shm->tx->head);
                while (shm->win < cap && pos + rec > shm->win &&
                       shm->tail - shm->head_c >= shm->win / 2)
                        shm->win = shm->win * 2 < cap ? shm->win * 2 : cap;
        }

        for (;;) {
                *need = write_need(shm, rec);
                r = write_room(shm, *need);
                if (r != 0 || shm->win >= cap)
                        return r;

                shm->win = shm->win * 2 < cap ? shm->win * 2 : cap;
        }
}

/*
 * P2 of the protocol: wake the other side if it announced itself as a
 * sleeper, once: woken stays set until a waiter announces itself again,
 * so a reader draining a full ring does not pay a futex_wake for every
 * packet while the writer is still on its way out of the kernel.
 */
static void shm_wake(_Atomic uint32_t * seq,
                     _Atomic uint32_t * waiters,
                     _Atomic uint32_t * woken)
{
        if (atomic_load(waiters) == 0)
                return;
        if (atomic_load(woken) != 0 || atomic_exchange(woken, 1) != 0)
                return;

        atomic_fetch_add(seq, 1);
        ++shm_signals;
        futex_wake_all(seq);
}

/* P2 of a consume: wake the writer only once it reached its target. */
static void wake_writer(struct flow_shm * shm)
{
        struct shm_chan * c = shm->rx;

        if (atomic_load(&c->wwaiters) == 0)
                return;
        if (shm->head < atomic_load(&c->whead) ||
            shm->hpkts < atomic_load(&c->whpkts))
                return;

        shm_wake(&c->wseq, &c->wwaiters, &c->wwoken);
}

static void rec_put(uint8_t * ring,
                    uint64_t  pos,
                    uint32_t  len,
                    uint64_t  off)
{
        struct rec r = { len, (uint32_t) off };

        memcpy(ring + pos, &r, sizeof(r));
}

/* Where the payload of a record of rec bytes, needing need at the
 * tail, goes: after a wrap marker at 0, else at the tail. */
static uint8_t * rec_payload(const struct flow_shm * shm,
                             uint64_t                rec,
                             uint64_t                need)
{
        uint64_t pos = need != rec ? 0 : shm->tail & shm->mask;

        return shm->txring + pos + REC_HDR;
}

/* Publish the record whose payload (len bytes) is in place. */
static void write_publish(struct flow_shm * shm,
                          size_t            len,
                          uint64_t          rec,
                          uint64_t          need)
{
        uint64_t old = shm->tail;
        uint64_t pos = old & shm->mask;
        uint64_t at  = old;

        if (need != rec) { /* wrap marker, then the record at 0 */
                rec_put(shm->txring, pos, REC_WRAP, old);
                at  = old + (shm->ring - pos);
                pos = 0;
        }

        rec_put(shm->txring, pos, (uint32_t) len, at);

        shm->reserved = false; /* the tail moves: room is gone */
        shm->tail = old + need;
        shm->tpkts++;
        atomic_store_explicit(&shm->tx->tpkts, shm->tpkts,
                              memory_order_relaxed);
        /* P1: publish (seq_cst, so also a release of the payload). */
        atomic_store(&shm->tx->tail, shm->tail);
        ++shm_moved;

        /* P2: wake a sleeping reader, only if one announced itself. */
        shm_wake(&shm->tx->rseq, &shm->tx->rwaiters, &shm->tx->rwoken);

        /*
         * The peer's fset: signal on the empty -> non-empty edge only.
         * head is loaded after the publish; if the reader had not
         * consumed up to old yet, it will see this packet when it polls
         * flow_shm_events (whose seq_cst load of tail pairs with this).
         */
        if (atomic_load(&shm->hdr->armed[1 - shm->side]) > 0 &&
            atomic_load(&shm->tx->head) == old &&
            atomic_load(&shm->hdr->awake[1 - shm->side]) == 0)
                evfd_signal(shm->ev_fd, evtok_of(shm->hdr, 1 - shm->side));
}

#define SPIN_PAUSE_NS 2000 /* then sched_yield while spinning */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield" ::: "memory");
#else
        atomic_signal_fence(memory_order_seq_cst);
#endif
}

/*
 * Poll ready(shm) for up to spin_ns (capped by abstime) before sleeping:
 * a wake-up costs two system calls and a reschedule (tens of µs in a VM),
 * while a peer that is running answers in well under a microsecond.
 * Returns true if ready.
 *
 * Only while polling pays: after SPIN_MISS_MAX waits in a row whose
 * poll found nothing (a peer across a network answers in tens of µs,
 * not within spin_ns), a waiter polls only once every SPIN_RETRY waits,
 * until a poll succeeds again; otherwise every round trip through an
 * IPCP would burn spin_ns and a sched_yield for nothing. *miss and
 * *skip are the calling side's (reader or writer thread only).
 */
#define SPIN_MISS_MAX 8
#define SPIN_RETRY    64

static bool shm_spin(struct flow_shm *       shm,
                     bool                 (* ready)(struct flow_shm *),
                     const struct timespec * abstime,
                     uint32_t *              miss,
                     uint32_t *              skip)
{
        int64_t end;
        int     i;

        if (shm->spin_ns == 0)
                return false;
        if (*miss >= SPIN_MISS_MAX && ++*skip % SPIN_RETRY != 0)
                return false;

        end = now_ns() + shm->spin_ns;
        if (abstime != NULL && ts_to_ns(abstime) < end)
                end = ts_to_ns(abstime);

        do {
                for (i = 0; i < 32; ++i) {
                        if (ready(shm)) {
                                *miss = 0;
                                return true;
                        }
                        cpu_relax();
                }
                /* Past the first stretch, let a peer on our CPU run. */
                if (end - now_ns() < shm->spin_ns - SPIN_PAUSE_NS)
                        sched_yield();
        } while (now_ns() < end);

        if (*miss < SPIN_MISS_MAX)
                ++*miss;

        return false;
}

static bool expired(const struct timespec * abstime)
{
        return abstime != NULL && ts_to_ns(abstime) <= now_ns();
}

/* Sleep on seq until woken, the deadline, or ready(shm) holds. */
static int shm_sleep(_Atomic uint32_t *      seq,
                     _Atomic uint32_t *      waiters,
                     _Atomic uint32_t *      woken,
                     bool                 (* ready)(struct flow_shm *),
                     struct flow_shm *       shm,
                     const struct timespec * abstime)
{
        uint32_t s;
        int      r;

        s = atomic_load(seq);          /* W1 */
        atomic_fetch_add(waiters, 1);  /* W2 */
        atomic_store(woken, 0);        /* W2': re-arm the one-shot wake */
        if (ready(shm)) {              /* W3 */
                atomic_fetch_sub(waiters, 1);
                return 0;
        }

        r = futex_wait_until(seq, s, abstime); /* W4 */
        atomic_fetch_sub(waiters, 1);          /* W5 */

        return r;
}

/* Any change of the consumer counters or of a state: recheck. */
static bool write_ready(struct flow_shm * shm)
{
        uint64_t head  = atomic_load(&shm->tx->head);
        uint64_t hpkts = atomic_load(&shm->tx->hpkts);

        return head != shm->head_c || hpkts != shm->hpkts_c ||
                write_state(shm) != 0;
}

/* W3 of a sleeping writer: the reader reached the target (or a state
 * changed). */
static bool write_woken(struct flow_shm * shm)
{
        return (atomic_load(&shm->tx->head) >= shm->wake_head &&
                atomic_load(&shm->tx->hpkts) >= shm->wake_hpkts) ||
                write_state(shm) != 0;
}

static uint64_t max64(uint64_t a,
                      uint64_t b)
{
        return a > b ? a : b;
}

/*
 * W0: the writer, with no room for need bytes, sleeps until the reader
 * consumed half of what is queued (bytes and packets) and there is room.
 * Both targets are at most what was published (see the top of file).
 */
static void write_wake_at(struct flow_shm * shm,
                          uint64_t          need)
{
        uint64_t room_h = shm->tail + need > shm->ring ?
                shm->tail + need - shm->ring : 0;
        uint64_t room_p = shm->tpkts + 1 > shm->max_pkts ?
                shm->tpkts + 1 - shm->max_pkts : 0;

        shm->wake_head  = max64(room_h, shm->head_c +
                                (shm->tail - shm->head_c) / 2);
        shm->wake_hpkts = max64(room_p, shm->hpkts_c +
                                (shm->tpkts - shm->hpkts_c) / 2);

        atomic_store(&shm->tx->whead, shm->wake_head);
        atomic_store(&shm->tx->whpkts, shm->wake_hpkts);
}

/*
 * Wait for room for a record of len bytes (as flow_shm_write): 0 with
 * *rec and *need set, or a negative errno.
 */
static int write_wait(struct flow_shm *       shm,
                      size_t                  len,
                      bool                    nonblock,
                      const struct timespec * abstime,
                      uint64_t *              rec,
                      uint64_t *              need)
{
        int r;

        if (len > shm->max_pkt)
                return -EMSGSIZE;

        *rec = REC_HDR + align8(len);

        for (;;) {
                r = write_state(shm);
                if (r < 0)
                        return r;

                r = write_room_grow(shm, *rec, need);
                if (r < 0)
                        return r;
                if (r > 0)
                        return 0;

                if (nonblock)
                        return -EAGAIN;
                if (expired(abstime))
                        return -ETIMEDOUT;
                if (shm_spin(shm, write_ready, abstime,
                             &shm->wspin_miss, &shm->wspin_skip))
                        continue;

                write_wake_at(shm, *need);                 /* W0 */
                r = shm_sleep(&shm->tx->wseq, &shm->tx->wwaiters,
                              &shm->tx->wwoken, write_woken, shm, abstime);
                if (r < 0)
                        return r;
        }
}

ssize_t flow_shm_write(struct flow_shm *       shm,
                       const void *            buf,
                       size_t                  len,
                       bool                    nonblock,
                       const struct timespec * abstime)
{
        uint64_t rec;
        uint64_t need;
        int      r;

        assert(shm != NULL);

        if (len > shm->max_pkt)
                return -EMSGSIZE;
        if (buf == NULL && len > 0)
                return -EINVAL;

        r = write_wait(shm, len, nonblock, abstime, &rec, &need);
        if (r < 0)
                return r;

        if (len > 0)
                memcpy(rec_payload(shm, rec, need), buf, len);
        write_publish(shm, len, rec, need);

        return (ssize_t) len;
}

int flow_shm_reserve(struct flow_shm *       shm,
                     size_t                  len,
                     void **                 buf,
                     bool                    nonblock,
                     const struct timespec * abstime)
{
        uint64_t rec;
        uint64_t need;
        int      r;

        assert(shm != NULL);
        assert(buf != NULL);

        shm->reserved = false;

        r = write_wait(shm, len, nonblock, abstime, &rec, &need);
        if (r < 0)
                return r;

        shm->reserved = true;
        shm->res_len  = len;
        shm->res_need = need;
        *buf = rec_payload(shm, rec, need);

        return 0;
}

int flow_shm_commit(struct flow_shm * shm,
                    size_t            len)
{
        uint64_t rec;
        uint64_t need;
        int      r;

        assert(shm != NULL);

        if (!shm->reserved)
                return -EINVAL;

        shm->reserved = false; /* used up, or dropped by a failure */
        if (len > shm->res_len)
                return -EINVAL;

        r = write_state(shm);
        if (r < 0)
                return r;

        /* A shorter record needs less: the same wrap, fewer bytes. */
        rec  = REC_HDR + align8(len);
        need = shm->res_need - (REC_HDR + align8(shm->res_len)) + rec;
        write_publish(shm, len, rec, need);

        return 0;
}

/* Why this side cannot read now (rx empty), or 0 to wait. */
static int read_state(const struct flow_shm * shm)
{
        if (atomic_load(&shm->closed))
                return -ENOTALLOC;

        return sides_state(shm);
}

static bool read_ready(struct flow_shm * shm)
{
        return atomic_load(&shm->rx->tail) != shm->head ||
                read_state(shm) != 0;
}

static uint32_t load32(const uint8_t * p)
{
        return __atomic_load_n((const uint32_t *) p, __ATOMIC_RELAXED);
}

/*
 * Parse the record at the reader's head. avail = tail - head, already
 * checked <= ring and a multiple of 8. Returns its length and sets
 * *pkt and shm->next, or -EBADMSG.
 */
static ssize_t read_rec(struct flow_shm * shm,
                        uint64_t          avail,
                        const void **     pkt)
{
        uint64_t at  = shm->head;
        uint64_t pos = at & shm->mask;
        uint64_t len;
        uint64_t rec;

        if (load32(shm->rxring + pos) == REC_WRAP) {
                if (load32(shm->rxring + pos + 4) != (uint32_t) at ||
                    shm->ring - pos >= avail)
                        return -EBADMSG;
                avail -= shm->ring - pos;
                at    += shm->ring - pos;
                pos    = 0;
        }

        len = load32(shm->rxring + pos);
        if (load32(shm->rxring + pos + 4) != (uint32_t) at)
                return -EBADMSG;
        if (len > shm->max_pkt)
                return -EBADMSG;

        rec = REC_HDR + align8(len);
        if (rec > avail || pos + rec > shm->ring)
                return -EBADMSG;

        *pkt      = shm->rxring + pos + REC_HDR;
        shm->next = at + rec;

        return (ssize_t) len;
}

ssize_t flow_shm_peek(struct flow_shm *       shm,
                      const void **           pkt,
                      bool                    nonblock,
                      const struct timespec * abstime)
{
        uint64_t avail;
        ssize_t  n;
        int      r;

        assert(shm != NULL);
        assert(pkt != NULL);

        for (;;) {
                if (atomic_load_explicit(&shm->closed, memory_order_relaxed))
                        return -ENOTALLOC;
                if (atomic_load_explicit(&shm->broken, memory_order_relaxed))
                        return -EBADMSG;

                /* seq_cst (a plain load on x86): this is the reader's
                 * "was it empty" check that pairs with the writer's
                 * publish-then-load-head for the eventfd edge. */
                if (shm->tail_c == shm->head)
                        shm->tail_c = atomic_load(&shm->rx->tail);
                avail = shm->tail_c - shm->head;
                if (avail > shm->ring || (avail & 7)) {
                        shm_break(shm);
                        return -EBADMSG;
                }
                if (avail > 0)
                        break;

                /* Empty: everything the peer queued was read first. */
                r = read_state(shm);
                if (r < 0)
                        return r;
                if (nonblock)
                        return -EAGAIN;
                if (expired(abstime))
                        return -ETIMEDOUT;
                if (shm_spin(shm, read_ready, abstime,
                             &shm->rspin_miss, &shm->rspin_skip))
                        continue;

                r = shm_sleep(&shm->rx->rseq, &shm->rx->rwaiters,
                              &shm->rx->rwoken, read_ready, shm, abstime);
                if (r < 0)
                        return r;
        }

        n = read_rec(shm, avail, pkt);
        if (n < 0) {
                shm_break(shm);
                return n;
        }

        shm->peeked = true;

        return n;
}

void flow_shm_consume(struct flow_shm * shm)
{
        assert(shm != NULL);

        if (!shm->peeked)
                return;

        shm->peeked = false;
        shm->head   = shm->next;
        shm->hpkts++;
        atomic_store_explicit(&shm->rx->hpkts, shm->hpkts,
                              memory_order_relaxed);
        atomic_store(&shm->rx->head, shm->head); /* P1 */
        ++shm_moved;

        wake_writer(shm);                        /* P2 */
}

