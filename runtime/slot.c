/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * slot.c — the slot table. No reader is a slot yet (PC/SC comes with the slot and
 * session work); the table's lock already follows the locking rules of C_Initialize,
 * and is never held during card I/O.
 */
#include "slot.h"

#include <stddef.h>

#include "lock.h"
#include "sk_dispatch.h"

static void *slot_table_lock;

CK_RV slot_init(void)
{
	return lock_create(&slot_table_lock);
}

void slot_fini(void)
{
	lock_destroy(slot_table_lock);
	slot_table_lock = NULL;
}

void slot_forget_after_fork(void)
{
	/* the parent's lock object is not ours to destroy (it may be the application's) */
	slot_table_lock = NULL;
}

CK_RV rt_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	CK_RV rv = lock_acquire(slot_table_lock);

	if (rv != CKR_OK)
		return rv;
	/* an empty table: the same answer in both modes and for both calls */
	*pulCount = 0;
	lock_release(slot_table_lock);
	return CKR_OK;
}

CK_RV rt_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	return CKR_SLOT_ID_INVALID;
}

CK_RV rt_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	return CKR_SLOT_ID_INVALID;
}
