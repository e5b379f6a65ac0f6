/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opstate.c — the operations active in each session; see opstate.h.
 *
 * Locks: each session's slots have their own lock (struct op_slots), which guards op[]
 * and its operations' linked, and under which a reference is taken (one is given back
 * without it, atomically: the last holder frees); it is held only for those, never during card I/O or while
 * waiting for an operation's own lock (op->use). Order: op->use, then the slots' lock.
 * There is no lock, table or counter common to all sessions: calls on two sessions touch
 * no memory in common here. The slots outlive their sessions (the session layer keeps
 * them until C_Finalize and gives them to later sessions), so an operation's pointer to
 * its slots is always good; under their lock, open says whose they are now.
 */
#include "opstate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "sk_dispatch.h"
#include "util.h"

static struct op_slots *(*op_slots_of)(CK_SESSION_HANDLE h);
static int (*op_session_exists)(CK_SESSION_HANDLE h);
static struct op_slots *op_all;  /* every set of slots made (op_slots_init) */

CK_RV op_init(void)
{
	op_all = NULL;
	return CKR_OK;
}

void op_set_sessions(struct op_slots *(*slots_of)(CK_SESSION_HANDLE h),
		     int (*exists)(CK_SESSION_HANDLE h))
{
	op_slots_of = slots_of;
	op_session_exists = exists;
}

CK_RV op_slots_init(struct op_slots *s)
{
	int k;
	CK_RV rv = lock_short_create(&s->lock);

	if (rv != CKR_OK)
		return rv;
	s->open = 0;
	s->active = 0;
	for (k = 0; k < OP_KIND_MAX; k++)
		s->op[k] = NULL;
	s->all_next = op_all;
	op_all = s;
	return CKR_OK;
}

/* The memory of an operation nobody refers to any more. */
static void op_free(struct op *op)
{
	/* nobody holds it any more: its lock goes first, with the memory that holds it */
	if (!op->no_use)
		lock_own_destroy(&op->use);
	free(op->given_sig);
	op->destroy(op);
}

/*
 * The thread's spare (op_spare, op_keep): its own memory, so that taking and keeping it
 * writes nothing another thread reads. A thread key frees it when the thread ends (its
 * value only says "set": the memory is in op_spare_mine).
 */
static _Thread_local struct op *op_spare_mine UTIL_TLS_HOT;
static _Thread_local int op_spare_keyed UTIL_TLS_HOT;

static void op_spare_drop(void)
{
	free(op_spare_mine);
	op_spare_mine = NULL;
}

static void op_spare_thread_ends(void *v)
{
	(void)v;
	op_spare_drop();
	op_spare_keyed = 0;
}

static struct util_tkey op_spare_key = UTIL_TKEY_INIT(op_spare_thread_ends);

void op_fini(void)
{
	struct op_slots *s;
	int k;

	/* no call is left in the module (init.c waited for them): no holder either */
	for (s = op_all; s != NULL; s = s->all_next) {
		for (k = 0; k < OP_KIND_MAX; k++)
			if (s->op[k] != NULL)
				op_free(s->op[k]);      /* (may leave a spare: freed next) */
		lock_short_destroy(&s->lock);
	}
	op_all = NULL;
	op_spare_drop();
}

void op_forget_after_fork(void)
{
	/* the parent's operations may hold the parent's objects: leave them alone */
	op_all = NULL;
	op_slots_of = NULL;
	op_session_exists = NULL;
}

/* Give back one reference to op; 1 when it was the last (the caller frees op). */
static int op_unref_last(struct op *op)
{
	/* what this holder did with op comes before the free of whoever is last (helgrind
	 * sees no atomics: it is told) */
	LOCK_HG_PUBLISH(op);
	if (atomic_fetch_sub(&op->refs, 1) != 1)
		return 0;
	LOCK_HG_TAKE_OVER(op);
	return 1;
}

/* Take the slots' reference away from s->op[k] (s->lock held); 1 when nobody is left. */
static int op_unlink_inlock(struct op_slots *s, int k)
{
	struct op *op = s->op[k];

	s->op[k] = NULL;
	s->active--;
	/* (a release, not an exchange: op_acquire reads it after the operation's lock) */
	atomic_store_explicit(&op->linked, 0, memory_order_release);
	/* refs == 1: the slots' alone, and none can come (references are taken under this
	 * lock, op_ref), so nobody is left: no read-modify-write needed (an acquire of every
	 * earlier holder's release, as op_acquire_ending reads it) */
	if (atomic_load_explicit(&op->refs, memory_order_acquire) == 1) {
		atomic_store_explicit(&op->refs, 0, memory_order_relaxed);
		LOCK_HG_TAKE_OVER(op);
		return 1;
	}
	return op_unref_last(op);
}

/* The slots of session h, locked, when they are h's now; else NULL (nothing held). */
static struct op_slots *op_lock_session(CK_SESSION_HANDLE h, CK_RV *rv)
{
	struct op_slots *s = op_slots_of != NULL && h != 0 ? op_slots_of(h) : NULL;

	*rv = CKR_OK;
	if (s == NULL)
		return NULL;
	*rv = lock_short_acquire(&s->lock);
	if (*rv != CKR_OK)
		return NULL;
	if (s->open != h) {
		lock_short_release(&s->lock);
		return NULL;
	}
	return s;
}

/* End every operation in s and give s to h (0: nobody); s->lock held. The operations
 * nobody holds go to gone[], to be freed outside the lock; their number. */
static int op_slots_empty_inlock(struct op_slots *s, struct op **gone)
{
	int k, n = 0;

	for (k = 0; s->active > 0 && k < OP_KIND_MAX; k++) {
		struct op *op = s->op[k];
		if (op != NULL && op_unlink_inlock(s, k))
			gone[n++] = op;
	}
	return n;
}

void op_slots_open(struct op_slots *s, CK_SESSION_HANDLE h)
{
	struct op *gone[OP_KIND_MAX];
	int n;

	if (lock_short_acquire(&s->lock) != CKR_OK)
		return;
	n = op_slots_empty_inlock(s, gone);
	s->open = h;
	lock_short_release(&s->lock);
	while (n > 0)
		op_free(gone[--n]);
}

void op_slots_close(struct op_slots *s, CK_SESSION_HANDLE h)
{
	struct op *gone[OP_KIND_MAX];
	int n = 0;

	if (lock_short_acquire(&s->lock) != CKR_OK)
		return;         /* leaks rather than frees what another caller may hold */
	if (s->open == h) {
		n = op_slots_empty_inlock(s, gone);
		s->open = 0;
	}
	lock_short_release(&s->lock);
	while (n > 0)
		op_free(gone[--n]);
}

/* A classic operation and the message-based process of the same function exclude each
 * other: one kind of operation per session and function (the message process holds the
 * key and mechanism as the classic one does; PKCS #11 3.2, 5.1.6 CKR_OPERATION_ACTIVE:
 * "an active operation ... which prevents Cryptoki from activating the specified
 * operation"). OP_KIND_MAX: none. */
static enum op_kind op_twin(enum op_kind kind)
{
	switch (kind) {
	case OP_ENCRYPT:
		return OP_MSG_ENCRYPT;
	case OP_DECRYPT:
		return OP_MSG_DECRYPT;
	case OP_SIGN:
		return OP_MSG_SIGN;
	case OP_VERIFY:
		return OP_MSG_VERIFY;
	case OP_MSG_ENCRYPT:
		return OP_ENCRYPT;
	case OP_MSG_DECRYPT:
		return OP_DECRYPT;
	case OP_MSG_SIGN:
		return OP_SIGN;
	case OP_MSG_VERIFY:
		return OP_VERIFY;
	default:
		return OP_KIND_MAX;
	}
}

/* An operation of that kind or its twin is active in s (s->lock held). */
static int op_busy_inlock(const struct op_slots *s, enum op_kind kind)
{
	enum op_kind twin = op_twin(kind);

	return s->op[kind] != NULL || (twin != OP_KIND_MAX && s->op[twin] != NULL);
}

CK_RV op_busy(CK_SESSION_HANDLE h, enum op_kind kind)
{
	int busy;
	CK_RV rv;
	struct op_slots *s = op_lock_session(h, &rv);

	if (s == NULL)
		return rv;      /* no session: nothing is active in it */
	busy = op_busy_inlock(s, kind);
	lock_short_release(&s->lock);
	return busy ? CKR_OPERATION_ACTIVE : CKR_OK;
}

CK_RV op_start(CK_SESSION_HANDLE h, struct op *op)
{
	struct op_slots *s;
	CK_RV rv = op->no_use ? CKR_OK : lock_own_create(&op->use);

	if (rv != CKR_OK)
		return rv;
	op->session = h;
	/* (plain stores: nobody else sees op before the slots' lock publishes it below) */
	atomic_store_explicit(&op->refs, 1, memory_order_relaxed);   /* the slots' */
	atomic_store_explicit(&op->linked, 1, memory_order_relaxed);
	s = op->slots;
	if (s == NULL) {
		s = op_lock_session(h, &rv);
	} else if ((rv = lock_short_acquire(&s->lock)) != CKR_OK) {
		s = NULL;
	} else if (s->open != h) {
		lock_short_release(&s->lock);   /* op_spare's slots: h has closed since */
		s = NULL;
	}
	if (s == NULL) {
		/* closed since the call's handle check (opstate.h, op_missing) */
		if (rv == CKR_OK)
			rv = CKR_SESSION_CLOSED;
		goto fail;
	}
	if (op_busy_inlock(s, op->kind)) {
		lock_short_release(&s->lock);
		rv = CKR_OPERATION_ACTIVE;
		goto fail;
	}
	op->slots = s;
	s->op[op->kind] = op;
	s->active++;
	lock_short_release(&s->lock);
	return CKR_OK;
fail:
	if (!op->no_use)
		lock_own_destroy(&op->use);
	op->linked = 0;
	op->refs = 0;
	return rv;
}

/* No such operation of session h: the session was closed meanwhile (another thread's
 * C_CloseSession after this call's handle check: CKR_SESSION_CLOSED, PKCS #11 3.2 section
 * 5.1.2), or it never had one. Called without any slots' lock. */
static CK_RV op_missing(CK_SESSION_HANDLE h)
{
	if (op_session_exists != NULL && !op_session_exists(h))
		return CKR_SESSION_CLOSED;
	return CKR_OPERATION_NOT_INITIALIZED;
}

CK_RV op_active(CK_SESSION_HANDLE h, enum op_kind kind)
{
	int active;
	CK_RV rv;
	struct op_slots *s = op_lock_session(h, &rv);

	if (s == NULL)
		return rv != CKR_OK ? rv : op_missing(h);
	active = s->op[kind] != NULL;
	lock_short_release(&s->lock);
	return active ? CKR_OK : op_missing(h);
}

/* The operation of this kind in session h's slots, the slots locked (*sp); NULL when
 * there is none, nothing locked and *rv saying why. */
static struct op *op_slot_locked(CK_SESSION_HANDLE h, enum op_kind kind, struct op_slots **sp,
				 CK_RV *rv)
{
	struct op_slots *s = op_lock_session(h, rv);
	struct op *op;

	if (s == NULL) {
		*rv = *rv != CKR_OK ? *rv : op_missing(h);
		return NULL;
	}
	op = s->op[kind];
	if (op == NULL) {
		lock_short_release(&s->lock);
		*rv = op_missing(h);
		return NULL;
	}
	*sp = s;
	return op;
}

CK_RV op_ref(CK_SESSION_HANDLE h, enum op_kind kind, struct op **out)
{
	struct op_slots *s;
	CK_RV rv;
	struct op *op = op_slot_locked(h, kind, &s, &rv);

	if (op == NULL)
		return rv;
	atomic_fetch_add_explicit(&op->refs, 1, memory_order_relaxed);
	*out = op;
	lock_short_release(&s->lock);
	return CKR_OK;
}

void op_unref(struct op *op)
{
	if (op_unref_last(op))
		op_free(op);
}

struct op *op_lock_kind(CK_SESSION_HANDLE h, enum op_kind kind, CK_RV *rv)
{
	struct op_slots *s;

	return op_slot_locked(h, kind, &s, rv);
}

void op_unlock(struct op *op)
{
	lock_short_release(&op->slots->lock);
}

CK_RV op_acquire(CK_SESSION_HANDLE h, enum op_kind kind, struct op **out)
{
	struct op *op = NULL;
	int linked;
	CK_RV rv = op_ref(h, kind, &op);

	if (rv != CKR_OK)
		return rv;
	/* the operation's own lock, taken without the slots' lock: a caller on the same
	 * session may be in the middle of it (card I/O); we go on after it */
	rv = lock_own_acquire(&op->use);
	if (rv != CKR_OK) {
		op_unref(op);
		return rv;
	}
	/* (an atomic read: an unlink right after it is the same as one right after a
	 * locked read, and ours keeps the memory) */
	linked = op->linked;
	if (!linked) {
		/* it ended while we waited (the other call finished it, or it was cancelled,
		 * or its session closed) */
		lock_own_release(&op->use);
		op_unref(op);
		return op_missing(h);
	}
	*out = op;
	return CKR_OK;
}

CK_RV op_acquire_ending(CK_SESSION_HANDLE h, enum op_kind kind,
			int (*ends)(const struct op *op, void *arg), void *arg,
			struct op **out, int *taken)
{
	struct op_slots *s;
	CK_RV rv;
	struct op *op;

	*taken = 0;
	op = op_slot_locked(h, kind, &s, &rv);
	if (op == NULL)
		return rv;
	/* refs == 1: only the slots' (references are taken under this lock: none can come
	 * once it is out of the slots), and every earlier holder has given its back, its
	 * work with the operation before (an acquire of its release, op_unref_last); the
	 * slots' reference becomes the caller's */
	if (atomic_load_explicit(&op->refs, memory_order_acquire) == 1) {
		LOCK_HG_TAKE_OVER(op);
		if (!ends(op, arg))
			goto shared;
		s->op[kind] = NULL;
		s->active--;
		/* (nobody else can look at it any more) */
		atomic_store_explicit(&op->linked, 0, memory_order_relaxed);
		lock_short_release(&s->lock);
		*taken = 1;
		*out = op;
		return CKR_OK;
	}
shared:
	lock_short_release(&s->lock);
	return op_acquire(h, kind, out);
}

void op_drop(struct op *op)
{
	/* the one reference there is (op_acquire_ending): no other holder can have come */
	op_free(op);
}

void op_release(struct op *op, int end)
{
	struct op_slots *s = op->slots;

	if (end && op->linked) {
		if (lock_short_acquire(&s->lock) != CKR_OK) {
			lock_own_release(&op->use);  /* and leak our reference rather than free */
			return;
		}
		if (op->linked && s->op[op->kind] == op)
			op_unlink_inlock(s, op->kind);   /* we still hold ours: never the last */
		lock_short_release(&s->lock);
	}
	/* let the next holder in before our reference goes: once it is gone, another
	 * thread's unlink may free the operation, its lock included */
	lock_own_release(&op->use);
	op_unref(op);
}

CK_RV op_finish(CK_SESSION_HANDLE h, enum op_kind kind)
{
	struct op *op = NULL;
	int had;
	CK_RV rv;
	struct op_slots *s = op_lock_session(h, &rv);

	if (s == NULL)
		return rv != CKR_OK ? rv : op_missing(h);
	had = s->op[kind] != NULL;
	if (had) {
		struct op *o = s->op[kind];
		if (op_unlink_inlock(s, kind))
			op = o;         /* nobody held it: free it, outside the lock */
	}
	lock_short_release(&s->lock);
	if (op != NULL)
		op_free(op);
	return had ? CKR_OK : op_missing(h);
}

struct op *op_spare(CK_SESSION_HANDLE h, enum op_kind kind, size_t size)
{
	struct op_slots *s;
	struct op *op = op_spare_mine;

	if (op == NULL)
		return NULL;
	op_spare_mine = NULL;
	s = op_slots_of != NULL && h != 0 ? op_slots_of(h) : NULL;
	if (s == NULL || op->kind != kind || op->mem_size != size) {
		free(op);       /* another kind's: the next one of that kind allocates */
		return NULL;
	}
	/* the common part zeroed; the kind's own as it was (its starter sets what it uses) */
	UTIL_ZERO(op, sizeof *op);
	op->slots = s;          /* op_start's hint: h's slots, unless h closes meanwhile */
	return op;
}

int op_keep(struct op *op, size_t size)
{
	if (op->slots == NULL || op_spare_mine != NULL)
		return 0;       /* never started, or the thread keeps one already */
	if (!op_spare_keyed) {
		/* once per thread: the key that frees it when the thread ends */
		if (!util_tkey_set(&op_spare_key, (void *)(uintptr_t)1))
			return 0;
		op_spare_keyed = 1;
	}
	op->mem_size = size;
	op_spare_mine = op;
	return 1;
}

int op_still_active(struct op *op)
{
	return op->linked;
}

void op_end(CK_SESSION_HANDLE h, enum op_kind kind)
{
	struct op *op = NULL;
	CK_RV rv;
	struct op_slots *s = op_lock_session(h, &rv);

	if (s == NULL)
		return;
	if (s->op[kind] != NULL) {
		struct op *o = s->op[kind];
		if (op_unlink_inlock(s, kind))
			op = o;         /* nobody held it: free it, outside the lock */
	}
	lock_short_release(&s->lock);
	if (op != NULL)
		op_free(op);
}

void op_end_all(CK_SESSION_HANDLE h)
{
	int k;

	for (k = 0; k < OP_KIND_MAX; k++)
		op_end(h, (enum op_kind)k);
}

/* The operation a function continues (not its Init, which starts one); a dual function
 * (PKCS #11 3.2, 5.17) continues two, the second in *kind2 (else OP_KIND_MAX). */
static int op_kind_of(enum sk_fn fn, enum op_kind *kind, enum op_kind *kind2)
{
	*kind2 = OP_KIND_MAX;
	switch (fn) {
	case SK_FN_C_DigestEncryptUpdate:
		*kind = OP_DIGEST;
		*kind2 = OP_ENCRYPT;
		return 1;
	case SK_FN_C_DecryptDigestUpdate:
		*kind = OP_DECRYPT;
		*kind2 = OP_DIGEST;
		return 1;
	case SK_FN_C_SignEncryptUpdate:
		*kind = OP_SIGN;
		*kind2 = OP_ENCRYPT;
		return 1;
	case SK_FN_C_DecryptVerifyUpdate:
		*kind = OP_DECRYPT;
		*kind2 = OP_VERIFY;
		return 1;
	case SK_FN_C_SignRecover:
		*kind = OP_SIGN_RECOVER;
		return 1;
	case SK_FN_C_VerifyRecover:
		*kind = OP_VERIFY_RECOVER;
		return 1;
	case SK_FN_C_Encrypt:
	case SK_FN_C_EncryptUpdate:
	case SK_FN_C_EncryptFinal:
		*kind = OP_ENCRYPT;
		return 1;
	case SK_FN_C_Decrypt:
	case SK_FN_C_DecryptUpdate:
	case SK_FN_C_DecryptFinal:
		*kind = OP_DECRYPT;
		return 1;
	case SK_FN_C_Digest:
	case SK_FN_C_DigestUpdate:
	case SK_FN_C_DigestFinal:
		*kind = OP_DIGEST;
		return 1;
	case SK_FN_C_Sign:
	case SK_FN_C_SignUpdate:
	case SK_FN_C_SignFinal:
		*kind = OP_SIGN;
		return 1;
	case SK_FN_C_Verify:
	case SK_FN_C_VerifyUpdate:
	case SK_FN_C_VerifyFinal:
		*kind = OP_VERIFY;
		return 1;
	default:
		return 0;
	}
}

/* The message-based process whose current message a function continues (a one-shot or
 * Begin call has none of its own: it leaves the one in progress alone). */
static int op_msg_kind_of(enum sk_fn fn, enum op_kind *kind)
{
	switch (fn) {
	case SK_FN_C_EncryptMessageNext:
		*kind = OP_MSG_ENCRYPT;
		return 1;
	case SK_FN_C_DecryptMessageNext:
		*kind = OP_MSG_DECRYPT;
		return 1;
	case SK_FN_C_SignMessageNext:
		*kind = OP_MSG_SIGN;
		return 1;
	case SK_FN_C_VerifyMessageNext:
		*kind = OP_MSG_VERIFY;
		return 1;
	default:
		return 0;
	}
}

CK_RV sk_bad_args(enum sk_fn fn, CK_SESSION_HANDLE h)
{
	enum op_kind kind, kind2;
	struct op *op;

	/* the call ends like any failed one: a NULL length pointer of C_Sign ends the
	 * signature as a wrong data length would (op.h); a dual function's ends both */
	if (op_kind_of(fn, &kind, &kind2)) {
		op_end(h, kind);
		if (kind2 != OP_KIND_MAX)
			op_end(h, kind2);
	}
	/* ... and a message call's error ends the message in progress, not the process
	 * (PKCS #11 3.2, C_EncryptMessageNext: "terminates the current message encryption
	 * operation") */
	if (op_msg_kind_of(fn, &kind) && op_acquire(h, kind, &op) == CKR_OK) {
		if (op->end_message != NULL)
			op->end_message(op);
		op_release(op, 0);
	}
	return CKR_ARGUMENTS_BAD;
}
