/*
 * Ouroboros - event sets: wait for activity on many flows at once.
 *
 * An fset_t holds flow descriptors; fevent() waits until one of them has
 * an event and fills an fqueue_t, which is then drained with fqueue_next()
 * and fqueue_type().
 */
#ifndef OUROBOROS_FQUEUE_H
#define OUROBOROS_FQUEUE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

enum fqtype {
        FLOW_PKT     = (1 << 0), /* a packet is waiting */
        FLOW_DOWN    = (1 << 1), /* the flow went down */
        FLOW_UP      = (1 << 2), /* the flow came back up */
        FLOW_ALLOC   = (1 << 3), /* a flow was allocated */
        FLOW_DEALLOC = (1 << 4), /* the peer deallocated the flow */
        FLOW_PEER    = (1 << 5)  /* the peer timed out */
};

struct flow_set;
struct fqueue;

typedef struct flow_set fset_t;
typedef struct fqueue   fqueue_t;

#ifdef __cplusplus
extern "C" {
#endif

fset_t *   fset_create(void);

void       fset_destroy(fset_t * set);

fqueue_t * fqueue_create(void);

void       fqueue_destroy(struct fqueue * fq);

void       fset_zero(fset_t * set);

int        fset_add(fset_t * set,
                    int      fd);

bool       fset_has(const fset_t * set,
                    int            fd);

void       fset_del(fset_t * set,
                    int      fd);

/* The next flow with an event, or a negative errno when none is left. */
int        fqueue_next(fqueue_t * fq);

/* The event of the flow last returned by fqueue_next. */
enum fqtype fqueue_type(fqueue_t * fq);

/*
 * Project addition: one pollable descriptor for the set, readable
 * (POLLIN) while any flow in it has unread packets or an unreported
 * event: level-triggered, so it stays readable until those are read or
 * reported by fevent(). Owned by the set (closed by fset_destroy; do not
 * read or close it). Returns the descriptor or a negative errno.
 */
int        fset_fd(const fset_t * set);

/* Wait for events; returns the number queued or a negative errno. */
ssize_t    fevent(fset_t *                set,
                  fqueue_t *              fq,
                  const struct timespec * timeo);

#ifdef __cplusplus
}
#endif

#endif /* OUROBOROS_FQUEUE_H */
