/*
 * lwip_netif.h - lwIP network interface driver moving Ethernet frames to
 * and from a libvdeplug connection (one receive thread per interface).
 */
#ifndef IOTH_LWIP_NETIF_H
#define IOTH_LWIP_NETIF_H

#include <stdint.h>

struct netif;
struct ioth_vnif;

/* Open vnl and add the interface to lwIP (caller must NOT hold the core
 * lock).  Returns 0 and *out, or -errno. */
int ioth_vnif_open(const char *vnl, const char *ifname,
                   struct ioth_vnif **out);
void ioth_vnif_close(struct ioth_vnif *v);
struct netif *ioth_vnif_netif(struct ioth_vnif *v);
int ioth_vnif_set_mac(struct ioth_vnif *v, const uint8_t mac[6]);

/* Provided by the back-end (lwip.c): the receive thread calls begin before
 * it takes the core lock to feed frames and end after releasing it;
 * socket readiness changes in between are applied by end. */
void ioth_lwip_batch_begin(void);
void ioth_lwip_batch_end(void);

#endif /* IOTH_LWIP_NETIF_H */
