/*
 * lwipv6_fix.h - make liblwipv6's mailboxes safe with descriptors beyond
 * FD_SETSIZE, its close free of deadlock, its IP fragmentation leave
 * the packet intact, its IPv6 reassembly free of a use after free, its
 * timers run outside its locks, its stack deletion safe and its receive
 * wait bounded (lwipv6_fix.c, which installs lwipv6_mbox.c,
 * lwipv6_frag.c, lwipv6_write.c, lwipv6_ifthr.c and lwipv6_reass.c).
 */
#ifndef IOTH_LWIPV6_FIX_H
#define IOTH_LWIPV6_FIX_H

#include <sys/socket.h>
#include <sys/types.h>

/* Patch the liblwipv6 loaded as handle (dlopen()); 0 or -errno. */
int ioth_lwipv6_fix(void *handle);
/* lwip_close(s) of that library, without its close/accept deadlock. */
int ioth_lwipv6_close(int (*lwip_close)(int), int s);

/* Bound this thread's next lwip_recvfrom() to ms (dgram: the socket is
 * not TCP): past it, the call returns 0 and ioth_lwipv6_rx_expired()
 * (always called after the call: it disarms) returns 1.  After an
 * expired call with MSG_PEEK, ioth_lwipv6_rx_drop(lwip_recvfrom, s)
 * takes away the empty message the library kept for the next call. */
void ioth_lwipv6_rx_deadline(int ms, int dgram);
int ioth_lwipv6_rx_expired(void);
int ioth_lwipv6_rx_drop(ssize_t (*lwip_recvfrom)(int s, void *mem, int len,
                                                 unsigned int flags,
                                                 struct sockaddr *from,
                                                 socklen_t *fromlen),
                        int s);

/* Bound this thread's next lwip_send() on a TCP socket to the room in
 * its send buffer (the library waits until a whole message is taken),
 * and its wait for segment memory to ms; ioth_lwipv6_tx_taken(), always
 * called after, returns how many bytes it took (the library says all),
 * or -1 when it was not bounded. */
void ioth_lwipv6_tx_bound(int ms);
long ioth_lwipv6_tx_taken(void);

/* This thread's next wait on a mailbox of the library (netconn_connect()'s
 * wait for its answer, lwipv6_conn.c) stores the mailbox in *where;
 * ioth_lwipv6_mbox_wake(mbox) posts an empty message to it, which ends
 * the wait: only once nothing else can answer it (the stack deleted). */
void ioth_lwipv6_note_mbox(void **where);
void ioth_lwipv6_mbox_wake(void *mbox);

#endif /* IOTH_LWIPV6_FIX_H */
