/*
 * ioth.h - public API of libioth, the Internet-of-Threads core.
 *
 * A stack (struct ioth) is a user-space or per-process TCP/IP stack built by
 * one back-end (lwip, vdestack, lwipv6) and attached to VDE networks through
 * libvdeplug URLs.  Every call returns 0 or a non-negative count/descriptor
 * on success and a negative errno on failure; the library never prints.
 *
 * Socket descriptors returned by ioth_socket()/ioth_accept() are real file
 * descriptors that can be polled (POLLIN/POLLOUT) with poll/select/epoll;
 * I/O on them must go through the ioth_* calls of the stack that made them.
 * Ownership: the caller owns the stack until ioth_delete(), and each socket
 * until ioth_close().  Calls on distinct sockets may come from any thread.
 */
#ifndef IOTH_H
#define IOTH_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

#define IOTH_EXPORT __attribute__((visibility("default")))

struct ioth;

/* Names of the available back-ends, NULL-terminated; the first is default. */
IOTH_EXPORT const char *const *ioth_backends(void);

/* Create a stack; backend NULL or "" selects the default ("lwip").
 * -EPROTONOSUPPORT: no such back-end; -ENOSYS: its library is not
 * installed; -EPERM (vdestack): user namespaces cannot be created here
 * (containers, chroots, user.max_user_namespaces = 0); -ELIBBAD (lwipv6):
 * the installed liblwipv6 is not the one libioth knows how to make safe. */
IOTH_EXPORT int ioth_new(const char *backend, struct ioth **stack);
IOTH_EXPORT void ioth_delete(struct ioth *stack);
IOTH_EXPORT const char *ioth_backend_name(const struct ioth *stack);

/* Add an interface plugged into the VDE network vnl (libvdeplug URL such as
 * "vde:///tmp/sw.ctl", "ptp:///tmp/p", "vxvde://239.0.0.1", "tap://t0").
 * ifname may be NULL.  Returns the interface index (> 0). */
IOTH_EXPORT int ioth_if_add(struct ioth *stack, const char *vnl,
                            const char *ifname);
IOTH_EXPORT int ioth_if_set_mac(struct ioth *stack, int ifindex,
                                const uint8_t mac[6]);
/* Interface MTU, IOTH_MTU_MIN..IOTH_MTU_MAX (default 1500).  Above 1500
 * (jumbo frames) every station on the network must take such frames:
 * vde_switch cuts frames at 1518 bytes, vdeplug4's switch:// carries
 * 9234.  -EOPNOTSUPP where the back-end cannot change it (lwipv6). */
#define IOTH_MTU_MIN 68
#define IOTH_MTU_MAX 9216
IOTH_EXPORT int ioth_if_set_mtu(struct ioth *stack, int ifindex,
                                unsigned int mtu);
/* Static address: addr is a struct in_addr or struct in6_addr. */
IOTH_EXPORT int ioth_addr_add(struct ioth *stack, int ifindex, int family,
                              const void *addr, int prefixlen);
/* Default route through gateway (struct in_addr / in6_addr). */
IOTH_EXPORT int ioth_route_add(struct ioth *stack, int family,
                               const void *gateway);
/* Dynamic configuration: DHCP (AF_INET) or SLAAC (AF_INET6), if offered. */
IOTH_EXPORT int ioth_autoconf(struct ioth *stack, int ifindex, int family);

/* Parse "ADDR[/BITS]" (IPv4 or IPv6).  *prefixlen is -1 if absent. */
IOTH_EXPORT int ioth_parse_addr(const char *text, int *family, void *addr,
                                int *prefixlen);

/* Sockets (BSD semantics, Linux constants and errno values). */
IOTH_EXPORT int ioth_socket(struct ioth *stack, int domain, int type,
                            int protocol);
IOTH_EXPORT int ioth_set_nonblock(struct ioth *stack, int fd, int on);
IOTH_EXPORT int ioth_bind(struct ioth *stack, int fd,
                          const struct sockaddr *addr, socklen_t len);
IOTH_EXPORT int ioth_connect(struct ioth *stack, int fd,
                             const struct sockaddr *addr, socklen_t len);
IOTH_EXPORT int ioth_listen(struct ioth *stack, int fd, int backlog);
IOTH_EXPORT int ioth_accept(struct ioth *stack, int fd,
                            struct sockaddr *addr, socklen_t *len);
IOTH_EXPORT ssize_t ioth_recvfrom(struct ioth *stack, int fd, void *buf,
                                  size_t len, int flags,
                                  struct sockaddr *from, socklen_t *fromlen);
IOTH_EXPORT ssize_t ioth_sendto(struct ioth *stack, int fd, const void *buf,
                                size_t len, int flags,
                                const struct sockaddr *to, socklen_t tolen);
IOTH_EXPORT int ioth_shutdown(struct ioth *stack, int fd, int how);
IOTH_EXPORT int ioth_close(struct ioth *stack, int fd);
IOTH_EXPORT int ioth_getsockopt(struct ioth *stack, int fd, int level,
                                int name, void *val, socklen_t *len);
IOTH_EXPORT int ioth_setsockopt(struct ioth *stack, int fd, int level,
                                int name, const void *val, socklen_t len);
IOTH_EXPORT int ioth_getsockname(struct ioth *stack, int fd,
                                 struct sockaddr *addr, socklen_t *len);
IOTH_EXPORT int ioth_getpeername(struct ioth *stack, int fd,
                                 struct sockaddr *addr, socklen_t *len);
/* Wait until socket fd is ready for events (POLLIN and/or POLLOUT) or
 * timeout_ms passes (-1: no limit).  Returns the ready events (POLLERR/
 * POLLHUP included), 0 on timeout, -EINTR if a signal arrived.  Prefer it
 * to poll() on one socket: the lwip back-end reads frames in the waiting
 * thread, which saves a thread switch per packet. */
IOTH_EXPORT int ioth_wait(struct ioth *stack, int fd, int events,
                          int timeout_ms);
/* Non-zero if the back-end's descriptors are kernel sockets (vdestack). */
IOTH_EXPORT int ioth_kernel_sockets(const struct ioth *stack);

#endif /* IOTH_H */
