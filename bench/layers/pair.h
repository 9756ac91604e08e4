/*
 * bench-pair - the kernel baselines of bench/layers/run: the same
 * lock-step round trip and one-way flood as oping/operf, over a UDP
 * socket (IPv4 or IPv6, between two network namespaces on a veth) or
 * over a VDE switch through libvdeplug (raw Ethernet frames).
 *
 * Shared between pair.c (the measurements), pair_udp.c and pair_vde.c
 * (the transports, one ops table each).
 *
 * Wire format of every message (payload; the VDE transport puts a
 * 14-byte Ethernet header in front): all fields big endian.
 *
 *   0  magic   u32  PAIR_MAGIC
 *   4  type    u8   enum pair_type
 *   5  pad     3 bytes, zero
 *   8  session u64  picked at random by each client run
 *  16  a       u64  PING: sequence; DATA: sequence; END: packets sent;
 *                   REPORT: packets received
 *  24  b       u64  REPORT: ns from the first to the last data packet
 */
#ifndef BENCH_PAIR_H
#define BENCH_PAIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PAIR_MAGIC   0x4f424c4bU   /* "OBLK" */
#define PAIR_HDR_LEN 32
#define PAIR_MAX_LEN 9000

enum pair_type {
        PAIR_PING   = 1, /* echoed back unchanged        */
        PAIR_DATA   = 2, /* counted by the server        */
        PAIR_END    = 3, /* client is done: send REPORT  */
        PAIR_REPORT = 4, /* server's count for a session */
};

struct pair_msg {
        uint8_t  type;
        uint64_t session;
        uint64_t a;
        uint64_t b;
};

/* A transport: one open endpoint. recv returns the payload length, 0 on
 * timeout, negative errno on failure; reply sends back to whoever sent
 * the last received message (the server's echo and REPORT). */
struct pair_ops {
        ssize_t (* send)(void * t, const uint8_t * buf, size_t len);
        ssize_t (* recv)(void * t, uint8_t * buf, size_t len, int tmo_ms);
        ssize_t (* reply)(void * t, const uint8_t * buf, size_t len);
        void    (* close)(void * t);
};

struct pair_ep {
        const struct pair_ops * ops;
        void *                  t;
};

/* UDP: ADDR and PORT; server binds them, a client sends to them. */
int  pair_udp_open(struct pair_ep * ep, const char * addr,
                   const char * port, int server);

/* VDE: a libvdeplug URL; server and client use different MACs. */
int  pair_vde_open(struct pair_ep * ep, const char * url, int server);

void pair_msg_put(uint8_t * buf, const struct pair_msg * m);
int  pair_msg_get(const uint8_t * buf, size_t len, struct pair_msg * m);

#endif /* BENCH_PAIR_H */
