/*
 * lwip_sock.h - the socket calls of the "lwip" back-end (lwip_sock.c),
 * used by its ops table in lwip.c.  Same conventions as ioth.h: 0 or a
 * count/descriptor on success, -errno on failure.
 */
#ifndef IOTH_LWIP_SOCK_H
#define IOTH_LWIP_SOCK_H

#include <sys/types.h>
#include <sys/socket.h>

int ioth_lwip_sock_socket(int domain, int type, int protocol);
int ioth_lwip_sock_nonblock(int fd, int on);
int ioth_lwip_sock_bind(int fd, const struct sockaddr *a, socklen_t l);
int ioth_lwip_sock_connect(int fd, const struct sockaddr *a, socklen_t l);
int ioth_lwip_sock_listen(int fd, int backlog);
int ioth_lwip_sock_accept(int fd, struct sockaddr *a, socklen_t *l);
ssize_t ioth_lwip_sock_recvfrom(int fd, void *buf, size_t len, int flags,
                                struct sockaddr *a, socklen_t *l);
ssize_t ioth_lwip_sock_sendto(int fd, const void *buf, size_t len,
                              int flags, const struct sockaddr *a,
                              socklen_t l);
int ioth_lwip_sock_shutdown(int fd, int how);
int ioth_lwip_sock_close(int fd);
int ioth_lwip_sock_getsockopt(int fd, int level, int name, void *val,
                              socklen_t *len);
int ioth_lwip_sock_setsockopt(int fd, int level, int name, const void *val,
                              socklen_t len);
int ioth_lwip_sock_getsockname(int fd, struct sockaddr *a, socklen_t *l);
int ioth_lwip_sock_getpeername(int fd, struct sockaddr *a, socklen_t *l);
/* Wait for POLLIN/POLLOUT on fd, reading frames meanwhile: the ready
 * events, 0 on timeout (timeout_ms -1: none), or -errno. */
int ioth_lwip_sock_wait(int fd, int events, int timeout_ms);
/* The backlog given to listen() on lwIP socket s, -1 if none (called
 * with the core lock held). */
int ioth_lwip_sock_backlog(int s);
/* 0 if a socket may bind address a (lwip_addr.c), -EADDRNOTAVAIL if it
 * is not one of the stack's (call without the core lock). */
int ioth_lwip_addr_bindable(const struct sockaddr *a, socklen_t l);
/* A connection is being made: fail it with EHOSTUNREACH if its next hop
 * does not answer ARP (lwip_arpfail.c; call without the core lock). */
void ioth_arpfail_watch(void);
/* lwIP socket s was aborted because its next hop is unreachable: report
 * EHOSTUNREACH where lwIP says ECONNABORTED (core lock held). */
void ioth_lwip_sock_unreachable(int s);
/* Close every socket (stack teardown). */
void ioth_lwip_sock_close_all(void);

#endif /* IOTH_LWIP_SOCK_H */
