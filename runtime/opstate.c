/* SPDX-License-Identifier: BSD-2-Clause */
/* opstate.c — the operations active in each session; see opstate.h. */
#include "opstate.h"

#include <stdlib.h>

#include "lock.h"
#include "session.h"

struct op_entry {
	CK_SESSION_HANDLE h;
	struct op *op;
};

static void *op_lock;
static struct op_entry *ops;
static size_t nops, cap_ops;

CK_RV op_init(void)
{
	ops = NULL;
	nops = cap_ops = 0;
	return lock_create(&op_lock);
}

void op_fini(void)
{
	size_t i;

	for (i = 0; i < nops; i++)
		ops[i].op->destroy(ops[i].op);
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

/* Free the operations of sessions that no longer exist. */
static void op_prune_inlock(void)
{
	struct sess_info si;
	size_t i = 0;

	while (i < nops) {
		if (sess_lookup(ops[i].h, &si) != CKR_OK) {
			ops[i].op->destroy(ops[i].op);
			ops[i] = ops[--nops];
		} else {
			i++;
		}
	}
}

static struct op_entry *op_find_inlock(CK_SESSION_HANDLE h, enum op_kind kind)
{
	size_t i;

	for (i = 0; i < nops; i++)
		if (ops[i].h == h && ops[i].op->kind == kind)
			return &ops[i];
	return NULL;
}

CK_RV op_start(CK_SESSION_HANDLE h, struct op *op)
{
	CK_RV rv = lock_acquire(op_lock);

	if (rv != CKR_OK)
		return rv;
	op_prune_inlock();
	if (op_find_inlock(h, op->kind) != NULL) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	if (nops == cap_ops) {
		size_t ncap = cap_ops ? cap_ops * 2 : 16;
		struct op_entry *n = realloc(ops, ncap * sizeof *n);
		if (n == NULL) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		ops = n;
		cap_ops = ncap;
	}
	ops[nops].h = h;
	ops[nops].op = op;
	nops++;
out:
	lock_release(op_lock);
	return rv;
}

CK_RV op_get(CK_SESSION_HANDLE h, enum op_kind kind, struct op **out)
{
	struct op_entry *e;
	CK_RV rv = lock_acquire(op_lock);

	if (rv != CKR_OK)
		return rv;
	e = op_find_inlock(h, kind);
	if (e == NULL)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else
		*out = e->op;
	lock_release(op_lock);
	return rv;
}

void op_end(CK_SESSION_HANDLE h, enum op_kind kind)
{
	struct op_entry *e;
	struct op *op = NULL;

	if (lock_acquire(op_lock) != CKR_OK)
		return;
	e = op_find_inlock(h, kind);
	if (e != NULL) {
		op = e->op;
		*e = ops[--nops];
	}
	lock_release(op_lock);
	if (op != NULL)
		op->destroy(op);
}

void op_end_all(CK_SESSION_HANDLE h)
{
	int k;

	for (k = 0; k < OP_KIND_MAX; k++)
		op_end(h, (enum op_kind)k);
}
