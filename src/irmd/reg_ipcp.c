/*
 * Ouroboros IRMd - the IPCP registry (see reg_ipcp.h).
 */
#include "reg_ipcp.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct list_head ipcps = LIST_HEAD_INIT(ipcps);
static size_t           n_ipcps;

int reg_ipcp_add(const char *       name,
                 enum ipcp_type     type,
                 pid_t              pid,
                 struct reg_ipcp ** out)
{
        struct reg_ipcp * e;

        if (name == NULL || *name == '\0' ||
            strlen(name) > IPCP_NAME_MAX_LEN)
                return -EINVAL;
        if ((unsigned) type >= IPCP_INVALID || pid <= 0)
                return -EINVAL;
        if (reg_ipcp_get(name) != NULL || reg_ipcp_by_pid(pid) != NULL)
                return -EEXIST;

        e = calloc(1, sizeof(*e));
        if (e == NULL)
                return -ENOMEM;

        strcpy(e->name, name);
        e->type  = type;
        e->pid   = pid;
        e->state = IPCP_STATE_NULL;
        e->hash  = HASH_SHA3_256;
        list_add_tail(&e->next, &ipcps);
        ++n_ipcps;

        if (out != NULL)
                *out = e;

        return 0;
}

struct reg_ipcp * reg_ipcp_get(const char * name)
{
        struct list_head * p;

        list_for_each(p, &ipcps) {
                struct reg_ipcp * e = list_entry(p, struct reg_ipcp, next);
                if (strcmp(e->name, name) == 0)
                        return e;
        }

        return NULL;
}

struct reg_ipcp * reg_ipcp_by_pid(pid_t pid)
{
        struct list_head * p;

        list_for_each(p, &ipcps) {
                struct reg_ipcp * e = list_entry(p, struct reg_ipcp, next);
                if (e->pid == pid)
                        return e;
        }

        return NULL;
}

void reg_ipcp_set_state(struct reg_ipcp * e,
                        enum ipcp_state   s)
{
        /* NULL -> BOOTING -> OPERATIONAL, BOOTING -> NULL on failure,
         * anything -> DOWN. */
        assert(s == IPCP_STATE_DOWN ||
               (e->state == IPCP_STATE_NULL && s == IPCP_STATE_BOOTING) ||
               (e->state == IPCP_STATE_BOOTING &&
                (s == IPCP_STATE_OPERATIONAL || s == IPCP_STATE_NULL)));

        e->state = s;
}

void reg_ipcp_del(struct reg_ipcp * e)
{
        list_del(&e->next);
        --n_ipcps;
        free(e);
}

struct list_head * reg_ipcp_all(void)
{
        return &ipcps;
}

size_t reg_ipcp_count(void)
{
        return n_ipcps;
}

void reg_ipcp_fini(void)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &ipcps)
                reg_ipcp_del(list_entry(p, struct reg_ipcp, next));
}
