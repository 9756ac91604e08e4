/*
 * Ouroboros - the udp4 and udp6 IPCPs: the UDP transport under the
 * shim core (src/ipcpd/shim). One socket per IPCP on the address and
 * port of the bootstrap (`ip ADDR [port P] [dns ADDR]`); names are
 * found in the layer's mapping file or by DNS (names.h); datagrams as
 * in dgram.h, never fragmented (sock.h). See ipcpd-udp(8).
 */
#ifndef OUROBOROS_IPCPD_UDP_UDP_H
#define OUROBOROS_IPCPD_UDP_UDP_H

#include <ouroboros/irm.h>

#include <stddef.h>

/* Where the mapping files are: $OUROBOROS_UDP_MAPDIR if set, else
 * this; the layer L's file is DIR/L.map. */
#define UDP_MAPDIR_ENV      "OUROBOROS_UDP_MAPDIR"
#define UDP_MAPDIR_DEFAULT  "/etc/ouroboros/udp"

#define UDP_RX_BUDGET       64   /* datagrams read per wake-up     */
#define UDP_RX_MEM          (1 << 20) /* bytes of receive slots    */

/* The path of layer's mapping file into buf: 0, -EINVAL (the layer
 * name holds a '/' or is "." or ".."), -ENAMETOOLONG. */
int udp_map_path(char *       buf,
                 size_t       len,
                 const char * layer);

/* Run the IPCP of type (IPCP_UDP4 or IPCP_UDP6). */
int udp_ipcp_main(int            argc,
                  char **        argv,
                  enum ipcp_type type);

#endif /* OUROBOROS_IPCPD_UDP_UDP_H */
