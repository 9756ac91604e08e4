/*
 * lwip_addr.c - which addresses a socket of the lwip back-end may bind:
 * lwIP binds to any address; the kernel only to its own (EADDRNOTAVAIL
 * otherwise).  Allowed, as the kernel allows them: the wildcard, an
 * address of one of the stack's interfaces, a subnet or the limited
 * broadcast address, a multicast group, and IPv4-mapped forms of these.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "lwip/opt.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"

#include "lwip_sock.h"

static int local4(uint32_t a)           /* network byte order */
{
	struct netif *n;
	uint32_t h = ntohl(a);

	if (a == htonl(INADDR_ANY) || a == htonl(INADDR_BROADCAST) ||
	    (h >> 28) == 0xe)           /* 224.0.0.0/4 */
		return 1;
	NETIF_FOREACH(n) {
		uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
		uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));

		if (ip == 0)
			continue;
		if (a == ip || (mask != 0xffffffffU && a == (ip | ~mask)))
			return 1;
	}
	return 0;
}

static int local6(const struct in6_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct netif *n;
	ip6_addr_t ip;

	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a))
		return 1;
	if (memcmp(a->s6_addr, mapped, sizeof(mapped)) == 0) {
		uint32_t v4;
		memcpy(&v4, a->s6_addr + 12, 4);
		return local4(v4);
	}
	ip6_addr_set_zero(&ip);
	memcpy(ip.addr, a->s6_addr, 16);
	NETIF_FOREACH(n)
		if (netif_get_ip6_addr_match(n, &ip) >= 0)
			return 1;
	return 0;
}

int ioth_lwip_addr_bindable(const struct sockaddr *a, socklen_t l)
{
	int ok;

	if (a->sa_family == AF_INET && l >= sizeof(struct sockaddr_in)) {
		LOCK_TCPIP_CORE();
		ok = local4(((const struct sockaddr_in *) a)->sin_addr.s_addr);
		UNLOCK_TCPIP_CORE();
	} else if (a->sa_family == AF_INET6 &&
	           l >= sizeof(struct sockaddr_in6)) {
		LOCK_TCPIP_CORE();
		ok = local6(&((const struct sockaddr_in6 *) a)->sin6_addr);
		UNLOCK_TCPIP_CORE();
	} else {
		return 0;       /* lwIP reports malformed addresses itself */
	}
	return ok ? 0 : -EADDRNOTAVAIL;
}
