/*
 * Ouroboros IRMd - the process registry (see reg_proc.h).
 */
#include "reg_proc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct list_head procs = LIST_HEAD_INIT(procs);
static size_t           n_procs;

struct reg_evfd * reg_evfd_get(struct reg_evfd * e)
{
        if (e != NULL)
                ++e->refs;

        return e;
}

void reg_evfd_put(struct reg_evfd * e)
{
        if (e == NULL || --e->refs > 0)
                return;

        close(e->fd);
        free(e);
}

static void proc_free(struct reg_proc * p)
{
        int i;

        if (p->argv != NULL)
                for (i = 0; i < p->argc; ++i)
                        free(p->argv[i]);
        free(p->argv);
        free(p);
}

int reg_proc_add(pid_t              pid,
                 const char *       prog,
                 int                argc,
                 char * const *     args,
                 int                evfd,
                 struct reg_proc ** out)
{
        struct reg_proc * p;
        int               i;

        if (pid <= 0 || prog == NULL || strlen(prog) >= PATH_MAX)
                return -EINVAL;
        if (argc < 0 || argc > REG_PROC_MAX_ARGS || (argc > 0 && !args))
                return -EINVAL;
        if (reg_proc_get(pid) != NULL)
                return -EEXIST;

        p = calloc(1, sizeof(*p));
        if (p == NULL)
                return -ENOMEM;

        p->argv = calloc((size_t) argc + 1, sizeof(char *));
        if (p->argv == NULL)
                goto fail;

        if (evfd >= 0) {
                p->ev = malloc(sizeof(*p->ev));
                if (p->ev == NULL)
                        goto fail;
                p->ev->fd   = evfd;
                p->ev->refs = 1;
        }

        for (i = 0; i < argc; ++i) {
                p->argv[i] = strdup(args[i]);
                if (p->argv[i] == NULL)
                        goto fail;
                p->argc = i + 1;
        }

        p->pid  = pid;
        p->evfd = evfd;
        strcpy(p->prog, prog);
        list_add_tail(&p->next, &procs);
        ++n_procs;

        if (out != NULL)
                *out = p;

        return 0;
 fail:
        free(p->ev); /* the caller keeps evfd */
        proc_free(p);
        return -ENOMEM;
}

struct reg_proc * reg_proc_get(pid_t pid)
{
        struct list_head * q;

        list_for_each(q, &procs) {
                struct reg_proc * p = list_entry(q, struct reg_proc, next);
                if (p->pid == pid)
                        return p;
        }

        return NULL;
}

void reg_proc_del(struct reg_proc * p)
{
        list_del(&p->next);
        --n_procs;
        reg_evfd_put(p->ev);
        proc_free(p);
}

struct list_head * reg_proc_all(void)
{
        return &procs;
}

size_t reg_proc_count(void)
{
        return n_procs;
}

void reg_proc_fini(void)
{
        struct list_head * q;
        struct list_head * t;

        list_for_each_safe(q, t, &procs)
                reg_proc_del(list_entry(q, struct reg_proc, next));
}
