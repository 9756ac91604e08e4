/*
 * Ouroboros - the shim core: what the layers that reach their peers
 * over a datagram transport with endpoint ids share (eth-dix, eth-llc,
 * udp4, udp6). A transport (eth/, udp/) opens its device or socket in
 * its bootstrap op, fills a struct shim_transport and calls shim_start;
 * the shim then serves every other IRMd op (shim_ipcp_ops) and runs
 * the directory, flow allocation, deallocation and peer liveness over
 * the management messages of mgmt.h.
 *
 * Threads: everything here runs on the framework's loop thread (the
 * transport's receive callbacks too). A transport that resolves names
 * in a worker thread posts the result with ipcp_loop_call and calls
 * shim_resolved from there.
 *
 * Endpoint ids: 16 bits, 0 reserved for management messages. Each side
 * picks its own for a flow (s_eid in what it sends, d_eid in what it
 * receives); a data packet is accepted only with the d_eid of an
 * allocated flow, that flow's peer address and the peer's s_eid.
 *
 * Directory: the IRMd's query (and a flow allocation to a name not in
 * the cache) asks the transport for the candidate addresses of a hash
 * (eth: none, i.e. broadcast; udp: map file or DNS, possibly later)
 * and sends them NAME_QUERY, again every SHIM_QUERY_RETX_MS, until
 * the first positive NAME_REPLY (cached SHIM_DIR_TTL_MS) or
 * SHIM_QUERY_TIMEO_MS (-ENAME). A NAME_QUERY for a registered hash is
 * answered with NAME_REPLY 0; a unicast one for any other with -ENAME,
 * a broadcast one not at all.
 *
 * Flow allocation (requester A, acceptor B):
 *   A: IRMd FLOW_ALLOC  -> answer 0, resolve, FLOW_REQ (cookie, s_eid,
 *                          qos, hash, key), resent at SHIM_REQ_RETX_MS
 *   B: FLOW_REQ         -> ipcp_flow_req_arr; the IRMd's reply names
 *                          the accepting half; duplicates are ignored
 *                          (or get the FLOW_REPLY again once sent)
 *   B: IRMd FLOW_ALLOC_RESP -> FLOW_REPLY (cookie, s_eid, d_eid,
 *                          result, key); flow up at B if accepted
 *   A: FLOW_REPLY       -> ipcp_flow_alloc_reply; flow up at A
 * A request without a reply fails with -ETIMEDOUT after
 * SHIM_REQ_TIMEO_MS, or -EFLOWPEER when its peer stops answering
 * keepalives.
 *
 * Deallocation: the application's dealloc or death (FLOW_DEALLOC on
 * the adopted flow, or the IRMd's FLOW_DEALLOC op) sends FLOW_DEALLOC
 * to the peer at once and closes our side; the peer's FLOW_DEALLOC
 * closes our side (the application sees FLOW_DEALLOC).
 *
 * Peer liveness (shim_peer.c): a peer with flows (or allocations in
 * progress) that has not been heard from for SHIM_KA_PERIOD_MS gets a
 * KEEPALIVE probe every SHIM_KA_PERIOD_MS; after SHIM_KA_TIMEOUT_MS of
 * silence (checked every 500 ms, so 4 to 4.5 s) the peer is down: its
 * flows go down (FLOW_DOWN at the applications, reads and writes fail
 * with -EFLOWDOWN) and are kept; a pending request fails with
 * -EFLOWPEER. The probes go on, and the first frame heard from the peer
 * brings its flows up again (FLOW_UP). A flow down for its QoS timeout
 * plus SHIM_KA_TIMEOUT_MS (FRCT's peer timer gives FLOW_PEER first), or
 * SHIM_DOWN_MAX_MS if its timeout is 0, is deallocated (FLOW_DEALLOC).
 * Any frame from a peer counts. A probe is answered only by an IPCP
 * that has flows with the prober, so a restarted peer does not keep
 * dead flows alive. A peer's FLOW_DEALLOC (its application deallocated
 * or died) still closes the flow at once.
 * While our link is down (shim_link(false)) every flow is down and no
 * peer times out; when it comes back the flows of the peers that are
 * not down go up (FLOW_UP) at once, the down peers are probed, and
 * every peer gets a fresh SHIM_KA_TIMEOUT_MS; a change of the link
 * empties the directory cache. A request that fails forgets the cached
 * address of its name.
 *
 * Sizes: the layer's largest packet is the transport's max_payload,
 * reported as the bootstrap's max_pkt (T_MAX_PKT), so the flow memory
 * refuses larger writes with -EMSGSIZE at the writer.
 */
#ifndef OUROBOROS_IPCPD_SHIM_H
#define OUROBOROS_IPCPD_SHIM_H

#include "ipcpd/common/ipcp.h"
#include "ipcpd/mgmt/mgmt.h"

#include <netinet/in.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* resolve's "the answer comes later" (a count of 1 is an answer). */
#define SHIM_LATER (-EINPROGRESS)

#define SHIM_KA_PERIOD_MS    1000   /* keepalive probe interval         */
#define SHIM_KA_TIMEOUT_MS   4000   /* silent peer: its flows down      */
#define SHIM_DOWN_MAX_MS     120000 /* a flow without peer timeout
                                       (QoS timeout 0) down this long
                                       is deallocated                  */
#define SHIM_QUERY_RETX_MS   250    /* NAME_QUERY resent                */
#define SHIM_QUERY_TIMEO_MS  1000   /* no NAME_REPLY: -ENAME            */
#define SHIM_REQ_RETX_MS     500    /* FLOW_REQ resent until a reply    */
#define SHIM_REQ_TIMEO_MS    15000  /* no FLOW_REPLY: -ETIMEDOUT        */
#define SHIM_DIR_TTL_MS      10000  /* a positive NAME_REPLY is cached  */
#define SHIM_TX_BUDGET       64     /* packets sent per flow and wake   */
#define SHIM_ADDR_STR_MAX    64     /* shim_addr_str buffer             */

enum shim_addr_kind {
        SHIM_ADDR_NONE = 0,
        SHIM_ADDR_MAC,
        SHIM_ADDR_IN4,
        SHIM_ADDR_IN6
};

/* A peer's address on the transport. Compare with shim_addr_eq. */
struct shim_addr {
        enum shim_addr_kind kind;
        union {
                uint8_t             mac[6];
                struct sockaddr_in  in4;
                struct sockaddr_in6 in6;
        } u;
};

/* Counters (irm ipcp stat). The transport counts frames and bytes in
 * and out (RX_/TX_FRAMES, _BYTES) and what its own parsing drops (RUNT,
 * TYPE, LEN, OVERSIZE, BAD) with shim_count / shim_count_n; the shim
 * counts the rest. */
enum shim_ctr {
        SHIM_C_RX_FRAMES = 0, /* received for this layer              */
        SHIM_C_RX_BYTES,
        SHIM_C_TX_FRAMES,
        SHIM_C_TX_BYTES,
        SHIM_C_RX_DATA,       /* data packets delivered to a flow     */
        SHIM_C_TX_DATA,       /* data packets sent                    */
        SHIM_C_DROP_RUNT,     /* shorter than the headers             */
        SHIM_C_DROP_TYPE,     /* other ethertype / SAP / not ours     */
        SHIM_C_DROP_LEN,      /* length field disagrees with frame    */
        SHIM_C_DROP_OVERSIZE, /* larger than the MTU / max payload    */
        SHIM_C_DROP_BAD,      /* other malformed frames               */
        SHIM_C_DROP_MGMT,     /* management messages mgmt_parse
                                 refused, or out of place             */
        SHIM_C_DROP_EID,      /* unknown or not allocated eid         */
        SHIM_C_DROP_PEER,     /* right eid, wrong source or s_eid     */
        SHIM_C_DROP_FULL,     /* the application's flow was full      */
        SHIM_C_DROP_TX,       /* could not be sent                    */
        SHIM_C_FLOWS,         /* flows allocated now (a gauge)        */
        SHIM_C_FLOWS_TOTAL,   /* flows allocated since bootstrap      */
        SHIM_C_FLOWS_FAILED,  /* allocations that failed              */
        SHIM_C_QUERIES_OUT,   /* NAME_QUERY sent                      */
        SHIM_C_QUERIES_IN,    /* NAME_QUERY received                  */
        SHIM_C_PEERS_LOST,    /* peers that went silent (flows down)  */
        SHIM_C_FLOWS_EXPIRED, /* flows deallocated, down too long     */
        SHIM_C_KA_OUT,        /* keepalives sent                      */
        SHIM_C_KA_IN,         /* keepalives received                  */
        SHIM_C_DROP_LAYER,    /* management messages of another layer
                                 (same ethertype/SAP/port)            */
        SHIM_C_DROP_KERNEL,   /* dropped by the kernel at our socket:
                                 we did not read in time              */
        SHIM_C_TX_FULL,       /* sends the device refused, its socket
                                 buffer full (-EAGAIN): wait for POLLOUT */
        SHIM_C_TX_NOBUFS,     /* sends the device refused, its queue
                                 full (-ENOBUFS): retry on a timer    */
        SHIM_C_COUNT
};

struct shim;

/*
 * What a transport offers the shim; ctx is passed back to every op.
 * All ops return 0 (or what is said) or a negative errno.
 */
struct shim_transport {
        const char * name;        /* for logs: "eth-dix", "udp4"        */
        const char * layer;       /* the layer's name: its tag goes in
                                     every management message, and a
                                     message of another layer's tag is
                                     dropped (drop_layer)              */
        size_t       max_payload; /* largest data packet (T_MAX_PKT)    */

        /* Send a data packet: the header (d_eid, s_eid, length) in
         * front of the payload given as iovcnt pieces, which the op
         * must not keep after it returns (it sends them, or copies
         * them into a batch that flush sends). -EAGAIN: the device is
         * full (a full socket buffer, or a queueing discipline that
         * refused the frame: ENOBUFS), nothing was taken; the
         * transport calls shim_tx_ready once it can send again (on
         * POLLOUT, or after a short retry timer where the device has
         * no writable event). -EMSGSIZE above max_payload. */
        int  (* send_data)(void *                   ctx,
                           const struct shim_addr * dst,
                           uint16_t                 d_eid,
                           uint16_t                 s_eid,
                           const struct iovec *     iov,
                           int                      iovcnt);

        /* Send what send_data batched; called after each round of
         * sends. NULL if send_data never batches. */
        int  (* flush)(void * ctx);

        /* Send a management message to dst, or to every peer when dst
         * is NULL (broadcast; -EOPNOTSUPP if the transport has none).
         * -EAGAIN as for send_data: the shim holds a copy and sends it
         * again, before any data, at shim_tx_ready. */
        int  (* send_mgmt)(void *                   ctx,
                           const struct shim_addr * dst,
                           const struct mgmt_msg *  m);

        /* The candidate addresses of hash h: the count (1..max) put in
         * out; 0 to query everyone (broadcast); SHIM_LATER when the
         * answer comes with shim_resolved(sh, id, ...) later (the op
         * may keep a copy of h); or an error (the query fails with
         * it). NULL means always 0. */
        int  (* resolve)(void *             ctx,
                         struct ipcp_hash   h,
                         uint32_t           id,
                         struct shim_addr * out,
                         size_t             max);

        /* A hash is (un)registered here: publish it (udp with DNS).
         * NULL: registration is local only (the shim answers queries
         * either way). Runs before the shim records the hash (an error
         * refuses the registration) and must not block: slow work
         * (DNS updates) goes to a worker of the transport, and reg
         * returns SHIM_LATER; the transport then calls shim_reg_done
         * with the request's token (ipcp_req_tok() inside reg). */
        int  (* reg)(void *           ctx,
                     struct ipcp_hash h);
        int  (* unreg)(void *           ctx,
                       struct ipcp_hash h);

        /* Extra counters of the transport for irm ipcp stat; NULL: none.
         * Returns 0 or the error of ipcp_stat_add. */
        int  (* stat)(void *             ctx,
                      struct ipcp_stat * s);

        /* The shim is stopping (IPCP exit): close the device. */
        void (* fini)(void * ctx);
};

/* The generic ops (reg, unreg, query, flow_alloc, flow_alloc_resp,
 * flow_dealloc, stat, fini) into ops; the type sets bootstrap (which
 * calls shim_start) and carries_data itself. */
void shim_ipcp_ops(struct ipcp_ops * ops);

/*
 * Start the shim over transport t (copied; ctx kept) for hashes of
 * hash_len bytes: the keepalive timer runs from here. The link is
 * taken as up. 0, -EIPCPSTATE (already started), -EINVAL, -ENOMEM.
 * Returns the shim in *out (one per process).
 */
int  shim_start(const struct shim_transport * t,
                void *                        ctx,
                size_t                        hash_len,
                struct shim **                out);

/* ---- what the transport calls for what it receives ---- */

/* A data packet for d_eid from s_eid at from (payload in the caller's
 * buffer, copied into the application's flow before this returns). */
void shim_rcv_data(struct shim *            sh,
                   const struct shim_addr * from,
                   uint16_t                 d_eid,
                   uint16_t                 s_eid,
                   const uint8_t *          payload,
                   size_t                   len);

/* A management payload (d_eid 0) from from; bcast: it was sent to
 * everyone. Parsed here with mgmt_parse (bad ones are counted). */
void shim_rcv_mgmt(struct shim *            sh,
                   const struct shim_addr * from,
                   bool                     bcast,
                   const uint8_t *          buf,
                   size_t                   len);

/* After each batch the transport received: the kernel's count of the
 * packets it dropped on receipt since the transport's socket opened,
 * looked at when the batch did not empty the socket (more waited: the
 * kernel may have dropped since the last look), else -1 (also: not
 * known). What is new is counted as drop_kernel and told to the flows
 * the batch delivered to (ipcp_flow_lost_add). */
void shim_rx_batch_end(struct shim * sh,
                       int64_t       drops);

/* The kernel's count of the packets it dropped at socket fd since it
 * was opened (SO_MEMINFO), or -errno (not a socket). */
int64_t shim_sock_drops(int fd);

/* Count one event of a transport's own (a frame it dropped). */
void shim_count(struct shim * sh,
                enum shim_ctr c);

/* Add n to counter c (bytes). */
void shim_count_n(struct shim * sh,
                  enum shim_ctr c,
                  uint64_t      n);

/* The link went down (false) or came up (true). Idempotent. */
void shim_link(struct shim * sh,
               bool          up);

/* The transport can send again after a send_data or send_mgmt
 * -EAGAIN. */
void shim_tx_ready(struct shim * sh);

/* The answer to a resolve that returned SHIM_LATER: n addresses (0
 * and err < 0: failed with err; 0 and err 0: broadcast). */
void shim_resolved(struct shim *            sh,
                   uint32_t                 id,
                   const struct shim_addr * addrs,
                   size_t                   n,
                   int                      err);

/* The end of a publication that reg answered SHIM_LATER for: answers
 * the IRMd's request tok with err, and an error takes the registration
 * back. */
void shim_reg_done(struct shim *    sh,
                   struct ipcp_hash h,
                   ipcp_tok_t       tok,
                   int              err);

/* ---- addresses ---- */

bool         shim_addr_eq(const struct shim_addr * a,
                          const struct shim_addr * b);

/* "02:00:00:00:00:01", "10.0.0.1:3435", "[fd00::1]:3435" into buf
 * (SHIM_ADDR_STR_MAX bytes); returns buf. */
const char * shim_addr_str(const struct shim_addr * a,
                           char *                   buf);

/* Name of counter c as shown by irm ipcp stat ("rx_frames"). */
const char * shim_ctr_name(enum shim_ctr c);

#endif /* OUROBOROS_IPCPD_SHIM_H */
