/*
 * plt.h - point a PLT slot of a loaded library at another function
 * (plt.c).
 */
#ifndef IOTH_PLT_H
#define IOTH_PLT_H

#include <link.h>

/* Point the PLT slot of lm (dlinfo(RTLD_DI_LINKMAP)) for the function
 * name at f; the previous value in *old if old is not NULL.  Calls the
 * library makes to name through its PLT then reach f.  0, or -ENOENT
 * (no such slot), or -errno of mprotect(). */
int ioth_plt_set(const struct link_map *lm, const char *name, void *f,
                 void **old);

#endif /* IOTH_PLT_H */
