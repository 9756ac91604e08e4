/*
 * Ouroboros - the devices an eth layer sends its frames through: a
 * Linux interface (AF_PACKET raw socket, needs CAP_NET_RAW) or any
 * libvdeplug URL (no privileges). One ops table per kind of device
 * (dev_raw.c, dev_vde.c); eth_dev_open picks it from the spec: a spec
 * with "://" in it is a VDE URL, anything else an interface name.
 *
 * A device receives only frames of its protocol: the ethertype of a
 * DIX layer, or 802.3 frames (ETH_P_802_2) for an LLC layer, whose SAP
 * eth_frame_parse then checks. Frames the device itself sent are never
 * returned. Every call returns 0 or a count, or a negative errno.
 * A device is used by one thread at a time for receiving; sending is
 * safe from several threads (each send is one syscall).
 */
#ifndef OUROBOROS_IPCPD_ETH_DEV_H
#define OUROBOROS_IPCPD_ETH_DEV_H

#include "frame.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define ETH_DEV_PROTO_LLC  0x0004  /* ETH_P_802_2: 802.3 length frames */
#define ETH_DEV_VDE_MTU    1500    /* default MTU of vde:// devices */
#define ETH_DEV_MTU_MAX    9000    /* largest MTU accepted for VDE */
#define ETH_DEV_SKIP_MAX   64      /* foreign frames dropped per recv */
#define ETH_DEV_RAW_BUF    (4 << 20) /* raw socket buffers, bytes */

struct eth_dev_conf {
        uint16_t        proto;  /* ethertype, or ETH_DEV_PROTO_LLC */
        size_t          mtu;    /* 0 = the interface's / ETH_DEV_VDE_MTU;
                                 * raw: at most the interface's */
        const uint8_t * mac;    /* VDE: NULL = random local MAC; raw:
                                 * NULL (the interface's) */
};

struct eth_dev;

/* One receive slot of eth_dev_recv_batch. */
struct eth_rx {
        uint8_t *       buf;   /* the caller's room */
        size_t          cap;   /* as for eth_dev_recv */
        const uint8_t * frame; /* where the frame is: buf, or the
                                  device's receive ring (valid until
                                  eth_dev_rx_done) */
        ssize_t         len;   /* the frame's length, 0 (skipped:
                                  another protocol, or sent by this
                                  host) or -EMSGSIZE (too long,
                                  dropped) */
};

struct eth_dev_ops {
        const char * kind;  /* "raw" or "vde" */
        int     (* open)(struct eth_dev *            d,
                         const char *                spec,
                         const struct eth_dev_conf * c);
        void    (* close)(struct eth_dev * d);
        ssize_t (* send)(struct eth_dev * d,
                         const uint8_t *  frame,
                         size_t           len);
        /* One frame gathered from iovcnt pieces (len bytes in all). */
        ssize_t (* sendv)(struct eth_dev *     d,
                          const struct iovec * iov,
                          int                  iovcnt,
                          size_t               len);
        /* One frame of at most cap bytes, or -EAGAIN if none waits. */
        ssize_t (* recv)(struct eth_dev * d,
                         uint8_t *        buf,
                         size_t           cap);
        /* Up to n frames (eth_dev_recv_batch); NULL: recv n times. */
        int     (* recv_batch)(struct eth_dev * d,
                               struct eth_rx *  rx,
                               int              n);
        /* 1 up (and carrier), 0 down, or -errno. */
        int     (* link_up)(struct eth_dev * d);
        /* See eth_dev_ctl_fd; NULL: none. */
        int     (* ctl_fd)(const struct eth_dev * d);
        /* See eth_dev_rx_done; NULL: nothing to do. */
        void    (* rx_done)(struct eth_dev * d);
        /* See eth_dev_rx_drops; NULL: -ENOTSUP. */
        int64_t (* rx_drops)(struct eth_dev * d);
};

/* Shared by the back-ends; the IPCP uses the functions below only. */
struct eth_dev {
        const struct eth_dev_ops * ops;
        int                        fd;       /* pollable, non-blocking */
        size_t                     mtu;      /* bytes after the MAC header */
        uint8_t                    mac[ETH_ADDR_LEN];
        uint16_t                   proto;
        int                        ifindex;  /* raw */
        char                       name[16]; /* raw: interface name */
        void *                     vde;      /* VDE: the VDECONN */
        uint8_t *                  txbuf;    /* VDE: gathers sendv */
        uint64_t                   foreign;  /* frames of other protocols
                                                dropped by recv        */
        bool                       tx_poll;  /* fd turns writable when
                                                a full device drains   */
        uint8_t *                  ring;     /* raw: the receive ring, */
        size_t                     ring_len; /* NULL if none          */
        size_t                     frame_sz;
        unsigned                   nframes;
        unsigned                   head;     /* next slot to read     */
        unsigned                   held;     /* slots read, not back  */
        uint64_t                   ring_drops;
};

extern const struct eth_dev_ops eth_dev_raw_ops;
extern const struct eth_dev_ops eth_dev_vde_ops;

/* Open the device named by spec (a down link opens; link_up says 0).
 * Errors: -EINVAL (bad spec, proto or
 * mtu), -ENODEV (no such interface), -EPERM (no CAP_NET_RAW),
 * VDE: -ECONNREFUSED or vde_open's errno (e.g. -ENOENT) when the
 * switch is not running, -ENOMEM. */
int     eth_dev_open(const char *                spec,
                     const struct eth_dev_conf * c,
                     struct eth_dev **           out);

void    eth_dev_close(struct eth_dev * d);

/* The descriptor to poll for POLLIN before eth_dev_recv. */
int     eth_dev_fd(const struct eth_dev * d);

/* Send one whole frame (MAC header included). -EMSGSIZE if the frame
 * exceeds the MTU, -EAGAIN if the socket buffer is full, -ENOBUFS if
 * the interface's queueing discipline refused it (both: nothing was
 * sent, try again later), -ENETDOWN. */
ssize_t eth_dev_send(struct eth_dev * d,
                     const uint8_t *  frame,
                     size_t           len);

/* Send one frame gathered from iovcnt pieces (header and payload, so
 * the payload is not copied to add a header; VDE gathers them into one
 * buffer, libvdeplug having no vectored send). Errors of eth_dev_send,
 * -EINVAL for more than ETH_DEV_IOV_MAX pieces. */
#define ETH_DEV_IOV_MAX 8
ssize_t eth_dev_sendv(struct eth_dev *     d,
                      const struct iovec * iov,
                      int                  iovcnt);

/* Receive one frame into buf (cap bytes); its length, or -EAGAIN (none
 * waits, or ETH_DEV_SKIP_MAX foreign frames were dropped: poll again).
 * cap must be at least ETH_MAC_HDR_LEN + eth_dev_mtu(d) + 1: a frame
 * that fills the buffer (VDE truncates silently) or is longer is
 * dropped and -EMSGSIZE returned. */
ssize_t eth_dev_recv(struct eth_dev * d,
                     uint8_t *        buf,
                     size_t           cap);

/* Does the device's fd turn writable (POLLOUT) when a send that
 * failed with -EAGAIN may succeed? True for raw sockets and vde://
 * (a datagram socket to the switch); other VDE plugins have no such
 * event (their fd may always be writable): retry on a timer. */
bool    eth_dev_tx_pollable(const struct eth_dev * d);

/* Frames of other protocols recv dropped so far (a VDE switch
 * delivers every frame on it; a raw socket sees only its protocol). */
uint64_t eth_dev_foreign(const struct eth_dev * d);

/* A descriptor that turns readable (EOF) when a VDE switch goes away,
 * or -1 (Linux interfaces, VDE plugins without a control channel). */
int     eth_dev_ctl_fd(const struct eth_dev * d);

/* Receive up to n (<= ETH_DEV_BATCH) frames: read where they lie in
 * the device's receive ring (a raw socket's PACKET_RX_RING), else
 * copied into rx[i].buf with one system call where the device allows
 * (recvmmsg) or one each. Returns the count of slots used (their frame
 * and len set, see struct eth_rx), or -EAGAIN (nothing waits) or
 * another error of eth_dev_recv. The frames stay valid until
 * eth_dev_rx_done, which the caller calls once it is through with
 * them, before it polls again (the next batch does it too). */
#define ETH_DEV_BATCH 32
int     eth_dev_recv_batch(struct eth_dev * d,
                           struct eth_rx *  rx,
                           int              n);

void    eth_dev_rx_done(struct eth_dev * d);

/* Frames the kernel dropped for a full receive ring since the device
 * opened (the IPCP did not read in time), or -ENOTSUP (no ring: the
 * socket's own count has them, SO_MEMINFO on eth_dev_fd; a VDE plug:
 * the switch drops, unseen) or -errno. */
int64_t eth_dev_rx_drops(struct eth_dev * d);

/* MTU in bytes after the 14-byte MAC header (1500 on most Ethernet). */
size_t  eth_dev_mtu(const struct eth_dev * d);

/* The device's own MAC address. */
void    eth_dev_mac(const struct eth_dev * d,
                    uint8_t *              mac);

/* 1 if the link is up with carrier, 0 if down, or -errno. VDE devices
 * are always up. */
int     eth_dev_link_up(struct eth_dev * d);

/* Is frame (len bytes, MAC header first) of protocol proto? */
bool    eth_dev_proto_match(uint16_t        proto,
                            const uint8_t * frame,
                            size_t          len);

#endif /* OUROBOROS_IPCPD_ETH_DEV_H */
