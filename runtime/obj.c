/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * obj.c — objects (obj.h): the table of token and session objects, the token-object cache,
 * handles, visibility, and the PKCS#11 object functions C_CreateObject, C_CopyObject,
 * C_DestroyObject, C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue and
 * C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal. Key-pair generation is in
 * obj_keygen.c, the template rules in obj_tmpl.c.
 *
 * Locks: the table has its own lock, held only while the table is read or changed. A call
 * that needs the token (its login state, its card) takes the token's lock first; the
 * table's lock may be taken inside it, never the other way round. Card I/O happens with the
 * token's lock only, and the table changes after the token succeeded.
 *
 * Token objects: read through the token's script (lb_objects) once per connection for the
 * public ones and once per login for the private ones; the token's objs_valid and
 * objs_private_valid say what is cached (token.c clears them when the card is dropped,
 * reset, or its information is read again). A token object lives until the card goes (its
 * generation changes), it is destroyed, or the login that showed it ends.
 * Session objects: host memory, owned by the session that made them, visible to every
 * session of the application on the same token, gone when their session is; private ones
 * only while the user is logged in. Handles count up from 1 and are never reused while the
 * library is loaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "log.h"
#include "obj_int.h"
#include "mech.h"
#include "opstate.h"
#include "session.h"
#include "sk_dispatch.h"
#include "util.h"

struct obj {
	CK_OBJECT_HANDLE handle;
	struct token *tok;
	unsigned gen;                   /* the token generation it belongs to */
	CK_SESSION_HANDLE owner;        /* session objects: the session; token objects: 0 */
	int priv;                       /* CKA_PRIVATE */
	size_t idx;                     /* its place in objs[] */
	char ref[LB_REF_MAX];           /* token objects: the script's reference */
	int lazy;                       /* token objects: attrs lack what object_attrs gives */
	size_t nattrs;
	struct lb_attr *attrs;
};

/*
 * The table: objs[] holds every object once (a find walks it: O(n) for n objects), and
 * an open-addressing index by handle (linear probing, at most half full) finds one object
 * in O(1). Objects whose token generation or session has gone are invisible at once (the
 * checks of obj_visible) and swept out when the table grows past twice what the last
 * sweep left, or when their token's cache is read again: no pass over all objects per
 * call.
 *
 * Lock: read-mostly. The cached calls (C_GetAttributeValue, C_GetObjectSize, C_FindObjects*,
 * obj_view) take it shared, so threads read in parallel; changes take it exclusive. With
 * the application's mutex callbacks (no OS locking allowed) it is one of its mutexes.
 */
static struct lock_rw obj_lock;
static struct obj **objs;
static size_t nobjs, cap_objs;
static struct obj **obj_index;          /* by handle; NULL: a free place */
static size_t index_cap;                /* a power of two, or 0 */
static size_t nobjs_swept;              /* nobjs after the last sweep */
static CK_OBJECT_HANDLE next_handle = 1;        /* never reset: handles are not reused */

CK_RV obj_init(void)
{
	objs = NULL;
	nobjs = cap_objs = 0;
	obj_index = NULL;
	index_cap = 0;
	nobjs_swept = 0;
	return lock_rw_create(&obj_lock);
}

static void obj_free(struct obj *o)
{
	if (o == NULL)
		return;
	lb_attrs_free(o->attrs, o->nattrs);
	free(o);
}

void obj_fini(void)
{
	size_t i;

	for (i = 0; i < nobjs; i++)
		obj_free(objs[i]);
	free(objs);
	free(obj_index);
	objs = NULL;
	obj_index = NULL;
	nobjs = cap_objs = index_cap = nobjs_swept = 0;
	lock_rw_destroy(&obj_lock);
}

void obj_forget_after_fork(void)
{
	/* the parent's table; the child starts with none (the memory is left as it is) */
	objs = NULL;
	obj_index = NULL;
	nobjs = cap_objs = index_cap = nobjs_swept = 0;
	lock_rw_forget(&obj_lock);
}

static CK_RV obj_table_read(void)
{
	return lock_rw_shared(&obj_lock);
}

/* Exclusive: the table changes. */
static CK_RV obj_table_enter(void)
{
	return lock_rw_exclusive(&obj_lock);
}

static void obj_table_leave(void)
{
	lock_rw_release(&obj_lock);
}

/* --- the table (its lock held; exclusive where it changes) ----------------------------- */

static size_t obj_slot_of(CK_OBJECT_HANDLE h)
{
	/* Fibonacci hashing: consecutive handles spread over the index */
	return (size_t)(((uint64_t)h * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (index_cap - 1);
}

static void obj_index_put(struct obj *o)
{
	size_t i = obj_slot_of(o->handle);

	while (obj_index[i] != NULL)
		i = (i + 1) & (index_cap - 1);
	obj_index[i] = o;
}

/* Take o's handle out of the index: backward-shift deletion keeps every probe chain whole. */
static void obj_index_del(const struct obj *o)
{
	size_t i = obj_slot_of(o->handle), j, home;

	while (obj_index[i] != o)
		i = (i + 1) & (index_cap - 1);
	j = i;
	for (;;) {
		obj_index[i] = NULL;
		for (;;) {
			j = (j + 1) & (index_cap - 1);
			if (obj_index[j] == NULL)
				return;
			home = obj_slot_of(obj_index[j]->handle);
			/* j's entry may move to i when its home is not cyclically in (i, j] */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		obj_index[i] = obj_index[j];
		i = j;
	}
}

static struct obj *obj_find_inlock(CK_OBJECT_HANDLE h, size_t *idx)
{
	size_t i;

	if (h == CK_INVALID_HANDLE || index_cap == 0)
		return NULL;
	for (i = obj_slot_of(h); obj_index[i] != NULL; i = (i + 1) & (index_cap - 1))
		if (obj_index[i]->handle == h) {
			if (idx != NULL)
				*idx = obj_index[i]->idx;
			return obj_index[i];
		}
	return NULL;
}

static void obj_remove_inlock(size_t i)
{
	struct obj *o = objs[i];

	obj_index_del(o);
	objs[i] = objs[--nobjs];
	objs[i]->idx = i;
	obj_free(o);
	if (nobjs_swept > nobjs)
		nobjs_swept = nobjs;
}

/* 1 when o can never be seen again: its token's card went, or its session closed. */
static int obj_dead(struct obj *o)
{
	struct sess_info si;

	return o->gen != token_generation(o->tok) ||
	       (o->owner != 0 && sess_lookup(o->owner, &si) != CKR_OK);
}

/* Drop the dead objects: only when the table has doubled since the last sweep, so its
 * cost is spread over the insertions that grew it. */
static void obj_sweep_inlock(void)
{
	size_t i = 0;

	if (nobjs < 64 || nobjs < 2 * nobjs_swept)
		return;
	while (i < nobjs)
		if (obj_dead(objs[i]))
			obj_remove_inlock(i);
		else
			i++;
	nobjs_swept = nobjs;
}

static CK_RV obj_reserve_inlock(size_t more)
{
	struct obj **n;
	size_t ncap, i;

	obj_sweep_inlock();
	if (nobjs + more > cap_objs) {
		ncap = cap_objs ? cap_objs * 2 : 32;
		while (ncap < nobjs + more)
			ncap *= 2;
		n = realloc(objs, ncap * sizeof *n);
		if (n == NULL)
			return CKR_HOST_MEMORY;
		objs = n;
		cap_objs = ncap;
	}
	if (2 * (nobjs + more) > index_cap) {
		ncap = index_cap ? index_cap : 64;
		while (2 * (nobjs + more) > ncap)
			ncap *= 2;
		n = calloc(ncap, sizeof *n);
		if (n == NULL)
			return CKR_HOST_MEMORY;
		free(obj_index);
		obj_index = n;
		index_cap = ncap;
		for (i = 0; i < nobjs; i++)
			obj_index_put(objs[i]);
	}
	return CKR_OK;
}

/* Takes o into the table (room reserved) and gives it a handle. */
static CK_OBJECT_HANDLE obj_insert_inlock(struct obj *o)
{
	o->handle = next_handle++;
	o->idx = nobjs;
	objs[nobjs++] = o;
	obj_index_put(o);
	return o->handle;
}

/* Remove the token objects of t (all, or only the private ones), and those of its
 * earlier generations. */
static void obj_drop_token_inlock(struct token *t, int only_private)
{
	size_t i = 0;

	while (i < nobjs) {
		struct obj *o = objs[i];

		if (o->tok == t && ((o->owner == 0 && (!only_private || o->priv)) ||
				    o->gen != token_generation(t)))
			obj_remove_inlock(i);
		else
			i++;
	}
}

void obj_logout_inlock(struct token *t)
{
	size_t i = 0;

	if (obj_table_enter() != CKR_OK)
		return;
	while (i < nobjs) {
		if (objs[i]->tok == t && objs[i]->owner != 0 && objs[i]->priv)
			obj_remove_inlock(i);
		else
			i++;
	}
	obj_table_leave();
}

/* --- making objects ------------------------------------------------------------------ */

static int obj_default_private(CK_OBJECT_CLASS cls)
{
	const struct sk_obj_kind *k;
	size_t i;

	for (i = 0; i < sk_obj_kinds_count; i++) {
		k = &sk_obj_kinds[i];
		if (k->cls == cls) {
			const struct sk_attr_rule *r = obj_rule(k, CKA_PRIVATE);
			return r != NULL && r->dkind == SK_DEF_BOOL && r->dulong != 0;
		}
	}
	return 0;
}

/* A new object holding attrs (taken). */
static CK_RV obj_new(struct token *t, unsigned gen, CK_SESSION_HANDLE owner, const char *ref,
		     struct lb_attr *attrs, size_t n, struct obj **out)
{
	struct obj *o = calloc(1, sizeof *o);
	CK_OBJECT_CLASS cls;

	*out = NULL;
	if (o == NULL) {
		lb_attrs_free(attrs, n);
		return CKR_HOST_MEMORY;
	}
	o->tok = t;
	o->gen = gen;
	o->owner = owner;
	if (ref != NULL)
		snprintf(o->ref, sizeof o->ref, "%s", ref);
	o->attrs = attrs;
	o->nattrs = n;
	cls = obj_attrs_ulong(attrs, n, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	o->priv = obj_attrs_bool(attrs, n, CKA_PRIVATE, obj_default_private(cls));
	*out = o;
	return CKR_OK;
}

/* A token object from what the script reports: completed with the spec's defaults. A lazy
 * one (issue 11) is not: until object_attrs has given the whole object, every attribute it
 * lacks is one to ask the card for (obj_fetch), not one to default. */
static CK_RV obj_from_script(struct token *t, const struct lb_object *lo, struct obj **out)
{
	const struct sk_obj_kind *k;
	struct lb_attr *a;
	size_t n;
	CK_RV rv = obj_attrs_dup(lo->attrs, lo->nattrs, &a, &n);

	*out = NULL;
	if (rv != CKR_OK)
		return rv;
	k = obj_kind_of(a, n);
	if (k != NULL && !lo->lazy)
		rv = obj_attrs_complete(k, &a, &n);
	if (rv == CKR_OK)
		rv = obj_attrs_set_bool(&a, &n, CKA_TOKEN, 1);
	if (rv != CKR_OK) {
		lb_attrs_free(a, n);
		return rv;
	}
	rv = obj_new(t, token_generation(t), 0, lo->ref, a, n, out);
	if (rv == CKR_OK)
		(*out)->lazy = lo->lazy != 0;
	return rv;
}

CK_RV obj_add_token_object_inlock(struct token *t, const struct lb_object *lo,
				  CK_OBJECT_HANDLE *handle)
{
	struct obj *o;
	CK_RV rv = obj_from_script(t, lo, &o);

	if (rv != CKR_OK)
		return rv;
	rv = obj_table_enter();
	if (rv != CKR_OK) {
		obj_free(o);
		return rv;
	}
	rv = obj_reserve_inlock(1);
	if (rv == CKR_OK)
		*handle = obj_insert_inlock(o);
	else
		obj_free(o);
	obj_table_leave();
	return rv;
}

CK_RV obj_add_session_copy_inlock(struct token *t, unsigned gen, CK_SESSION_HANDLE s,
				  const struct lb_object *lo, CK_OBJECT_HANDLE *handle)
{
	const struct sk_obj_kind *k;
	struct lb_attr *a;
	struct obj *o;
	size_t n;
	CK_RV rv = obj_attrs_dup(lo->attrs, lo->nattrs, &a, &n);

	if (rv != CKR_OK)
		return rv;
	k = obj_kind_of(a, n);
	if (k != NULL)
		rv = obj_attrs_complete(k, &a, &n);
	if (rv == CKR_OK)
		rv = obj_attrs_set_bool(&a, &n, CKA_TOKEN, 0);
	if (rv != CKR_OK) {
		lb_attrs_free(a, n);
		return rv;
	}
	rv = obj_new(t, gen, s, NULL, a, n, &o);
	if (rv != CKR_OK)
		return rv;
	rv = obj_table_enter();
	if (rv != CKR_OK) {
		obj_free(o);
		return rv;
	}
	rv = obj_reserve_inlock(1);
	if (rv == CKR_OK)
		*handle = obj_insert_inlock(o);
	else
		obj_free(o);
	obj_table_leave();
	return rv;
}

/* --- the cache (token lock held) ------------------------------------------------------ */

static int obj_user_inlock(const struct token *t)
{
	return t->logged_in && t->user == CKU_USER;
}

/* Make the cache hold what the token shows now: public objects once per connection,
 * private ones once per login. An object read again keeps its handle (the script's ref
 * names it); one the card no longer shows goes. All or nothing: on failure the cache is
 * as it was. */
CK_RV obj_cache_inlock(struct token *t)
{
	struct lb_object *lo = NULL;
	struct obj **add = NULL;
	struct lb_card card;
	size_t n = 0, nadd = 0, i, j;
	int user;
	CK_RV rv = token_load_inlock(t);

	if (rv != CKR_OK)
		return rv;
	user = obj_user_inlock(t);      /* after the load: a reset it met drops the login */
	if (t->objs_valid && t->objs_private_valid && !user) {
		rv = obj_table_enter();
		if (rv != CKR_OK)
			return rv;
		obj_drop_token_inlock(t, 1);
		t->objs_private_valid = 0;
		obj_table_leave();
	}
	if (t->objs_valid && (t->objs_private_valid || !user))
		return CKR_OK;

	token_card(t, &card);
	rv = lb_objects(t->vm, &card, user, &lo, &n);
	if (rv != CKR_OK)
		goto out;
	add = calloc(n ? n : 1, sizeof *add);
	if (add == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	for (i = 0; i < n; i++) {
		rv = obj_from_script(t, &lo[i], &add[nadd]);
		if (rv != CKR_OK)
			goto out;
		nadd++;
	}
	rv = obj_table_enter();
	if (rv != CKR_OK)
		goto out;
	rv = obj_reserve_inlock(nadd);
	if (rv != CKR_OK) {
		obj_table_leave();
		goto out;
	}
	i = 0;
	while (i < nobjs) {
		struct obj *o = objs[i];

		if (o->tok != t || o->owner != 0) {
			i++;
			continue;
		}
		if (o->gen != token_generation(t)) {
			obj_remove_inlock(i);   /* of a card that went: its handle stays invalid */
			continue;
		}
		for (j = 0; j < nadd; j++)
			if (add[j] != NULL && strcmp(add[j]->ref, o->ref) == 0)
				break;
		if (j == nadd) {
			obj_remove_inlock(i);   /* gone from the card */
			continue;
		}
		/* the same object: it keeps its handle and takes what the card says now */
		lb_attrs_free(o->attrs, o->nattrs);
		o->attrs = add[j]->attrs;
		o->nattrs = add[j]->nattrs;
		o->priv = add[j]->priv;
		o->gen = add[j]->gen;
		o->lazy = add[j]->lazy;
		add[j]->attrs = NULL;
		add[j]->nattrs = 0;
		obj_free(add[j]);
		add[j] = NULL;
		i++;
	}
	for (j = 0; j < nadd; j++)
		if (add[j] != NULL) {
			obj_insert_inlock(add[j]);
			add[j] = NULL;
		}
	t->objs_valid = 1;
	t->objs_private_valid = user;
	obj_table_leave();
out:
	if (add != NULL)
		for (i = 0; i < nadd; i++)
			obj_free(add[i]);
	free(add);
	lb_objects_free(lo, n);
	return rv;
}

/* --- sessions ------------------------------------------------------------------------- */

struct obj_ctx {
	CK_SESSION_HANDLE s;
	struct sess_info si;
	struct token *t;
	int user;                       /* the normal user is logged in */
	int so;
	int held;                       /* the token is still locked (obj_leave unlocks it) */
};

enum obj_access { OBJ_READ, OBJ_WRITE };

/*
 * Lock the session's token with its object cache loaded. A call that only reads the cache
 * (OBJ_READ) takes no PC/SC transaction when the cache already holds what this login
 * state may see; one that changes the token (OBJ_WRITE), or must read the card first,
 * gets the whole token_enter().
 */
static CK_RV obj_enter(CK_SESSION_HANDLE s, enum obj_access access, struct obj_ctx *c)
{
	CK_RV rv = sess_call(s, &c->si);

	if (rv != CKR_OK)
		return rv;
	c->s = s;
	c->t = c->si.tok;
	c->held = 0;
	if (access == OBJ_READ) {
		struct token_fast f;

		/* the cache is current for this login state: nothing to take but the table's
		 * lock (token_fast: as if the call came before a login or logout meanwhile) */
		if (token_fast(c->t, &f) && f.objs && f.gen == c->si.gen) {
			c->user = f.user;
			c->so = f.so;
			return CKR_OK;
		}
	}
	rv = access == OBJ_READ ? token_enter_cached(c->t) : token_enter(c->t);
	if (rv != CKR_OK)
		return rv;
	if (!c->t->in_txn && !(c->t->objs_valid &&
			       (c->t->objs_private_valid || !obj_user_inlock(c->t)))) {
		/* the objects must be read from the card: with a transaction */
		token_leave(c->t);
		rv = token_enter(c->t);
		if (rv != CKR_OK)
			return rv;
	}
	if (token_generation(c->t) != c->si.gen) {
		token_leave(c->t);
		return CKR_SESSION_HANDLE_INVALID;
	}
	rv = obj_cache_inlock(c->t);
	if (rv != CKR_OK) {
		token_leave(c->t);
		return rv;
	}
	c->user = obj_user_inlock(c->t);
	c->so = c->t->logged_in && c->t->user == CKU_SO;
	c->held = 1;
	if (access == OBJ_READ) {
		/* what a reader needs of the token is in c now (its generation, the login
		 * state, a current cache): the token is let go before the table is read, so
		 * readers of one token hold its lock only this long and read the table
		 * side by side (its lock is shared). A logout that comes in between is ordered
		 * after this call, as if it had come a moment later */
		token_leave(c->t);
		c->held = 0;
	}
	return CKR_OK;
}

static void obj_leave(struct obj_ctx *c)
{
	if (c->held)
		token_leave(c->t);
	c->held = 0;
}

static int obj_visible(const struct obj *o, const struct obj_ctx *c)
{
	struct sess_info si;

	/* a session object lives as long as its session (closed ones are swept later) */
	return o->tok == c->t && o->gen == c->si.gen && (!o->priv || c->user) &&
	       (o->owner == 0 || o->owner == c->s || sess_lookup(o->owner, &si) == CKR_OK);
}

/* The object h as this session may see it (the table's lock held). */
static struct obj *obj_get_inlock(CK_OBJECT_HANDLE h, const struct obj_ctx *c, size_t *idx)
{
	struct obj *o = obj_find_inlock(h, idx);

	return o != NULL && obj_visible(o, c) ? o : NULL;
}

/* --- lazy objects (issue 11) ---------------------------------------------------------- */

/* 1 when o is lazy and lacks attribute t: asking for it needs object_attrs first. */
static int obj_lacks(const struct obj *o, CK_ATTRIBUTE_TYPE t)
{
	return o->lazy && obj_attrs_find(o->attrs, o->nattrs, t) == NULL;
}

/* A card error of object_attrs as every object function may report it. */
static CK_RV obj_fetch_rv(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
	case CKR_HOST_MEMORY:
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_MEMORY:
	case CKR_DEVICE_REMOVED:
	case CKR_FUNCTION_FAILED:
	case CKR_GENERAL_ERROR:
	case CKR_SESSION_HANDLE_INVALID:
		return rv;
	default:
		return CKR_FUNCTION_FAILED;
	}
}

/*
 * Make object h whole when it is lazy: the script's object_attrs reads it from the card,
 * with the token locked as for every card call (taken here when c does not hold it, and
 * let go again), and the cache takes the whole object, completed as obj_from_script does.
 * The table's lock is not held on entry. All or nothing: on failure the object stays lazy
 * and the next call asks again. An object gone meanwhile is left to the caller's lookup.
 */
static CK_RV obj_fetch(struct obj_ctx *c, CK_OBJECT_HANDLE h)
{
	struct lb_object lo;
	struct lb_card card;
	struct obj *o, *whole = NULL;
	char ref[LB_REF_MAX];
	int took = 0, lazy = 0;
	CK_RV rv = CKR_OK;

	if (!c->held) {
		rv = token_enter(c->t);
		if (rv != CKR_OK)
			return rv;
		took = c->held = 1;
		rv = obj_cache_inlock(c->t);
		if (rv == CKR_OK && token_generation(c->t) != c->si.gen)
			rv = CKR_SESSION_HANDLE_INVALID;
		if (rv != CKR_OK)
			goto out;
	}
	rv = obj_table_read();
	if (rv != CKR_OK)
		goto out;
	o = obj_get_inlock(h, c, NULL);
	if (o != NULL && o->lazy && o->owner == 0) {
		lazy = 1;
		snprintf(ref, sizeof ref, "%s", o->ref);
	}
	obj_table_leave();
	if (!lazy)
		goto out;               /* whole already (another call fetched it), or gone */
	token_card(c->t, &card);
	rv = lb_object_attrs(c->t->vm, &card, ref, &lo);
	if (rv == CKR_OK) {
		rv = obj_from_script(c->t, &lo, &whole);
		lb_object_clear(&lo);
	}
	if (rv == CKR_OK)
		rv = obj_table_enter();
	if (rv == CKR_OK) {
		o = obj_get_inlock(h, c, NULL);
		if (o != NULL && o->lazy && strcmp(o->ref, ref) == 0) {
			lb_attrs_free(o->attrs, o->nattrs);
			o->attrs = whole->attrs;
			o->nattrs = whole->nattrs;
			o->priv = whole->priv;
			o->lazy = 0;
			whole->attrs = NULL;
			whole->nattrs = 0;
		}
		obj_table_leave();
	}
	obj_free(whole);
	if (rv != CKR_OK)
		log_msg(LOG_CALLS, "obj: %s: object_attrs failed (0x%lx)", ref, (unsigned long)rv);
out:
	if (took) {
		token_leave(c->t);
		c->held = 0;
	}
	return obj_fetch_rv(rv);
}

/* obj_fetch when h is lazy (checked under the table's lock). */
static CK_RV obj_whole(struct obj_ctx *c, CK_OBJECT_HANDLE h)
{
	struct obj *o;
	int lazy;
	CK_RV rv = obj_table_read();

	if (rv != CKR_OK)
		return rv;
	o = obj_get_inlock(h, c, NULL);
	lazy = o != NULL && o->lazy;
	obj_table_leave();
	return lazy ? obj_fetch(c, h) : CKR_OK;
}

/* --- obj_view ------------------------------------------------------------------------ */

static CK_RV obj_view_do(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, int whole,
			 struct obj_view *out)
{
	struct obj_ctx c;
	struct obj *o;
	CK_RV rv;

	UTIL_ZERO(out, sizeof *out);
	rv = obj_enter(s, OBJ_READ, &c);
	if (rv != CKR_OK)
		return rv;
	if (whole)
		rv = obj_whole(&c, h);
	if (rv != CKR_OK)
		goto leave;
	rv = obj_table_read();
	if (rv != CKR_OK)
		goto leave;
	o = obj_get_inlock(h, &c, NULL);
	if (o == NULL) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	} else {
		rv = obj_attrs_dup(o->attrs, o->nattrs, &out->attrs, &out->nattrs);
		out->handle = o->handle;
		out->cls = obj_attrs_ulong(o->attrs, o->nattrs, CKA_CLASS,
					   CK_UNAVAILABLE_INFORMATION);
		out->key_type = obj_attrs_ulong(o->attrs, o->nattrs, CKA_KEY_TYPE,
						CK_UNAVAILABLE_INFORMATION);
		out->on_token = o->owner == 0;
		out->tok = o->tok;
		out->lazy = o->lazy;
		snprintf(out->ref, sizeof out->ref, "%s", o->ref);
	}
	obj_table_leave();
leave:
	obj_leave(&c);
	if (rv != CKR_OK)
		obj_view_free(out);
	return rv;
}

CK_RV obj_view(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, struct obj_view *out)
{
	return obj_view_do(s, h, 1, out);
}

CK_RV obj_view_as_is(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, struct obj_view *out)
{
	return obj_view_do(s, h, 0, out);
}

void obj_view_free(struct obj_view *v)
{
	if (v == NULL)
		return;
	lb_attrs_free(v->attrs, v->nattrs);
	UTIL_ZERO(v, sizeof *v);
}

const struct lb_attr *obj_view_attr(const struct obj_view *v, CK_ATTRIBUTE_TYPE type)
{
	return obj_attrs_find(v->attrs, v->nattrs, type);
}

int obj_view_bool(const struct obj_view *v, CK_ATTRIBUTE_TYPE type, int dflt)
{
	return obj_attrs_bool(v->attrs, v->nattrs, type, dflt);
}

CK_ULONG obj_view_ulong(const struct obj_view *v, CK_ATTRIBUTE_TYPE type, CK_ULONG dflt)
{
	return obj_attrs_ulong(v->attrs, v->nattrs, type, dflt);
}

/* --- storing ------------------------------------------------------------------------- */

/* A token secret key (issue 9): only of a key type the token's family makes and uses on
 * the token itself (op_toksym.h); its value then goes to the card and stays there. */
static int obj_token_secret_ok(const struct obj_ctx *c, const struct lb_attr *a, size_t n)
{
	return mech_token_keys_type(c->t->mechs, c->t->nmechs,
				    obj_attrs_ulong(a, n, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION));
}

/* Store attrs (taken) as a new object: on the token through its script, or in the
 * session. The checks of the session's rights come first. */
static CK_RV obj_store(struct obj_ctx *c, struct lb_attr *a, size_t n, CK_OBJECT_HANDLE *ph)
{
	CK_OBJECT_CLASS cls = obj_attrs_ulong(a, n, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	int token = obj_attrs_bool(a, n, CKA_TOKEN, 0);
	int priv = obj_attrs_bool(a, n, CKA_PRIVATE, obj_default_private(cls));
	struct lb_object stored;
	struct lb_card card;
	struct obj *o = NULL;
	CK_RV rv = CKR_OK;

	if (token && cls == CKO_SECRET_KEY && !obj_token_secret_ok(c, a, n))
		rv = CKR_TEMPLATE_INCONSISTENT;         /* a key type the token cannot hold */
	else if (token && !(c->si.flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	else if (priv && !c->user)
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv != CKR_OK) {
		lb_attrs_free(a, n);
		return rv;
	}
	if (token && (rv = obj_allowed_storable(c->t, a, n)) != CKR_OK) {
		lb_attrs_free(a, n);
		return rv;
	}
	if (token) {
		token_card(c->t, &card);
		rv = lb_create_object(c->t->vm, &card, a, n, &stored);
		lb_attrs_free(a, n);
		if (rv != CKR_OK)
			return rv;
		rv = obj_add_token_object_inlock(c->t, &stored, ph);
		if (rv != CKR_OK)
			c->t->objs_valid = 0;   /* the card has it: read it again next time */
		lb_object_clear(&stored);
		return rv;
	}
	rv = obj_new(c->t, c->si.gen, c->s, NULL, a, n, &o);
	if (rv != CKR_OK)
		return rv;
	rv = obj_table_enter();
	if (rv == CKR_OK) {
		rv = obj_reserve_inlock(1);
		if (rv == CKR_OK)
			*ph = obj_insert_inlock(o);
		obj_table_leave();
	}
	if (rv != CKR_OK)
		obj_free(o);
	return rv;
}

/* The store's checks of the session's rights, before any work (obj_store repeats them). */
static CK_RV obj_may_store(const struct obj_ctx *c, const struct lb_attr *a, size_t n)
{
	CK_OBJECT_CLASS cls = obj_attrs_ulong(a, n, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	int token = obj_attrs_bool(a, n, CKA_TOKEN, 0);

	if (token && cls == CKO_SECRET_KEY && !obj_token_secret_ok(c, a, n))
		return CKR_TEMPLATE_INCONSISTENT;
	if (token && !(c->si.flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (obj_attrs_bool(a, n, CKA_PRIVATE, obj_default_private(cls)) && !c->user)
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

CK_RV obj_create_filled(CK_SESSION_HANDLE s, enum obj_tmpl_op op, CK_OBJECT_CLASS cls,
			CK_ULONG sub, const CK_ATTRIBUTE *tmpl, CK_ULONG n, obj_fill_fn fill,
			void *arg, CK_OBJECT_HANDLE *ph)
{
	struct obj_ctx c;
	struct lb_attr *a = NULL;
	size_t na = 0;
	CK_RV rv = obj_enter(s, OBJ_WRITE, &c);

	if (rv != CKR_OK)
		return rv;
	rv = obj_template_ex(op, cls, sub, tmpl, n, c.so, &a, &na);
	if (rv == CKR_OK)
		rv = obj_may_store(&c, a, na);
	if (rv == CKR_OK && fill != NULL)
		rv = fill(arg, obj_kind(cls, sub), &a, &na);
	if (rv == CKR_OK) {
		rv = obj_store(&c, a, na, ph);
		a = NULL;
		na = 0;
	}
	lb_attrs_free(a, na);
	obj_leave(&c);
	return rv;
}

CK_RV obj_generate_token_secret(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_ULONG key_type,
				const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *ph)
{
	struct obj_ctx c;
	struct lb_attr *a = NULL;
	size_t na = 0;
	struct lb_object stored;
	struct lb_card card;
	CK_RV rv = obj_enter(s, OBJ_WRITE, &c);

	if (rv != CKR_OK)
		return rv;
	memset(&stored, 0, sizeof stored);
	/* a token the family cannot make such a key on: the template asks for what cannot be */
	rv = mech_token_keys(c.t->mechs, c.t->nmechs, mech, CKF_GENERATE) ? CKR_OK
									     : CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = obj_template_ex(OBJ_GENERATE, CKO_SECRET_KEY, key_type, tmpl, n, c.so, &a,
				     &na);
	if (rv == CKR_OK)
		rv = obj_may_store(&c, a, na);
	/* the value is made on the card: the template says what else the key is */
	if (rv == CKR_OK)
		rv = obj_attrs_set_ulong(&a, &na, CKA_KEY_GEN_MECHANISM, mech);
	if (rv == CKR_OK) {
		token_card(c.t, &card);
		rv = lb_generate_key(c.t->vm, &card, mech, a, na, &stored);
	}
	if (rv == CKR_OK) {
		rv = obj_add_token_object_inlock(c.t, &stored, ph);
		if (rv != CKR_OK)
			c.t->objs_valid = 0;    /* the card has it: read it again next time */
	}
	lb_object_clear(&stored);
	lb_attrs_free(a, na);
	obj_leave(&c);
	return rv;
}

/* The class and subtype a creation template asks for. */
static CK_RV obj_tmpl_kind(const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_CLASS *cls,
			   CK_ULONG *sub)
{
	CK_ATTRIBUTE_TYPE sub_attr;
	const CK_ATTRIBUTE *a = NULL, *s = NULL;
	CK_ULONG i;

	for (i = 0; i < n; i++)
		if (tmpl[i].type == CKA_CLASS && a == NULL)
			a = &tmpl[i];
	if (a == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	memcpy(cls, a->pValue, sizeof *cls);
	if (!obj_class_known(*cls, &sub_attr))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*sub = 0;
	if (sub_attr == 0)
		return CKR_OK;
	for (i = 0; i < n; i++)
		if (tmpl[i].type == sub_attr && s == NULL)
			s = &tmpl[i];
	if (s == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	memcpy(sub, s->pValue, sizeof *sub);
	return obj_kind(*cls, *sub) != NULL ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

CK_RV rt_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		      CK_OBJECT_HANDLE_PTR phObject)
{
	struct obj_ctx c;
	struct lb_attr *a = NULL;
	size_t na = 0;
	CK_OBJECT_CLASS cls = 0;
	CK_ULONG sub = 0, i;
	CK_RV rv = obj_enter(hSession, OBJ_WRITE, &c);

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < ulCount && rv == CKR_OK; i++)
		rv = obj_attr_check(&pTemplate[i]);
	if (rv == CKR_OK)
		rv = obj_tmpl_kind(pTemplate, ulCount, &cls, &sub);
	if (rv == CKR_OK)
		rv = obj_template_ex(OBJ_CREATE, cls, sub, pTemplate, ulCount, c.so, &a, &na);
	if (rv == CKR_OK)
		rv = obj_store(&c, a, na, phObject);
	obj_leave(&c);
	return rv;
}

CK_RV rt_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
		    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
	const struct sk_obj_kind *k;
	struct obj_ctx c;
	struct obj *o;
	struct lb_attr *a = NULL, *chg = NULL;
	size_t na = 0, nchg = 0, i;
	CK_OBJECT_CLASS cls;
	int on_token;
	CK_RV rv = obj_enter(hSession, OBJ_WRITE, &c);

	if (rv != CKR_OK)
		return rv;
	rv = obj_whole(&c, hObject);
	if (rv != CKR_OK)
		goto leave;
	rv = obj_table_read();
	if (rv != CKR_OK)
		goto leave;
	o = obj_get_inlock(hObject, &c, NULL);
	if (o == NULL)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else
		rv = obj_attrs_dup(o->attrs, o->nattrs, &a, &na);
	on_token = o != NULL && o->owner == 0;
	obj_table_leave();
	if (rv != CKR_OK)
		goto leave;
	cls = obj_attrs_ulong(a, na, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	k = obj_kind_of(a, na);
	if (!obj_attrs_bool(a, na, CKA_COPYABLE, 1) || k == NULL ||
	    (on_token && (cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY))) {
		/* a token's private or secret key has no value on the host to copy */
		rv = CKR_ACTION_PROHIBITED;
		goto leave;
	}
	rv = obj_template_ex(OBJ_COPY, k->cls, k->subtype, pTemplate, ulCount, c.so, &chg, &nchg);
	for (i = 0; rv == CKR_OK && i < nchg; i++) {
		const struct sk_attr_rule *r = obj_rule(k, chg[i].type);
		int was = obj_attrs_bool(a, na, chg[i].type, 0);
		int now = chg[i].len == 1 && chg[i].value[0] != CK_FALSE;

		if ((r->rules & SK_AR_TRUE_STAYS && was && !now) ||
		    (r->rules & SK_AR_FALSE_STAYS && !was && now &&
		     obj_attrs_find(a, na, chg[i].type) != NULL))
			rv = CKR_ATTRIBUTE_READ_ONLY;
		else
			rv = obj_attrs_set(&a, &na, chg[i].type, chg[i].value, chg[i].len);
	}
	if (rv == CKR_OK) {
		rv = obj_store(&c, a, na, phNewObject);
		a = NULL;
		na = 0;
	}
leave:
	lb_attrs_free(a, na);
	lb_attrs_free(chg, nchg);
	obj_leave(&c);
	return rv;
}

CK_RV rt_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	struct obj_ctx c;
	struct obj *o;
	struct lb_card card;
	char ref[LB_REF_MAX];
	size_t idx;
	int on_token = 0;
	CK_RV rv = obj_enter(hSession, OBJ_WRITE, &c);

	if (rv != CKR_OK)
		return rv;
	rv = obj_table_enter();
	if (rv != CKR_OK)
		goto leave;
	o = obj_get_inlock(hObject, &c, &idx);
	if (o == NULL) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	} else if (!obj_attrs_bool(o->attrs, o->nattrs, CKA_DESTROYABLE, 1)) {
		rv = CKR_ACTION_PROHIBITED;
	} else if (o->owner != 0) {
		obj_remove_inlock(idx);         /* a session object: nothing on the card */
	} else if (!(c.si.flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_ONLY;
	} else {
		on_token = 1;
		snprintf(ref, sizeof ref, "%s", o->ref);
	}
	obj_table_leave();
	if (rv != CKR_OK || !on_token)
		goto leave;
	token_card(c.t, &card);
	rv = lb_destroy_object(c.t->vm, &card, ref);
	if (rv != CKR_OK)
		goto leave;
	rv = obj_table_enter();
	if (rv != CKR_OK) {
		c.t->objs_valid = 0;
		goto leave;
	}
	if (obj_find_inlock(hObject, &idx) != NULL)
		obj_remove_inlock(idx);
	obj_table_leave();
leave:
	obj_leave(&c);
	return rv;
}

void obj_destroy_session_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	struct obj_ctx c;
	struct obj *o;
	size_t idx;

	if (obj_enter(s, OBJ_WRITE, &c) != CKR_OK)
		return;
	if (obj_table_enter() == CKR_OK) {
		o = obj_get_inlock(h, &c, &idx);
		if (o != NULL && o->owner != 0)
			obj_remove_inlock(idx);
		obj_table_leave();
	}
	obj_leave(&c);
}

CK_RV rt_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
	struct obj_ctx c;
	struct obj *o;
	size_t i;
	CK_RV rv = obj_enter(hSession, OBJ_READ, &c);

	if (rv != CKR_OK)
		return rv;
	rv = obj_whole(&c, hObject);
	if (rv == CKR_OK)
		rv = obj_table_read();
	if (rv == CKR_OK) {
		o = obj_get_inlock(hObject, &c, NULL);
		if (o == NULL) {
			rv = CKR_OBJECT_HANDLE_INVALID;
		} else {
			*pulSize = 0;
			for (i = 0; i < o->nattrs; i++)
				*pulSize += sizeof(CK_ATTRIBUTE) + o->attrs[i].len;
		}
		obj_table_leave();
	}
	obj_leave(&c);
	return rv;
}

/* Which of two results C_GetAttributeValue reports: the more telling one. */
static CK_RV obj_worse(CK_RV have, CK_RV now)
{
	static const CK_RV rank[] = { CKR_OK, CKR_BUFFER_TOO_SMALL, CKR_ATTRIBUTE_TYPE_INVALID,
				      CKR_ATTRIBUTE_SENSITIVE };
	size_t i, a = 0, b = 0;

	for (i = 0; i < sizeof rank / sizeof rank[0]; i++) {
		if (rank[i] == have)
			a = i;
		if (rank[i] == now)
			b = i;
	}
	return b > a ? now : have;
}

CK_RV rt_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	const struct sk_obj_kind *k;
	const struct lb_attr *a;
	struct obj_ctx c;
	struct obj *o;
	CK_ULONG i;
	int fetched = 0;
	CK_RV rv = obj_enter(hSession, OBJ_READ, &c), one;

	if (rv != CKR_OK)
		return rv;
again:
	rv = obj_table_read();
	if (rv != CKR_OK)
		goto leave;
	o = obj_get_inlock(hObject, &c, NULL);
	if (o == NULL) {
		rv = CKR_OBJECT_HANDLE_INVALID;
		goto unlock;
	}
	for (i = 0; !fetched && i < ulCount; i++)
		if (obj_lacks(o, pTemplate[i].type)) {
			/* a lazy object asked for what it lacks: the card is read once */
			obj_table_leave();
			fetched = 1;
			rv = obj_fetch(&c, hObject);
			if (rv != CKR_OK)
				goto leave;
			goto again;
		}
	k = obj_kind_of(o->attrs, o->nattrs);
	for (i = 0; i < ulCount; i++) {
		a = obj_attrs_find(o->attrs, o->nattrs, pTemplate[i].type);
		if (a == NULL) {
			/* an attribute of the kind that the object keeps hidden (a token key's
			 * private components, never on the host) is sensitive, not unknown */
			pTemplate[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			one = obj_hidden(k, o->attrs, o->nattrs, pTemplate[i].type) ?
			      CKR_ATTRIBUTE_SENSITIVE : CKR_ATTRIBUTE_TYPE_INVALID;
		} else if (obj_hidden(k, o->attrs, o->nattrs, a->type)) {
			pTemplate[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			one = CKR_ATTRIBUTE_SENSITIVE;
		} else {
			one = obj_attr_to_ck(a, &pTemplate[i]);
		}
		rv = obj_worse(rv, one);
	}
unlock:
	obj_table_leave();
leave:
	obj_leave(&c);
	return rv;
}

/* 1 when the object already holds exactly this value, and may say so: a hidden value is
 * never compared (the answer would reveal it). */
static int obj_unchanged(const struct sk_obj_kind *k, const struct lb_attr *a, size_t n,
			 const CK_ATTRIBUTE *t)
{
	const struct lb_attr *have = obj_attrs_find(a, n, t->type);
	struct lb_attr want;
	int same;

	if (have == NULL || obj_hidden(k, a, n, t->type) || obj_attr_from_ck(t, &want) != CKR_OK)
		return 0;
	same = obj_attr_equal(have, &want);
	obj_attr_wipe(&want);
	return same;
}

CK_RV rt_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	const struct sk_obj_kind *k;
	struct obj_ctx c;
	struct obj *o;
	struct lb_attr *a = NULL, *chg = NULL;
	struct lb_object stored;
	struct lb_card card;
	char ref[LB_REF_MAX];
	size_t na = 0, nchg = 0, i;
	int on_token = 0;
	CK_RV rv = obj_enter(hSession, OBJ_WRITE, &c);

	if (rv != CKR_OK)
		return rv;
	rv = obj_whole(&c, hObject);
	if (rv != CKR_OK)
		goto leave;
	rv = obj_table_read();
	if (rv != CKR_OK)
		goto leave;
	o = obj_get_inlock(hObject, &c, NULL);
	if (o == NULL) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	} else {
		rv = obj_attrs_dup(o->attrs, o->nattrs, &a, &na);
		on_token = o->owner == 0;
		snprintf(ref, sizeof ref, "%s", o->ref);
	}
	obj_table_leave();
	if (rv != CKR_OK)
		goto leave;
	k = obj_kind_of(a, na);
	if (!obj_attrs_bool(a, na, CKA_MODIFIABLE, 1) || k == NULL) {
		rv = CKR_ACTION_PROHIBITED;
		goto leave;
	}
	if (on_token && !(c.si.flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_ONLY;
		goto leave;
	}
	for (i = 0; i < ulCount && rv == CKR_OK; i++)
		rv = obj_attr_check(&pTemplate[i]);
	for (i = 0; i < ulCount && rv == CKR_OK; i++) {
		const struct sk_attr_rule *r = obj_rule(k, pTemplate[i].type);
		int was, now;

		if (r == NULL) {
			rv = CKR_ATTRIBUTE_TYPE_INVALID;        /* not an attribute of this object */
			break;
		}
		if (obj_unchanged(k, a, na, &pTemplate[i]))
			continue;       /* templates often repeat what does not change */
		if (!(r->rules & SK_AR_MODIFIABLE)) {
			rv = CKR_ATTRIBUTE_READ_ONLY;
			break;
		}
		if (!(r->rules & (SK_AR_TRUE_STAYS | SK_AR_FALSE_STAYS | SK_AR_SO_ONLY)))
			continue;
		was = obj_attrs_bool(a, na, pTemplate[i].type, 0);
		now = *(const CK_BBOOL *)pTemplate[i].pValue != CK_FALSE;
		if ((r->rules & SK_AR_TRUE_STAYS && was && !now) ||
		    (r->rules & SK_AR_FALSE_STAYS && !was && now &&
		     obj_attrs_find(a, na, pTemplate[i].type) != NULL) ||
		    (r->rules & SK_AR_SO_ONLY && now && !c.so))
			rv = CKR_ATTRIBUTE_READ_ONLY;
	}
	for (i = 0; i < ulCount && rv == CKR_OK; i++) {
		struct lb_attr one;
		const struct lb_attr *prev;

		if (obj_unchanged(k, a, na, &pTemplate[i]) &&
		    obj_attrs_find(chg, nchg, pTemplate[i].type) == NULL)
			continue;
		rv = obj_attr_from_ck(&pTemplate[i], &one);
		if (rv != CKR_OK)
			break;
		prev = obj_attrs_find(chg, nchg, one.type);
		if (prev != NULL && !obj_attr_equal(prev, &one))
			rv = CKR_TEMPLATE_INCONSISTENT;
		if (rv == CKR_OK)
			rv = obj_attrs_set(&chg, &nchg, one.type, one.value, one.len);
		if (rv == CKR_OK)
			rv = obj_attrs_set(&a, &na, one.type, one.value, one.len);
		obj_attr_wipe(&one);
	}
	if (rv != CKR_OK || nchg == 0)
		goto leave;     /* nothing changes: nothing to store */
	if (on_token) {
		rv = obj_allowed_storable(c.t, chg, nchg);
		if (rv != CKR_OK)
			goto leave;
		token_card(c.t, &card);
		rv = lb_set_attributes(c.t->vm, &card, ref, chg, nchg, &stored);
		if (rv != CKR_OK)
			goto leave;
		lb_attrs_free(a, na);
		a = NULL;
		na = 0;
		rv = obj_attrs_dup(stored.attrs, stored.nattrs, &a, &na);
		if (rv == CKR_OK && (k = obj_kind_of(a, na)) != NULL)
			rv = obj_attrs_complete(k, &a, &na);
		if (rv == CKR_OK)
			rv = obj_attrs_set_bool(&a, &na, CKA_TOKEN, 1);
		lb_object_clear(&stored);
		if (rv != CKR_OK) {
			c.t->objs_valid = 0;    /* the card changed: read it again next time */
			goto leave;
		}
	}
	rv = obj_table_enter();
	if (rv != CKR_OK)
		goto leave;
	o = obj_find_inlock(hObject, NULL);
	if (o != NULL) {
		lb_attrs_free(o->attrs, o->nattrs);
		o->attrs = a;
		o->nattrs = na;
		a = NULL;
		na = 0;
	}
	obj_table_leave();
leave:
	lb_attrs_free(a, na);
	lb_attrs_free(chg, nchg);
	obj_leave(&c);
	return rv;
}

/* --- search ------------------------------------------------------------------------- */

/* A search of C_FindObjectsInit: the session's operation of kind OP_FIND (opstate.h), the
 * handles that matched when it began, and how far C_FindObjects has read them. */
#define OBJ_SEARCH_INLINE 16

struct obj_search {
	struct op op;
	CK_OBJECT_HANDLE *h;            /* inl, or allocated for more than fit there */
	size_t n, pos;
	CK_OBJECT_HANDLE inl[OBJ_SEARCH_INLINE];        /* a small result: no allocation */
};

static void obj_search_destroy(struct op *op)
{
	struct obj_search *f = (struct obj_search *)op;

	if (f->h != f->inl)
		free(f->h);
	if (!op_keep(op, sizeof *f))    /* the session's next search takes it */
		free(f);
}

/* Does o match every attribute of the template? Hidden values never match. */
static int obj_matches(const struct obj *o, const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	const struct sk_obj_kind *k;
	const struct lb_attr *a;
	struct lb_attr want;
	CK_ULONG i;
	int eq;

	if (n == 0)
		return 1;       /* (the usual "find everything": no need for the kind) */
	k = obj_kind_of(o->attrs, o->nattrs);
	for (i = 0; i < n; i++) {
		a = obj_attrs_find(o->attrs, o->nattrs, tmpl[i].type);
		if (a == NULL || obj_hidden(k, o->attrs, o->nattrs, a->type))
			return 0;
		if (obj_attr_check(&tmpl[i]) != CKR_OK)
			return 0;
		if (obj_attr_from_ck(&tmpl[i], &want) != CKR_OK)
			return 0;
		eq = obj_attr_equal(a, &want);
		obj_attr_wipe(&want);
		if (!eq)
			return 0;
	}
	return 1;
}

/* A lazy object that may match: what it has matches, and the template names what it
 * lacks. */
static int obj_may_match(const struct obj *o, const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	const struct sk_obj_kind *k;
	const struct lb_attr *a;
	struct lb_attr want;
	CK_ULONG i;
	int eq, lacks = 0;

	if (!o->lazy || n == 0)
		return 0;       /* (an empty template lacks nothing) */
	k = obj_kind_of(o->attrs, o->nattrs);
	for (i = 0; i < n; i++) {
		a = obj_attrs_find(o->attrs, o->nattrs, tmpl[i].type);
		if (a == NULL) {
			lacks = 1;
			continue;
		}
		if (obj_hidden(k, o->attrs, o->nattrs, a->type) ||
		    obj_attr_check(&tmpl[i]) != CKR_OK ||
		    obj_attr_from_ck(&tmpl[i], &want) != CKR_OK)
			return 0;
		eq = obj_attr_equal(a, &want);
		obj_attr_wipe(&want);
		if (!eq)
			return 0;
	}
	return lacks;
}

/* The handles of the visible objects that match the template, into f (the table's lock
 * held); CKR_HOST_MEMORY. With fetch set, a lazy object that may match (what it has
 * matches, and the template names what it lacks) is not judged: its handle goes to
 * want[] (of room for nobjs) instead, and *nwant counts them. */
static CK_RV obj_search_inlock(struct obj_search *f, const struct obj_ctx *c,
			       const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE **want,
			       size_t *nwant)
{
	size_t i;

	f->n = 0;
	if (f->h != f->inl)
		free(f->h);
	f->h = f->inl;
	if (nobjs > OBJ_SEARCH_INLINE && (f->h = malloc(nobjs * sizeof *f->h)) == NULL) {
		f->h = f->inl;
		return CKR_HOST_MEMORY;
	}
	for (i = 0; i < nobjs; i++) {
		struct obj *o = objs[i];

		if (!obj_visible(o, c))
			continue;
		if (want != NULL && obj_may_match(o, tmpl, n)) {
			if (*want == NULL && (*want = malloc(nobjs * sizeof **want)) == NULL)
				return CKR_HOST_MEMORY;
			(*want)[(*nwant)++] = o->handle;
		} else if (obj_matches(o, tmpl, n)) {
			f->h[f->n++] = o->handle;
		}
	}
	return CKR_OK;
}

CK_RV rt_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	struct obj_search *f;
	struct obj_ctx c;
	CK_OBJECT_HANDLE *want = NULL;
	size_t nwant = 0, i;
	CK_ULONG j;
	CK_RV rv;

	for (j = 0; j < ulCount; j++)
		if (pTemplate[j].pValue == NULL && pTemplate[j].ulValueLen != 0)
			return sess_call(hSession, &c.si) == CKR_OK ? CKR_ATTRIBUTE_VALUE_INVALID
								      : CKR_SESSION_HANDLE_INVALID;
	f = (struct obj_search *)op_spare(hSession, OP_FIND, sizeof *f);
	if (f == NULL)
		f = calloc(1, sizeof *f);
	if (f == NULL)
		return CKR_HOST_MEMORY;
	f->op.kind = OP_FIND;
	f->op.destroy = obj_search_destroy;
	f->op.no_use = 1;       /* worked with under the slots' lock only (rt_FindObjects) */
	f->h = f->inl;
	f->n = f->pos = 0;
	rv = obj_enter(hSession, OBJ_READ, &c);
	if (rv != CKR_OK) {
		free(f);
		return rv;
	}
	/* one pass over the table; the lazy objects that may match are made whole first (a
	 * template that names only what the script listed reads nothing), and then the
	 * table is looked at again. A card error fails the search */
	rv = obj_table_read();
	if (rv == CKR_OK) {
		rv = obj_search_inlock(f, &c, pTemplate, ulCount, &want, &nwant);
		obj_table_leave();
	}
	if (rv == CKR_OK && nwant > 0) {
		for (i = 0; rv == CKR_OK && i < nwant; i++)
			rv = obj_fetch(&c, want[i]);
		if (rv == CKR_OK)
			rv = obj_table_read();
		if (rv == CKR_OK) {
			rv = obj_search_inlock(f, &c, pTemplate, ulCount, NULL, NULL);
			obj_table_leave();
		}
	}
	free(want);
	obj_leave(&c);
	if (rv == CKR_OK)
		rv = op_start(hSession, &f->op);
	if (rv != CKR_OK)
		obj_search_destroy(&f->op);
	return rv;
}

CK_RV rt_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
		     CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	struct sess_info si;
	struct op *op;
	struct obj_search *f;
	CK_RV rv = sess_call(hSession, &si);

	if (rv != CKR_OK)
		return rv;
	/* the search is read and moved on with its session's slots locked: a close, a
	 * C_FindObjectsFinal, a cancel or another thread's C_FindObjects on the session waits
	 * for the copy (the object table's lock is taken inside, never the other way) */
	op = op_lock_kind(hSession, OP_FIND, &rv);
	if (op == NULL)
		return rv;
	f = (struct obj_search *)op;
	*pulObjectCount = 0;
	rv = obj_table_read();
	if (rv != CKR_OK) {
		op_unlock(op);
		return rv;
	}
	/* objects destroyed since the search began are left out (O(1) each) */
	while (f->pos < f->n && *pulObjectCount < ulMaxObjectCount) {
		CK_OBJECT_HANDLE h = f->h[f->pos++];
		struct obj *o = obj_find_inlock(h, NULL);

		if (o != NULL && !obj_dead(o))
			phObject[(*pulObjectCount)++] = h;
	}
	obj_table_leave();
	op_unlock(op);
	return CKR_OK;
}

CK_RV rt_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
	struct sess_info si;
	CK_RV rv = sess_call(hSession, &si);

	if (rv != CKR_OK)
		return rv;
	/* a C_FindObjects of another thread on this session finishes with what it holds */
	return op_finish(hSession, OP_FIND);
}
