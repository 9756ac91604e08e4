/*
 * Ouroboros - the process-local flow table of libouroboros-dev.
 *
 * A flow descriptor is an index 0..N-1 (N = $OUROBOROS_MAX_FLOWS, default
 * 65536, at most 2^20) into a table whose entries are made in chunks of
 * 256 when first needed and never move or go away, so an unused
 * descriptor costs almost nothing. The lowest free index is handed out
 * first, like POSIX fds.
 *
 * Lifetime: an entry is FREE, RESERVED (being set up by flow_alloc or
 * flow_accept), ALLOC (usable) or CLOSING (flow_dealloc in progress).
 * Every API call on a flow takes a reference with ft_get() and drops it
 * with ft_put(). ft_get() increments the count first and then checks the
 * state (both sequentially consistent); ft_close() sets CLOSING first and
 * then waits for the count to drop to zero, so either the caller sees
 * CLOSING and backs off, or the closer sees its reference and waits for
 * it. A blocked reader is woken by flow_shm_close(), so the wait is short.
 * The table lock is only held for slot bookkeeping, never across a
 * blocking call, so one flow's dealloc cannot stall another flow.
 *
 * Peer eventfds: the IRMd passes the eventfd of the peer process with
 * every flow. They are kept once per peer process (refcounted); a
 * duplicate of a known one is closed at once, so 1000 flows to one peer
 * hold one fd.
 */
#ifndef OUROBOROS_LIB_FLOW_TABLE_H
#define OUROBOROS_LIB_FLOW_TABLE_H

#include "common/crypt.h"
#include "common/flow_shm.h"

#include <ouroboros/qos.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define FT_MAX_FLOWS_DEF 65536   /* entries are made in chunks on use */
#define FT_MAX_FLOWS_MAX (1 << 20)
#define FT_MAX_FLOWS_ENV "OUROBOROS_MAX_FLOWS"
#define FT_NO_TIMEO      (-1LL) /* block */

enum ft_state {
        FT_FREE = 0,
        FT_RESERVED,
        FT_ALLOC,
        FT_CLOSING
};

struct ft_peer; /* a peer process's eventfd, shared by its flows */
struct frf;     /* FRCT of a flow through a layer (frct_flow.h) */
struct lmsg;    /* large messages of a spliced flow (local_msg.h) */

/* How a flow reaches its peer (learnt from the allocation reply). */
enum ft_kind {
        FT_SPLICED = 0, /* local: both applications map one memory */
        FT_REMOTE,      /* through an IPCP that carries data: FRCT */
        FT_JOIN,        /* a broadcast join: one to many, no FRCT */
        FT_ADOPTED      /* an IPCP's side of an application's flow */
};

struct ft_flow {
        _Atomic uint32_t  refs;     /* in-flight calls (futex word)     */
        _Atomic int       state;    /* enum ft_state                    */
        _Atomic uint32_t  gen;      /* bumped on every allocation       */
        _Atomic uint32_t  flags;    /* FLOWF*                           */
        _Atomic uint16_t  frct;     /* FRCTF*                           */
        _Atomic int64_t   rcv_timeo; /* ns, FT_NO_TIMEO = block         */
        _Atomic int64_t   snd_timeo;

        pthread_mutex_t   rd_lock;  /* readers of this flow, and part   */
        pthread_mutex_t   wr_lock;  /* writers of this flow             */
        size_t            part;     /* bytes of the head packet read    */

        /* Encryption (flow_crypt.h); cf NULL and ovh 0 when clear. */
        struct crypt_flow * cf;
        size_t            ovh;      /* bytes added to each packet       */
        uint8_t *         rx_buf;   /* plaintext of a partly read packet
                                       (rd_lock), made on first use    */
        size_t            rx_len;   /* its length; part is the offset   */
        _Atomic uint64_t  rx_drops; /* forged / replayed packets dropped */

        /* Set before the entry turns ALLOC, constant until FREE. */
        uint32_t          flow_id;  /* IRMd flow id                     */
        struct flow_shm * shm;
        qosspec_t         qs;
        pid_t             peer_pid;
        struct ft_peer *  peer;
        bool              adopted;  /* an IPCP's side (ipcp_dev.h): no
                                       IRMd message on dealloc       */
        uint8_t           kind;     /* enum ft_kind                     */
        struct frf *      fr;       /* FT_REMOTE: FRCT, else NULL; set
                                       just after ALLOC (frf_create,
                                       atomically), then constant    */
        struct lmsg *     lm;       /* spliced in-order or reliable
                                       flows: large messages (rd/wr) */
};

/* Create the table (idempotent). 0 or -ENOMEM. */
int              ft_init(void);

/* Number of descriptors (0 before ft_init). */
int              ft_size(void);

/* The entry of fd without a reference (for tests and fset checks), or
 * NULL when fd is out of range. */
struct ft_flow * ft_entry(int fd);

/* Reserve the lowest free descriptor: fd, -ENFILE (all N in use) or
 * -ENOMEM. */
int              ft_reserve(void);

/* Give a reserved descriptor back (setup failed); frees its crypto. */
void             ft_unreserve(int fd);

/* Make the reserved descriptor fd an encrypted flow (before ft_publish,
 * so no call can ever see it in the clear). Takes ownership of cf. */
void             ft_set_crypt(int                 fd,
                              struct crypt_flow * cf);

/* How the reserved descriptor fd reaches its peer (before ft_publish;
 * FT_SPLICED if never called). */
void             ft_set_kind(int          fd,
                             enum ft_kind kind);

/*
 * Turn a reserved descriptor into an allocated flow. Takes ownership of
 * ev_fd (the peer's eventfd, -1 if none) and maps memfd (closed here).
 * Returns 0 or a negative errno (then the descriptor stays reserved).
 */
int              ft_publish(int               fd,
                            uint32_t          flow_id,
                            int               memfd,
                            int               side,
                            int               ev_fd,
                            pid_t             peer_pid,
                            const qosspec_t * qs);

/* Take a reference: the entry, or NULL with *err = -EBADF (out of
 * range) or -ENOTALLOC (not allocated). */
struct ft_flow * ft_get(int   fd,
                        int * err);

/* As ft_get, but only if the flow is still the allocation gen. */
struct ft_flow * ft_get_gen(int      fd,
                            uint32_t gen);

void             ft_put(struct ft_flow * f);

/*
 * Start deallocating fd: -EBADF / -ENOTALLOC, or 0 with the entry now
 * CLOSING and *flow_id set. Nobody else can get a reference afterwards.
 */
int              ft_close_begin(int        fd,
                                uint32_t * flow_id);

/* Wait for in-flight calls to leave, unmap and free the descriptor. */
void             ft_close_end(int fd);

/* Child after fork: drop every flow (this process's mappings only). */
void             ft_reset_child(void);

#endif /* OUROBOROS_LIB_FLOW_TABLE_H */
