/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opstate.h — the operations active in a session (a search, a signature, a decryption...).
 *
 * At most one operation of each kind per session. An operation is a struct that begins
 * with `struct op`; the layer that starts it allocates it and gives its destructor. The
 * table's lock guards only the table: an operation's own state is used without it, as the
 * standard leaves concurrent calls on one session to the application to serialise.
 * Operations of sessions that are gone are freed the next time the table is touched.
 */
#ifndef SCRIPTOKI_OPSTATE_H
#define SCRIPTOKI_OPSTATE_H

#include "cryptoki.h"

enum op_kind {
	OP_FIND,
	OP_ENCRYPT,
	OP_DECRYPT,
	OP_DIGEST,
	OP_SIGN,
	OP_VERIFY,
	OP_KIND_MAX
};

struct op {
	enum op_kind kind;
	void (*destroy)(struct op *op);   /* frees the whole operation, cleansing secrets */
};

CK_RV op_init(void);
void op_fini(void);
void op_forget_after_fork(void);

/* Start op in session h: CKR_OPERATION_ACTIVE when one of its kind is already active (op
 * is then not taken: the caller frees it). */
CK_RV op_start(CK_SESSION_HANDLE h, struct op *op);

/* The active operation of that kind, or CKR_OPERATION_NOT_INITIALIZED. */
CK_RV op_get(CK_SESSION_HANDLE h, enum op_kind kind, struct op **out);

/* End (and destroy) the active operation of that kind, if any. */
void op_end(CK_SESSION_HANDLE h, enum op_kind kind);

/* End every operation of the session (C_CloseSession, C_SessionCancel). */
void op_end_all(CK_SESSION_HANDLE h);

#endif
