/*
 * operf - measure the throughput of an Ouroboros flow.
 *
 * main.c parses options, client.c sends (and in echo mode receives back)
 * numbered packets for a duration at a rate or as fast as possible,
 * server.c counts them per flow, echoes them on request and reports its
 * totals to the client at the end.
 *
 * Wire format (all integers big endian), at the start of every packet:
 *   u32 magic | u8 type | u8 flags | u16 zero | u64 seq | u64 send time (ns)
 * DATA packets are padded to the requested size. END carries in seq the
 * number of DATA packets sent. REPORT adds u64 packets, u64 bytes and
 * u64 ns between the first and the last DATA packet the server received.
 */
#ifndef OPERF_H
#define OPERF_H

#include "tools_common.h"

#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define OPERF_MAGIC     0x4f505246U /* "OPRF" */
#define OPERF_HDR_LEN   24
#define OPERF_RPT_LEN   (OPERF_HDR_LEN + 24)
#define OPERF_MAX_SIZE  (1024 * 1024)
#define OPERF_DEF_SIZE  1500
#define OPERF_SLICE_MS  100         /* waits that check the clock */

enum operf_type {
        OPERF_DATA   = 1,
        OPERF_END    = 2,
        OPERF_REPORT = 3
};

#define OPERF_F_ECHO 0x01 /* server returns DATA packets */

struct operf_hdr {
        uint32_t magic;
        uint8_t  type;
        uint8_t  flags;
        uint64_t seq;
        uint64_t ts;
};

struct operf_cfg {
        const char * name;
        const char * qos_name;
        qosspec_t    qos;
        long         duration_ms;
        size_t       size;
        long         rate_pps;   /* 0: flood */
        long         timeout_ms;
        bool         echo;
        bool         quiet;      /* no progress lines */
        enum tool_pace pace;     /* --sleep */
};

int  operf_client(const struct operf_cfg * cfg);

int  operf_server(const struct operf_cfg * cfg);

void operf_hdr_put(uint8_t * buf, const struct operf_hdr * h);

/* Returns 0, or -EBADMSG if buf holds no valid header. */
int  operf_hdr_get(const uint8_t * buf, size_t len, struct operf_hdr * h);

#endif /* OPERF_H */
