/*
 * Ouroboros - the per-flow shared-memory data path.
 *
 * Every flow is one anonymous memfd created by the IRMd and handed to the
 * two endpoint processes over the IRMd socket (SCM_RIGHTS). Nothing is
 * named in /dev/shm, so a process can only reach flows it holds and a
 * kill -9 leaks nothing: the kernel frees the memory with the last
 * mapping.
 *
 * The memfd holds a header and two channels, one per direction
 * (side 0 writes channel 0 and reads channel 1; side 1 the reverse).
 * Each channel is a single-producer/single-consumer byte ring of
 * length-prefixed packets, so a packet is written once into shared memory
 * and read in place (flow_shm_peek) or copied out once. The ring's size
 * bounds a flow's memory; a flow touches only what it uses (32 KiB per
 * direction for a flow that carries little, see flow_shm.c). The non-blocking
 * fast path is lock free and makes no system call. A reader or writer
 * that must sleep waits on a futex word in the channel and is woken only
 * when it actually sleeps (a waiters count checked by the other side).
 * Process-wide event sets are woken through an eventfd of the reading
 * process (ev_fd below), written only while that process has armed the
 * flow.
 *
 * Each side has a state word (open / closed / dead / down) so the peer
 * learns of a dealloc or a crash at once; the IRMd maps the header of
 * every flow and marks a side dead when its process dies.
 *
 * Ownership: flow_shm_create returns a memfd the caller owns. A handle
 * from flow_shm_map owns its mapping, not the fds passed in (ev_fd is
 * borrowed and must outlive the handle). All calls return 0 or a count on
 * success and a negative errno on failure.
 *
 * Threads: a handle has one producer and one consumer. At most one thread
 * at a time may be in flow_shm_write (or between flow_shm_reserve and
 * flow_shm_commit), and at most one in the
 * flow_shm_peek/flow_shm_consume pair (the library serializes them with a
 * per-flow lock in its own memory). Everything else (close, set_down,
 * arm, events, qlen, state) may be called from any thread at any time.
 * flow_shm_unmap must come last, after every thread left the handle.
 *
 * The peer is not trusted: a header, counter or record that is out of
 * range fails the call with -EBADMSG and marks the handle broken (every
 * later read or write gives -EBADMSG); nothing outside the mapping is
 * ever touched.
 */
#ifndef OUROBOROS_COMMON_FLOW_SHM_H
#define OUROBOROS_COMMON_FLOW_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define FLOW_SHM_RING_MIN     (16 * 1024)
#define FLOW_SHM_RING_MAX     (256 * 1024 * 1024)
#define FLOW_SHM_RING_DEF     (4 * 1024 * 1024) /* bytes per direction */
#define FLOW_SHM_PKTS_DEF     4096              /* packets per direction */
#define FLOW_SHM_MAX_PKT_DEF  (1024 * 1024)     /* largest packet, bytes */
/* The part of the ring a writer uses (flow_shm.c): it starts at INIT and
 * doubles when full, up to FLOOD or four records, at most the ring. */
#define FLOW_SHM_WIN_INIT     (32 * 1024)
#define FLOW_SHM_WIN_FLOOD    (1024 * 1024)
#define FLOW_SHM_SPIN_NS      10000          /* poll before sleeping (SMP) */
/* What a writer of an IPCP that carries packets up from a device (the
 * eth and udp shims) may grow to: see flow_shm_win_flood. */
#define FLOW_SHM_WIN_RX       (4 * 1024 * 1024)

/* The window this process's writers grow to when their reader lags
 * (default FLOW_SHM_WIN_FLOOD), for the flows written from now on
 * (at most their ring, at least FLOW_SHM_WIN_INIT). */
void    flow_shm_win_flood(size_t bytes);

/* How many wake-ups the calling thread has sent so far (futex wakes of
 * a sleeping reader or writer, signals of a peer's eventfd): an event
 * loop tells from it whether an iteration woke anyone. */
uint64_t flow_shm_signals(void);

/* How many packets the calling thread has written to or consumed from
 * flow memory so far: an event loop tells from it how many packets an
 * iteration moved. */
uint64_t flow_shm_moved(void);

/* Side state, as seen by the peer. */
enum flow_side_state {
        FLOW_SIDE_OPEN = 0, /* in use */
        FLOW_SIDE_DOWN,     /* in use, but marked down (FLOW_DOWN) */
        FLOW_SIDE_CLOSED,   /* deallocated by its owner */
        FLOW_SIDE_DEAD      /* owner process died (set by the IRMd) */
};

/* Events reported by flow_shm_events (same bits as enum fqtype). */
#define FLOW_SHM_EV_PKT     (1 << 0)
#define FLOW_SHM_EV_DOWN    (1 << 1)
#define FLOW_SHM_EV_UP      (1 << 2)
#define FLOW_SHM_EV_DEALLOC (1 << 4)

struct flow_shm_conf {
        size_t ring_size; /* bytes per direction, power of two */
        size_t max_pkts;  /* packets queued per direction */
        size_t max_pkt;   /* largest packet in bytes, <= ring_size / 4 */
};

struct flow_shm; /* a process's handle on one side of a flow */

/* Fill conf with the defaults above. */
void    flow_shm_conf_default(struct flow_shm_conf * conf);

/* Validate conf: -EINVAL with nothing changed if out of range. */
int     flow_shm_conf_check(const struct flow_shm_conf * conf);

/* IRMd: create the memory of a new flow. Returns a memfd (O_CLOEXEC). */
int     flow_shm_create(const struct flow_shm_conf * conf);

/*
 * IRMd: make the memory of a flow that ended as new, for a flow of conf
 * (same ring size) between the same two processes: only if both sides
 * were closed by their owners (a dealloc), else -EBUSY. The rings are
 * emptied to zero pages and the header written anew, so nothing of the
 * old flow is left. Processes may keep a mapping of a closed flow (see
 * flow_shm_unmap), so never hand it to any other process.
 */
int     flow_shm_recycle(int                          memfd,
                         const struct flow_shm_conf * conf);

/*
 * Map side (0 or 1) of the flow in memfd. ev_fd is the eventfd of the
 * process reading the *other* side (written when that process armed the
 * flow), -1 if none. Validates the header: -EBADMSG if it is not a flow.
 * The memfd may be closed after this returns.
 */
int     flow_shm_map(int                memfd,
                     int                side,
                     int                ev_fd,
                     struct flow_shm ** shm);

/*
 * Drop the handle. The mapping of a flow this side closed
 * (flow_shm_close) is kept in a small per-process cache and taken again
 * by flow_shm_map when the IRMd hands the same memory back
 * (flow_shm_recycle); the last side to close gives the rings' pages back
 * to the kernel. Any other mapping is unmapped.
 */
void    flow_shm_unmap(struct flow_shm * shm);

/* Unmap every cached mapping; also resets the cache's lock, so only in
 * a forked child or with no thread using flow memory. */
void    flow_shm_cache_drop(void);

/*
 * Write one packet. abstime (CLOCK_MONOTONIC) NULL blocks while the ring
 * is full, unless nonblock. Returns len, -EAGAIN (full and nonblock),
 * -ETIMEDOUT, -EMSGSIZE (len > max_pkt), -EFLOWDOWN (peer gone or a side
 * is down), -ENOTALLOC (this side was closed, also while waiting),
 * -EBADMSG (the peer corrupted the ring). EINTR is retried internally.
 * len 0 is a valid (empty) packet.
 */
ssize_t flow_shm_write(struct flow_shm *       shm,
                       const void *            buf,
                       size_t                  len,
                       bool                    nonblock,
                       const struct timespec * abstime);

/*
 * Write one packet in place, without a copy: flow_shm_reserve waits for
 * room for up to len bytes as flow_shm_write does (same arguments and
 * errors, -EMSGSIZE above max_pkt) and returns 0 with *buf pointing at
 * that room in the shared memory; flow_shm_commit publishes the first
 * len (<= the reserved length) bytes of it as one packet and wakes the
 * reader: 0, -EINVAL (nothing reserved or len too long), -EFLOWDOWN or
 * -ENOTALLOC (the state changed: nothing is sent). A reserve replaces
 * an earlier one; a flow_shm_write or a failed commit drops it. Same
 * thread rule as flow_shm_write: one writer between the two calls.
 */
int     flow_shm_reserve(struct flow_shm *       shm,
                         size_t                  len,
                         void **                 buf,
                         bool                    nonblock,
                         const struct timespec * abstime);

int     flow_shm_commit(struct flow_shm * shm,
                        size_t            len);

/*
 * Wait for the next packet and return its length, with *pkt pointing at
 * it in shared memory; it stays valid until flow_shm_consume. Returns
 * -EAGAIN (empty and nonblock), -ETIMEDOUT, -EFLOWDOWN (empty and the
 * peer closed or died, or a side is down), -ENOTALLOC (this side was
 * closed locally, also while waiting, see flow_shm_close), -EBADMSG (a
 * malformed record from the peer). Packets queued before the peer closed
 * are all delivered before -EFLOWDOWN.
 */
ssize_t flow_shm_peek(struct flow_shm *       shm,
                      const void **           pkt,
                      bool                    nonblock,
                      const struct timespec * abstime);

/* Release the packet last returned by flow_shm_peek (no-op if none).
 * Peeking again without consuming returns the same packet. */
void    flow_shm_consume(struct flow_shm * shm);

/* Packets waiting to be read by this side / not yet read by the peer. */
size_t  flow_shm_rxqlen(const struct flow_shm * shm);
size_t  flow_shm_txqlen(const struct flow_shm * shm);

/* Largest packet this flow carries. */
size_t  flow_shm_max_pkt(const struct flow_shm * shm);

/* Mark this side closed (dealloc): wakes the peer and any local waiter;
 * a local thread blocked in peek/write returns -ENOTALLOC at once. */
void    flow_shm_close(struct flow_shm * shm);

/* Mark this side down (true) or up again (false); the peer gets
 * FLOW_DOWN / FLOW_UP. Writes fail with -EFLOWDOWN while either side is
 * down. */
void    flow_shm_set_down(struct flow_shm * shm,
                          bool              down);

/* True when this side or the peer side is marked down. */
bool    flow_shm_is_down(const struct flow_shm * shm);

/* The largest message this side's reader takes (the library's
 * OUROBOROS_MAX_MSG, said once at map time), and the peer's: 0 while
 * the peer has not said it. A writer cuts no message the reader
 * would drop (local_msg.c). */
void     flow_shm_set_max_msg(struct flow_shm * shm,
                              uint32_t          n);
uint32_t flow_shm_peer_max_msg(const struct flow_shm * shm);

/*
 * Loss before the flow: the writer of this side adds the packets it
 * knows were lost on their way to it (an IPCP whose device dropped them
 * at its socket); the reader of the peer side sees the running count
 * of the channel it reads (from 0, wrapping). Nothing else changes: the
 * count is a hint for a layer that marks congestion (ipcpd-unicast's
 * dt.c); the writer is not trusted for anything else.
 */
void     flow_shm_lost_add(struct flow_shm * shm,
                           uint64_t          n);
uint64_t flow_shm_lost(const struct flow_shm * shm);

/* State of the peer side. */
enum flow_side_state flow_shm_peer_state(const struct flow_shm * shm);

/*
 * Event sets. flow_shm_arm(shm, true) asks writers to the channel this
 * side reads (and state changes of the peer) to signal the ev_fd the
 * peer was given, adding this side's token (flow_shm_set_token); arm(false) undoes it (counted: several fsets may arm).
 * flow_shm_events returns the FLOW_SHM_EV_* bits pending for this side:
 * PKT while packets wait; DOWN/UP/DEALLOC once per change since the last
 * call (the handle remembers what it reported). A DEALLOC comes with the
 * PKT of any packets the peer wrote before closing; read them until
 * -EFLOWDOWN.
 *
 * The eventfd is edge-triggered, to keep the write path free of system
 * calls: while armed, a writer signals it only when its packet lands in
 * a channel the reader had drained, and every state change signals it.
 * So an event loop must poll flow_shm_events of its flows after arming
 * them and after every wake-up, before it sleeps on the eventfd again
 * (read the eventfd, then poll: a signal after the read is kept). Done
 * that way no event is lost: the writer loads the reader's head after
 * publishing, flow_shm_events loads the tail after the reader's last
 * consume, both seq_cst.
 */
void    flow_shm_arm(struct flow_shm * shm,
                     bool              on);

int     flow_shm_events(struct flow_shm * shm);

/* True if flow_shm_events would report something now; reports nothing
 * (the DOWN/UP/DEALLOC it would report stay pending). */
bool    flow_shm_pending(const struct flow_shm * shm);

/*
 * The one thread that polls the set holding this flow (the IPCP loop)
 * announces that it is out of poll() and will look at this flow before
 * it sleeps again (on), or that it is about to sleep (off): while on,
 * a writer publishes packets without signalling ev_fd (two system
 * calls saved: its write, the reader's read). The poller must call
 * flow_shm_pending after every off before it sleeps (flow_shm.c, "the
 * awake flag"). On refuses (false) unless exactly one set armed this
 * side; a second arm turns it off.
 */
bool    flow_shm_set_awake(struct flow_shm * shm,
                           bool              on);

/*
 * The value peers add to this side's ev_fd when they signal it (the
 * library's per-flow wake-up hint, see src/lib/evwait.h); 0 (the default)
 * means 1. The peer clamps it to 1..FLOW_SHM_TOKEN_MAX, so that a few
 * signals summed never overflow the eventfd counter; whatever value
 * arrives is only a hint the reader validates.
 */
#define FLOW_SHM_TOKEN_MAX ((1ULL << 62) - 1)

void    flow_shm_set_token(struct flow_shm * shm,
                           uint64_t          tok);

/*
 * IRMd: mark side of the flow in memfd dead (its process died) and wake
 * everything waiting on the peer side, signalling ev_fd (the peer
 * process's eventfd, -1 if unknown) if the peer armed the flow.
 * The IRMd maps only the header; this maps and unmaps it.
 */
int     flow_shm_mark_dead(int memfd,
                           int side,
                           int ev_fd);

/* IRMd: mark both sides down (an IPCP under the flow died). */
int     flow_shm_mark_down(int memfd,
                           int ev_fd0,
                           int ev_fd1);

#endif /* OUROBOROS_COMMON_FLOW_SHM_H */
