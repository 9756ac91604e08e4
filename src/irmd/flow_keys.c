/*
 * Ouroboros IRMd - the public keys of encrypted allocations.
 *
 * The IRMd relays the two ends' ephemeral X25519 public keys (T_PUBKEY)
 * from the allocation request to the acceptor and back; it never sees a
 * secret. For a spliced (local) flow the keys wait here, with the
 * requester half, until both ends have the other's key.
 */
#include "flow_priv.h"

#include "common/proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct list_head flow_keys = LIST_HEAD_INIT(flow_keys);

void flow_keys_add(struct flow_keys * k)
{
        list_add_tail(&k->next, &flow_keys);
}

struct flow_keys * flow_keys_of(uint32_t id)
{
        struct list_head * p;

        list_for_each(p, &flow_keys) {
                struct flow_keys * k = list_entry(p, struct flow_keys, next);
                if (k->id == id)
                        return k;
        }

        return NULL;
}

void flow_keys_drop(uint32_t id)
{
        struct flow_keys * k = flow_keys_of(id);

        if (k == NULL)
                return;

        list_del(&k->next);
        free(k);
}

/* Optional T_PUBKEY into key: 0 (*has says if present), -EBADMSG. */
int flow_get_pubkey(struct msg_view v,
                    uint8_t         key[FLOW_PUBKEY_LEN],
                    bool *          has)
{
        const void * p;
        size_t       n;

        *has = false;
        if (!msg_has(v, T_PUBKEY))
                return 0;
        if (msg_get_bytes(v, T_PUBKEY, &p, &n) < 0 || n != FLOW_PUBKEY_LEN)
                return -EBADMSG;

        memcpy(key, p, FLOW_PUBKEY_LEN);
        *has = true;

        return 0;
}
