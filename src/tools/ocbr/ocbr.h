/*
 * ocbr - constant bit rate traffic over an Ouroboros flow.
 *
 * main.c parses options, client.c sends numbered packets at a fixed bit
 * rate (or flooding), server.c counts them per interval and computes the
 * loss from the sequence numbers; at the end it reports to the client.
 *
 * Wire format (big endian), at the start of every packet:
 *   u32 magic | u8 type | u8 zero | u16 zero | u64 seq | u64 send time (ns)
 * DATA is padded to the packet size; END carries in seq the number of
 * DATA packets sent; REPORT adds u64 packets, u64 bytes, u64 lost and
 * u64 ns between the first and the last DATA packet received.
 */
#ifndef OCBR_H
#define OCBR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ouroboros/qos.h>

#define OCBR_MAGIC     0x4f434252U /* "OCBR" */
#define OCBR_HDR_LEN   24
#define OCBR_RPT_LEN   (OCBR_HDR_LEN + 32)
#define OCBR_MAX_SIZE  65536
#define OCBR_DEF_SIZE  1000
#define OCBR_DEF_RATE  1000000     /* bit/s */
#define OCBR_SLICE_MS  100

enum ocbr_type {
        OCBR_DATA   = 1,
        OCBR_END    = 2,
        OCBR_REPORT = 3
};

struct ocbr_cfg {
        const char * name;
        const char * qos_name;
        qosspec_t    qos;
        long         duration_s;
        size_t       size;
        uint64_t     rate_bps;
        long         interval_ms; /* server reporting interval */
        long         timeout_ms;
        bool         flood;
};

extern volatile sig_atomic_t ocbr_stop;

int  ocbr_client(const struct ocbr_cfg * cfg);

int  ocbr_server(const struct ocbr_cfg * cfg);

const char * ocbr_strerror(int err);

void ocbr_u64_put(uint8_t * buf, uint64_t v);

uint64_t ocbr_u64_get(const uint8_t * buf);

/* Header: 0 and type/seq/ts, or -EBADMSG. */
int  ocbr_hdr_get(const uint8_t * buf, size_t len, uint8_t * type,
                  uint64_t * seq, uint64_t * ts);

void ocbr_hdr_put(uint8_t * buf, uint8_t type, uint64_t seq, uint64_t ts);

static inline int64_t ocbr_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline struct timespec ocbr_ms_ts(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        return ts;
}

static inline double ocbr_mbps(uint64_t bytes, int64_t ns)
{
        return ns > 0 ? (double) bytes * 8e3 / (double) ns : 0;
}

#endif /* OCBR_H */
