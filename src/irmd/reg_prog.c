/*
 * Ouroboros IRMd - the program registry (see reg_prog.h).
 */
#include "reg_prog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct list_head progs = LIST_HEAD_INIT(progs);

static void bind_free(struct reg_bind * b)
{
        int i;

        if (b->argv != NULL)
                for (i = 0; i < b->argc; ++i)
                        free(b->argv[i]);
        free(b->argv);
        free(b);
}

static struct reg_bind * bind_get(const struct reg_prog * p,
                                  const char *            name)
{
        struct list_head * q;

        list_for_each(q, &p->binds) {
                struct reg_bind * b = list_entry(q, struct reg_bind, next);
                if (strcmp(b->name, name) == 0)
                        return b;
        }

        return NULL;
}

struct reg_prog * reg_prog_get(const char * path)
{
        struct list_head * q;

        list_for_each(q, &progs) {
                struct reg_prog * p = list_entry(q, struct reg_prog, next);
                if (strcmp(p->path, path) == 0)
                        return p;
        }

        return NULL;
}

static struct reg_bind * bind_new(const char *   path,
                                  const char *   name,
                                  bool           autostart,
                                  int            argc,
                                  char * const * args)
{
        struct reg_bind * b;
        int               i;

        b = calloc(1, sizeof(*b));
        if (b == NULL)
                return NULL;

        strcpy(b->name, name);
        b->autostart = autostart;
        b->argv = calloc((size_t) argc + 2, sizeof(char *));
        if (b->argv == NULL)
                goto fail;

        b->argv[0] = strdup(path);
        b->argc    = 1;
        if (b->argv[0] == NULL)
                goto fail;

        for (i = 0; i < argc; ++i) {
                b->argv[i + 1] = strdup(args[i]);
                if (b->argv[i + 1] == NULL)
                        goto fail;
                b->argc = i + 2;
        }

        return b;
 fail:
        bind_free(b);
        return NULL;
}

int reg_prog_bind(const char *   path,
                  const char *   name,
                  bool           autostart,
                  int            argc,
                  char * const * args)
{
        struct reg_prog * p;
        struct reg_bind * b;
        bool              created = false;

        if (path == NULL || path[0] != '/' || strlen(path) >= PATH_MAX)
                return -EINVAL;
        if (name == NULL || *name == '\0' || strlen(name) > NAME_MAX_LEN)
                return -EINVAL;
        if (argc < 0 || argc > REG_PROG_MAX_ARGS || (argc > 0 && args == NULL))
                return -EINVAL;

        p = reg_prog_get(path);
        if (p != NULL && bind_get(p, name) != NULL)
                return -EEXIST;

        if (p == NULL) {
                p = calloc(1, sizeof(*p));
                if (p == NULL)
                        return -ENOMEM;
                strcpy(p->path, path);
                list_init(&p->binds);
                list_add_tail(&p->next, &progs);
                created = true;
        }

        b = bind_new(path, name, autostart, argc, args);
        if (b == NULL) {
                if (created) {
                        list_del(&p->next);
                        free(p);
                }
                return -ENOMEM;
        }

        list_add_tail(&b->next, &p->binds);
        ++p->n_binds;

        return 0;
}

static void prog_drop_bind(struct reg_prog * p,
                           struct reg_bind * b)
{
        list_del(&b->next);
        bind_free(b);
        if (--p->n_binds == 0) {
                list_del(&p->next);
                free(p);
        }
}

int reg_prog_unbind(const char * path,
                    const char * name)
{
        struct reg_prog *  p = reg_prog_get(path);
        struct list_head * q;
        struct list_head * t;
        int                cnt = 0;

        if (p == NULL)
                return -ENOENT;

        if (name != NULL) {
                struct reg_bind * b = bind_get(p, name);
                if (b == NULL)
                        return -ENOENT;
                prog_drop_bind(p, b);
                return 1;
        }

        cnt = (int) p->n_binds;
        list_for_each_safe(q, t, &p->binds)
                list_del(q), bind_free(list_entry(q, struct reg_bind, next));
        list_del(&p->next);
        free(p);

        return cnt;
}

void reg_prog_unbind_name(const char * name)
{
        struct list_head * q;
        struct list_head * t;

        list_for_each_safe(q, t, &progs) {
                struct reg_prog * p = list_entry(q, struct reg_prog, next);
                struct reg_bind * b = bind_get(p, name);
                if (b != NULL)
                        prog_drop_bind(p, b);
        }
}

size_t reg_prog_count_name(const char * name)
{
        struct list_head * q;
        size_t             cnt = 0;

        list_for_each(q, &progs)
                if (bind_get(list_entry(q, struct reg_prog, next), name))
                        ++cnt;

        return cnt;
}

struct reg_bind * reg_prog_auto(const char *       name,
                                struct reg_prog ** prog)
{
        struct list_head * q;

        list_for_each(q, &progs) {
                struct reg_prog * p = list_entry(q, struct reg_prog, next);
                struct reg_bind * b = bind_get(p, name);
                if (b != NULL && b->autostart) {
                        if (prog != NULL)
                                *prog = p;
                        return b;
                }
        }

        return NULL;
}

struct list_head * reg_prog_all(void)
{
        return &progs;
}

void reg_prog_fini(void)
{
        struct list_head * q;
        struct list_head * t;

        list_for_each_safe(q, t, &progs)
                reg_prog_unbind(list_entry(q, struct reg_prog, next)->path,
                                NULL);
}
