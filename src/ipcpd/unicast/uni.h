/*
 * Ouroboros - ipcpd-unicast: the interfaces between its modules.
 *
 * One process, one thread: every module runs on the framework's loop
 * thread (ipcpd/common/ipcp.h), so none takes a lock for its own state
 * and none may block. Modules and who calls whom:
 *
 *   main.c    the ops table, bootstrap, state, stat       -> *_init/_fini
 *   conf.c    the layer's configuration (uni_conf)
 *   enroll.c  enrollment (component "enroll"), addresses
 *   nbr.c     adjacencies: lower flows of components "dt" and "mgmt",
 *             their hello (addresses), keepalives and liveness (its
 *             files: nbr_priv.h; dialling in nbr_dial.c, hello and
 *             liveness in nbr_hello.c, mgmt framing in nbr_mgmt.c)
 *   dt.c      data transfer: the header (dt_hdr.h), forwarding, per-cube
 *             queues toward each neighbour, ECN marking, TTL, delivery
 *             to this member's components and flows (its files:
 *             dt_priv.h; writing toward a neighbour in dt_tx.c)
 *   route.c   link state: LSAs flooded over mgmt adjacencies, the
 *             database, the routing policy, the forwarding table
 *   dir.c     the directory: the DHT (dir/dht.h) over dt, with a cache
 *   cube.c    the QoS cube of a flow
 *   fa.c      the flow allocator: application flows, their endpoint
 *             ids, allocation messages over dt, mb-ecn at the sender
 *
 * Addresses are u64 in memory (0: none), written in conf.addr_size
 * bytes on the wire; endpoint ids likewise in conf.eid_size bytes.
 * Endpoint ids below DT_EID_FIRST name this member's components (the
 * ones that talk to other members through the layer); flows get random
 * ids from DT_EID_FIRST up that fit eid_size.
 *
 * Every function returns 0 (or a count) or a negative errno.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_UNI_H
#define OUROBOROS_IPCPD_UNICAST_UNI_H

#include "ipcpd/common/ipcp.h"
#include "ipcpd/common/lower.h"
#include "ipcpd/mgmt/be.h"

#include <ouroboros/irm.h>
#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ------------------------------------------------------------ conf.c */

/* The layer's configuration: set by bootstrap (from T_CONF) or handed
 * over at enrollment, then constant. */
struct uni_conf {
        struct layer_config lc;        /* type unicast, every field set */
        size_t              hash_len;  /* bytes of a name's hash       */
        const char *        routing;   /* routing_policy() name        */
};

extern struct uni_conf uni_conf;

/* This member's address; 0 before bootstrap or enrollment ends. */
uint64_t uni_addr(void);
void     uni_set_addr(uint64_t addr);

/* Largest value that fits n bytes (n 1..8). */
static inline uint64_t uni_max_for(size_t n)
{
        return be_maxn((unsigned) n);
}

/* Decode a T_CONF (bootstrap) into uni_conf: 0, -EINVAL (not a unicast
 * configuration, a value out of range), -EBADMSG. */
int      conf_from_msg(struct msg_view v);

/* ------------------------------------------------------------- QoS */

/* QoS cubes: the data path's scheduling classes, served in strict
 * priority, highest number first. */
enum uni_cube {
        CUBE_BE    = 0,   /* raw, best effort, bulk data */
        CUBE_DATA  = 1,   /* reliable data */
        CUBE_VIDEO = 2,
        CUBE_VOICE = 3,   /* lowest delay */
        CUBE_MAX
};

/* The cube of a flow's QoS (cube.c; the rule is in ipcpd-unicast(8)). */
enum uni_cube uni_cube_of(const qosspec_t * qs);

/* ------------------------------------------------------------- nbr.c */

enum nbr_comp {
        NBR_DT   = 0,
        NBR_MGMT = 1
};

/* Management messages (first byte of every packet on a mgmt
 * adjacency); nbr.c owns the framing, route.c the LSA body. */
enum mgmt_type {
        MGMT_HELLO = 1,   /* nbr.c: the sender's address */
        MGMT_KA    = 2,   /* nbr.c: keepalive */
        MGMT_LSA   = 3,   /* route.c: one LSA (routing/lsa.h) */
        MGMT_CLAIM = 4,   /* enroll.c: an address claim (wire_mgmt.h) */
        MGMT_CONFLICT = 5 /* enroll.c: a claim that lost */
};

/* Start accepting lower flows (enroll, dt, mgmt) once operational. */
int      nbr_init(void);
void     nbr_fini(void);

/* The connect / disconnect ops (comp "dt" or "mgmt"; NULL: both). */
int      nbr_connect(const char *      dst,
                     const char *      comp,
                     const qosspec_t * qs);
int      nbr_disconnect(const char * dst,
                        const char * comp);

/* The dt lower flow to neighbour addr, -1 if none is up. */
int      nbr_dt_fd(uint64_t addr);

/* Whether the dt adjacency to addr is up (for fwd_pick). */
bool     nbr_dt_up(uint64_t addr);

/* Send a management message of type t (body len bytes) to neighbour
 * addr, or to every mgmt neighbour but except (0: all) with
 * nbr_mgmt_flood (returns how many it went to). */
int      nbr_mgmt_send(uint64_t       addr,
                       enum mgmt_type t,
                       const void *   body,
                       size_t         len);
int      nbr_mgmt_flood(uint64_t       except,
                        enum mgmt_type t,
                        const void *   body,
                        size_t         len);

/* Addresses of the neighbours with an adjacency of comp that is up:
 * how many there are (may exceed max; max written). */
size_t   nbr_list(enum nbr_comp comp,
                  uint64_t *    addrs,
                  size_t        max);

/* dt.c tells nbr.c that packets came in on fd (liveness). */
void     nbr_heard(int fd);

/* ------------------------------------------------------------- dt.c */

#define DT_EID_NONE  0   /* keepalive of a dt adjacency: dropped */
#define DT_EID_FA    1   /* flow allocator messages (fa.c) */
#define DT_EID_DIR   2   /* directory messages (dir.c) */
#define DT_EID_FIRST 16  /* first endpoint id of a flow */

int      dt_init(void);
void     dt_fini(void);

/* nbr.c: a dt adjacency to addr came up on lower flow fd (dt.c reads
 * and writes it from now on: it watches fd with ipcp_flow_watch and
 * calls nbr_heard), or went down (dt.c unwatches it and drops what it
 * queued for it; nbr.c deallocates the flow afterwards). */
void     dt_adj_up(uint64_t addr,
                   int      fd);
void     dt_adj_down(uint64_t addr,
                     int      fd);

/* nbr.c: keep the dt adjacency to addr alive (a header-only packet
 * with eid DT_EID_NONE, TTL 1). */
int      dt_keepalive(uint64_t addr);

/* Send len bytes to (dst, eid) in cube: copied once into the next
 * hop's lower flow, or into its queue for that cube when the flow is
 * full. dst == uni_addr() delivers here. 0, -EHOSTUNREACH (no route),
 * -ENOBUFS (queue full: dropped and counted), -EMSGSIZE (above
 * dt_max_sdu()). */
int      dt_send(uint64_t      dst,
                 enum uni_cube cube,
                 uint64_t      eid,
                 const void *  buf,
                 size_t        len);

/* The largest len dt_send takes (the smallest lower flow's FLOWGMAXPKT
 * less the header); 0 while there is no dt adjacency. */
size_t   dt_max_sdu(void);

/* What dt.c calls for packets addressed to this member: components by
 * eid (registered with dt_reg_comp), flows (eid >= DT_EID_FIRST) in
 * fa_rcv. ecn: the congestion mark the packet arrived with. */
typedef void (* dt_comp_cb)(const uint8_t * buf,
                            size_t          len,
                            uint8_t         ecn);
int      dt_reg_comp(uint64_t   eid,
                     dt_comp_cb cb);

/* The routing table changed (route.c has published a new one). */
void     dt_routes_changed(void);

/* ------------------------------------------------------------ route.c */

int      route_init(void);
void     route_fini(void);

/* nbr.c: an adjacency of comp to addr came up or went down. A dt one
 * changes this member's LSA (originated and flooded at once, so a
 * failure is routed around on the event); a mgmt one gets the whole
 * database sent to the new neighbour. */
void     route_adj(uint64_t      addr,
                   enum nbr_comp comp,
                   bool          up);

/* nbr.c: an MGMT_LSA body from neighbour from. */
void     route_rcv_lsa(uint64_t        from,
                       const uint8_t * buf,
                       size_t          len);

/* dt.c's view of the forwarding table: the next hop toward dst that is
 * up now (lfa's alternate, ecmp's spread by flow key), 0 if none. */
uint64_t route_next_hop(uint64_t dst,
                        uint64_t flow_key);

/* ------------------------------------------------------------- dir.c */

int      dir_init(void);        /* after the address is known */
void     dir_fini(void);

/* The reg / unreg / query ops (query may return IPCP_LATER). */
int      dir_reg(struct ipcp_hash h);
int      dir_unreg(struct ipcp_hash h);
int      dir_query_op(struct ipcp_hash h,
                      ipcp_tok_t       tok);

/* For fa.c: the address of hash h. Answers at once from the cache
 * or this member's store (returns 0, *addr set), else starts a lookup
 * and returns IPCP_LATER: cb(arg, addr or 0 if not found) runs later
 * on the loop thread. -EBUSY, -ENOMEM. */
typedef void (* dir_cb)(void *   arg,
                        uint64_t addr);
int      dir_resolve(struct ipcp_hash h,
                     uint64_t *       addr,
                     dir_cb           cb,
                     void *           arg);

/* -------------------------------------------------------------- fa.c */

int      fa_init(void);
void     fa_fini(void);

/* The flow ops. */
int      fa_alloc(const struct ipcp_flow_req * r);
int      fa_alloc_resp(const struct ipcp_flow_resp * r);
int      fa_dealloc(uint32_t flow_id);

/* dt.c: data for the flow with endpoint id eid. */
void     fa_rcv(uint64_t        eid,
                const uint8_t * buf,
                size_t          len,
                uint8_t         ecn);

/* ------------------------------------------------------------- stat */

/* Each module adds its counters and tables to an `irm ipcp stat`
 * answer (names: "<module>.<what>", tables as "route.<dst>" = next hop,
 * "nbr.dt.<addr>" = 1, "link.<a>.<b>" = metric for irm layer graph). */
int      nbr_stat(struct ipcp_stat * s);
int      dt_stat(struct ipcp_stat * s);
int      route_stat(struct ipcp_stat * s);
int      dir_stat(struct ipcp_stat * s);
int      fa_stat(struct ipcp_stat * s);
int      enroll_stat(struct ipcp_stat * s);

/* ---------------------------------------------------------- enroll.c */

/* The enroll op; answers later (IPCP_LATER) through ipcp_answer_ext. */
int      enroll_op(const char *         dst,
                   struct msg *         rep,
                   struct ipcp_attach * at);

/* nbr.c: a lower flow of component "enroll" arrived (lower.h's accept
 * callback, same contract): the member side of enrollment. */
int      enroll_accept(int                       fd,
                       const qosspec_t *         qs,
                       const struct lower_info * req,
                       struct lower_info *       ans);

/* main.c: the member is operational (bootstrapped or enrolled) with
 * uni_conf and its address set: start every module. */
int      uni_operate(void);

#endif /* OUROBOROS_IPCPD_UNICAST_UNI_H */
