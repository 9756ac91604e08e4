/*
 * lwipv6_port.c - whether two bound addresses of the lwipv6 back-end
 * claim the same port: LWIPv6 1.5a lets a second socket bind a port
 * another one holds, which the kernel refuses (EADDRINUSE); lwipv6_tab.c
 * checks each bind against the stack's other bound sockets with this.
 */
#include <netinet/in.h>
#include <string.h>

#include "lwipv6_port.h"

/* Port and address of a (IPv4 as v4-mapped IPv6); 0 or -1. */
static int split(const struct sockaddr *a, socklen_t l, unsigned *port,
                 unsigned char ip[16])
{
	if (a->sa_family == AF_INET && l >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const void *) a;

		*port = ntohs(s->sin_port);
		memset(ip, 0, 10);
		ip[10] = ip[11] = 0xff;
		memcpy(ip + 12, &s->sin_addr, 4);
		if (s->sin_addr.s_addr == INADDR_ANY)
			memset(ip, 0, 16);      /* any, either family */
		return 0;
	}
	if (a->sa_family == AF_INET6 && l >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const void *) a;

		*port = ntohs(s->sin6_port);
		memcpy(ip, &s->sin6_addr, 16);
		return 0;
	}
	return -1;
}

int l6_port_clash(const struct sockaddr *a, socklen_t al,
                  const struct sockaddr *b, socklen_t bl)
{
	static const unsigned char any[16];
	unsigned char x[16];
	unsigned char y[16];
	unsigned pa;
	unsigned pb;

	if (split(a, al, &pa, x) < 0 || split(b, bl, &pb, y) < 0)
		return 0;
	if (pa == 0 || pa != pb)
		return 0;       /* port 0: the stack picks a free one */
	return memcmp(x, any, 16) == 0 || memcmp(y, any, 16) == 0 ||
	       memcmp(x, y, 16) == 0;
}
