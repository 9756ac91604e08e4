/*
 * Ouroboros - reading what an IPCP answers about itself: the T_INFO line
 * of a bootstrap or enroll answer and the counters of an M_IPCPD_STAT
 * answer (proto.h). The IRMd relays both to clients, so both are checked
 * here, in one place that a fuzz target drives (fuzz/fuzz_ipcp_answer.c).
 */
#ifndef OUROBOROS_COMMON_IPCP_ANSWER_H
#define OUROBOROS_COMMON_IPCP_ANSWER_H

#include "msg.h"
#include "proto.h"

#include <stddef.h>

/* The T_INFO of v into out (PROTO_INFO_MAX + 1 bytes), every byte that
 * does not start a printable character (common/name_check.h) made '?',
 * so that the line is one line wherever it is printed: its length, 0
 * ("") when absent or malformed (too long, an embedded NUL). */
size_t ipcp_answer_info(struct msg_view v,
                        char *          out);

/* Append the T_ENTRY {T_NAME, T_VALUE} of v to out, checked: the count,
 * -EBADMSG for a malformed entry or a counter name that is not a name
 * (common/name_check.h, <= NAME_MAX_LEN) or holds a space (irm prints
 * "name value" lines), -EMSGSIZE when out is full. */
int    ipcp_answer_stat(struct msg_view v,
                        struct msg *    out);

#endif /* OUROBOROS_COMMON_IPCP_ANSWER_H */
