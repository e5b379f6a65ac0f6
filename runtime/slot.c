/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * slot.c — the slot table, C_GetSlotList, C_GetSlotInfo, C_WaitForSlotEvent; see slot.h.
 *
 * The table's lock guards the table only and is held across IPC with pcscd, never across
 * card I/O. C_WaitForSlotEvent blocks on a PC/SC context of its own, holding no lock;
 * C_Finalize cancels it and waits until it has left.
 */
#include "slot.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "init.h"
#include "lock.h"
#include "log.h"
#include "sk_dispatch.h"
#include "util.h"

#define SLOT_MAX 32

struct slot {
	char reader[PCSC_READER_NAME];
	int attached;           /* the reader is there now */
	int present;            /* a card is in it */
	unsigned events;        /* pcscd's event counter at the last look */
	struct token *tok;
	/* what C_WaitForSlotEvent last reported for this slot */
	int seen_present;
	unsigned seen_events;
};

static void *slot_lock;
static struct slot slots[SLOT_MAX];
static size_t nslots;
static struct pcsc_ctx slot_ctx;
static int slot_seen_init;
static int slot_list_sized;     /* the last C_GetSlotList was a size query */
static unsigned slot_epoch;     /* pcsc_epoch() at the last look */

/* C_WaitForSlotEvent's own context and the bookkeeping that lets C_Finalize wake it */
static struct pcsc_ctx wait_ctx;
static pthread_mutex_t wait_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wait_cond = PTHREAD_COND_INITIALIZER;
static int waiters;
static int finalizing;

CK_RV slot_init(void)
{
	nslots = 0;
	slot_seen_init = 0;
	slot_list_sized = 0;
	slot_epoch = pcsc_epoch();
	memset(&slot_ctx, 0, sizeof slot_ctx);
	memset(&wait_ctx, 0, sizeof wait_ctx);
	pthread_mutex_lock(&wait_mutex);
	finalizing = 0;
	pthread_mutex_unlock(&wait_mutex);
	return lock_create(&slot_lock);
}

void slot_fini(void)
{
	size_t i;

	/* wake and wait out a blocked C_WaitForSlotEvent before its context goes */
	pthread_mutex_lock(&wait_mutex);
	finalizing = 1;
	while (waiters > 0) {
		struct timespec ts;

		/* cancel again and again: the waiter may not have blocked yet at the first */
		pcsc_cancel(&wait_ctx);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wait_cond, &wait_mutex, &ts);
	}
	pthread_mutex_unlock(&wait_mutex);
	pcsc_ctx_close(&wait_ctx);

	for (i = 0; i < nslots; i++) {
		token_free(slots[i].tok);
		slots[i].tok = NULL;
	}
	nslots = 0;
	pcsc_ctx_close(&slot_ctx);
	lock_destroy(slot_lock);
	slot_lock = NULL;
}

void slot_forget_after_fork(void)
{
	size_t i;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;

	/* the parent's PC/SC handles, tokens and locks are not ours to release */
	for (i = 0; i < nslots; i++) {
		token_forget_after_fork(slots[i].tok);
		slots[i].tok = NULL;
	}
	nslots = 0;
	pcsc_ctx_forget(&slot_ctx);
	pcsc_ctx_forget(&wait_ctx);
	wait_mutex = m;
	wait_cond = c;
	waiters = 0;
	slot_lock = NULL;
}

/* Look at the readers (IPC only) and update the table. */
static CK_RV slot_refresh_inlock(void)
{
	struct pcsc_reader r[PCSC_MAX_READERS];
	size_t n, i, k;
	CK_RV rv = pcsc_list(&slot_ctx, r, PCSC_MAX_READERS, &n);

	if (rv != CKR_OK)
		return rv;
	if (slot_epoch != pcsc_epoch()) {
		/* pcscd went away (and perhaps came back): every card handle of the old daemon
		 * is dead, so each card counts as removed, even one that is present again */
		for (k = 0; k < nslots; k++)
			if (slots[k].present) {
				slots[k].present = 0;
				token_removed(slots[k].tok);
			}
		slot_epoch = pcsc_epoch();
	}
	for (k = 0; k < nslots; k++)
		slots[k].attached = 0;
	for (i = 0; i < n; i++) {
		struct slot *s = NULL;

		for (k = 0; k < nslots; k++)
			if (strcmp(slots[k].reader, r[i].name) == 0)
				s = &slots[k];
		if (s == NULL) {
			if (nslots == SLOT_MAX)
				continue;
			s = &slots[nslots];
			memset(s, 0, sizeof *s);
			memcpy(s->reader, r[i].name, sizeof s->reader);
			rv = token_new(s->reader, &s->tok);
			if (rv != CKR_OK)
				return rv;
			s->seen_present = -1;   /* a new reader is an event */
			nslots++;
		} else if (s->present && (!r[i].present || r[i].events != s->events)) {
			/* the card left (perhaps to come back between two looks) */
			token_removed(s->tok);
		}
		s->attached = 1;
		s->present = r[i].present;
		s->events = r[i].events;
	}
	for (k = 0; k < nslots; k++)
		if (!slots[k].attached && slots[k].present) {
			slots[k].present = 0;
			token_removed(slots[k].tok);
		}
	if (!slot_seen_init) {
		/* C_WaitForSlotEvent reports changes from the first look on */
		for (k = 0; k < nslots; k++) {
			slots[k].seen_present = slots[k].present;
			slots[k].seen_events = slots[k].events;
		}
		slot_seen_init = 1;
	}
	return CKR_OK;
}

CK_RV slot_token(CK_SLOT_ID id, struct token **tok)
{
	CK_RV rv = lock_acquire(slot_lock);

	if (rv != CKR_OK)
		return rv;
	if (nslots == 0)
		slot_refresh_inlock();
	if (id >= nslots)
		rv = CKR_SLOT_ID_INVALID;
	else
		*tok = slots[id].tok;
	lock_release(slot_lock);
	return rv;
}

CK_RV slot_present(CK_SLOT_ID id, int *present)
{
	CK_RV rv = lock_acquire(slot_lock);

	if (rv != CKR_OK)
		return rv;
	rv = slot_refresh_inlock();
	if (rv == CKR_OK && id >= nslots)
		rv = CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK)
		*present = slots[id].present;
	lock_release(slot_lock);
	return rv;
}

CK_RV slot_enter_card(CK_SLOT_ID id, int cached_ok, struct token **out)
{
	struct token *t;
	int present = 0;
	CK_RV rv = slot_present(id, &present);

	if (rv != CKR_OK)
		return rv;
	if (!present)
		return CKR_TOKEN_NOT_PRESENT;
	rv = slot_token(id, &t);
	if (rv != CKR_OK)
		return rv;
	rv = cached_ok ? token_enter_cached(t) : token_enter(t);
	if (rv == CKR_DEVICE_REMOVED)
		return CKR_TOKEN_NOT_PRESENT;
	if (rv != CKR_OK)
		return rv;
	*out = t;
	return CKR_OK;
}

CK_RV slot_enter_token(CK_SLOT_ID id, int cached_ok, struct token **out)
{
	struct token *t;
	CK_RV rv = slot_enter_card(id, cached_ok, &t);

	if (rv != CKR_OK)
		return rv;
	rv = token_load_inlock(t);
	if (rv != CKR_OK) {
		token_leave(t);
		return rv;
	}
	*out = t;
	return CKR_OK;
}

CK_RV rt_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	CK_ULONG have = *pulCount, n = 0;
	size_t k;
	CK_RV rv = lock_acquire(slot_lock);

	if (rv != CKR_OK)
		return rv;
	/* the list is re-read for every call but the one right after a size query, which
	 * returns the list that query counted; an application that always passes a buffer
	 * still sees readers and cards come and go */
	if (pSlotList == NULL || !slot_list_sized || nslots == 0)
		rv = slot_refresh_inlock();
	slot_list_sized = pSlotList == NULL;
	if (rv != CKR_OK)
		goto out;
	for (k = 0; k < nslots; k++) {
		if (tokenPresent && !slots[k].present)
			continue;
		if (!tokenPresent && !slots[k].attached && !slots[k].present)
			continue;
		if (pSlotList != NULL && n < have)
			pSlotList[n] = k;
		n++;
	}
	*pulCount = n;
	if (pSlotList != NULL && n > have)
		rv = CKR_BUFFER_TOO_SMALL;
out:
	lock_release(slot_lock);
	return rv;
}

CK_RV rt_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	CK_RV rv = lock_acquire(slot_lock);

	if (rv != CKR_OK)
		return rv;
	rv = slot_refresh_inlock();
	if (rv == CKR_OK && slotID >= nslots)
		rv = CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK) {
		const struct slot *s = &slots[slotID];

		memset(pInfo, 0, sizeof *pInfo);
		util_pad(pInfo->slotDescription, sizeof pInfo->slotDescription, s->reader);
		char vendor[33] = "";
		CK_VERSION ver = { 0, 0 };

		/* the reader's vendor and version as its driver told them when the card was
		 * connected (never a connection of our own here: zero-APDU rule) */
		if (!token_reader_info(s->tok, vendor, sizeof vendor, &ver) || vendor[0] == '\0')
			snprintf(vendor, sizeof vendor, "PC/SC reader");
		util_pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, vendor);
		pInfo->hardwareVersion = ver;
		pInfo->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT |
			       (s->present ? CKF_TOKEN_PRESENT : 0);
	}
	lock_release(slot_lock);
	return rv;
}

/* A slot whose state differs from what was last reported; -1 when none. */
static long slot_event_inlock(void)
{
	size_t k;

	for (k = 0; k < nslots; k++) {
		struct slot *s = &slots[k];
		if (s->seen_present != s->present || s->seen_events != s->events) {
			s->seen_present = s->present;
			s->seen_events = s->events;
			return (long)k;
		}
	}
	return -1;
}

CK_RV rt_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	struct pcsc_reader known[PCSC_MAX_READERS];
	int lost = 0;
	CK_RV rv;

	if (pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&wait_mutex);
	if (finalizing) {
		pthread_mutex_unlock(&wait_mutex);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	waiters++;
	pthread_mutex_unlock(&wait_mutex);

	for (;;) {
		long ev;
		size_t n, k;

		rv = lock_acquire(slot_lock);
		if (rv != CKR_OK)
			break;
		rv = slot_refresh_inlock();
		ev = rv == CKR_OK ? slot_event_inlock() : -1;
		n = nslots < PCSC_MAX_READERS ? nslots : PCSC_MAX_READERS;
		for (k = 0; k < n; k++) {
			memset(&known[k], 0, sizeof known[k]);
			memcpy(known[k].name, slots[k].reader, sizeof known[k].name);
			known[k].present = slots[k].present;
			known[k].events = slots[k].events;
		}
		lock_release(slot_lock);
		if (rv != CKR_OK)
			break;
		if (ev >= 0) {
			*pSlot = (CK_SLOT_ID)ev;
			break;
		}
		if (flags & CKF_DONT_BLOCK) {
			rv = CKR_NO_EVENT;
			break;
		}
		pthread_mutex_lock(&wait_mutex);
		rv = finalizing ? CKR_CRYPTOKI_NOT_INITIALIZED : CKR_OK;
		pthread_mutex_unlock(&wait_mutex);
		if (rv != CKR_OK)
			break;
		/* no lock held while blocked; C_Finalize cancels this wait */
		rv = pcsc_wait(&wait_ctx, known, n, -1);
		if (rv == CKR_FUNCTION_CANCELED || rv == CKR_DEVICE_REMOVED) {
			pthread_mutex_lock(&wait_mutex);
			if (finalizing)
				rv = CKR_CRYPTOKI_NOT_INITIALIZED;
			pthread_mutex_unlock(&wait_mutex);
			if (rv == CKR_CRYPTOKI_NOT_INITIALIZED)
				break;
			if (rv == CKR_DEVICE_REMOVED && !lost) {
				/* pcscd went away: its cards count as removed (slot_refresh_inlock
				 * sees the new PC/SC epoch); look once more to report that */
				lost = 1;
				continue;
			}
			if (rv == CKR_DEVICE_REMOVED) {
				/* pcscd is gone: do not spin; report it as a device error */
				rv = CKR_DEVICE_ERROR;
				break;
			}
		} else if (rv != CKR_OK && rv != CKR_NO_EVENT) {
			break;
		}
	}

	pthread_mutex_lock(&wait_mutex);
	waiters--;
	pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&wait_mutex);
	return rv;
}
