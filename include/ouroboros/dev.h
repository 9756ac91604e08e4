/*
 * Ouroboros - the application API: allocate, use and release flows.
 *
 * Every call returns a flow descriptor or byte count (>= 0), or a negative
 * errno (<errno.h> or <ouroboros/errno.h>). A NULL timeout blocks, a zero
 * timeout does not wait. Flows are message oriented: one flow_write is one
 * packet (SDU) at the reader.
 */
#ifndef OUROBOROS_DEV_H
#define OUROBOROS_DEV_H

#include <ouroboros/qos.h>

#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Allocate a flow to dst_name; qs NULL means qos_raw. */
int     flow_alloc(const char *            dst_name,
                   qosspec_t *             qs,
                   const struct timespec * timeo);

/* Accept an incoming flow; fills qs with the QoS the peer asked for. */
int     flow_accept(qosspec_t *             qs,
                    const struct timespec * timeo);

/* Join the broadcast layer named bc. */
int     flow_join(const char *            bc,
                  qosspec_t *             qs,
                  const struct timespec * timeo);

/* Release a flow; the peer is told at once. */
int     flow_dealloc(int fd);

ssize_t flow_write(int          fd,
                   const void * buf,
                   size_t       count);

ssize_t flow_read(int    fd,
                  void * buf,
                  size_t count);

#ifdef __cplusplus
}
#endif

#endif /* OUROBOROS_DEV_H */
