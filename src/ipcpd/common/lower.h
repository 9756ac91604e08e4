/*
 * Ouroboros - the IPCP framework: lower flows, for IPCP types that run
 * over other layers (broadcast, unicast).
 *
 * Such an IPCP is an application of the layers below: it takes its
 * lower flows with flow_alloc and flow_accept, the very calls every
 * program uses. Enrollment and neighbour adjacencies ("components":
 * "enroll", "dt", "mgmt") all ride on lower flows, so the first packet
 * on every lower flow says what the flow is for, and the first packet
 * back says whether the other end takes it:
 *
 *   connection request  (allocator -> acceptor)
 *   connection answer   (acceptor -> allocator)
 *
 * Wire format of both, every field big-endian, no padding:
 *
 *   magic u32 (0x4f434931, "OCI1") | kind u8 (1 request, 2 answer)
 *   | result i16 (answer: 0 or a negative errno; request: 0)
 *   | type u8 (enum ipcp_type of the sender) | proto u16 (the
 *   component's protocol version) | comp_len u8 | comp
 *   | layer_len u8 | layer | name_len u8 | name
 *
 * comp is 1..IPCP_COMP_MAX bytes, layer 0..LAYER_MAX_LEN (empty for an
 * IPCP not yet in a layer, i.e. while enrolling), name 1..IPCP_NAME_MAX_LEN
 * (the sender IPCP's name). Parsing is strict (lower_info_parse): one
 * well-formed message filling the whole packet, a known kind and type,
 * a result consistent with the kind, every string valid under the
 * project's name rules (common/name_check.h: UTF-8, no control bytes).
 *
 * Threads: flow_alloc and flow_accept block, so both run in worker
 * threads of this module (started by the first ipcp_lower_listen or
 * ipcp_lower_connect: a process that calls neither has none). The
 * handshake itself runs on the loop thread without blocking, so a slow
 * peer holds up nobody else; every callback runs on the loop thread,
 * where the lower flow is then the type's to watch (ipcp_flow_watch),
 * read, write and flow_dealloc, with the flags it came with. The accept
 * worker never keeps the process from exiting (ipcp_lower_fini stops
 * it within a second).
 *
 * Every function returns 0 (or a length) or a negative errno.
 */
#ifndef OUROBOROS_IPCPD_COMMON_LOWER_H
#define OUROBOROS_IPCPD_COMMON_LOWER_H

#include <ouroboros/irm.h>
#include <ouroboros/qos.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LOWER_MAGIC      0x4f434931u
#define IPCP_COMP_MAX    31
#define LOWER_INFO_MAX   (4 + 1 + 2 + 1 + 2 + 3 + IPCP_COMP_MAX \
                          + LAYER_MAX_LEN + IPCP_NAME_MAX_LEN)
/* How long the allocator waits for the answer, and the acceptor for the
 * request, once the lower flow exists. */
#define LOWER_HANDSHAKE_MS 5000

enum lower_kind {
        LOWER_REQ = 1,
        LOWER_ANS = 2
};

/* One end's description of a lower flow. */
struct lower_info {
        enum lower_kind kind;
        int16_t         result;                        /* answer only */
        enum ipcp_type  type;
        uint16_t        proto;
        char            comp[IPCP_COMP_MAX + 1];       /* "dt" ...    */
        char            layer[LAYER_MAX_LEN + 1];      /* "" enrolling */
        char            name[IPCP_NAME_MAX_LEN + 1];
};

/* Encode i into buf (len bytes; LOWER_INFO_MAX always suffice): the
 * length, -EINVAL (what lower_info_parse would refuse: a bad kind,
 * type or result, a string empty where it may not be, too long or not
 * a name) or -EMSGSIZE (len too small). */
ssize_t lower_info_write(const struct lower_info * i,
                         uint8_t *                 buf,
                         size_t                    len);

/* Decode exactly one message filling buf: 0 or -EBADMSG (i is then
 * undefined). */
int     lower_info_parse(const uint8_t *     buf,
                         size_t              len,
                         struct lower_info * i);

/*
 * An accepted lower flow whose request parsed: decide on the loop
 * thread. Return 0 to take the flow (the framework answers result 0
 * with ans: kind, result, type and name are filled in by the framework,
 * proto, comp and layer by the callback, proto and comp defaulting to
 * the request's, layer to ""), or a negative errno to refuse it (the
 * framework answers it, then deallocates the flow). fd is the type's
 * from a 0 return on, with the flags it came with (blocking): the
 * answer goes out when the callback returns, so the callback must not
 * write on fd itself. qs is the flow's QoS.
 */
typedef int  (* lower_accept_cb)(void *                    arg,
                                 int                       fd,
                                 const qosspec_t *         qs,
                                 const struct lower_info * req,
                                 struct lower_info *       ans);

/* The end of ipcp_lower_connect, on the loop thread: fd >= 0 and the
 * peer's answer on success, else fd = -1, ans NULL and result: the
 * flow_alloc error (-ENAME no layer reaches dst, -ETIMEDOUT...), the
 * peer's refusal (its result), -ETIMEDOUT (no answer within
 * LOWER_HANDSHAKE_MS), -EBADMSG (an answer that does not parse),
 * -ECONNRESET (the peer deallocated the flow without answering) or
 * -ECANCELED (ipcp_lower_fini came first). */
typedef void (* lower_conn_cb)(void *                    arg,
                               int                       fd,
                               int                       result,
                               const struct lower_info * ans);

/* Start accepting lower flows (the process must be bound to a name,
 * e.g. by `irm ipcp bootstrap ... autobind`, to be offered any): every
 * flow goes to cb once its request arrives; a flow whose request does
 * not parse or does not come within LOWER_HANDSHAKE_MS is deallocated,
 * counted and logged (rate-limited), and so is a flow that arrives while
 * 256 others wait for their request. Once only: -EALREADY on a second
 * call; -EINVAL (cb NULL), -ECANCELED after ipcp_lower_fini, or the
 * thread's error. */
int     ipcp_lower_listen(lower_accept_cb cb,
                          void *          arg);

/* From any thread: allocate a lower flow to dst with qs (NULL:
 * raw) within timeout_ms (> 0), send req (kind, result, type and name
 * are filled in by the framework; the caller sets comp, proto and
 * layer), wait for the answer; cb gets the outcome, exactly once, also
 * when ipcp_lower_fini comes first. The arg is the caller's until cb
 * runs. 0 (cb will run), -EINVAL (bad dst, timeout or req), -EAGAIN
 * (64 connects in flight already), -ENOMEM or -ECANCELED (after
 * ipcp_lower_fini). */
int     ipcp_lower_connect(const char *              dst,
                           const qosspec_t *         qs,
                           int                       timeout_ms,
                           const struct lower_info * req,
                           lower_conn_cb             cb,
                           void *                    arg);

/* Counters of this module for an op's stat answer: lower_accepted,
 * lower_refused, lower_bad_handshakes, lower_connects_ok,
 * lower_connects_failed. 0 or -EMSGSIZE (the answer is full). */
struct ipcp_stat;
int     ipcp_lower_stat(struct ipcp_stat * s);

/* Stop the workers (called by the framework once the loop stopped for
 * good, before ops->fini): flows in their handshake are deallocated,
 * pending connects get -ECANCELED; a connect worker still in
 * flow_alloc is left to end by itself (it deallocates what it gets). */
void    ipcp_lower_fini(void);

#endif /* OUROBOROS_IPCPD_COMMON_LOWER_H */
