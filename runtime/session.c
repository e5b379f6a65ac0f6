/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session.c — C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo,
 * C_SessionCancel, C_GetSessionValidationFlags, and the legacy C_GetFunctionStatus and
 * C_CancelFunction. The login
 * functions, which work on a session's token, are login.c's.
 *
 * The session table: a session's handle names its place in the table (its low bits),
 * so a lookup is one step, and it takes no lock and writes nothing: every call with a
 * session handle reads the table, and threads do so side by side without a cache line
 * going back and forth between them. Each session has memory of its own (struct
 * sess_entry, with its operations' slots, opstate.h), which is never freed before
 * C_Finalize: a closed session's is used again by a later one. A reader checks the
 * handle in it before and after copying what it needs; a handle is never given twice
 * (a counter that only grows), so a copy taken while the place changed hands is seen and
 * thrown away. Opening and closing sessions change the table with its lock held shared
 * (each thread with its own shard of the writers' state; see "The writers" below), the
 * rarer changes with it exclusive; it is never held during card I/O.
 * A session whose token was removed (its generation is old) is gone: readers skip it,
 * and the writers drop the removed token's sessions the first time they see its new
 * generation. Login state lives in the token (token.h) under the token's lock.
 *
 * The handle checks of the generated entry points (sk_dispatch.h) live here too: a call
 * with a session handle looks it up once, in sk_session, and keeps what it found in a
 * per-thread record until sk_session_end; sess_call and the functions below read the
 * record instead of the table. The record also carries the call's login requirement
 * (functions.yaml `login:`), checked in sess_enter once the token is locked.
 */
#include "session.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "log.h"
#include "opstate.h"
#include "sk_dispatch.h"
#include "slot.h"
#include "util.h"

struct session {
	CK_SESSION_HANDLE handle;
	CK_SLOT_ID slot;
	CK_FLAGS flags;
	struct token *tok;
	unsigned gen;
};

/* The session of the call this thread is in (sk_session .. sk_session_end). */
struct sess_this {
	int set;
	unsigned need;          /* SK_NEED_RW, SK_LOGIN_* */
	struct session s;
};

static _Thread_local struct sess_this sess_this_call UTIL_TLS_HOT;

/*
 * The memory of a session. What readers copy is atomic (they read it without a lock
 * while a writer may be giving the place to another session); the rest is the writers'.
 * One or more cache lines of its own, so that two threads' sessions share none.
 */
struct sess_entry {
	_Atomic CK_SESSION_HANDLE handle;        /* the session here now; 0: none */
	_Atomic CK_SLOT_ID slot;
	_Atomic CK_FLAGS flags;
	struct token *_Atomic tok;
	_Atomic unsigned gen;
	unsigned shard;                          /* the writers': the shard that counts it */
	unsigned tk;                             /* and its token's place in sess_tokt */
	struct op_slots ops;                     /* its operations (opstate.h) */
	struct sess_entry *next_free;            /* the writers' */
	struct sess_entry *next_all;
} __attribute__((aligned(64)));

/* The table: a power of two of places, at most about half of them taken, so that a new
 * handle finds a free place in a step or two; a place is handle & mask. Grown by doubling
 * (the handles taken keep distinct places); the old tables stay until C_Finalize, for
 * readers that may still look at one. */
struct sess_table {
	size_t mask;
	struct sess_table *older;
	struct sess_entry *_Atomic e[];
};

/*
 * The writers. Opening and closing a session are the common case, and they take the
 * table's lock (sess_lk, lock.h's read-mostly lock) shared: the threads that open and
 * close sessions side by side write no memory in common. Each thread has a shard of the
 * writers' state (threads beyond SESS_SHARDS share them, as they share lock.h's
 * counters; the shard's mutex is for them): a block of handles to give (taken from a
 * counter every SESS_BLOCK sessions), the free entries, and its counts of the live
 * sessions of each token it opened. A new session takes its place in the table with a
 * compare-and-swap; a closing one is taken away by the one caller that swaps its handle
 * to 0. Everything else holds the lock exclusive: growing the table, allocating an entry,
 * a token whose generation changed (its sessions leave), the family's session limits,
 * C_CloseAllSessions, the counts of C_GetTokenInfo, and every call when the application's
 * locks are in use (they have no shared mode).
 */
#define SESS_SHARDS LOCK_RW_READERS
#define SESS_TOKS 32                    /* a token per slot (slot.c), kept until C_Finalize */
#define SESS_BLOCK 64

struct sess_shard {
	pthread_mutex_t m;              /* with the lock shared; not needed exclusive */
	int made;
	CK_SESSION_HANDLE next, end;    /* its block of handles */
	struct sess_entry *free;
	_Atomic long taken;             /* the places its sessions take */
	/* the live sessions it counts, of token sess_tokt[k] at generation sess_tokgen[k]:
	 * read by other threads (all, at a close) without its mutex */
	_Atomic long all[SESS_TOKS] __attribute__((aligned(64)));
	_Atomic long rw[SESS_TOKS];
} __attribute__((aligned(64)));

static struct lock_rw sess_lk;
static int sess_lk_made;
static int sess_fast_ok;                /* OS locking: the shared paths may be taken */
static struct sess_shard *sess_sh;
static struct sess_table *_Atomic sess_tbl;
static struct sess_entry *sess_all;     /* every entry made (exclusive) */
/* the tokens the counts are of, and the generation they count; set exclusive */
static struct token *_Atomic sess_tokt[SESS_TOKS];
static _Atomic unsigned sess_tokgen[SESS_TOKS];
static _Atomic unsigned sess_ntoks;
static _Atomic CK_SESSION_HANDLE sess_next_block;

static CK_RV sess_get(CK_SESSION_HANDLE h, struct session *out);

/* Does session h still exist? The operation layer's question (opstate.h). */
static int sess_exists(CK_SESSION_HANDLE h)
{
	struct session s;

	return sess_get(h, &s) == CKR_OK;
}

/* The operation slots of session h, or of the session that had its place (opstate.h
 * checks them under their lock); NULL when h names no session now. */
static struct op_slots *sess_slots_of(CK_SESSION_HANDLE h)
{
	struct sess_table *tb = atomic_load_explicit(&sess_tbl, memory_order_acquire);
	struct sess_entry *e;

	if (tb == NULL || h == CK_INVALID_HANDLE)
		return NULL;
	e = atomic_load_explicit(&tb->e[h & tb->mask], memory_order_acquire);
	if (e == NULL || atomic_load_explicit(&e->handle, memory_order_acquire) != h)
		return NULL;
	LOCK_HG_TAKE_OVER(e);
	return &e->ops;
}

static void sess_forget(void)
{
	unsigned i;

	atomic_store(&sess_tbl, NULL);
	sess_all = NULL;
	sess_sh = NULL;
	for (i = 0; i < SESS_TOKS; i++) {
		atomic_store(&sess_tokt[i], NULL);
		atomic_store(&sess_tokgen[i], 0);
	}
	atomic_store(&sess_ntoks, 0);
	atomic_store(&sess_next_block, 1);
}

CK_RV sess_init(void)
{
	unsigned i;
	CK_RV rv;

	op_set_sessions(sess_slots_of, sess_exists);
	sess_forget();
	sess_fast_ok = !lock_uses_app_callbacks();
	sess_sh = aligned_alloc(64, SESS_SHARDS * sizeof *sess_sh);
	if (sess_sh == NULL)
		return CKR_HOST_MEMORY;
	memset(sess_sh, 0, SESS_SHARDS * sizeof *sess_sh);
	for (i = 0; sess_fast_ok && i < SESS_SHARDS; i++) {
		if (pthread_mutex_init(&sess_sh[i].m, NULL) != 0) {
			sess_fini();
			return CKR_CANT_LOCK;
		}
		sess_sh[i].made = 1;
	}
	/* the counts a close reads in other shards are atomic; helgrind knows none of it */
	LOCK_HG_UNCHECKED(sess_sh, SESS_SHARDS * sizeof *sess_sh);
	rv = lock_rw_create(&sess_lk);
	if (rv != CKR_OK) {
		sess_fini();
		return rv;
	}
	sess_lk_made = 1;
	return CKR_OK;
}

void sess_fini(void)
{
	struct sess_table *tb = atomic_load(&sess_tbl), *o;
	struct sess_entry *e, *n;
	unsigned i;

	/* no call is left (init.c); op_fini has ended the operations and their locks */
	for (e = sess_all; e != NULL; e = n) {
		n = e->next_all;
		free(e);
	}
	for (; tb != NULL; tb = o) {
		o = tb->older;
		free(tb);
	}
	for (i = 0; sess_sh != NULL && i < SESS_SHARDS; i++)
		if (sess_sh[i].made)
			pthread_mutex_destroy(&sess_sh[i].m);
	free(sess_sh);
	if (sess_lk_made)
		lock_rw_destroy(&sess_lk);
	sess_lk_made = 0;
	sess_forget();
}

void sess_forget_after_fork(void)
{
	/* the table and the shards were the parent's (their mutexes maybe held by its
	 * threads); the child starts with none */
	lock_rw_forget(&sess_lk);
	sess_lk_made = 0;
	sess_forget();
}

/* --- the readers ---------------------------------------------------------------------- */

/* A copy of live session h; 0 when there is none (closed, never opened, its token gone). */
static int sess_read(CK_SESSION_HANDLE h, struct session *out)
{
	struct sess_table *tb = atomic_load_explicit(&sess_tbl, memory_order_acquire);
	struct sess_entry *e;

	if (tb == NULL || h == CK_INVALID_HANDLE)
		return 0;
	e = atomic_load_explicit(&tb->e[h & tb->mask], memory_order_acquire);
	if (e == NULL || atomic_load_explicit(&e->handle, memory_order_acquire) != h)
		return 0;
	/* (what is copied is atomic and not checked by helgrind: no annotation needed) */
	out->slot = atomic_load_explicit(&e->slot, memory_order_acquire);
	out->flags = atomic_load_explicit(&e->flags, memory_order_acquire);
	out->tok = atomic_load_explicit(&e->tok, memory_order_acquire);
	out->gen = atomic_load_explicit(&e->gen, memory_order_acquire);
	/* still h after the copy: the place did not change hands while we read it (a writer
	 * that gives it to another session has cleared the handle before it stores the new
	 * values, each a release: a copy that saw any of them sees the handle changed here).
	 * Plain moves on x86, all of them */
	if (atomic_load_explicit(&e->handle, memory_order_relaxed) != h)
		return 0;
	out->handle = h;
	return out->gen == token_generation(out->tok);
}

/* A copy of the session; CKR_SESSION_HANDLE_INVALID when gone. */
static CK_RV sess_get(CK_SESSION_HANDLE h, struct session *out)
{
	return sess_read(h, out) ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

/* --- the writers' pieces, with sess_lk held either way ----------------------------------- */

/* This thread's shard. */
static struct sess_shard *sess_mine(void)
{
	return &sess_sh[lock_count_pick()];
}

/* The place of token t among the counted ones; -1 when not there yet. */
static int sess_tok_find(struct token *t)
{
	unsigned n = atomic_load_explicit(&sess_ntoks, memory_order_acquire), i;

	for (i = 0; i < n; i++)
		if (atomic_load_explicit(&sess_tokt[i], memory_order_relaxed) == t)
			return (int)i;
	return -1;
}

/* One writer at a time (the shard's mutex, or the lock exclusive), read by others: no
 * read-modify-write needed, only an atomic store. The new value. */
static long sess_add(_Atomic long *c, long d)
{
	long v = atomic_load_explicit(c, memory_order_relaxed) + d;

	atomic_store_explicit(c, v, memory_order_relaxed);
	return v;
}

/* d sessions of flags more in shard sh's counts of token k; how many it counts now. */
static long sess_count_add(struct sess_shard *sh, unsigned k, CK_FLAGS flags, long d)
{
	if (flags & CKF_RW_SESSION)
		sess_add(&sh->rw[k], d);
	return sess_add(&sh->all[k], d);
}

/* Count a session of flags in or out of shard sh (its mutex held, or the lock exclusive):
 * its place always, and when counted (of the generation its token's counts are of) the
 * session too, for token k; out says 1 when the shard counts none of k any more. */
static void sess_count_in(struct sess_shard *sh, unsigned k, CK_FLAGS flags, int counted)
{
	sess_add(&sh->taken, 1);
	if (counted)
		sess_count_add(sh, k, flags, 1);
}

static int sess_count_out(struct sess_shard *sh, unsigned k, CK_FLAGS flags, int counted)
{
	sess_add(&sh->taken, -1);
	return counted && sess_count_add(sh, k, flags, -1) == 0;
}

/* The places taken, over all shards (a moment's sum unless the lock is exclusive). */
static long sess_taken(void)
{
	long n = 0;
	unsigned i;

	for (i = 0; i < SESS_SHARDS; i++)
		n += atomic_load_explicit(&sess_sh[i].taken, memory_order_relaxed);
	return n;
}

/*
 * Put free entry e in a free place of table tb under a new handle of shard sh's block
 * (its handle stays 0: the caller fills e, then gives it its handle); the handle, or 0 when
 * none was found: with shared set (other writers beside us), also when the table should
 * grow first. Handles are never given twice; one whose place is taken is skipped.
 */
static CK_SESSION_HANDLE sess_place(struct sess_shard *sh, struct sess_table *tb,
				    struct sess_entry *e, int shared)
{
	size_t tries = shared ? 2 * SESS_BLOCK : 2 * (tb->mask + 1) + SESS_BLOCK;
	CK_SESSION_HANDLE h;

	while (tries-- > 0) {
		struct sess_entry *none = NULL;

		if (sh->next == sh->end) {
			/* a new block: a look at the table's fill, once per block */
			if (shared && 2 * (sess_taken() + SESS_BLOCK) > (long)(tb->mask + 1))
				return 0;
			sh->next = atomic_fetch_add_explicit(&sess_next_block, SESS_BLOCK,
							     memory_order_relaxed);
			sh->end = sh->next + SESS_BLOCK;
		}
		h = sh->next++;
		if (h != CK_INVALID_HANDLE &&
		    atomic_compare_exchange_strong_explicit(&tb->e[h & tb->mask], &none, e,
							    memory_order_acq_rel,
							    memory_order_relaxed))
			return h;
	}
	return 0;
}

/* Fill e, in its place already, as session s of handle h, counted by shard (index) sh
 * for token k, and let it be seen. */
static void sess_fill(struct sess_entry *e, CK_SESSION_HANDLE h, const struct session *s,
		      unsigned sh, unsigned k)
{
	e->shard = sh;
	e->tk = k;
	/* (its handle is 0 since it was freed, and each store is a release: see sess_read) */
	atomic_store_explicit(&e->slot, s->slot, memory_order_release);
	atomic_store_explicit(&e->flags, s->flags, memory_order_release);
	atomic_store_explicit(&e->tok, s->tok, memory_order_release);
	atomic_store_explicit(&e->gen, s->gen, memory_order_release);
	op_slots_open(&e->ops, h);      /* ends what the session before may have left */
	LOCK_HG_PUBLISH(e);
	atomic_store_explicit(&e->handle, h, memory_order_release);
}

/* Does any shard count a session of token k? The last close's question: a moment's look
 * (a session opened meanwhile is one opened a moment later); the logout checks again
 * with the lock exclusive. */
static int sess_any_of(unsigned k)
{
	unsigned i;

	for (i = 0; i < SESS_SHARDS; i++)
		if (atomic_load_explicit(&sess_sh[i].all[k], memory_order_relaxed) != 0)
			return 1;
	return 0;
}

/* --- the writers with sess_lk exclusive ----------------------------------------------- */

static CK_RV sess_excl(void)
{
	return sess_lk_made ? lock_rw_exclusive(&sess_lk) : CKR_CRYPTOKI_NOT_INITIALIZED;
}

/* Take e's session h out of the table; its place and e are free for another session. */
static void sess_unpublish_inlock(struct sess_entry *e, CK_SESSION_HANDLE h)
{
	struct sess_table *tb = atomic_load_explicit(&sess_tbl, memory_order_relaxed);
	struct sess_shard *mine = sess_mine();

	atomic_store_explicit(&e->handle, 0, memory_order_release);
	atomic_store_explicit(&tb->e[h & tb->mask], NULL, memory_order_release);
	e->next_free = mine->free;
	mine->free = e;
}

/* The place of token t in the counts, current: the first time the writers see t's
 * generation change, the sessions of the old one leave the table (their operations end).
 * -1: no room (more tokens than slots). */
static int sess_tok_inlock(struct token *t)
{
	struct sess_table *tb = atomic_load_explicit(&sess_tbl, memory_order_relaxed);
	unsigned gen = token_generation(t), n, j;
	int k = sess_tok_find(t);
	size_t i;

	if (k < 0) {
		n = atomic_load_explicit(&sess_ntoks, memory_order_relaxed);
		if (n == SESS_TOKS)
			return -1;
		/* (its counts are 0 in every shard: no place is ever given to another token) */
		atomic_store_explicit(&sess_tokt[n], t, memory_order_relaxed);
		atomic_store_explicit(&sess_tokgen[n], gen, memory_order_relaxed);
		atomic_store_explicit(&sess_ntoks, n + 1, memory_order_release);
		return (int)n;
	}
	if (atomic_load_explicit(&sess_tokgen[k], memory_order_relaxed) == gen)
		return k;
	/* the token was removed since: its sessions are gone; their memory is free again
	 * and what their operations hold is cleansed now */
	for (i = 0; tb != NULL && i <= tb->mask; i++) {
		struct sess_entry *e = atomic_load_explicit(&tb->e[i], memory_order_relaxed);
		CK_SESSION_HANDLE h;

		if (e == NULL || atomic_load_explicit(&e->tok, memory_order_relaxed) != t ||
		    atomic_load_explicit(&e->gen, memory_order_relaxed) == gen)
			continue;
		h = atomic_load_explicit(&e->handle, memory_order_relaxed);
		sess_add(&sess_sh[e->shard].taken, -1);     /* (its count: all reset below) */
		sess_unpublish_inlock(e, h);
		op_slots_close(&e->ops, h);
	}
	for (j = 0; j < SESS_SHARDS; j++) {
		atomic_store_explicit(&sess_sh[j].all[k], 0, memory_order_relaxed);
		atomic_store_explicit(&sess_sh[j].rw[k], 0, memory_order_relaxed);
	}
	atomic_store_explicit(&sess_tokgen[k], gen, memory_order_relaxed);
	/* those left are of generation gen (opened since): counted again */
	for (i = 0; tb != NULL && i <= tb->mask; i++) {
		struct sess_entry *e = atomic_load_explicit(&tb->e[i], memory_order_relaxed);

		if (e != NULL && atomic_load_explicit(&e->tok, memory_order_relaxed) == t)
			sess_count_add(&sess_sh[e->shard], (unsigned)k,
				       atomic_load_explicit(&e->flags, memory_order_relaxed), 1);
	}
	return k;
}

/* Token k's live sessions, over all shards. */
static void sess_sum_inlock(unsigned k, CK_ULONG *all, CK_ULONG *rw)
{
	unsigned i;

	*all = *rw = 0;
	for (i = 0; i < SESS_SHARDS; i++) {
		*all += (CK_ULONG)atomic_load_explicit(&sess_sh[i].all[k], memory_order_relaxed);
		*rw += (CK_ULONG)atomic_load_explicit(&sess_sh[i].rw[k], memory_order_relaxed);
	}
}

/* Room for one more session: the table grown when half full, a free entry in this
 * thread's shard. */
static CK_RV sess_reserve_inlock(void)
{
	struct sess_table *tb = atomic_load_explicit(&sess_tbl, memory_order_relaxed), *n;
	struct sess_shard *mine = sess_mine();
	struct sess_entry *e;
	size_t cap = tb != NULL ? tb->mask + 1 : 0, ncap, i;
	long need = sess_taken() + SESS_BLOCK;

	if (2 * need > (long)cap) {
		for (ncap = cap ? 2 * cap : 4 * SESS_BLOCK; 2 * need > (long)ncap; ncap *= 2)
			;
		n = malloc(sizeof *n + ncap * sizeof n->e[0]);
		if (n == NULL)
			return CKR_HOST_MEMORY;
		n->mask = ncap - 1;
		n->older = tb;
		for (i = 0; i < ncap; i++)
			atomic_init(&n->e[i], NULL);
		LOCK_HG_UNCHECKED(n->e, ncap * sizeof n->e[0]);   /* read without a lock */
		for (i = 0; i < cap; i++) {
			e = atomic_load_explicit(&tb->e[i], memory_order_relaxed);
			if (e != NULL)
				atomic_init(&n->e[atomic_load_explicit(&e->handle, memory_order_relaxed) &
						  n->mask], e);
		}
		atomic_store_explicit(&sess_tbl, n, memory_order_release);
	}
	if (mine->free == NULL) {
		e = aligned_alloc(64, (sizeof *e + 63) / 64 * 64);
		if (e == NULL)
			return CKR_HOST_MEMORY;
		memset(e, 0, sizeof *e);
		if (op_slots_init(&e->ops) != CKR_OK) {
			free(e);
			return CKR_CANT_LOCK;
		}
		atomic_init(&e->handle, 0);
		/* read by lock-free readers, checked by the handle around them (sess_read) */
		LOCK_HG_UNCHECKED(e, offsetof(struct sess_entry, ops));
		e->next_all = sess_all;
		sess_all = e;
		e->next_free = NULL;
		mine->free = e;
	}
	return CKR_OK;
}

/* The entry of session h in the table, live or not; NULL when none. */
static struct sess_entry *sess_entry_inlock(CK_SESSION_HANDLE h)
{
	struct sess_table *tb = atomic_load_explicit(&sess_tbl, memory_order_relaxed);
	struct sess_entry *e;

	if (tb == NULL || h == CK_INVALID_HANDLE)
		return NULL;
	e = atomic_load_explicit(&tb->e[h & tb->mask], memory_order_relaxed);
	return e != NULL && atomic_load_explicit(&e->handle, memory_order_relaxed) == h ? e : NULL;
}

void sess_count(struct token *t, CK_ULONG *all, CK_ULONG *rw)
{
	int k;

	*all = *rw = 0;
	if (sess_excl() != CKR_OK)
		return;
	k = sess_tok_inlock(t);
	if (k >= 0)
		sess_sum_inlock((unsigned)k, all, rw);
	lock_rw_release(&sess_lk);
}

void sess_count_moment(struct token *t, CK_ULONG *all, CK_ULONG *rw)
{
	int k;

	*all = *rw = 0;
	if (!sess_fast_ok || lock_rw_shared(&sess_lk) != CKR_OK) {
		sess_count(t, all, rw);
		return;
	}
	k = sess_tok_find(t);
	if (k >= 0 &&
	    atomic_load_explicit(&sess_tokgen[k], memory_order_relaxed) != token_generation(t)) {
		/* counts of the token before its removal: the exclusive path resets them */
		lock_rw_release(&sess_lk);
		sess_count(t, all, rw);
		return;
	}
	if (k >= 0)
		sess_sum_inlock((unsigned)k, all, rw);
	lock_rw_release(&sess_lk);
}

/* Session h of the running call: the record sk_session made, else (another handle, or
 * no generated entry point above) the table. */
static CK_RV sess_get_call(CK_SESSION_HANDLE h, struct session *out)
{
	const struct sess_this *c = &sess_this_call;

	if (c->set && c->s.handle == h) {
		*out = c->s;
		return CKR_OK;
	}
	return sess_get(h, out);
}

static void sess_info_of(const struct session *s, struct sess_info *out)
{
	out->slot = s->slot;
	out->flags = s->flags;
	out->tok = s->tok;
	out->gen = s->gen;
}

CK_RV sess_lookup(CK_SESSION_HANDLE h, struct sess_info *out)
{
	struct session s;
	CK_RV rv = sess_get(h, &s);

	if (rv == CKR_OK)
		sess_info_of(&s, out);
	return rv;
}

CK_RV sess_call(CK_SESSION_HANDLE h, struct sess_info *out)
{
	const struct sess_this *c = &sess_this_call;
	struct session s;
	CK_RV rv;

	/* the running call's record, field by field: a copy of the whole record through a
	 * local cost a failed store-to-load forwarding on every call */
	if (c->set && c->s.handle == h) {
		sess_info_of(&c->s, out);
		return CKR_OK;
	}
	rv = sess_get(h, &s);
	if (rv == CKR_OK)
		sess_info_of(&s, out);
	return rv;
}

CK_RV sk_session(CK_SESSION_HANDLE h, unsigned need)
{
	struct sess_this *c = &sess_this_call;  /* (once: a look-up in a shared library) */
	/* read into the record itself: a copy through a local would load 16 bytes at once
	 * from narrower stores just made (a store-forwarding stall); unused unless set */
	int ok = sess_read(h, &c->s);
	/* the session's kind is fixed when it opens: no token state is needed for this */
	int ro = ok && (need & SK_NEED_RW) && !(c->s.flags & CKF_RW_SESSION);

	c->set = ok && !ro;
	if (!c->set)
		return ro ? CKR_SESSION_READ_ONLY : CKR_SESSION_HANDLE_INVALID;
	c->need = need;
	return CKR_OK;
}

void sk_session_end(void)
{
	sess_this_call.set = 0;
}

CK_RV sk_slot(CK_SLOT_ID id)
{
	struct token *t;

	/* a slot the monitor has published is valid without the slot table's mutex, which
	 * every C_OpenSession would otherwise take */
	if (slot_fast_known(id))
		return CKR_OK;
	return slot_token(id, &t);
}

/* The login requirement of the running call on session s (its token locked). */
static CK_RV sess_check_login_inlock(const struct session *s)
{
	const struct sess_this *c = &sess_this_call;
	unsigned need = c->set && c->s.handle == s->handle ? c->need : 0;

	if (!(need & (SK_LOGIN_USER | SK_LOGIN_SO | SK_LOGIN_ANY)))
		return CKR_OK;
	if (!s->tok->logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	if ((need & SK_LOGIN_SO) && s->tok->user != CKU_SO)
		return CKR_USER_NOT_LOGGED_IN;
	if ((need & SK_LOGIN_USER) && s->tok->user != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

/* Log the token out when its last session went (the standard's rule), card I/O included. */
static void sess_logout_if_last(struct token *t)
{
	CK_ULONG all, rw;
	struct lb_card card;

	sess_count(t, &all, &rw);
	if (all != 0)
		return;
	if (token_enter(t) != CKR_OK)
		return;
	sess_count(t, &all, &rw);   /* a session may have been opened meanwhile */
	if (all == 0 && t->logged_in) {
		/* the card-wide logout stays: it is what makes this application's logout real
		 * on the card; other applications logged in verify their cached PIN again */
		token_card(t, &card);
		lb_logout(t->vm, &card);
		t->logged_in = 0;
		token_logged_out_inlock(t);
	}
	token_leave(t);
}

/* C_OpenSession with the table's lock shared, for a known token whose family sets no
 * limit: 1 with *ph set; 0 when the exclusive path must do it (the token's first session
 * or the first of a new generation, no free entry in the shard, the table to grow, the
 * application's locks). */
static int sess_open_shared(const struct session *s, CK_SESSION_HANDLE *ph)
{
	struct sess_table *tb;
	struct sess_entry *e = NULL;
	struct sess_shard *sh;
	CK_SESSION_HANDLE h = 0;
	unsigned mi;
	int k;

	if (!sess_fast_ok || lock_rw_shared(&sess_lk) != CKR_OK)
		return 0;
	k = sess_tok_find(s->tok);
	tb = atomic_load_explicit(&sess_tbl, memory_order_acquire);
	if (k < 0 || tb == NULL ||
	    atomic_load_explicit(&sess_tokgen[k], memory_order_relaxed) != s->gen)
		goto out;
	mi = lock_count_pick();
	sh = &sess_sh[mi];
	if (pthread_mutex_lock(&sh->m) != 0)
		goto out;
	e = sh->free;
	if (e != NULL && (h = sess_place(sh, tb, e, 1)) != 0) {
		sh->free = e->next_free;
		sess_count_in(sh, (unsigned)k, s->flags, 1);
	}
	pthread_mutex_unlock(&sh->m);
	if (h != 0)
		sess_fill(e, h, s, mi, (unsigned)k);
out:
	lock_rw_release(&sess_lk);
	if (h != 0)
		*ph = h;
	return h != 0;
}

CK_RV rt_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
		     CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
	struct token *t;
	struct session s;
	struct sess_shard *mine;
	struct sess_entry *e;
	struct token_fast f;
	CK_SESSION_HANDLE h;
	CK_ULONG max_all, max_rw, all, rw;
	unsigned mi;
	int k;
	CK_RV rv;

	/* CKR_SLOT_ID_INVALID came first: the entry point's sk_slot */
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	if (slot_fast_token(slotID, &t) && token_fast(t, &f) && !f.so) {
		/* a known token with nobody logged in as SO, as the monitor and the token's
		 * last lock holder left them: no lock but the session table's */
		s.gen = f.gen;
		max_all = f.max_sessions;
		max_rw = f.max_rw_sessions;
	} else {
		rv = slot_enter_token(slotID, 0, &t);   /* the login state must be current */
		if (rv != CKR_OK)
			return rv;
		if (t->logged_in && t->user == CKU_SO && !(flags & CKF_RW_SESSION))
			rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
		s.gen = token_generation(t);
		/* the family's limits (token_info's max_sessions, max_rw_sessions; 0: none) */
		max_all = t->info.max_sessions;
		max_rw = t->info.max_rw_sessions;
		token_leave(t);
		if (rv != CKR_OK)
			return rv;
	}

	s.slot = slotID;
	s.flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
	s.tok = t;
	if (max_all == CK_EFFECTIVELY_INFINITE && max_rw == CK_EFFECTIVELY_INFINITE &&
	    sess_open_shared(&s, phSession))
		return CKR_OK;
	rv = sess_excl();
	if (rv != CKR_OK)
		return rv;
	k = sess_tok_inlock(t);
	if (k < 0) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (max_all != CK_EFFECTIVELY_INFINITE || max_rw != CK_EFFECTIVELY_INFINITE) {
		sess_sum_inlock((unsigned)k, &all, &rw);
		if ((max_all != CK_EFFECTIVELY_INFINITE && all >= max_all) ||
		    (max_rw != CK_EFFECTIVELY_INFINITE && (flags & CKF_RW_SESSION) &&
		     rw >= max_rw)) {
			rv = CKR_SESSION_COUNT;
			goto out;
		}
	}
	rv = sess_reserve_inlock();
	if (rv != CKR_OK)
		goto out;
	mi = lock_count_pick();
	mine = &sess_sh[mi];
	e = mine->free;
	h = sess_place(mine, atomic_load_explicit(&sess_tbl, memory_order_relaxed), e, 0);
	if (h == 0) {
		rv = CKR_HOST_MEMORY;   /* (a table at most half full always has a place) */
		goto out;
	}
	mine->free = e->next_free;
	/* counted when of the generation the counts are of (else the token went meanwhile:
	 * the session is dead already, and the counts are of the new generation) */
	sess_count_in(mine, (unsigned)k, s.flags,
		      s.gen == atomic_load_explicit(&sess_tokgen[k], memory_order_relaxed));
	sess_fill(e, h, &s, mi, (unsigned)k);
	*phSession = h;
out:
	lock_rw_release(&sess_lk);
	return rv;
}

/* Take session e (handle h, a table entry) away (sess_lk exclusive); 1 when it was live
 * and the last of its token. */
static int sess_close_inlock(struct sess_entry *e, CK_SESSION_HANDLE h, int *live)
{
	struct token *t = atomic_load_explicit(&e->tok, memory_order_relaxed);
	unsigned gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
	int k = sess_tok_inlock(t);     /* (may drop e, if its token went) */
	CK_ULONG all, rw;

	*live = 0;
	if (atomic_load_explicit(&e->handle, memory_order_relaxed) != h)
		return 0;       /* dropped just now: its token was removed */
	*live = gen == token_generation(t);
	sess_count_out(&sess_sh[e->shard], e->tk,
		       atomic_load_explicit(&e->flags, memory_order_relaxed),
		       k >= 0 && gen == atomic_load_explicit(&sess_tokgen[k], memory_order_relaxed));
	sess_unpublish_inlock(e, h);
	if (!*live || k < 0)
		return 0;
	sess_sum_inlock((unsigned)k, &all, &rw);
	return all == 0;
}

/* C_CloseSession with the table's lock shared: 1 when done, with *rv its answer and, for
 * CKR_OK, the session's entry, token and place in the counts, and *zero when the shard
 * that counted it counts no other session of that token; 0 when the exclusive path must
 * do it (its token went since: that path drops its sessions; the application's locks). */
static int sess_close_shared(CK_SESSION_HANDLE h, CK_RV *rv, struct sess_entry **ep,
			     struct token **tp, unsigned *kp, int *zero)
{
	struct sess_table *tb;
	struct sess_entry *e = NULL;
	struct sess_shard *sh, *mine;
	CK_SESSION_HANDLE want = h;
	struct token *t;
	CK_FLAGS flags;
	unsigned k, gen;
	int done = 1;

	if (!sess_fast_ok || lock_rw_shared(&sess_lk) != CKR_OK)
		return 0;
	*rv = CKR_SESSION_HANDLE_INVALID;
	tb = atomic_load_explicit(&sess_tbl, memory_order_acquire);
	if (tb != NULL && h != CK_INVALID_HANDLE)
		e = atomic_load_explicit(&tb->e[h & tb->mask], memory_order_acquire);
	if (e == NULL || atomic_load_explicit(&e->handle, memory_order_acquire) != h)
		goto out;
	LOCK_HG_TAKE_OVER(e);
	/* (if another thread closes it meanwhile, what is read here may be of the session
	 * after it: the swap below then fails, and it is not used) */
	t = atomic_load_explicit(&e->tok, memory_order_relaxed);
	gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
	flags = atomic_load_explicit(&e->flags, memory_order_relaxed);
	k = e->tk;
	if (gen != token_generation(t) ||
	    atomic_load_explicit(&sess_tokgen[k], memory_order_relaxed) != gen) {
		done = 0;       /* its token went: the exclusive path drops its sessions */
		goto out;
	}
	/* the one caller that swaps the handle closes it; a second one finds none */
	if (!atomic_compare_exchange_strong_explicit(&e->handle, &want, 0, memory_order_acq_rel,
						     memory_order_relaxed))
		goto out;
	atomic_store_explicit(&tb->e[h & tb->mask], NULL, memory_order_release);
	/* counted out of the shard that counted it, and free in this thread's (mostly the
	 * same: one mutex, a default one, which cannot fail here) */
	mine = sess_mine();
	sh = &sess_sh[e->shard];
	(void)pthread_mutex_lock(&sh->m);
	*zero = sess_count_out(sh, k, flags, 1);
	if (sh != mine) {
		pthread_mutex_unlock(&sh->m);
		(void)pthread_mutex_lock(&mine->m);
	}
	e->next_free = mine->free;
	mine->free = e;
	pthread_mutex_unlock(&mine->m);
	*ep = e;
	*tp = t;
	*kp = k;
	*rv = CKR_OK;
out:
	lock_rw_release(&sess_lk);
	return done;
}

/* After a close left shard that counted it with no session of token t (place k): might
 * it have been the token's last? Only a login makes the last close do anything. */
static int sess_last_maybe(struct token *t, unsigned k)
{
	struct token_fast f;

	if (token_fast(t, &f) && !f.user && !f.so)
		return 0;
	return !sess_any_of(k);
}

CK_RV rt_CloseSession(CK_SESSION_HANDLE hSession)
{
	struct sess_entry *e = NULL;
	struct token *t = NULL;
	unsigned k = 0;
	int last = 0, live = 0, zero = 0;
	CK_RV rv;

	if (sess_close_shared(hSession, &rv, &e, &t, &k, &zero)) {
		if (rv != CKR_OK)
			return rv;
		last = zero && sess_last_maybe(t, k);
	} else {
		rv = sess_excl();
		if (rv != CKR_OK)
			return rv;
		e = sess_entry_inlock(hSession);
		if (e != NULL) {
			t = atomic_load_explicit(&e->tok, memory_order_relaxed);
			last = sess_close_inlock(e, hSession, &live);
		}
		lock_rw_release(&sess_lk);
		if (e == NULL || !live) {
			/* a session of a removed token is gone already: its operations end all
			 * the same */
			if (e != NULL)
				op_slots_close(&e->ops, hSession);
			return CKR_SESSION_HANDLE_INVALID;
		}
	}
	/* its operations may hold plaintext: free them now (unless a later session has the
	 * place already: then it ended them, op_slots_open) */
	op_slots_close(&e->ops, hSession);
	if (last)
		sess_logout_if_last(t);
	return CKR_OK;
}

CK_RV rt_CloseAllSessions(CK_SLOT_ID slotID)
{
	struct sess_table *tb;
	struct token *t;
	size_t i;
	int live;
	CK_RV rv = slot_token(slotID, &t);

	if (rv != CKR_OK)
		return rv;
	rv = sess_excl();
	if (rv != CKR_OK)
		return rv;
	sess_tok_inlock(t);
	tb = atomic_load_explicit(&sess_tbl, memory_order_relaxed);
	for (i = 0; tb != NULL && i <= tb->mask; i++) {
		struct sess_entry *e = atomic_load_explicit(&tb->e[i], memory_order_relaxed);
		CK_SESSION_HANDLE h;

		if (e == NULL || atomic_load_explicit(&e->tok, memory_order_relaxed) != t)
			continue;
		h = atomic_load_explicit(&e->handle, memory_order_relaxed);
		sess_close_inlock(e, h, &live);
		/* (under the table's lock: nobody can have the place yet) */
		op_slots_close(&e->ops, h);
	}
	lock_rw_release(&sess_lk);
	sess_logout_if_last(t);
	return CKR_OK;
}

/* Lock the token of session s (found by sess_get_call), and check the call's login
 * requirement against the login state the card has now (a reset by another
 * application, seen by token_enter, logs out); no_apdu: token_enter_no_apdu. */
static CK_RV sess_enter_session(CK_SESSION_HANDLE h, struct session *s, int no_apdu)
{
	CK_RV rv = sess_get_call(h, s);

	if (rv != CKR_OK)
		return rv;
	rv = no_apdu ? token_enter_no_apdu(s->tok) : token_enter(s->tok);
	if (rv != CKR_OK)
		return rv == CKR_DEVICE_REMOVED ? CKR_DEVICE_REMOVED : rv;
	if (token_generation(s->tok) != s->gen) {
		token_leave(s->tok);
		return CKR_SESSION_HANDLE_INVALID;
	}
	rv = sess_check_login_inlock(s);
	if (rv != CKR_OK)
		token_leave(s->tok);
	return rv;
}

CK_RV sess_enter(CK_SESSION_HANDLE h, struct sess_info *out)
{
	struct session s;
	CK_RV rv = sess_enter_session(h, &s, 0);

	if (rv == CKR_OK)
		sess_info_of(&s, out);
	return rv;
}

/* PKCS #11 3.2 section 5.6.1, the session states: from the session's read/write flag
 * and who is logged in on its token */
static CK_STATE sess_state_of(CK_FLAGS flags, int user, int so)
{
	int rw = (flags & CKF_RW_SESSION) != 0;

	if (so)
		return CKS_RW_SO_FUNCTIONS;
	if (user)
		return rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	return rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
}

static CK_STATE sess_state_inlock(const struct session *s)
{
	int so = s->tok->logged_in && s->tok->user == CKU_SO;

	return sess_state_of(s->flags, s->tok->logged_in && !so, so);
}

/*
 * The state without the token's lock (token_fast), when nothing another application does
 * can change it: nobody is logged in (a reset then changes nothing it shows), or the card
 * is ours alone (exclusive access: nobody else can reset it). A login with shared access
 * takes the lock and asks pcscd whether the card was reset (token_enter). 1 when *state
 * is the answer.
 */
static int sess_state_fast(const struct session *s, CK_STATE *state)
{
	struct token_fast f;

	if (!token_fast(s->tok, &f) || f.gen != s->gen || ((f.user || f.so) && !f.exclusive))
		return 0;
	*state = sess_state_of(s->flags, f.user, f.so);
	return 1;
}

/*
 * Logged in with shared access: the reset question asked on one of the token's probe
 * handles, without its lock, beside other threads' (token.h, token_probe_*). 1 when
 * *state is the answer; 0: ask with the lock, then token_probe_arm(*p) when *asked is
 * TOKEN_PROBE_ARM. *p, when set, is given back by the caller.
 */
static int sess_state_probed(const struct session *s, CK_STATE *state,
			     struct token_probe **p, int *asked)
{
	struct token_fast f;

	if (!token_fast(s->tok, &f) || f.gen != s->gen || f.exclusive)
		return 0;
	*p = token_probe_take(s->tok);
	if (*p == NULL)
		return 0;
	*asked = token_probe_ask(s->tok, *p, s->gen);
	/* the state as published after the answer: a login or logout meanwhile is as a
	 * call a moment earlier or later would see it */
	if (*asked != TOKEN_PROBE_OK || !token_fast(s->tok, &f) || f.gen != s->gen)
		return 0;
	*state = sess_state_of(s->flags, f.user, f.so);
	return 1;
}

CK_RV rt_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	struct session s;
	struct token_probe *p = NULL;
	int asked = TOKEN_PROBE_NO;
	CK_STATE state;
	CK_RV rv = sess_get_call(hSession, &s);

	if (rv != CKR_OK)
		return rv;
	if (!sess_state_fast(&s, &state) && !sess_state_probed(&s, &state, &p, &asked)) {
		rv = sess_enter_session(hSession, &s, 1);       /* (it sends nothing) */
		if (rv == CKR_OK) {
			state = sess_state_inlock(&s);
			token_leave(s.tok);
			/* the check that began after the probe handle's connection: what it
			 * saw covers the resets before, the handle's flag those after */
			if (p != NULL && asked == TOKEN_PROBE_ARM)
				token_probe_arm(p, s.gen);
		}
	}
	if (p != NULL)
		token_probe_give(p);
	if (rv != CKR_OK)
		return rv;
	memset(pInfo, 0, sizeof *pInfo);   /* ulDeviceError 0: no device error to report */
	pInfo->slotID = s.slot;
	pInfo->state = state;
	pInfo->flags = s.flags;
	return CKR_OK;
}

/*
 * C_SessionCancel's flags (PKCS #11 3.x, C_SessionCancel): the session-based operations it
 * may be asked to cancel, and the operation kinds of this module among them (a
 * message-based process ends whole). The others (key management) cannot be active here:
 * nothing to cancel.
 */
static const struct {
	CK_FLAGS flag;
	enum op_kind kind;
} sess_cancel_kinds[] = {
	{ CKF_ENCRYPT, OP_ENCRYPT }, { CKF_DECRYPT, OP_DECRYPT }, { CKF_DIGEST, OP_DIGEST },
	{ CKF_SIGN, OP_SIGN },       { CKF_VERIFY, OP_VERIFY },   { CKF_FIND_OBJECTS, OP_FIND },
	{ CKF_MESSAGE_ENCRYPT, OP_MSG_ENCRYPT }, { CKF_MESSAGE_DECRYPT, OP_MSG_DECRYPT },
	{ CKF_MESSAGE_SIGN, OP_MSG_SIGN },       { CKF_MESSAGE_VERIFY, OP_MSG_VERIFY },
	{ CKF_SIGN_RECOVER, OP_SIGN_RECOVER }, { CKF_VERIFY_RECOVER, OP_VERIFY_RECOVER },
};

#define SESS_CANCEL_FLAGS                                                                 \
	(CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_SIGN_RECOVER | CKF_VERIFY | \
	 CKF_VERIFY_RECOVER | CKF_GENERATE | CKF_GENERATE_KEY_PAIR | CKF_WRAP | CKF_UNWRAP |  \
	 CKF_DERIVE | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MESSAGE_SIGN |          \
	 CKF_MESSAGE_VERIFY | CKF_FIND_OBJECTS | CKF_ENCAPSULATE | CKF_DECAPSULATE)

CK_RV rt_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	size_t i;

	if (flags & ~(CK_FLAGS)SESS_CANCEL_FLAGS)
		return CKR_ARGUMENTS_BAD;       /* a bit that names no operation */
	/* an operation another thread is inside of ends too: that call finishes with what
	 * it holds (opstate.h) and a private-key one does not reach the card */
	for (i = 0; i < sizeof sess_cancel_kinds / sizeof sess_cancel_kinds[0]; i++)
		if (flags & sess_cancel_kinds[i].flag)
			op_end(hSession, sess_cancel_kinds[i].kind);
	return CKR_OK;
}

/* The legacy parallel functions (PKCS #11 3.2, parallel function management): no function
 * of this module runs in parallel with the application, so there is never one to ask
 * about or to cancel. */
static CK_RV sess_not_parallel(CK_SESSION_HANDLE hSession)
{
	(void)hSession;         /* an invalid one was said first (sk_session) */
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV rt_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
	return sess_not_parallel(hSession);
}

CK_RV rt_CancelFunction(CK_SESSION_HANDLE hSession)
{
	return sess_not_parallel(hSession);
}

/*
 * C_GetSessionValidationFlags (PKCS #11 3.2, 5.6): the validation flags (those of the
 * token's CKO_VALIDATION objects) that the session's last operation met. This module has
 * no validation object and none of its algorithms is validated by an authority, so no
 * operation meets one: every type of flags asked for is 0 (CKS_LAST_VALIDATION_OK is the
 * one type 3.2 defines; the function's list has no code for a type it does not know).
 */
CK_RV rt_GetSessionValidationFlags(CK_SESSION_HANDLE hSession,
				   CK_SESSION_VALIDATION_FLAGS_TYPE type, CK_FLAGS_PTR pFlags)
{
	(void)hSession;         /* checked by the entry point (sk_session) */
	(void)type;
	*pFlags = 0;
	return CKR_OK;
}
