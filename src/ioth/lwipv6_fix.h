/*
 * lwipv6_fix.h - make liblwipv6's mailboxes safe with descriptors beyond
 * FD_SETSIZE, its close free of deadlock, its IP fragmentation leave
 * the packet intact and its stack deletion safe (lwipv6_fix.c).
 */
#ifndef IOTH_LWIPV6_FIX_H
#define IOTH_LWIPV6_FIX_H

/* Patch the liblwipv6 loaded as handle (dlopen()); 0 or -errno. */
int ioth_lwipv6_fix(void *handle);
/* lwip_close(s) of that library, without its close/accept deadlock. */
int ioth_lwipv6_close(int (*lwip_close)(int), int s);

#endif /* IOTH_LWIPV6_FIX_H */
