/*
 * Ouroboros - where the udp layers find a name: the static mapping
 * file (map.h) or DNS (dns.h), behind one interface for the IPCP.
 *
 * Mapping file: loaded when opened (a bad line refuses the bootstrap),
 * and loaded again at a lookup when the file changed (inode, size or
 * modification time); a changed file with a bad line is ignored (with
 * a warning) and the last good one kept. A missing file is an empty
 * map. Names are compared by their hash (the layer's algorithm), so a
 * lookup is by hash like every directory query of the layer.
 *
 * DNS: one worker thread runs the blocking calls in order from a
 * queue; a lookup's result comes back on the loop thread through the
 * callback given at open (posted with ipcp_loop_call). A registration
 * is answered when its update ended: the registration callback gets
 * its result on the loop thread (a refusal or a server that does not
 * answer fails `irm name register`). An unregistration that fails is
 * logged and counted. At close, the worker deletes the records it
 * added and that are still there (it gives up at the first server that
 * does not answer), then stops.
 *
 * Everything but the worker runs on the IPCP's loop thread.
 */
#ifndef OUROBOROS_IPCPD_UDP_NAMES_H
#define OUROBOROS_IPCPD_UDP_NAMES_H

#include "ipcpd/common/ipcp.h"

#include <ouroboros/irm.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UDP_NAMES_QUEUE_MAX 1024   /* DNS jobs waiting */

struct udp_names;

/* The result of a DNS lookup started with id: err 0 and the address,
 * or err < 0 (addr NULL). Runs on the loop thread. */
typedef void (* udp_names_cb)(void *                          arg,
                              uint32_t                        id,
                              const struct sockaddr_storage * addr,
                              socklen_t                       len,
                              int                             err);

/* The end of the DNS update that publishes hash (udp_names_reg
 * answered IPCP_LATER for tok): err 0, or -ECONNREFUSED (the server
 * refused it: REFUSED, NOTAUTH), -EHOSTUNREACH (no answer in time, no
 * route), or another update error. Runs on the loop thread. */
typedef void (* udp_names_reg_cb)(void *          arg,
                                  const uint8_t * hash,
                                  size_t          len,
                                  uint32_t        tok,
                                  int             err);

/* The names of the mapping file at path (family, default port port,
 * names hashed with algo). 0 and *out, or an error of udp_map_load
 * with *line the bad line (0: not a line's fault). */
int  udp_names_map(struct udp_names ** out,
                   const char *        path,
                   int                 family,
                   uint16_t            port,
                   enum hash_algo      algo,
                   int *               line);

/* Names by DNS at server (numeric, port 53) in zone, for an IPCP of
 * family at self (its address; the port is the layer's). cb gets the
 * lookups' results, reg_cb the registrations'. 0 and *out, or -EINVAL (bad server or zone),
 * -ENOMEM, or the error of starting the worker thread. */
int  udp_names_dns(struct udp_names **             out,
                   const char *                    server,
                   const char *                    zone,
                   const struct sockaddr_storage * self,
                   udp_names_cb                    cb,
                   udp_names_reg_cb                reg_cb,
                   void *                          arg);

/* Stop (DNS: delete our records, join the worker) and free. */
void udp_names_close(struct udp_names * n);

/* Find hash (len bytes): 0 and *addr, *alen (the map); IPCP_LATER
 * (DNS: the callback gets id's answer); -ENAME (not in the map),
 * -EAGAIN (DNS queue full), -ENOMEM. */
int  udp_names_find(struct udp_names *        n,
                    const uint8_t *           hash,
                    size_t                    len,
                    uint32_t                  id,
                    struct sockaddr_storage * addr,
                    socklen_t *               alen);

/* Publish hash: 0 at once for the map; IPCP_LATER for DNS (queued
 * for the worker; the registration callback gets tok's result);
 * -EAGAIN (queue full), -ENOMEM. */
int  udp_names_reg(struct udp_names * n,
                   const uint8_t *    hash,
                   size_t             len,
                   uint32_t           tok);

/* Withdraw hash: queued for the DNS worker, 0 at once for the map.
 * 0, -EAGAIN (queue full), -ENOMEM. */

int  udp_names_unreg(struct udp_names * n,
                     const uint8_t *    hash,
                     size_t             len);

/* Counters for irm ipcp stat: map_names, map_reloads, map_errors
 * (map), dns_updates, dns_lookups, dns_errors (DNS). Returns 0 or
 * the error of ipcp_stat_add. */
int  udp_names_stat(struct udp_names * n,
                    struct ipcp_stat * s);

#endif /* OUROBOROS_IPCPD_UDP_NAMES_H */
