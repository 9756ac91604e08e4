/*
 * Ouroboros - the UDP socket of a udp4 or udp6 IPCP: one port per
 * IPCP, non-blocking, and never fragmenting: IP_MTU_DISCOVER (IPv6:
 * IPV6_MTU_DISCOVER) is IP_PMTUDISC_DO, so a datagram above the path
 * MTU fails at send with -EMSGSIZE instead of leaving in fragments.
 * udp_sock_max_payload says how large a flow's packets may be towards
 * a peer: the path MTU of the route (the interface MTU, or less if
 * the kernel learned a smaller path MTU) minus the IP header (20 or
 * 40 bytes), the UDP header (8) and ours (UDP_HDR_LEN).
 */
#ifndef OUROBOROS_IPCPD_UDP_SOCK_H
#define OUROBOROS_IPCPD_UDP_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#define UDP_PORT_DEFAULT  3435   /* the classic udp IPCP's port */
#define UDP_SOCK_BUF      (4 << 20) /* socket buffers asked for   */

/* Open and bind a socket on numeric address ip (IPv4 for AF_INET,
 * IPv6 for AF_INET6; NULL = any) and port (0 = a free one). Returns
 * the fd, or -EINVAL (bad address, wrong family), -EADDRINUSE (port
 * in use), -EADDRNOTAVAIL (no interface has ip), -EACCES (port below
 * 1024 without privilege), or another socket/bind errno. Its buffers
 * are UDP_SOCK_BUF bytes (or what net.core.[rw]mem_max allow when not
 * root). */
int     udp_sock_open(int          family,
                      const char * ip,
                      uint16_t     port);

/* The port fd is bound to, or -errno. */
int     udp_sock_port(int fd);

/* Largest payload of a flow towards peer (see above), or -errno of
 * the route lookup, e.g. -ENETUNREACH. */
ssize_t udp_sock_max_payload(const struct sockaddr * peer,
                             socklen_t               len);

/* Largest payload through the interface that holds address self (its
 * MTU less the headers, as above): the layer's largest packet. -errno,
 * or -EADDRNOTAVAIL if no interface has self. */
ssize_t udp_sock_if_payload(const struct sockaddr * self);

/* Send one datagram made of iovcnt pieces (a header and a payload in
 * place) to peer; returns as udp_sock_send. */
ssize_t udp_sock_sendv(int                     fd,
                       const struct iovec *    iov,
                       int                     iovcnt,
                       const struct sockaddr * peer,
                       socklen_t               len);

/* Send one datagram to peer: its length, -EMSGSIZE above the path MTU,
 * -EAGAIN when the socket buffer is full, -ENOBUFS when the queueing
 * discipline refused it (both: not sent, try again later), or another
 * errno (one left by an earlier ICMP error is retried once first). */
ssize_t udp_sock_send(int                     fd,
                      const uint8_t *         buf,
                      size_t                  n,
                      const struct sockaddr * peer,
                      socklen_t               len);

/* Read and discard the socket's error queue (ICMP errors, queued
 * since IP_RECVERR is on; poll says POLLERR while it is not empty).
 * Returns how many were there. */
int     udp_sock_drain_errors(int fd);

/* Receive one datagram into buf (cap bytes) and its sender: the
 * length, -EAGAIN if none waits, or -EMSGSIZE if it was longer than
 * cap (it is dropped). */
ssize_t udp_sock_recv(int                       fd,
                      uint8_t *                 buf,
                      size_t                    cap,
                      struct sockaddr_storage * from,
                      socklen_t *               len);

/* Receiving many datagrams per system call (recvmmsg): n slots of
 * slot bytes each. A datagram longer than its slot is reported
 * truncated (its data is lost). */
struct udp_sock_batch {
        size_t                    n;
        size_t                    slot;
        uint8_t *                 buf;
        struct mmsghdr *          msgs;
        struct iovec *            iov;
        struct sockaddr_storage * from;
};

/* Slots of slot bytes, as many as fit in mem bytes, 1..max_n. 0 or
 * -ENOMEM. */
int     udp_sock_batch_init(struct udp_sock_batch * b,
                            size_t                  slot,
                            size_t                  mem,
                            size_t                  max_n);

void    udp_sock_batch_fini(struct udp_sock_batch * b);

/* Receive up to b->n datagrams without waiting: their count (>= 1),
 * -EAGAIN if none waits, or another -errno. */
int     udp_sock_recv_batch(int                     fd,
                            struct udp_sock_batch * b);

/* Datagram i of the last udp_sock_recv_batch: its length and *buf,
 * *from; or -EMSGSIZE if it was longer than a slot. */
ssize_t udp_sock_batch_get(const struct udp_sock_batch *    b,
                           size_t                           i,
                           const uint8_t **                 buf,
                           const struct sockaddr_storage ** from);

#endif /* OUROBOROS_IPCPD_UDP_SOCK_H */
