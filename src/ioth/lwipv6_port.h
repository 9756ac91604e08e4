/*
 * lwipv6_port.h - do two bound addresses claim the same port
 * (lwipv6_port.c)?
 */
#ifndef IOTH_LWIPV6_PORT_H
#define IOTH_LWIPV6_PORT_H

#include <sys/socket.h>

/* 1 when a and b (AF_INET or AF_INET6) name the same non-zero port and
 * overlapping addresses (equal, or either the wildcard), else 0. */
int l6_port_clash(const struct sockaddr *a, socklen_t al,
                  const struct sockaddr *b, socklen_t bl);

#endif /* IOTH_LWIPV6_PORT_H */
