/*
 * Ouroboros - what libouroboros-dev offers IPCP processes beyond the
 * public API (not installed; IPCPs of this tree include it).
 *
 * An IPCP of a layer that carries data is an application of the library
 * like any other: it allocates and accepts its lower flows with the
 * public calls. Its upper flows (the halves of the applications it
 * serves) come from the IRMd as flow memory (proto.h, "Flows through a
 * layer that carries data"); ipcp_flow_adopt turns one into an ordinary
 * flow descriptor of this process, so the IPCP reads, writes, waits on
 * (fset/fqueue/fset_fd) and marks down (fccntl FLOWSFLAGS with
 * FLOWFDOWN) an upper flow with the very same calls as a lower one.
 *
 * An adopted flow is not the IPCP's in the IRMd's registry: flow_dealloc
 * on it closes this side of the memory (the application sees
 * FLOW_DEALLOC and reads end with -EFLOWDOWN once the queued packets are
 * read) and tells the IRMd nothing. Adopted flows are never encrypted
 * here: the application encrypts end to end; the IPCP carries bytes.
 *
 * In-place access, for a layer that adds or strips a header without
 * copying the payload, and moves a packet from one flow to another with
 * one copy:
 *   ipcp_flow_peek / ipcp_flow_consume  read the next packet where it
 *                                       lies in the flow memory;
 *   ipcp_flow_reserve / ipcp_flow_commit  write a packet in place.
 * Both are non-blocking (-EAGAIN), one thread per direction and flow as
 * for flow_read/flow_write, and must not be mixed with a partial
 * flow_read of the same flow. On an encrypted flow (a lower flow with
 * cypher_s > 0) they fail with -ENOTSUP: only flow_read and flow_write
 * see its plaintext. All calls return 0 or a count on success,
 * a negative errno on failure.
 *
 * Lower flows run FRCT like any flow through a layer (doc/qos.md). On a
 * raw lower flow the calls stay in place: peek skips the 1-byte raw
 * header (the pointer is just past it in the flow memory) and swallows
 * keepalives, reserve leaves room for the header and commit writes it
 * (and the CRC of ber 0), and the peer timeout keeps working (peek
 * then fails with -EFLOWPEER). On an in-order or reliable lower flow
 * they fall back to a copy: peek hands out the next whole message in a
 * buffer of the library (-EBUSY while a flow_read holds part of one),
 * reserve a buffer that commit hands to FRCT (-EAGAIN while the window
 * is closed); reserve holds the flow's writer lock until the commit, so
 * no flow_write of the same flow may come in between. Adopted flows
 * carry the application's FRCT packets as they are.
 */
#ifndef OUROBOROS_LIB_IPCP_DEV_H
#define OUROBOROS_LIB_IPCP_DEV_H

#include <ouroboros/fqueue.h>
#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Announce this process to the IRMd now (an IPCP must, before the IRMd
 * can hand it flows): 0, -EIRMD, -ETIMEDOUT or -ENOMEM. */
int     ipcp_dev_init(void);

/*
 * Adopt side (1) of the flow memory memfd as a flow of this process.
 * flow_id is the IRMd's id of the application's half (kept for
 * FLOWGQOSSPEC-like queries and logs), ev_fd the eventfd of the
 * process holding the other side, peer_pid its pid, qs the flow's QoS.
 * Takes ownership of memfd and ev_fd in every case (closed on failure).
 * Returns the new flow descriptor, or -EBADMSG (not a flow memory),
 * -ENFILE, -ENOMEM, -EINVAL.
 */
int     ipcp_flow_adopt(uint32_t          flow_id,
                        int               memfd,
                        int               side,
                        int               ev_fd,
                        pid_t             peer_pid,
                        const qosspec_t * qs);

/* The next packet of fd in place: its length with *pkt set, valid until
 * ipcp_flow_consume; -EAGAIN (none), -EFLOWDOWN (peer gone, nothing
 * left), -EBADF, -ENOTALLOC, -EBADMSG. Peeking again without consuming
 * returns the same packet. */
ssize_t ipcp_flow_peek(int           fd,
                       const void ** pkt);

/* Release the packet ipcp_flow_peek returned. */
void    ipcp_flow_consume(int fd);

/* Room for a packet of up to len bytes in fd's outgoing channel: 0 with
 * *buf set, -EAGAIN (full), -EMSGSIZE (len above FLOWGMAXPKT),
 * -EFLOWDOWN, -EBADF, -ENOTALLOC, -EPERM (read-only flow). Nothing is
 * sent until ipcp_flow_commit; a second reserve replaces the first. */
int     ipcp_flow_reserve(int     fd,
                          size_t  len,
                          void ** buf);

/*
 * Loss below a flow, for a layer that marks congestion: a shim whose
 * device dropped n packets at its socket before it could read them
 * (drop_kernel) adds them to the flows it was delivering to
 * (ipcp_flow_lost_add); the IPCP reading such a flow sees the running
 * count (ipcp_flow_lost, wrapping) and marks that many of the next
 * packets it reads from it (ipcpd-unicast: ECN, so the senders back
 * off from a receiver that cannot keep up). A hint only: nothing else
 * changes. 0, -EBADF, -ENOTALLOC, -EINVAL.
 */
int     ipcp_flow_lost_add(int      fd,
                           uint64_t n);

int     ipcp_flow_lost(int        fd,
                       uint64_t * n);

/* The window this process's writers grow to when their reader lags
 * (1 MiB by default; at most the ring): an IPCP that writes what its
 * device receives (the eth and udp shims) asks for more, so that a
 * reader busy elsewhere for a few ms loses nothing. */
void    ipcp_dev_write_window(size_t bytes);

/* Send the first len (<= the reserved length) bytes of the reserved
 * room as one packet, waking the reader: 0, -EINVAL (nothing
 * reserved, len too long), -EFLOWDOWN / -ENOTALLOC (the flow went down
 * or was closed since the reserve: nothing is sent), -EBADF. A
 * flow_write in between drops the reservation. */
int     ipcp_flow_commit(int    fd,
                         size_t len);

/*
 * For an event loop that polls for itself (the IPCP framework): the
 * set's pollable fd, as fset_fd(), but without the library's dispatcher
 * thread in between: *proc_efd gets the process eventfd the peers
 * signal, which the caller polls next to the set's fd, calling
 * ipcp_dev_poll() whenever it is readable (it reads the signals and
 * lists the flows they concern, see ipcp_fset_ready). A peer's write
 * then wakes the loop directly instead of a library thread that wakes
 * the loop.
 * Returns the set's fd, -EAGAIN before ipcp_dev_init (use fset_fd
 * then), -EINVAL, -ENOMEM. See src/lib/evwait.h for why nothing is lost.
 */
int     ipcp_fset_fd(fset_t * set,
                     int *    proc_efd);

void    ipcp_dev_poll(void);

/*
 * Instead of ipcp_dev_poll when the process eventfd is readable: list
 * the flow the last signal named, if it has something, without reading
 * the eventfd (true), so the loop serves it before it pays for that
 * read; it must then call ipcp_dev_poll before it sleeps (the eventfd
 * stays readable until then). False: call ipcp_dev_poll now.
 */
bool    ipcp_dev_poll_hot(void);

/*
 * True while the set of ipcp_fset_fd has members with something
 * pending. The thread that called ipcp_fset_fd (the loop) is the set's
 * owner: what its own calls find pending (ipcp_dev_poll, fevent,
 * fset_add) does not make the set's fd readable (that would cost a
 * write and a read of it per wake-up); it must call this after its
 * last call into the set and before every sleep, and poll without
 * waiting while it is true. Other threads' dispatches light the fd.
 */
bool    ipcp_fset_ready(fset_t * set);

/*
 * The owner of the set of ipcp_fset_fd, on leaving poll(): mark the
 * flow the last signal named awake (flow_shm_set_awake; up to four
 * flows stay marked, replaced in turn): its writers
 * publish without signalling the process eventfd while the owner runs
 * (its write and our read saved per packet). ipcp_fset_ready then
 * also looks at that flow. Before every sleep in poll() the owner must
 * call ipcp_fset_sleep, which turns the mark off, looks at the flow
 * once more and, like ipcp_fset_ready, says whether anything is
 * listed: if so, it must not sleep.
 */
void    ipcp_fset_awake(fset_t * set);

/* Wake-ups the calling thread has sent (flow_shm_signals): an event
 * loop that woke an application may yield to it before it sleeps. */
uint64_t ipcp_dev_signals(void);

/* Packets the calling thread has written to or read from flows so far
 * (flow_shm_moved): the IPCP loop tells a stream (many per wake-up)
 * from a ping-pong (one). */
uint64_t ipcp_dev_moved(void);

bool    ipcp_fset_sleep(fset_t * set);

#endif /* OUROBOROS_LIB_IPCP_DEV_H */
