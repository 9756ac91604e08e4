/*
 * lwipv6_fix_be.h - what the files that patch liblwipv6 share
 * (lwipv6_fix.c and the parts it installs: lwipv6_mbox.c,
 * lwipv6_frag.c, lwipv6_write.c, lwipv6_ifthr.c, lwipv6_reass.c).
 */
#ifndef IOTH_LWIPV6_FIX_BE_H
#define IOTH_LWIPV6_FIX_BE_H

#include <time.h>

#define SYS_ARCH_TIMEOUT 0xffffffffU    /* a wait of the library ran out */

#define L6FIX_MAX 8

/* One part of the patch: the library's functions it calls (looked up
 * into *f by name), then the library's calls it takes (the PLT slot of
 * name pointed at f).  Lists end at the first empty entry. */
struct l6fix_part {
	struct { void **f; const char *name; } real[L6FIX_MAX];
	struct { const char *name; void *f; } hook[L6FIX_MAX];
};
#define L6FIX_REAL(f, name) { (void **) &(f), name }
#define L6FIX_HOOK(name, f) { name, (void *) (f) }

extern const struct l6fix_part l6fix_mbox;      /* lwipv6_mbox.c */
extern const struct l6fix_part l6fix_frag;      /* lwipv6_frag.c */
extern const struct l6fix_part l6fix_write;     /* lwipv6_write.c */
extern const struct l6fix_part l6fix_ifthr;     /* lwipv6_ifthr.c */
extern const struct l6fix_part l6fix_reass;     /* lwipv6_reass.c */

/* ms since t0 (CLOCK_MONOTONIC) (lwipv6_mbox.c). */
long l6fix_ms_since(const struct timespec *t0);
/* A sys_sem_wait() of the library on sem: 1 when it was a bounded
 * write's wait for memory, which it handled (lwipv6_write.c). */
int l6fix_tx_sem_wait(void *sem);

#endif /* IOTH_LWIPV6_FIX_BE_H */
