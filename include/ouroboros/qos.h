/*
 * Ouroboros - Quality of Service specifications
 *
 * A qosspec_t describes what an application asks of a flow. Field order
 * and widths are ABI: FFI users declare this struct verbatim.
 */
#ifndef OUROBOROS_QOS_H
#define OUROBOROS_QOS_H

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
        .delay = UINT32_MAX, .bandwidth = 0, .availability = 0, .loss = 1,
        .ber = 1, .in_order = 0, .max_gap = UINT32_MAX, .cypher_s = 0,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_raw_no_errors = {
        .delay = UINT32_MAX, .bandwidth = 0, .availability = 0, .loss = 1,
        .ber = 0, .in_order = 0, .max_gap = UINT32_MAX, .cypher_s = 0,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_raw_crypt = {
        .delay = UINT32_MAX, .bandwidth = 0, .availability = 0, .loss = 1,
        .ber = 0, .in_order = 0, .max_gap = UINT32_MAX, .cypher_s = 256,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_best_effort = {
        .delay = UINT32_MAX, .bandwidth = 0, .availability = 0, .loss = 1,
        .ber = 0, .in_order = 1, .max_gap = UINT32_MAX, .cypher_s = 0,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_best_effort_crypt = {
        .delay = UINT32_MAX, .bandwidth = 0, .availability = 0, .loss = 1,
        .ber = 0, .in_order = 1, .max_gap = UINT32_MAX, .cypher_s = 256,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_video = {
        .delay = 100, .bandwidth = UINT64_MAX, .availability = 3, .loss = 1,
        .ber = 0, .in_order = 1, .max_gap = 100, .cypher_s = 0,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_video_crypt = {
        .delay = 100, .bandwidth = UINT64_MAX, .availability = 3, .loss = 1,
        .ber = 0, .in_order = 1, .max_gap = 100, .cypher_s = 256,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_voice = {
        .delay = 50, .bandwidth = 100000, .availability = 5, .loss = 1,
        .ber = 0, .in_order = 1, .max_gap = 50, .cypher_s = 0,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_voice_crypt = {
        .delay = 50, .bandwidth = 100000, .availability = 5, .loss = 1,
        .ber = 0, .in_order = 1, .max_gap = 50, .cypher_s = 256,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_data = {
        .delay = 1000, .bandwidth = 0, .availability = 0, .loss = 0,
        .ber = 0, .in_order = 1, .max_gap = 2000, .cypher_s = 0,
        .timeout = DEFAULT_PEER_TIMEOUT
};

static const qosspec_t qos_data_crypt = {
        .delay = 1000, .bandwidth = 0, .availability = 0, .loss = 0,
        .ber = 0, .in_order = 1, .max_gap = 2000, .cypher_s = 256,
        .timeout = DEFAULT_PEER_TIMEOUT
};

#endif /* OUROBOROS_QOS_H */
