/*
 * ops.h - the back-end operations table behind the ioth facade.
 *
 * One const table per back-end (lwip.c, vdestack.c, lwipv6.c).  Every entry
 * follows the library convention: >= 0 on success, negative errno on error.
 * The facade (ioth.c) validates arguments before calling an entry.
 */
#ifndef IOTH_OPS_H
#define IOTH_OPS_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

struct ioth_ops {
	const char *name;
	int kernel_sockets;
	int (*create)(void **priv);
	void (*destroy)(void *priv);
	int (*if_add)(void *priv, const char *vnl, const char *ifname);
	int (*if_set_mac)(void *priv, int ifindex, const uint8_t mac[6]);
	int (*if_set_mtu)(void *priv, int ifindex, unsigned int mtu);
	int (*addr_add)(void *priv, int ifindex, int family, const void *addr,
	                int prefixlen);
	int (*route_add)(void *priv, int family, const void *gw);
	int (*autoconf)(void *priv, int ifindex, int family);
	int (*socket)(void *priv, int domain, int type, int protocol);
	int (*set_nonblock)(void *priv, int fd, int on);
	int (*bind)(void *priv, int fd, const struct sockaddr *a, socklen_t l);
	int (*connect)(void *priv, int fd, const struct sockaddr *a,
	               socklen_t l);
	int (*listen)(void *priv, int fd, int backlog);
	int (*accept)(void *priv, int fd, struct sockaddr *a, socklen_t *l);
	ssize_t (*recvfrom)(void *priv, int fd, void *buf, size_t len,
	                    int flags, struct sockaddr *a, socklen_t *l);
	ssize_t (*sendto)(void *priv, int fd, const void *buf, size_t len,
	                  int flags, const struct sockaddr *a, socklen_t l);
	int (*shutdown)(void *priv, int fd, int how);
	int (*close)(void *priv, int fd);
	int (*getsockopt)(void *priv, int fd, int level, int name, void *val,
	                  socklen_t *len);
	int (*setsockopt)(void *priv, int fd, int level, int name,
	                  const void *val, socklen_t len);
	int (*getsockname)(void *priv, int fd, struct sockaddr *a,
	                   socklen_t *l);
	int (*getpeername)(void *priv, int fd, struct sockaddr *a,
	                   socklen_t *l);
	/* optional: wait for POLLIN/POLLOUT on a socket (ioth_wait()); NULL
	 * means poll() on the descriptor */
	int (*wait)(void *priv, int fd, int events, int timeout_ms);
};

extern const struct ioth_ops ioth_lwip_ops;
extern const struct ioth_ops ioth_vdestack_ops;
extern const struct ioth_ops ioth_lwipv6_ops;

/* Kernel-socket implementations shared by back-ends with real fds. */
int ioth_ksock_set_nonblock(void *priv, int fd, int on);
int ioth_ksock_bind(void *priv, int fd, const struct sockaddr *a, socklen_t l);
int ioth_ksock_connect(void *priv, int fd, const struct sockaddr *a,
                       socklen_t l);
int ioth_ksock_listen(void *priv, int fd, int backlog);
int ioth_ksock_accept(void *priv, int fd, struct sockaddr *a, socklen_t *l);
ssize_t ioth_ksock_recvfrom(void *priv, int fd, void *buf, size_t len,
                            int flags, struct sockaddr *a, socklen_t *l);
ssize_t ioth_ksock_sendto(void *priv, int fd, const void *buf, size_t len,
                          int flags, const struct sockaddr *a, socklen_t l);
int ioth_ksock_shutdown(void *priv, int fd, int how);
int ioth_ksock_close(void *priv, int fd);
int ioth_ksock_getsockopt(void *priv, int fd, int level, int name, void *val,
                          socklen_t *len);
int ioth_ksock_setsockopt(void *priv, int fd, int level, int name,
                          const void *val, socklen_t len);
int ioth_ksock_getsockname(void *priv, int fd, struct sockaddr *a,
                           socklen_t *l);
int ioth_ksock_getpeername(void *priv, int fd, struct sockaddr *a,
                           socklen_t *l);

#endif /* IOTH_OPS_H */
