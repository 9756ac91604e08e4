/*
 * Ouroboros - ipcpd-unicast: what the directory (dir.c) offers the flow
 * allocator (fa.c) beyond uni.h. Private to the two modules.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DIR_FA_H
#define OUROBOROS_IPCPD_UNICAST_DIR_FA_H

#include "uni.h"

/* A flow to addr for hash h failed (no reply, refused as not
 * registered there, or its path was lost): the cached answer goes, so
 * the next allocation asks the directory again. */
void dir_forget(struct ipcp_hash h,
                uint64_t         addr);

#endif /* OUROBOROS_IPCPD_UNICAST_DIR_FA_H */
