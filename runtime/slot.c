/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * slot.c — the slot table, C_GetSlotList, C_GetSlotInfo, C_WaitForSlotEvent; see slot.h.
 *
 * The monitor: at the first slot call (never in C_Initialize) a thread of the module's
 * blocks in SCardGetStatusChange on a PC/SC context of its own, and each time pcscd reports
 * a change (a card in or out, a reader come or gone, pcscd itself gone) it lists the
 * readers again and updates the table. While it is live, C_GetSlotList, C_GetSlotInfo,
 * C_OpenSession's and C_GetTokenInfo's presence checks and C_WaitForSlotEvent answer from
 * the table, with no round trip to pcscd; a blocked C_WaitForSlotEvent waits for the
 * monitor's next update. When it is not live (the application forbade threads with
 * CKF_LIBRARY_CANT_CREATE_OS_THREADS, the thread could not start, or pcscd is away and
 * the monitor retries every SLOT_RETRY_MS), each call looks at the readers itself, as
 * before. C_Finalize cancels the monitor (SCardCancel) and joins it; a child after fork()
 * has no monitor and starts its own at its first slot call after C_Initialize.
 *
 * Locks: the table's lock (lock.h) guards the table only and is held across IPC with
 * pcscd, never across card I/O and never by the monitor while it blocks. wait_mutex
 * guards the bookkeeping of waiters and of the monitor (its thread, stop request and
 * update count) and is never held across a PC/SC call.
 */
#include "slot.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* the monitor (see the top of this file) */
#define SLOT_RETRY_MS 100
#define SLOT_MONITOR_NAME "scriptoki-mon"
static pthread_t mon_thread;
static int mon_running;                 /* under wait_mutex: a thread to join */
static atomic_int mon_tried;            /* the first slot call started it (or could not) */
static atomic_int mon_stop;             /* C_Finalize asks it to end */
static atomic_int mon_live;             /* the table is current: calls need not ask pcscd */
static atomic_ulong mon_hctx;           /* its context's handle, for SCardCancel */
static struct pcsc_ctx mon_ctx;         /* the monitor thread's own */
static unsigned long mon_updates;       /* under wait_mutex: bumped at each update */
/* ThreadSanitizer cannot follow a thread started in the child of a multi-threaded fork
 * (it still counts the parent's threads there): in a TSan build such a child polls */
#if defined(__SANITIZE_THREAD__)
#define SLOT_CHILD_MONITOR 0
#else
#define SLOT_CHILD_MONITOR 1
#endif
static int slot_forked;                 /* this process is a fork()ed child */

/* slot_fast_token's copy of the table, written under the table's lock at the end of each
 * update (slot_apply_inlock) and read without it; a slot's token stays until C_Finalize */
static _Atomic(struct token *) fast_tok[SLOT_MAX];
static atomic_int fast_present[SLOT_MAX];
static atomic_int fast_attached[SLOT_MAX];      /* the reader is there (C_GetSlotList) */
static atomic_size_t fast_n;            /* slots published; 0 before the first look */

CK_RV slot_init(void)
{
	nslots = 0;
	slot_seen_init = 0;
	slot_list_sized = 0;
	slot_epoch = pcsc_epoch();
	memset(&slot_ctx, 0, sizeof slot_ctx);
	memset(&wait_ctx, 0, sizeof wait_ctx);
	memset(&mon_ctx, 0, sizeof mon_ctx);
	pthread_mutex_lock(&wait_mutex);
	finalizing = 0;
	mon_running = 0;
	pthread_mutex_unlock(&wait_mutex);
	atomic_store(&mon_tried, 0);
	atomic_store(&mon_stop, 0);
	atomic_store(&mon_live, 0);
	atomic_store(&mon_hctx, 0);
	atomic_store(&fast_n, 0);
	/* slot_fast_token's copy is atomics read without a lock, which helgrind cannot follow */
	LOCK_HG_UNCHECKED(fast_tok, sizeof fast_tok);
	LOCK_HG_UNCHECKED(fast_present, sizeof fast_present);
	LOCK_HG_UNCHECKED(fast_attached, sizeof fast_attached);
	LOCK_HG_UNCHECKED(&fast_n, sizeof fast_n);
	return lock_create(&slot_lock);
}

/* C_Finalize (wait_mutex held): cancel the monitor's wait until its thread has ended. */
static void slot_monitor_stop_locked(void)
{
	atomic_store(&mon_stop, 1);
	while (mon_running) {
		struct timespec ts;

		/* again and again: the thread may not have blocked yet at the first */
		pcsc_cancel_handle((SCARDCONTEXT)atomic_load(&mon_hctx));
		pthread_cond_broadcast(&wait_cond);     /* a retry pause ends too */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wait_cond, &wait_mutex, &ts);
	}
}

void slot_fini(void)
{
	size_t i;

	/* wake and wait out a blocked C_WaitForSlotEvent before its context goes */
	pthread_mutex_lock(&wait_mutex);
	finalizing = 1;
	while (waiters > 0) {
		struct timespec ts;

		/* cancel again and again: the waiter may not have blocked yet at the first;
		 * one waiting for the monitor's next update is woken here */
		pcsc_cancel(&wait_ctx);
		pthread_cond_broadcast(&wait_cond);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wait_cond, &wait_mutex, &ts);
	}
	if (atomic_load(&mon_tried) && mon_running) {
		slot_monitor_stop_locked();
		pthread_mutex_unlock(&wait_mutex);
		pthread_join(mon_thread, NULL);
	} else {
		pthread_mutex_unlock(&wait_mutex);
	}
	atomic_store(&mon_live, 0);
	pcsc_ctx_close(&wait_ctx);

	atomic_store(&fast_n, 0);
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
	atomic_store(&fast_n, 0);
	for (i = 0; i < nslots; i++) {
		token_forget_after_fork(slots[i].tok);
		slots[i].tok = NULL;
	}
	nslots = 0;
	pcsc_ctx_forget(&slot_ctx);
	pcsc_ctx_forget(&wait_ctx);
	pcsc_ctx_forget(&mon_ctx);
	wait_mutex = m;
	wait_cond = c;
	waiters = 0;
	/* the parent's monitor thread does not exist here */
	slot_forked = 1;
	mon_running = 0;
	atomic_store(&mon_tried, 0);
	atomic_store(&mon_live, 0);
	atomic_store(&mon_hctx, 0);
	pcsc_set_watched(0);
	slot_lock = NULL;
}

/* Update the table from a listing of the readers. */
static CK_RV slot_apply_inlock(const struct pcsc_reader *r, size_t n)
{
	size_t i, k;
	CK_RV rv = CKR_OK;

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
				goto publish;   /* the table as far as it got */
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
publish:
	for (k = 0; k < nslots; k++) {
		atomic_store_explicit(&fast_tok[k], slots[k].tok, memory_order_relaxed);
		atomic_store_explicit(&fast_present[k], slots[k].present, memory_order_relaxed);
		atomic_store_explicit(&fast_attached[k], slots[k].attached, memory_order_relaxed);
	}
	LOCK_HG_PUBLISH(&fast_n);
	atomic_store_explicit(&fast_n, nslots, memory_order_release);
	return rv;
}

int slot_fast_known(CK_SLOT_ID id)
{
	return atomic_load_explicit(&mon_live, memory_order_acquire) &&
	       id < atomic_load_explicit(&fast_n, memory_order_acquire);
}

int slot_fast_token(CK_SLOT_ID id, struct token **tok)
{
	if (!slot_fast_known(id) || !atomic_load_explicit(&fast_present[id], memory_order_relaxed))
		return 0;
	*tok = atomic_load_explicit(&fast_tok[id], memory_order_relaxed);
	LOCK_HG_TAKE_OVER(&fast_n);
	return 1;
}

/* Look at the readers (IPC only) and update the table. */
static CK_RV slot_refresh_inlock(void)
{
	struct pcsc_reader r[PCSC_MAX_READERS];
	size_t n;
	CK_RV rv = pcsc_list(&slot_ctx, r, PCSC_MAX_READERS, &n);

	return rv != CKR_OK ? rv : slot_apply_inlock(r, n);
}

/* The table as it is now: from the monitor's last update when it is live (no IPC), else
 * looked at here. */
static CK_RV slot_current_inlock(void)
{
	if (atomic_load(&mon_live) && slot_seen_init)
		return CKR_OK;
	return slot_refresh_inlock();
}

/* The monitor's pause after an error (pcscd away): ends early when C_Finalize asks. */
static void slot_monitor_pause(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += SLOT_RETRY_MS * 1000L * 1000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&wait_mutex);
	if (!atomic_load(&mon_stop))
		pthread_cond_timedwait(&wait_cond, &wait_mutex, &ts);
	pthread_mutex_unlock(&wait_mutex);
}

/* A new state of the table is there: wake the blocked C_WaitForSlotEvent calls. */
static void slot_monitor_publish(void)
{
	pthread_mutex_lock(&wait_mutex);
	mon_updates++;
	pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&wait_mutex);
}

static void *slot_monitor(void *arg)
{
	struct pcsc_reader r[PCSC_MAX_READERS];
	size_t n = 0;
	CK_RV rv;

	(void)arg;
	pthread_setname_np(pthread_self(), SLOT_MONITOR_NAME);  /* for ps, gdb and the tests */
	while (!atomic_load(&mon_stop)) {
		rv = pcsc_list(&mon_ctx, r, PCSC_MAX_READERS, &n);
		atomic_store(&mon_hctx, mon_ctx.valid ? (unsigned long)mon_ctx.ctx : 0);
		if (rv == CKR_OK && mon_ctx.valid) {
			rv = lock_acquire(slot_lock);
			if (rv == CKR_OK) {
				rv = slot_apply_inlock(r, n);
				lock_release(slot_lock);
			}
		} else if (rv == CKR_OK) {
			rv = CKR_DEVICE_REMOVED;        /* no PC/SC service: nothing to wait on */
		}
		if (rv == CKR_OK) {
			atomic_store(&mon_live, 1);
			pcsc_set_watched(1);
			slot_monitor_publish();
			/* blocks until pcscd reports a change (or C_Finalize cancels) */
			rv = pcsc_wait(&mon_ctx, r, n, -1);
			if (rv == CKR_OK || atomic_load(&mon_stop))
				continue;
		}
		/* pcscd is away or something failed: calls look for themselves meanwhile */
		pcsc_set_watched(0);
		if (atomic_exchange(&mon_live, 0))
			slot_monitor_publish();
		if (rv != CKR_FUNCTION_CANCELED)
			slot_monitor_pause();
	}
	pcsc_set_watched(0);
	atomic_store(&mon_live, 0);
	pcsc_ctx_close(&mon_ctx);
	atomic_store(&mon_hctx, 0);
	pthread_mutex_lock(&wait_mutex);
	mon_running = 0;
	pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&wait_mutex);
	return NULL;
}

/* The first slot call starts the monitor, unless the application forbade threads. */
static void slot_monitor_start(void)
{
	sigset_t all, old;

	if (atomic_load_explicit(&mon_tried, memory_order_acquire))
		return;
	pthread_mutex_lock(&wait_mutex);
	if (atomic_load(&mon_tried) || finalizing) {
		pthread_mutex_unlock(&wait_mutex);
		return;
	}
	if (lock_may_create_threads() && (SLOT_CHILD_MONITOR || !slot_forked)) {
		atomic_store(&mon_stop, 0);
		/* the application's signals are not for this thread */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		if (pthread_create(&mon_thread, NULL, slot_monitor, NULL) == 0)
			mon_running = 1;
		else
			log_msg(LOG_ERROR, "slot: no monitor thread; each slot call asks pcscd");
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	atomic_store_explicit(&mon_tried, 1, memory_order_release);
	pthread_mutex_unlock(&wait_mutex);
}

CK_RV slot_token(CK_SLOT_ID id, struct token **tok)
{
	CK_RV rv;

	slot_monitor_start();
	rv = lock_acquire(slot_lock);
	if (rv != CKR_OK)
		return rv;
	if (nslots == 0)
		slot_current_inlock();
	if (id >= nslots)
		rv = CKR_SLOT_ID_INVALID;
	else
		*tok = slots[id].tok;
	lock_release(slot_lock);
	return rv;
}

CK_RV slot_present(CK_SLOT_ID id, int *present)
{
	CK_RV rv;

	slot_monitor_start();
	rv = lock_acquire(slot_lock);
	if (rv != CKR_OK)
		return rv;
	rv = slot_current_inlock();
	if (rv == CKR_OK && id >= nslots)
		rv = CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK)
		*present = slots[id].present;
	lock_release(slot_lock);
	return rv;
}

enum slot_enter_how { SLOT_FULL, SLOT_CACHED, SLOT_SO_CURRENT };

static CK_RV slot_enter(CK_SLOT_ID id, enum slot_enter_how how, struct token **out)
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
	rv = how == SLOT_CACHED ? token_enter_cached(t) :
	     how == SLOT_SO_CURRENT ? token_enter_so_current(t) : token_enter(t);
	if (rv == CKR_DEVICE_REMOVED)
		return CKR_TOKEN_NOT_PRESENT;
	if (rv != CKR_OK)
		return rv;
	*out = t;
	return CKR_OK;
}

CK_RV slot_enter_card(CK_SLOT_ID id, int cached_ok, struct token **out)
{
	return slot_enter(id, cached_ok ? SLOT_CACHED : SLOT_FULL, out);
}

CK_RV slot_enter_token(CK_SLOT_ID id, int cached_ok, struct token **out)
{
	struct token *t;
	CK_RV rv = slot_enter(id, cached_ok ? SLOT_CACHED : SLOT_SO_CURRENT, &t);

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

/* The slot list from the published copy of the table's first n slots. */
static CK_RV slot_list_copy(size_t n, CK_BBOOL present_only, CK_SLOT_ID_PTR list,
			    CK_ULONG_PTR count)
{
	CK_ULONG have = *count, found = 0;
	size_t k;

	for (k = 0; k < n; k++) {
		int present = atomic_load_explicit(&fast_present[k], memory_order_relaxed);

		if (present_only ? !present
				 : !present && !atomic_load_explicit(&fast_attached[k],
								     memory_order_relaxed))
			continue;
		if (list != NULL && found < have)
			list[found] = k;
		found++;
	}
	*count = found;
	return list != NULL && found > have ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

/*
 * The slot list from the monitor's copy of the table, without the table's lock (a call
 * beside another thread's writes nothing the other reads): 1 with *rv its answer, 0 when
 * the monitor is not current (then the table is looked at under its lock). A copy being
 * written meanwhile gives the list a moment before or after the change, as a call a
 * moment earlier or later would have.
 */
static int slot_list_fast(CK_BBOOL present_only, CK_SLOT_ID_PTR list, CK_ULONG_PTR count,
			  CK_RV *rv)
{
	size_t n = atomic_load_explicit(&fast_n, memory_order_acquire);

	if (!atomic_load_explicit(&mon_live, memory_order_acquire) || n == 0)
		return 0;
	LOCK_HG_TAKE_OVER(&fast_n);
	*rv = slot_list_copy(n, present_only, list, count);
	return 1;
}

CK_RV rt_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	CK_RV rv;

	slot_monitor_start();
	/* (with the application's locks too: the copy is atomics, no lock of theirs) */
	if (slot_list_fast(tokenPresent, pSlotList, pulCount, &rv))
		return rv;
	rv = lock_acquire(slot_lock);
	if (rv != CKR_OK)
		return rv;
	/* without the monitor the list is re-read for every call but the one right after a
	 * size query, which returns the list that query counted; an application that always
	 * passes a buffer still sees readers and cards come and go. (With the monitor, the
	 * table changes only between calls when pcscd reported a change; a size query and
	 * its list may then differ, and CKR_BUFFER_TOO_SMALL says so.) */
	if (pSlotList == NULL || !slot_list_sized || nslots == 0)
		rv = slot_current_inlock();
	slot_list_sized = pSlotList == NULL;
	/* (the copy is the table: every change of it is published before the lock goes) */
	if (rv == CKR_OK)
		rv = slot_list_copy(nslots, tokenPresent, pSlotList, pulCount);
	lock_release(slot_lock);
	return rv;
}

/* C_GetSlotInfo's answer for a slot of that reader, token and presence. */
static void slot_info_fill(CK_SLOT_INFO_PTR pInfo, const char *reader, struct token *tok,
			   int present)
{
	char vendor[33] = "";
	CK_VERSION ver = { 0, 0 };

	memset(pInfo, 0, sizeof *pInfo);
	util_pad(pInfo->slotDescription, sizeof pInfo->slotDescription, reader);
	/* the reader's vendor and version as its driver told them when the card was
	 * connected (never a connection of our own here: zero-APDU rule) */
	if (!token_reader_info(tok, vendor, sizeof vendor, &ver) || vendor[0] == '\0')
		snprintf(vendor, sizeof vendor, "PC/SC reader");
	util_pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, vendor);
	pInfo->hardwareVersion = ver;
	pInfo->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (present ? CKF_TOKEN_PRESENT : 0);
}

CK_RV rt_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	CK_RV rv;

	slot_monitor_start();
	/* the monitor current: from its copy, without the table's lock (a slot's reader name
	 * is written once, before the slot is published, and kept until C_Finalize) */
	if (slot_fast_known(slotID)) {
		LOCK_HG_TAKE_OVER(&fast_n);
		slot_info_fill(pInfo, slots[slotID].reader,
			       atomic_load_explicit(&fast_tok[slotID], memory_order_relaxed),
			       atomic_load_explicit(&fast_present[slotID], memory_order_relaxed));
		return CKR_OK;
	}
	rv = lock_acquire(slot_lock);
	if (rv != CKR_OK)
		return rv;
	rv = slot_current_inlock();
	if (rv == CKR_OK && slotID >= nslots)
		rv = CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK)
		slot_info_fill(pInfo, slots[slotID].reader, slots[slotID].tok, slots[slotID].present);
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

/* With the monitor live: wait for its next update (no lock of the table held). CKR_OK when
 * there may be news, CKR_CRYPTOKI_NOT_INITIALIZED when C_Finalize began. */
static CK_RV slot_wait_update(unsigned long since)
{
	CK_RV rv = CKR_OK;

	pthread_mutex_lock(&wait_mutex);
	while (!finalizing && mon_updates == since && atomic_load(&mon_live))
		pthread_cond_wait(&wait_cond, &wait_mutex);
	if (finalizing)
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	pthread_mutex_unlock(&wait_mutex);
	return rv;
}

CK_RV rt_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	struct pcsc_reader known[PCSC_MAX_READERS];
	int lost = 0;
	CK_RV rv;

	if (pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	slot_monitor_start();
	pthread_mutex_lock(&wait_mutex);
	if (finalizing) {
		pthread_mutex_unlock(&wait_mutex);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	waiters++;
	pthread_mutex_unlock(&wait_mutex);

	for (;;) {
		unsigned long since;
		long ev;
		size_t n, k;
		int live;

		pthread_mutex_lock(&wait_mutex);
		since = mon_updates;    /* before the look: an update after it wakes the wait */
		pthread_mutex_unlock(&wait_mutex);
		rv = lock_acquire(slot_lock);
		if (rv != CKR_OK)
			break;
		live = atomic_load(&mon_live) && slot_seen_init;
		rv = live ? CKR_OK : slot_refresh_inlock();
		ev = rv == CKR_OK ? slot_event_inlock() : -1;
		n = nslots < PCSC_MAX_READERS ? nslots : PCSC_MAX_READERS;
		for (k = 0; k < n && !live; k++) {
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
		if (live) {
			/* the monitor watches pcscd; its next update may be news */
			rv = slot_wait_update(since);
			if (rv != CKR_OK)
				break;
			continue;
		}
		pthread_mutex_lock(&wait_mutex);
		rv = finalizing ? CKR_CRYPTOKI_NOT_INITIALIZED : CKR_OK;
		pthread_mutex_unlock(&wait_mutex);
		if (rv != CKR_OK)
			break;
		/* no lock held while blocked; C_Finalize cancels this wait */
		rv = pcsc_wait(&wait_ctx, known, n, atomic_load(&mon_tried) &&
			       lock_may_create_threads() ? SLOT_RETRY_MS * 2 : -1);
		if (rv == CKR_NO_EVENT)
			continue;       /* look again: the monitor may be live by now */
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
		} else if (rv != CKR_OK) {
			break;
		}
	}

	pthread_mutex_lock(&wait_mutex);
	waiters--;
	pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&wait_mutex);
	return rv;
}
