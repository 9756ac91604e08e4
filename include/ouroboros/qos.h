/*
 * Ouroboros - Quality of Service specifications
 *
 * A qosspec_t describes what an application asks of a flow. Field order
 * and widths are ABI: FFI users declare this struct verbatim.
 *
 * The predefined specs use positional initializers, in field order
 * (delay, bandwidth, availability, loss, ber, in_order, max_gap,
 * cypher_s, timeout), so that this header compiles in C89 and C++.
 */
#ifndef OUROBOROS_QOS_H
#define OUROBOROS_QOS_H

#include <stdbool.h>
#include <stdint.h>

#define DEFAULT_PEER_TIMEOUT 120000 /* ms */

typedef struct qos_spec {
        uint32_t delay;        /* ms */
        uint64_t bandwidth;    /* bit/s */
        uint8_t  availability; /* class of nines */
        uint32_t loss;         /* packet loss; 0 = reliable */
        uint32_t ber;          /* bit errors per 10^9 bits */
        uint8_t  in_order;     /* in-order delivery */
        uint32_t max_gap;      /* ms */
        uint16_t cypher_s;     /* cypher strength in bits, 0 = none */
        uint32_t timeout;      /* peer timeout in ms, 0 = none */
} qosspec_t;

static const qosspec_t qos_raw = {
        UINT32_MAX, 0, 0, 1, 1, 0, UINT32_MAX, 0,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_raw_no_errors = {
        UINT32_MAX, 0, 0, 1, 0, 0, UINT32_MAX, 0,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_raw_crypt = {
        UINT32_MAX, 0, 0, 1, 0, 0, UINT32_MAX, 256,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_best_effort = {
        UINT32_MAX, 0, 0, 1, 0, 1, UINT32_MAX, 0,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_best_effort_crypt = {
        UINT32_MAX, 0, 0, 1, 0, 1, UINT32_MAX, 256,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_video = {
        100, UINT64_MAX, 3, 1, 0, 1, 100, 0,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_video_crypt = {
        100, UINT64_MAX, 3, 1, 0, 1, 100, 256,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_voice = {
        50, 100000, 5, 1, 0, 1, 50, 0,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_voice_crypt = {
        50, 100000, 5, 1, 0, 1, 50, 256,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_data = {
        1000, 0, 0, 0, 0, 1, 2000, 0,
        DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_data_crypt = {
        1000, 0, 0, 0, 0, 1, 2000, 256,
        DEFAULT_PEER_TIMEOUT
};

#endif /* OUROBOROS_QOS_H */
