/*
 * Ouroboros - the IRMd protocol: message types and field tags.
 *
 * One SOCK_SEQPACKET datagram is one message (see msg.h for the wire
 * format). A request is answered by a message of the same type with
 * MSG_F_REPLY set and the same id, carrying T_RESULT (0 or -errno) and
 * the reply fields listed below. Fields marked "fd" travel as SCM_RIGHTS
 * in the order given. Unknown tags are ignored; missing required tags or
 * wrong sizes give -EBADMSG. Strings are not NUL-terminated on the wire.
 * Names (T_NAME, T_IPCP_NAME, T_LAYER, T_DST, also inside T_CONF) follow
 * common/name_check.h; the IRMd answers any request with another name
 * -EINVAL before handling it.
 */
#ifndef OUROBOROS_COMMON_PROTO_H
#define OUROBOROS_COMMON_PROTO_H

#define MSG_F_REPLY 0x0001

/*
 * Flows through a layer that carries data (every type but local): the
 * IRMd makes one flow memory per half, as for a local flow, but the
 * other side of it is the IPCP, not the peer application. The
 * application holds side 0, the IPCP side 1. The application's
 * T_PEER_PID is the IPCP's pid and its peer eventfd the IPCP's
 * (so an IPCP must announce itself with M_PROC_ANNOUNCE, as the library
 * does on first use, before it takes flows). The flow memory's largest
 * packet is the smaller of the IRMd's and the IPCP's T_MAX_PKT. The IPCP
 * gets its side with M_IPCPD_FLOW_ALLOC (requester) or the accepting
 * M_IPCPD_FLOW_ALLOC_RESP (acceptor) and adopts it into its own flow
 * table (src/lib/ipcp_dev.h). The IRMd's record of the flow lives as
 * long as the application's half: the application's dealloc or death
 * releases it (M_IPCPD_FLOW_DEALLOC to the IPCP); the IPCP releases its
 * side by closing it, which the application sees as FLOW_DEALLOC.
 */

/* At most this many T_ARG in an M_PROC_ANNOUNCE (more: -E2BIG); the
 * library sends the first PROTO_ANNOUNCE_ARGS of a longer argv. */
#define PROTO_ANNOUNCE_ARGS 256

/* The longest T_INFO line, in bytes. */
#define PROTO_INFO_MAX 255

/* Field tags and their wire types. */
enum proto_tag {
        T_RESULT = 1,   /* i32: 0 or -errno                              */
        T_PID,          /* u32                                           */
        T_NAME,         /* str: application name (<= NAME_MAX_LEN)       */
        T_IPCP_NAME,    /* str (<= IPCP_NAME_MAX_LEN)                    */
        T_IPCP_TYPE,    /* u32: enum ipcp_type                           */
        T_LAYER,        /* str (<= LAYER_MAX_LEN)                        */
        T_QOS,          /* qos: msg_put_qos / msg_get_qos                */
        T_TIMEO,        /* u64: ns; absent = block forever               */
        T_FLOW_ID,      /* u32: IRMd flow id                             */
        T_SIDE,         /* u8: 0 or 1, the side of the flow memory held  */
        T_HASH,         /* bytes: name hash (28..64 bytes)               */
        T_HASH_ALGO,    /* u32: enum hash_algo                           */
        T_PROG,         /* str: absolute path of a program               */
        T_ARG,          /* str, repeated: argv[1..] in order             */
        T_AUTO,         /* u8: 1 = start program on demand               */
        T_LB,           /* u32: enum lb_policy                           */
        T_CONF,         /* nested TLVs: struct layer_config, see below   */
        T_ENTRY,        /* nested TLVs, repeated: one list entry         */
        T_STATE,        /* u32: enum ipcp_state                          */
        T_DST,          /* str: enrollment / connect destination         */
        T_COMPONENT,    /* str: "dt" or "mgmt"                           */
        T_PEER_PID,     /* u32: pid of the process at the other side     */
        T_COUNT,        /* u32                                           */
        T_PEER_FLOW,    /* u32: flow id of the other half (local splice) */
        T_MAX_PKT,      /* u32: largest packet the flow carries          */
        T_N_PROCS,      /* u32 */
        T_N_PROGS,      /* u32 */
        T_N_LAYERS,     /* u32 */
        T_PUBKEY,       /* bytes: ephemeral X25519 public key, exactly
                           CRYPT_PUBKEY_LEN (32); other sizes -EBADMSG.
                           Flow encryption (qos cypher_s > 0): see the
                           flow messages below and doc/crypto.md      */
        T_ACK,          /* u8: 1 = the requester confirms a flow it gets
                           with M_FLOW_ACK (see there)                  */
        T_INFO,         /* str: one line describing an IPCP's attachment,
                           e.g. "dev veth0 mtu 1500" (<= 255 bytes)      */
        T_VALUE,        /* u64: a counter's value                        */
        /* layer_config fields inside T_CONF (u32 unless noted) */
        T_C_ADDR_SIZE = 64,
        T_C_EID_SIZE,
        T_C_MAX_TTL,
        T_C_ROUTING,
        T_C_CONGESTION,
        T_C_DHT_ALPHA,
        T_C_DHT_K,
        T_C_DHT_T_EXPIRE,
        T_C_DHT_T_REFRESH,
        T_C_DHT_T_REPLICATE,
        T_C_LS_T_RECALC,
        T_C_LS_T_UPDATE,
        T_C_LS_T_TIMEO,
        T_C_IP,          /* str */
        T_C_PORT,
        T_C_DNS,         /* str */
        T_C_DEV,         /* str */
        T_C_ETHERTYPE,
        T_C_MTU          /* absent: the device's */
        /* T_IPCP_TYPE, T_LAYER and T_HASH_ALGO are also used in T_CONF */
};

/*
 * Message types.  "->" request fields, "<-" reply fields (besides
 * T_RESULT).  "[x]" optional.
 */
enum proto_type {
        /* application -> IRMd, on the session connection (kept open for
           the life of the process: its EOF is the process's end) */
        M_PROC_ANNOUNCE = 1, /* -> T_PROG, T_ARG* (<= PROTO_ANNOUNCE_ARGS),
                                   fd: eventfd
                                <- (nothing)                             */

        /* application -> IRMd, on the session connection (the library,
           whose threads share it; the IRMd parks each request on its
           own, at most IRMD_MAX_PARKED at once) or on a connection of
           their own (one request each, confirmed with T_ACK). A flow
           handed over on the session needs no M_FLOW_ACK: if its reply
           cannot be sent the IRMd takes it back, and a process that
           dies holding it closes its session. */
        M_FLOW_ALLOC,        /* -> T_NAME, T_QOS, [T_TIMEO],
                                   [T_PUBKEY: the requester's, iff
                                   cypher_s > 0]
                                <- T_FLOW_ID, T_SIDE, T_QOS, T_MAX_PKT,
                                   T_PEER_PID, [T_IPCP_TYPE: the type of
                                   the IPCP the flow goes through, iff it
                                   is not spliced (then the library runs
                                   FRCT on it, unless it is a join)],
                                   [T_PUBKEY: the acceptor's,
                                   iff cypher_s > 0], fd: memfd,
                                   fd: peer eventfd                      */
        M_FLOW_ACCEPT,       /* -> [T_TIMEO], [T_PUBKEY: the acceptor's,
                                   always sent: it cannot know the qos of
                                   the flow it will get]
                                <- T_FLOW_ID, T_SIDE, T_QOS (the peer's
                                   request), T_NAME (name it was for),
                                   T_MAX_PKT, T_PEER_PID, [T_IPCP_TYPE:
                                   as for M_FLOW_ALLOC], [T_PUBKEY: the
                                   requester's, iff cypher_s > 0],
                                   fd: memfd, fd: peer eventfd           */
        /*
         * Flow encryption: the IRMd checks that every T_PUBKEY is 32
         * bytes and relays it unchanged; it never makes or sees a
         * private key. If the qos has cypher_s > 0 and a key is missing
         * (the requester's, or the acceptor's at hand-over), both the
         * M_FLOW_ALLOC and the M_FLOW_ACCEPT fail with -ECRYPT.
         */
        M_FLOW_JOIN,         /* -> T_NAME (layer), T_QOS, [T_TIMEO]
                                <- as M_FLOW_ALLOC                       */
        M_FLOW_DEALLOC,      /* -> T_FLOW_ID  <- (nothing); also sent on
                                the session connection, unanswered     */
        M_FLOW_ACK,          /* -> T_FLOW_ID, T_RESULT; no reply. Sent on
                                the connection of an M_FLOW_ALLOC /
                                _ACCEPT / _JOIN that carried T_ACK, after
                                its reply: 0 the flow is set up, < 0 it
                                could not be (the IRMd marks that side
                                dead for the peer and releases it). A
                                connection that closes before the ack
                                lost the reply: the same happens. On the
                                session: T_RESULT < 0 only, for a flow
                                handed there that the library could not
                                set up.                                  */
        M_FLOW_CANCEL,       /* -> (nothing: the header's id is that of
                                an earlier M_FLOW_ALLOC / _ACCEPT /
                                _JOIN on the same session) <- (nothing).
                                The library gave up waiting: a request
                                still parked is dropped unanswered, a
                                flow already handed to it is taken back
                                (its side marked dead for the peer).    */

        /* management (irm tool, Python) -> IRMd */
        M_IPCP_CREATE = 32,  /* -> T_IPCP_NAME, T_IPCP_TYPE <- T_PID     */
        M_IPCP_DESTROY,      /* -> T_IPCP_NAME                           */
        M_IPCP_LIST,         /* -> <- T_ENTRY*: T_PID, T_IPCP_TYPE,
                                   T_STATE, T_IPCP_NAME, [T_LAYER],
                                   [T_INFO: from the IPCP's bootstrap
                                   or enroll answer]                     */
        M_IPCP_BOOTSTRAP,    /* -> T_IPCP_NAME, T_CONF
                                <- T_LAYER, T_HASH_ALGO (on success),
                                   [T_INFO: the IPCP's line, on failure
                                   its one-line reason]                  */
        M_IPCP_ENROLL,       /* -> T_IPCP_NAME, T_DST, [T_LAYER: the
                                   layer the user named, if not dst]
                                <- as M_IPCP_BOOTSTRAP                   */
        M_IPCP_CONNECT,      /* -> T_IPCP_NAME, T_DST, T_COMPONENT, T_QOS */
        M_IPCP_DISCONNECT,   /* -> T_IPCP_NAME, T_DST, T_COMPONENT       */
        M_BIND_PROG,         /* -> T_PROG, T_NAME, T_AUTO, T_ARG*        */
        M_UNBIND_PROG,       /* -> T_PROG, [T_NAME]                      */
        M_BIND_PROC,         /* -> T_PID, T_NAME                         */
        M_UNBIND_PROC,       /* -> T_PID, [T_NAME]                       */
        M_NAME_CREATE,       /* -> T_NAME, T_LB                          */
        M_NAME_DESTROY,      /* -> T_NAME                                */
        M_NAME_LIST,         /* -> <- T_ENTRY*: T_NAME, T_LB, T_N_PROCS,
                                   T_N_PROGS, T_N_LAYERS                 */
        M_NAME_REG,          /* -> T_NAME, T_IPCP_NAME | T_LAYER
                                <- T_COUNT (IPCPs registered with)       */
        M_NAME_UNREG,        /* -> T_NAME, T_IPCP_NAME | T_LAYER
                                <- T_COUNT                               */
        M_IPCP_STAT,         /* -> T_IPCP_NAME
                                <- T_ENTRY*: T_NAME (counter), T_VALUE,
                                   in the IPCP's order (relayed from
                                   M_IPCPD_STAT)                         */

        /* IPCP -> IRMd, on the IPCP's connection (kept open) */
        M_IPCP_HELLO = 64,   /* -> T_PID, T_IPCP_NAME, T_IPCP_TYPE       */
        M_IPCP_FLOW_REQ_ARR, /* -> T_HASH, T_QOS, [T_PEER_FLOW: the
                                   requester's flow id when the IPCP
                                   splices the two halves (local layer)],
                                   [T_PUBKEY: the remote requester's]
                                <- T_FLOW_ID (the new, accepting half).
                                   Without T_PEER_FLOW the request came
                                   from another system: the IRMd makes
                                   the half's flow memory now and hands
                                   it to the IPCP with the
                                   M_IPCPD_FLOW_ALLOC_RESP that accepts
                                   it (nothing can arrive before).      */
        M_IPCP_FLOW_ALLOC_REPLY, /* -> T_FLOW_ID (requester half),
                                   T_RESULT (the allocation's outcome),
                                   [T_PEER_FLOW], [T_PUBKEY: the remote
                                   acceptor's] <- (nothing)              */
        M_IPCP_FLOW_DEALLOC_ARR, /* -> T_FLOW_ID: the peer left (remote
                                   layers)  <- (nothing). Optional: an
                                   IPCP that closes its side of the flow
                                   memory (flow_dealloc on the adopted
                                   flow) tells the application itself.
                                   For a half not yet accepted: the
                                   remote requester gave up, the IRMd
                                   drops it (M_IPCPD_FLOW_ALLOC_RESP
                                   with a negative result follows). */

        /* IRMd -> IPCP, on the IPCP's connection */
        M_IPCPD_BOOTSTRAP = 96, /* -> T_CONF
                                <- [T_MAX_PKT: largest packet a flow of
                                   this layer carries, for layers that
                                   carry data; the IRMd sizes their
                                   flow memory with it], [T_INFO: on
                                   success the line for `irm ipcp list`,
                                   on failure a one-line reason ("no
                                   such interface veth9") that the IRMd
                                   relays to the client]                */
        M_IPCPD_ENROLL,      /* -> T_DST, [T_LAYER] <- T_LAYER, T_HASH_ALGO,
                                   [T_MAX_PKT], [T_INFO]                */
        M_IPCPD_CONNECT,     /* -> T_DST, T_COMPONENT, T_QOS             */
        M_IPCPD_DISCONNECT,  /* -> T_DST, T_COMPONENT                    */
        M_IPCPD_REG,         /* -> T_HASH                                */
        M_IPCPD_UNREG,       /* -> T_HASH                                */
        M_IPCPD_QUERY,       /* -> T_HASH  <- result 0 if reachable      */
        M_IPCPD_FLOW_ALLOC,  /* -> T_FLOW_ID, T_HASH, T_QOS, [T_PUBKEY:
                                   the requester's, iff cypher_s > 0];
                                   to an IPCP that is not local also
                                   T_SIDE (the IPCP's side, 1),
                                   T_PEER_PID (the application),
                                   fd: memfd, fd: the application's
                                   eventfd
                                <- result: accepted for processing; the
                                   outcome comes later as
                                   M_IPCP_FLOW_ALLOC_REPLY               */
        M_IPCPD_FLOW_ALLOC_RESP, /* -> T_FLOW_ID (accepting half),
                                   T_RESULT (accepted or refused),
                                   [T_PUBKEY: the acceptor's, iff
                                   accepted and cypher_s > 0]; accepted
                                   and not local also T_SIDE (1),
                                   T_PEER_PID (the acceptor), fd: memfd,
                                   fd: the acceptor's eventfd            */
        M_IPCPD_FLOW_DEALLOC, /* -> T_FLOW_ID: the application released
                                   its half (dealloc or death); the IPCP
                                   may already know from the flow
                                   memory. Unknown ids are answered 0. */
        M_IPCPD_STAT         /* -> <- T_ENTRY*: T_NAME, T_VALUE; a type
                                without counters answers -ENOTSUP.
                                Counter names follow name_check.h
                                (<= NAME_MAX_LEN) without spaces; the
                                IRMd answers -EIPCP for a malformed
                                answer                                 */
        /*
         * T_PUBKEY between the IRMd and its IPCPs: a layer that does not
         * splice (the flow's two ends are on different systems) carries
         * the requester's key from M_IPCPD_FLOW_ALLOC to the remote
         * M_IPCP_FLOW_REQ_ARR, and the acceptor's key from the remote
         * M_IPCPD_FLOW_ALLOC_RESP to M_IPCP_FLOW_ALLOC_REPLY, as opaque
         * bytes. The IRMd always sends them. For a spliced flow (the
         * local layer: T_PEER_FLOW present) both keys are held by this
         * IRMd, which relays them itself; the IPCP need not echo them
         * and the IRMd ignores (after checking the size) any it does.
         */
};

#endif /* OUROBOROS_COMMON_PROTO_H */
