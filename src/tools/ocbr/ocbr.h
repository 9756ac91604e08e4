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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tools_common.h"

#include <ouroboros/qos.h>

#define OCBR_MAGIC     0x4f434252U /* "OCBR" */
#define OCBR_HDR_LEN   24
#define OCBR_RPT_LEN   (OCBR_HDR_LEN + 32)
#define OCBR_MAX_SIZE  (1024 * 1024)
#define OCBR_DEF_SIZE  1000
#define OCBR_DEF_RATE  1000000     /* bit/s */
#define OCBR_SLICE_MS  100          /* waits that check the clock */

enum ocbr_type {
        OCBR_DATA   = 1,
        OCBR_END    = 2,
        OCBR_REPORT = 3
};

struct ocbr_cfg {
        const char * name;
        const char * qos_name;
        qosspec_t    qos;
        long         duration_ms;
        size_t       size;
        uint64_t     rate_bps;
        long         interval_ms; /* server reporting interval */
        long         idle_ms;     /* server: end a silent flow, 0: never */
        long         timeout_ms;
        bool         flood;
        enum tool_pace pace;      /* --sleep, --spin */
};

int  ocbr_client(const struct ocbr_cfg * cfg);

int  ocbr_server(const struct ocbr_cfg * cfg);

/* Header: 0 and type/seq/ts, or -EBADMSG. */
int  ocbr_hdr_get(const uint8_t * buf, size_t len, uint8_t * type,
                  uint64_t * seq, uint64_t * ts);

void ocbr_hdr_put(uint8_t * buf, uint8_t type, uint64_t seq, uint64_t ts);

#endif /* OCBR_H */
