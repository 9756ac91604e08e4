/*
 * Ouroboros IRMd - the program registry: absolute program paths and the
 * names each is bound to, with the argv used to auto-start it.
 *
 * A process that announces itself with a program path is bound to every
 * name that program is bound to.
 */
#ifndef OUROBOROS_IRMD_REG_PROG_H
#define OUROBOROS_IRMD_REG_PROG_H

#include "list.h"

#include <ouroboros/irm.h>

#include <limits.h>
#include <stdbool.h>

#define REG_PROG_MAX_ARGS 64 /* argv[1..] of an auto-started program */

struct reg_bind {
        struct list_head next;
        char             name[NAME_MAX_LEN + 1];
        bool             autostart;
        char **          argv;  /* argv[0] = path, NULL-terminated */
        int              argc;
};

struct reg_prog {
        struct list_head next;
        char             path[PATH_MAX];
        struct list_head binds; /* reg_bind */
        size_t           n_binds;
};

/*
 * Bind program path (absolute) to name; args are argv[1..argc].
 * -EINVAL not absolute / too long / too many args, -EEXIST, -ENOMEM.
 */
int               reg_prog_bind(const char *  path,
                                const char *  name,
                                bool          autostart,
                                int           argc,
                                char * const * args);

/* Unbind path from name, or from all names if name is NULL: the number
 * of bindings removed, -ENOENT if none. */
int               reg_prog_unbind(const char * path,
                                  const char * name);

/* Remove every binding to name (name destroyed). */
void              reg_prog_unbind_name(const char * name);

struct reg_prog * reg_prog_get(const char * path);

/* Programs bound to name. */
size_t            reg_prog_count_name(const char * name);

/* The first auto-start binding for name (and its program), or NULL. */
struct reg_bind * reg_prog_auto(const char *       name,
                                struct reg_prog ** prog);

struct list_head * reg_prog_all(void);

void              reg_prog_fini(void);

#endif /* OUROBOROS_IRMD_REG_PROG_H */
