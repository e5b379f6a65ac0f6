/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opstate.c — the operations active in each session; see opstate.h.
 *
 * Locks: op_lock guards the table and every operation's refs and linked; it is held only
 * for those, never during card I/O or while waiting for an operation's own lock (op->use).
 * Order: op->use, then op_lock, then the session table's lock (the prune asks whether a
 * session still exists, through the check the session layer set: opstate does not use
 * the session layer, which uses it). Nothing here is called with the session table's
 * lock held.
 */
#include "opstate.h"

#include <stdlib.h>

#include "lock.h"
#include "sk_dispatch.h"

static void *op_lock;
static int (*op_session_exists)(CK_SESSION_HANDLE h);
static struct op **ops;          /* the active operations */
static size_t nops, cap_ops;

CK_RV op_init(void)
{
	ops = NULL;
	nops = cap_ops = 0;
	return lock_create(&op_lock);
}

/* The memory of an operation nobody refers to any more. */
static void op_free(struct op *op)
{
	/* nobody holds it any more: its lock goes first, with the memory that holds it */
	lock_own_destroy(&op->use);
	free(op->given_sig);
	op->destroy(op);
}

void op_fini(void)
{
	size_t i;

	/* no call is left in the module (init.c waited for them): no holder either */
	for (i = 0; i < nops; i++)
		op_free(ops[i]);
	free(ops);
	ops = NULL;
	nops = cap_ops = 0;
	lock_destroy(op_lock);
	op_lock = NULL;
}

void op_forget_after_fork(void)
{
	/* the parent's operations may hold the parent's objects: leave them alone */
	ops = NULL;
	nops = cap_ops = 0;
	op_lock = NULL;
}

/* Take the table's reference away from ops[i] (op_lock held); 1 when nobody is left. */
static int op_unlink_inlock(size_t i)
{
	struct op *op = ops[i];

	ops[i] = ops[--nops];
	op->linked = 0;
	return --op->refs == 0;
}

static long op_index_inlock(const struct op *op)
{
	size_t i;

	for (i = 0; i < nops; i++)
		if (ops[i] == op)
			return (long)i;
	return -1;
}

void op_set_session_check(int (*exists)(CK_SESSION_HANDLE h))
{
	op_session_exists = exists;
}

/* Unlink the operations of sessions that no longer exist; free those nobody holds. */
static void op_prune_inlock(void)
{
	size_t i = 0;

	if (op_session_exists == NULL)
		return;
	while (i < nops) {
		if (!op_session_exists(ops[i]->session)) {
			struct op *op = ops[i];
			if (op_unlink_inlock(i))
				op_free(op);
		} else {
			i++;
		}
	}
}

static struct op *op_find_inlock(CK_SESSION_HANDLE h, enum op_kind kind)
{
	size_t i;

	for (i = 0; i < nops; i++)
		if (ops[i]->session == h && ops[i]->kind == kind)
			return ops[i];
	return NULL;
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

CK_RV op_busy(CK_SESSION_HANDLE h, enum op_kind kind)
{
	enum op_kind twin = op_twin(kind);
	int busy;
	CK_RV rv = lock_acquire(op_lock);

	if (rv != CKR_OK)
		return rv;
	busy = op_find_inlock(h, kind) != NULL ||
	       (twin != OP_KIND_MAX && op_find_inlock(h, twin) != NULL);
	lock_release(op_lock);
	return busy ? CKR_OPERATION_ACTIVE : CKR_OK;
}

CK_RV op_start(CK_SESSION_HANDLE h, struct op *op)
{
	enum op_kind twin = op_twin(op->kind);

	CK_RV rv = lock_own_create(&op->use);

	if (rv != CKR_OK)
		return rv;
	op->session = h;
	op->refs = 1;           /* the table's */
	op->linked = 1;
	rv = lock_acquire(op_lock);
	if (rv != CKR_OK)
		goto fail;
	op_prune_inlock();
	if (op_find_inlock(h, op->kind) != NULL ||
	    (twin != OP_KIND_MAX && op_find_inlock(h, twin) != NULL)) {
		rv = CKR_OPERATION_ACTIVE;
		lock_release(op_lock);
		goto fail;
	}
	if (nops == cap_ops) {
		size_t ncap = cap_ops ? cap_ops * 2 : 16;
		struct op **n = realloc(ops, ncap * sizeof *n);
		if (n == NULL) {
			rv = CKR_HOST_MEMORY;
			lock_release(op_lock);
			goto fail;
		}
		ops = n;
		cap_ops = ncap;
	}
	ops[nops++] = op;
	lock_release(op_lock);
	return CKR_OK;
fail:
	lock_own_destroy(&op->use);
	op->linked = 0;
	op->refs = 0;
	return rv;
}

/* No such operation of session h: the session was closed meanwhile (another thread's
 * C_CloseSession after this call's handle check: CKR_SESSION_CLOSED, PKCS #11 3.2 section
 * 5.1.2), or it never had one. Called without op_lock. */
static CK_RV op_missing(CK_SESSION_HANDLE h)
{
	if (op_session_exists != NULL && !op_session_exists(h))
		return CKR_SESSION_CLOSED;
	return CKR_OPERATION_NOT_INITIALIZED;
}

CK_RV op_active(CK_SESSION_HANDLE h, enum op_kind kind)
{
	CK_RV rv = lock_acquire(op_lock);

	if (rv != CKR_OK)
		return rv;
	rv = op_find_inlock(h, kind) != NULL ? CKR_OK : CKR_OPERATION_NOT_INITIALIZED;
	lock_release(op_lock);
	return rv == CKR_OPERATION_NOT_INITIALIZED ? op_missing(h) : rv;
}

CK_RV op_ref(CK_SESSION_HANDLE h, enum op_kind kind, struct op **out)
{
	struct op *op;
	CK_RV rv = lock_acquire(op_lock);

	if (rv != CKR_OK)
		return rv;
	op = op_find_inlock(h, kind);
	if (op != NULL) {
		op->refs++;
		*out = op;
	}
	lock_release(op_lock);
	return op != NULL ? CKR_OK : op_missing(h);
}

void op_unref(struct op *op)
{
	int last;

	if (lock_acquire(op_lock) != CKR_OK)
		return;         /* leaks rather than frees what another caller may hold */
	last = --op->refs == 0;
	lock_release(op_lock);
	if (last)
		op_free(op);
}

CK_RV op_acquire(CK_SESSION_HANDLE h, enum op_kind kind, struct op **out)
{
	struct op *op;
	int linked;
	CK_RV rv = op_ref(h, kind, &op);

	if (rv != CKR_OK)
		return rv;
	/* the operation's own lock, taken without op_lock: a caller on the same session may
	 * be in the middle of it (card I/O); we go on after it */
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

void op_release(struct op *op, int end)
{
	long i;
	int last = 0;

	if (lock_acquire(op_lock) != CKR_OK) {
		lock_own_release(&op->use);  /* and leak our reference rather than free under others */
		return;
	}
	if (end && op->linked && (i = op_index_inlock(op)) >= 0)
		op_unlink_inlock((size_t)i);   /* we still hold ours: never the last */
	/* let the next holder in before our reference goes: once it is gone, another
	 * thread's unlink may free the operation, its lock included */
	lock_own_release(&op->use);
	last = --op->refs == 0;
	lock_release(op_lock);
	if (last)
		op_free(op);
}

int op_still_active(struct op *op)
{
	return op->linked;
}

void op_end(CK_SESSION_HANDLE h, enum op_kind kind)
{
	struct op *op = NULL;
	size_t i;

	if (lock_acquire(op_lock) != CKR_OK)
		return;
	for (i = 0; i < nops; i++)
		if (ops[i]->session == h && ops[i]->kind == kind) {
			struct op *o = ops[i];
			if (op_unlink_inlock(i))
				op = o;         /* nobody held it: free it, outside the lock */
			break;
		}
	lock_release(op_lock);
	if (op != NULL)
		op_free(op);
}

void op_end_all(CK_SESSION_HANDLE h)
{
	int k;

	for (k = 0; k < OP_KIND_MAX; k++)
		op_end(h, (enum op_kind)k);
}

void op_prune(void)
{
	if (lock_acquire(op_lock) != CKR_OK)
		return;
	op_prune_inlock();
	lock_release(op_lock);
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
