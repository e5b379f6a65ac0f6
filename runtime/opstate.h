/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opstate.h — the operations active in a session (a search, a signature, a decryption...).
 *
 * At most one operation of each kind per session. An operation is a struct that begins
 * with `struct op`; the layer that starts it allocates it and gives its destructor.
 *
 * Lifetime (DESIGN.md, "No crash from an application's race"): an operation is reference
 * counted. Its session's slots hold one reference while the operation is active; every caller that
 * works with it holds one more, taken by op_acquire and given back by op_release. Ending
 * an operation (its last call, an error, C_SessionCancel, C_CloseSession,
 * C_CloseAllSessions, a removed token) only takes it out of the slots: the memory goes
 * when the last holder leaves, never under a caller's feet.
 *
 * Busy state: op_acquire also gives the caller the operation to itself (its own lock).
 * The standard leaves concurrent calls on one session to the application to serialise; an
 * application that does not gets them serialised here instead of a data race. A caller
 * that waited for an operation which ended meanwhile gets CKR_OPERATION_NOT_INITIALIZED,
 * as if the two calls had come one after the other.
 */
#ifndef SCRIPTOKI_OPSTATE_H
#define SCRIPTOKI_OPSTATE_H

#include <stddef.h>

#include "cryptoki.h"
#include "lock.h"

enum op_kind {
	OP_FIND,
	OP_ENCRYPT,
	OP_DECRYPT,
	OP_DIGEST,
	OP_SIGN,
	OP_VERIFY,
	OP_SIGN_RECOVER,        /* C_SignRecoverInit ... (op_recover.c) */
	OP_VERIFY_RECOVER,
	/* the message-based processes of 3.0 (op_msg.c): each excludes its classic twin
	 * (OP_MSG_ENCRYPT and OP_ENCRYPT ...), see op_busy */
	OP_MSG_ENCRYPT,
	OP_MSG_DECRYPT,
	OP_MSG_SIGN,
	OP_MSG_VERIFY,
	OP_KIND_MAX
};

struct op {
	enum op_kind kind;
	void (*destroy)(struct op *op);   /* frees the whole operation, cleansing secrets */
	/* opstate's own (set by op_start; the starter leaves them alone) */
	CK_SESSION_HANDLE session;
	struct op_slots *slots;           /* its session's slots (they outlive the session) */
	/* its holders: the slots' one while active, and one per caller (taken under
	 * slots->lock, so that an unlink cannot free it in between; given back without) */
	_Atomic unsigned refs;
	/* active: in its session's slots (written under slots->lock; read without it by the
	 * caller that holds the operation's own lock, op_acquire) */
	_Atomic int linked;
	struct lock_own use;              /* held by the one caller working with it */
	int no_use;                       /* set by its starter: no use lock (op_lock_kind) */
	/* a message-based process: ends the message in progress, if any, and keeps the
	 * process (a bad argument of a message call, sk_bad_args); NULL for the others */
	void (*end_message)(struct op *op);
	/* a verification started by C_VerifySignatureInit (PKCS #11 3.2, 5.15): the signature
	 * it was given (a copy, freed with the operation); such an operation answers only
	 * C_VerifySignature / C_VerifySignatureUpdate / C_VerifySignatureFinal, the classic
	 * C_Verify* calls only the others (CKR_OPERATION_NOT_INITIALIZED) */
	int sig_given;
	unsigned char *given_sig;
	size_t given_sig_len;
	size_t mem_size;                  /* op_keep's */
};

/*
 * Where the operations are: every session has its own slots, one per kind, with their own
 * lock, kept in the session layer's memory for the session (which is never freed before
 * C_Finalize, and is used again by later sessions). Calls on different sessions share
 * no lock and write no common memory here. The lock guards open, op[] and the refs and
 * linked of the operations in op[].
 */
struct op_slots {
	struct lock_short lock;          /* short: a few pointer moves (lock.h) */
	CK_SESSION_HANDLE open;           /* the session that has these slots now; 0: none */
	struct op *op[OP_KIND_MAX];
	int active;                       /* how many of op[] are set */
	struct op_slots *all_next;        /* every set made (op_fini) */
};

CK_RV op_init(void);
/*
 * How opstate finds a session's slots: the session layer hands it two functions once
 * (sess_init; layers call down only). slots_of gives the slots that session h has, or
 * may have had (they are checked under their lock: open == h), or NULL when h names no
 * session; exists says whether h is still a live session (not closed, its token not
 * removed).
 */
void op_set_sessions(struct op_slots *(*slots_of)(CK_SESSION_HANDLE h),
		     int (*exists)(CK_SESSION_HANDLE h));
/* Made once for memory that holds a session (the session layer's, its table lock held:
 * one caller at a time); op_fini destroys them all. */
CK_RV op_slots_init(struct op_slots *s);
/* The session h has these slots from now on: what an earlier session left in them ends. */
void op_slots_open(struct op_slots *s, CK_SESSION_HANDLE h);
/* Session h closed: when s is still h's, every operation in it ends (a holder keeps its
 * reference and frees it when it leaves), and s belongs to nobody. */
void op_slots_close(struct op_slots *s, CK_SESSION_HANDLE h);
/* C_Finalize, once no call is left in the module: frees every operation and the slots'
 * locks (not their memory: the session layer's). */
void op_fini(void);
void op_forget_after_fork(void);

/* Start op in session h: CKR_OPERATION_ACTIVE when one of its kind is already active (op
 * is then not taken: the caller frees it with op->destroy). op's struct op is zeroed but
 * for kind, destroy and no_use (allocated so, or from op_spare, whose slots it trusts). */
CK_RV op_start(CK_SESSION_HANDLE h, struct op *op);

/* CKR_OPERATION_ACTIVE when an operation of that kind or its twin (the message-based
 * process of the same function: OP_SIGN and OP_MSG_SIGN ...) is active in h, else CKR_OK.
 * op_start refuses a kind whose twin is active too. */
CK_RV op_busy(CK_SESSION_HANDLE h, enum op_kind kind);

/* CKR_OK when an operation of that kind is active in h, else CKR_OPERATION_NOT_INITIALIZED. */
CK_RV op_active(CK_SESSION_HANDLE h, enum op_kind kind);

/* The active operation of that kind, held by the caller alone until op_release (waits
 * while another caller holds it), or CKR_OPERATION_NOT_INITIALIZED. */
CK_RV op_acquire(CK_SESSION_HANDLE h, enum op_kind kind, struct op **out);

/* Give back an operation from op_acquire; end != 0 also ends it (if nothing else did). */
void op_release(struct op *op, int end);

/*
 * The active operation of that kind with its session's slots locked, for a call that
 * works with it briefly and never waits while it does (a search's C_FindObjects: a copy
 * of handles): no reference and no lock of the operation's own, since nothing can end or
 * free it while the slots are locked; NULL when none, *rv saying why (as op_acquire).
 * op_unlock gives the slots back. An operation used only so is started with no_use set
 * (no lock of its own is made; op_acquire on it answers CKR_CANT_LOCK).
 */
struct op *op_lock_kind(CK_SESSION_HANDLE h, enum op_kind kind, CK_RV *rv);
void op_unlock(struct op *op);

/*
 * op_acquire for a call that will end the operation (a single-part C_Digest): when nobody
 * else refers to it (no caller inside it or waiting for it) and ends(op, arg) says this
 * call ends it (called under the slots' lock, with no other holder: it reads the
 * operation, never waits or writes), the
 * operation leaves the session's slots at once and the caller has it alone, *taken = 1:
 * no lock of its own, no second trip to the slots; the caller frees it with op_drop
 * (its reference is the only one: no atomic). Otherwise as op_acquire (*taken = 0;
 * op_release).
 */
CK_RV op_acquire_ending(CK_SESSION_HANDLE h, enum op_kind kind,
			int (*ends)(const struct op *op, void *arg), void *arg,
			struct op **out, int *taken);
void op_drop(struct op *op);

/*
 * An operation's memory used again: a thread keeps the memory of one ended operation
 * (its destructor gives it with op_keep instead of freeing it: 1 when kept, else the
 * caller frees it), and op_spare hands it out to the thread's next operation of that
 * kind and size, in any session, its struct op zeroed but for the slots of session h (a
 * hint for op_start), the rest as it was (NULL: none; the caller allocates, zeroed).
 * Memory only: the destructor has freed what the operation held before. The thread's
 * own memory: no atomic, no lock; freed when the thread ends (and the calling thread's
 * by C_Finalize).
 */
struct op *op_spare(CK_SESSION_HANDLE h, enum op_kind kind, size_t size);
int op_keep(struct op *op, size_t size);

/* End the active operation of that kind (a call that only ends it: C_FindObjectsFinal),
 * without waiting for a caller inside it (that one finishes with what it holds):
 * CKR_OK, or op_acquire's CKR_OPERATION_NOT_INITIALIZED / CKR_SESSION_CLOSED when none. */
CK_RV op_finish(CK_SESSION_HANDLE h, enum op_kind kind);

/* 1 while op (held by the caller) is still the session's active operation: 0 once it was
 * ended by someone else (C_SessionCancel, the session closed) while the caller worked. */
int op_still_active(struct op *op);

/*
 * A reference to the active operation without taking it over (*out stays valid until
 * op_unref), for a call that only touches what the operation shares atomically (the
 * context-specific login of op.h). Never waits. CKR_OPERATION_NOT_INITIALIZED when none.
 */
CK_RV op_ref(CK_SESSION_HANDLE h, enum op_kind kind, struct op **out);
void op_unref(struct op *op);

/* End the active operation of that kind, if any (a holder keeps its reference). */
void op_end(CK_SESSION_HANDLE h, enum op_kind kind);

/* End every operation of the session (only while it is open; closing does it too). */
void op_end_all(CK_SESSION_HANDLE h);

#endif
