/*
 * lwipv6_drain.h - let what a closed TCP socket of liblwipv6 still holds
 * reach the peer: its close is not turned into an abort when the FIN
 * finds no room, and the deletion of its stack waits for it, at most
 * L6DRAIN_MS (lwipv6_drain.c).
 */
#ifndef IOTH_LWIPV6_DRAIN_H
#define IOTH_LWIPV6_DRAIN_H

#define L6DRAIN_MS 5000         /* the longest wait, as the other
                                 * back-ends' */
#define L6DRAIN_BLIND_MS 1000   /* the wait where connections cannot be
                                 * seen (not the known library build) */

/* Look the library (dlopen() handle) over: when it is the build whose
 * layout lwipv6_drain.c reads, wrap its tcp_close() and return 1;
 * otherwise 0: its close is left as it is and the wait is blind. */
int l6drain_setup(void *handle);

/* One stack's drain state: it must outlive the stack (a probe may
 * still be queued to its thread when the wait gives up, and runs before
 * the deletion's own message). */
struct l6drain {
	void *stack;            /* the library's struct stack */
	unsigned asked;         /* probes posted */
	unsigned answered;      /* probes run by the stack thread (atomic,
	                         * stored after busy) */
	long busy;              /* connections holding data (last probe),
	                         * -1: the layout did not match */
	int sent;               /* a TCP socket of the stack sent data */
};

void l6drain_init(struct l6drain *d, void *stack);
/* A TCP socket of the stack took data to send. */
void l6drain_note_send(struct l6drain *d);
/* Wait (at most L6DRAIN_MS) until no TCP connection of the stack holds
 * data not yet acknowledged or a FIN to deliver; call after the
 * sockets are closed, before the stack is deleted. */
void l6drain_wait(struct l6drain *d);

#endif /* IOTH_LWIPV6_DRAIN_H */
