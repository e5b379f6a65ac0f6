/* SPDX-License-Identifier: BSD-2-Clause */
/* token.c — one token: card, VM, cache, login state; see token.h. */
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lock.h"
#include "log.h"
#include "pincache.h"
#include "sk_names.h"

CK_RV token_new(const char *reader, struct token **out)
{
	struct token *t = calloc(1, sizeof *t);
	CK_RV rv;

	*out = NULL;
	if (t == NULL)
		return CKR_HOST_MEMORY;
	rv = lock_create(&t->lock);
	if (rv != CKR_OK) {
		free(t);
		return rv;
	}
	snprintf(t->reader, sizeof t->reader, "%s", reader);
	t->exclusive = conf_flag("SCRIPTOKI_EXCLUSIVE", "exclusive");
	/* read once when the token is made; token_enter reads it under the token's lock */
	lb_scripts_dir_into(t->scripts, sizeof t->scripts);
	atomic_init(&t->generation, 1);
	atomic_init(&t->fast, 0);
	/* token_fast's word is read without the lock: an atomic helgrind cannot follow */
	LOCK_HG_UNCHECKED(&t->fast, sizeof t->fast);
	for (int k = 0; k < TOKEN_PROBES; k++)
		LOCK_HG_UNCHECKED(&t->probes[k].busy, sizeof t->probes[k].busy);
	t->cache_gen = 1;
	*out = t;
	return CKR_OK;
}

/* Forget the card and everything learnt from it (the lock is held, or nobody else runs). */
static void token_drop_inlock(struct token *t)
{
	pcsc_disconnect(&t->card);
	if (t->vm != NULL)
		lb_close(t->vm);
	t->vm = NULL;
	t->family[0] = '\0';
	t->info_valid = 0;
	t->unrecognized = 0;
	t->pins_valid = 0;
	t->nmechs = 0;
	t->logged_in = 0;
	pincache_forget(t->pin);
	t->objs_valid = 0;
	t->objs_private_valid = 0;
	t->cache_gen = atomic_load(&t->generation);
}

/* token_fast's word: the cache's generation in the high half, the family's session limits
 * (when they fit in 12 bits each) and the flags below in the low half */
#define TF_READY 0x01u
#define TF_USER  0x02u
#define TF_SO    0x04u
#define TF_OBJS  0x08u
#define TF_EXCL  0x10u
#define TF_LIMIT 0xfffu

/* What token_fast() will read: the state as the lock holder leaves it. */
static void token_publish_inlock(struct token *t)
{
	unsigned long long w = 0;
	int user = t->logged_in && t->user == CKU_USER;

	if (t->card.connected && t->vm != NULL && !t->vm_stale && t->info_valid &&
	    !t->unrecognized && t->pins_valid && t->cache_gen == atomic_load(&t->generation) &&
	    t->info.max_sessions <= TF_LIMIT && t->info.max_rw_sessions <= TF_LIMIT) {
		w = (unsigned long long)t->cache_gen << 32 |
		    (unsigned long long)t->info.max_rw_sessions << 20 |
		    (unsigned long long)t->info.max_sessions << 8 | TF_READY;
		if (user)
			w |= TF_USER;
		if (t->logged_in && t->user == CKU_SO)
			w |= TF_SO;
		/* as obj_cache_inlock sees it: nothing to read, nothing to drop */
		if (t->objs_valid && (user ? t->objs_private_valid : !t->objs_private_valid))
			w |= TF_OBJS;
		if (t->card.share == SCARD_SHARE_EXCLUSIVE)
			w |= TF_EXCL;
	}
	LOCK_HG_PUBLISH(&t->fast);
	atomic_store_explicit(&t->fast, w, memory_order_release);
}

/* Every release of the token's lock publishes what it leaves. */
static void token_unlock(struct token *t)
{
	token_publish_inlock(t);
	lock_release(t->lock);
}

int token_fast(struct token *t, struct token_fast *f)
{
	unsigned long long w = atomic_load_explicit(&t->fast, memory_order_acquire);

	if (!(w & TF_READY) || (unsigned)(w >> 32) != atomic_load(&t->generation))
		return 0;
	LOCK_HG_TAKE_OVER(&t->fast);
	f->gen = (unsigned)(w >> 32);
	f->user = (w & TF_USER) != 0;
	f->so = (w & TF_SO) != 0;
	f->objs = (w & TF_OBJS) != 0;
	f->exclusive = (w & TF_EXCL) != 0;
	f->max_sessions = (CK_ULONG)(w >> 8) & TF_LIMIT;
	f->max_rw_sessions = (CK_ULONG)(w >> 20) & TF_LIMIT;
	return 1;
}

struct token_probe *token_probe_take(struct token *t)
{
	int k;

	for (k = 0; k < TOKEN_PROBES; k++) {
		struct token_probe *p = &t->probes[k];

		/* a try, never a wait: a taken one is a question in flight */
		if (atomic_load_explicit(&p->busy, memory_order_relaxed) == 0 &&
		    atomic_exchange_explicit(&p->busy, 1, memory_order_acquire) == 0) {
			LOCK_HG_TAKE_OVER(p);
			return p;
		}
	}
	return NULL;
}

void token_probe_give(struct token_probe *p)
{
	LOCK_HG_PUBLISH(p);
	atomic_store_explicit(&p->busy, 0, memory_order_release);
}

int token_probe_ask(struct token *t, struct token_probe *p, unsigned gen)
{
	if (p->card.connected && p->armed && p->gen == gen) {
		LONG rc = pcsc_probe(&p->card);

		if (rc == SCARD_S_SUCCESS)
			return TOKEN_PROBE_OK;
		if (rc == SCARD_E_SHARING_VIOLATION)
			return TOKEN_PROBE_NO;  /* nothing consumed: it stays armed */
		/* a reset (its flag stays on this handle), a removal, a dead daemon: this
		 * handle's view of the card ends here */
	}
	/* a new handle sees the resets from its connection on; those before are the token's
	 * handle's to see, in the check that arms this one */
	pcsc_disconnect(&p->card);
	p->armed = 0;
	if (pcsc_connect(&p->ctx, t->reader, 0, &p->card) != CKR_OK)
		return TOKEN_PROBE_NO;
	return TOKEN_PROBE_ARM;
}

void token_probe_arm(struct token_probe *p, unsigned gen)
{
	p->armed = 1;
	p->gen = gen;
}

/* The probe handles go with the token (nobody calls in any more). */
static void token_probes_close(struct token *t)
{
	int k;

	for (k = 0; k < TOKEN_PROBES; k++) {
		pcsc_disconnect(&t->probes[k].card);
		pcsc_ctx_close(&t->probes[k].ctx);
		t->probes[k].armed = 0;
	}
}

void token_free(struct token *t)
{
	if (t == NULL)
		return;
	token_probes_close(t);
	token_drop_inlock(t);
	pincache_free(&t->pin);
	pcsc_ctx_close(&t->ctx);
	lock_destroy(t->lock);
	free(t);
}

void token_forget_after_fork(struct token *t)
{
	/* the parent's handles, context, lock and VM stay the parent's; leak the struct,
	 * but not the copy of the parent's PIN */
	if (t != NULL) {
		pincache_forget_after_fork(&t->pin);
		atomic_store(&t->fast, 0);
	}
}

void token_removed(struct token *t)
{
	atomic_fetch_add(&t->generation, 1);
}

unsigned token_generation(struct token *t)
{
	return atomic_load(&t->generation);
}

int token_reader_info(struct token *t, char *vendor, size_t cap, CK_VERSION *ver)
{
	if (t == NULL || !atomic_load(&t->reader_told))
		return 0;
	snprintf(vendor, cap, "%s", t->reader_vendor);
	*ver = t->reader_version;
	return 1;
}

/* The card was reset by someone else: it forgot every verified PIN, and so do we. */
static void token_card_was_reset_inlock(struct token *t)
{
	log_msg(LOG_ERROR, "token '%s': card reset by another application; login dropped",
		t->reader);
	t->logged_in = 0;
	pincache_forget(t->pin);
	t->info_valid = 0;
	t->pins_valid = 0;
	t->objs_private_valid = 0;
	t->vm_stale = 1;        /* what the script keeps of the card's state is gone too */
}

static int token_gone(LONG rc)
{
	return rc == SCARD_W_REMOVED_CARD || rc == SCARD_E_NO_SMARTCARD ||
	       rc == SCARD_E_READER_UNAVAILABLE || rc == SCARD_E_UNKNOWN_READER ||
	       pcsc_service_lost(rc);  /* pcscd gone: its handles are (pcsc.h) */
}

/* The first APDU of a call with shared access: open its transaction. */
static CK_RV token_begin_inlock(struct token *t)
{
	LONG rc = pcsc_begin(&t->card);

	if (rc == SCARD_W_RESET_CARD) {
		int was_logged_in = t->logged_in;

		/* reset by someone else since the last call */
		token_card_was_reset_inlock(t);
		if (pcsc_reconnect(&t->card) != CKR_OK) {
			token_removed(t);
			return CKR_DEVICE_REMOVED;
		}
		/* logged in: what the caller decided from the login state is out of date, so
		 * this call fails and the next starts over. Nobody logged in: the caller
		 * assumed nothing a reset changes; go on in a new transaction */
		if (was_logged_in)
			return CKR_DEVICE_ERROR;
		rc = pcsc_begin(&t->card);
	}
	if (rc != SCARD_S_SUCCESS) {
		log_msg(LOG_ERROR, "token '%s': begin transaction: %s", t->reader,
			pcsc_error_name(rc));
		if (token_gone(rc)) {
			token_removed(t);
			return CKR_DEVICE_REMOVED;
		}
		return pcsc_to_rv(rc);
	}
	t->txn_open = 1;
	return CKR_OK;
}

static CK_RV token_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
			    size_t *resp_len)
{
	struct token *t = ctx;
	LONG rc;

	if (!t->txn_open && t->card.share != SCARD_SHARE_EXCLUSIVE) {
		CK_RV rv = token_begin_inlock(t);

		if (rv != CKR_OK) {
			*resp_len = 0;
			return rv;
		}
	}
	rc = pcsc_transmit(&t->card, apdu, len, resp, resp_len);

	if (rc == SCARD_S_SUCCESS && *resp_len >= 2)
		return CKR_OK;
	if (rc == SCARD_S_SUCCESS) {
		/* no status word: vpcd reports a card yanked mid-command this way */
		log_msg(LOG_ERROR, "token '%s': answer of %zu bytes, no status word", t->reader,
			*resp_len);
		*resp_len = 0;
		return CKR_DEVICE_ERROR;
	}
	log_msg(LOG_ERROR, "token '%s': transmit: %s", t->reader, pcsc_error_name(rc));
	if (rc == SCARD_W_RESET_CARD) {
		token_card_was_reset_inlock(t);
		pcsc_reconnect(&t->card);
		t->txn_open = 0;        /* the reset ended it; the next APDU opens another */
		return CKR_DEVICE_ERROR;
	}
	if (token_gone(rc) || rc == SCARD_E_NOT_TRANSACTED) {
		if (token_gone(rc) || pcsc_status(&t->card) != SCARD_S_SUCCESS)
			token_removed(t);
		return CKR_DEVICE_REMOVED;
	}
	return pcsc_to_rv(rc);
}

/* The card refused a call of a logged-in application: verify the cached PIN again. */
static CK_RV token_relogin(void *ctx)
{
	struct token *t = ctx;
	struct lb_card card;
	const CK_UTF8CHAR *pin;
	CK_USER_TYPE user;
	CK_ULONG len;
	CK_RV rv;

	if (!t->logged_in || !pincache_get(t->pin, &user, &pin, &len) || user != t->user)
		return CKR_USER_NOT_LOGGED_IN;
	token_card(t, &card);
	card.relogin = NULL;
	rv = lb_login(t->vm, &card, user, pin, len);
	if (rv == CKR_OK) {
		log_msg(LOG_CALLS, "token '%s': the card had forgotten the login; verified again",
			t->reader);
		return CKR_OK;
	}
	/* never try a PIN the card refused again (the try counter) */
	log_msg(LOG_ERROR, "token '%s': verifying the cached PIN again failed: %s", t->reader,
		sk_rv_name(rv));
	pincache_forget(t->pin);
	t->pins_valid = 0;
	return rv;
}

/* Nobody is logged in here, and a change of token objects is asked for: whatever another
 * process left verified on the card goes first (the family's logout). */
static CK_RV token_drop_rights(void *ctx)
{
	struct token *t = ctx;
	struct lb_card card;
	CK_RV rv;

	token_card(t, &card);
	card.drop_rights = NULL;
	rv = lb_logout(t->vm, &card);
	return rv == CKR_DEVICE_REMOVED || rv == CKR_DEVICE_ERROR ? rv : CKR_OK;
}

void token_card(struct token *t, struct lb_card *card)
{
	card->transmit = token_transmit;
	card->ctx = t;
	card->atr = t->card.atr;
	card->atr_len = t->card.atr_len;
	card->exclusive = t->card.share == SCARD_SHARE_EXCLUSIVE;
	card->public_only = !t->logged_in;
	card->drop_rights = t->logged_in ? NULL : token_drop_rights;
	card->relogin = t->logged_in ? token_relogin : NULL;
	if (!t->logged_in)
		pincache_forget(t->pin);        /* whichever way the login ended */
}

void token_logged_in_inlock(struct token *t, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
			    CK_ULONG len)
{
	if (pincache_enabled() && pincache_store(&t->pin, user, pin, len) != CKR_OK)
		pincache_forget(t->pin);
}

void token_logged_out_inlock(struct token *t)
{
	pincache_forget(t->pin);
}

static CK_RV token_enter_as(struct token *t, int no_apdu)
{
	CK_RV rv = lock_acquire(t->lock);
	LONG rc;

	if (rv != CKR_OK)
		return rv;
	t->txn_open = 0;
	if (t->cache_gen != atomic_load(&t->generation))
		token_drop_inlock(t);
	if (!t->card.connected) {
		rv = pcsc_connect(&t->ctx, t->reader, t->exclusive, &t->card);
		if (rv != CKR_OK)
			goto fail;
		/* the card handle is there anyway: ask the driver about the reader (no APDU) */
		if (!atomic_load(&t->reader_told)) {
			pcsc_reader_info(&t->card, t->reader_vendor, sizeof t->reader_vendor,
					 &t->reader_version);
			atomic_store(&t->reader_told, 1);
		}
		/* a card we have not spoken to yet: nobody is logged in as far as we know */
		t->logged_in = 0;
	}
	if (t->card.share != SCARD_SHARE_EXCLUSIVE && (t->logged_in || !pcsc_watched()) &&
	    !(no_apdu && pcsc_probe(&t->card) == SCARD_S_SUCCESS)) {
		/* another application may have reset the card (it forgot the login) or it may
		 * be gone: SCardBeginTransaction says so in one round trip, and the
		 * transaction is the one the call's APDUs need anyway; a call that expects
		 * none asked pcsc_probe first (one round trip, no End to follow), and comes
		 * here only when it did not answer plainly. (SCardStatus would say it too
		 * without a transaction, but pcsc-lite's costs two round trips and the whole
		 * reader table: three times Begin+End, measured.) Not needed when nobody is
		 * logged in and the reader monitor watches for removals: then a reset changes
		 * nothing the caller reads (with shared access the script keeps no card state
		 * from one call to the next), and the first APDU's transaction sees it */
		rc = pcsc_begin(&t->card);
		if (rc == SCARD_W_RESET_CARD) {
			token_card_was_reset_inlock(t);
			rv = pcsc_reconnect(&t->card);
			if (rv != CKR_OK)
				goto gone;
			rc = pcsc_begin(&t->card);
		}
		if (rc != SCARD_S_SUCCESS) {
			log_msg(LOG_ERROR, "token '%s': begin transaction: %s", t->reader,
				pcsc_error_name(rc));
			if (token_gone(rc))
				goto gone;
			rv = pcsc_to_rv(rc);
			goto fail;
		}
		t->txn_open = 1;
	}
	if (t->vm != NULL && t->vm_stale) {
		lb_close(t->vm);
		t->vm = NULL;
	}
	t->vm_stale = 0;
	t->in_txn = 1;
	if (t->vm == NULL) {
		struct lb_card card;

		/* a family's probe may send APDUs: token_transmit opens the transaction */
		token_card(t, &card);
		rv = lb_open_for_card(t->scripts, &card, t->family, sizeof t->family, &t->vm);
		if (rv != CKR_OK) {
			if (t->txn_open)
				pcsc_end(&t->card);
			t->txn_open = 0;
			t->in_txn = 0;
			goto fail;
		}
		log_msg(LOG_CALLS, "token '%s': served by script family '%s'", t->reader, t->family);
	}
	return CKR_OK;
gone:
	token_removed(t);
	token_drop_inlock(t);
	rv = CKR_DEVICE_REMOVED;
fail:
	token_unlock(t);
	return rv;
}

CK_RV token_enter(struct token *t)
{
	return token_enter_as(t, 0);
}

CK_RV token_enter_no_apdu(struct token *t)
{
	return token_enter_as(t, 1);
}

CK_RV token_enter_cached(struct token *t)
{
	CK_RV rv = lock_acquire(t->lock);

	if (rv != CKR_OK)
		return rv;
	if (t->cache_gen == atomic_load(&t->generation) && t->card.connected && t->vm != NULL &&
	    !t->vm_stale && t->info_valid && t->pins_valid) {
		t->in_txn = 0;
		t->txn_open = 0;
		return CKR_OK;
	}
	token_unlock(t);
	return token_enter(t);
}

CK_RV token_enter_so_current(struct token *t)
{
	CK_RV rv = token_enter_cached(t);

	/* an SO login is the one state it must be sure of: ask for a reset (token_enter) */
	if (rv == CKR_OK && !t->in_txn && t->logged_in && t->user == CKU_SO) {
		token_leave(t);
		rv = token_enter(t);
	}
	return rv;
}

void token_leave(struct token *t)
{
	if (t->txn_open && t->card.connected)
		pcsc_end(&t->card);
	t->txn_open = 0;
	t->in_txn = 0;
	if (t->cache_gen != atomic_load(&t->generation))
		token_drop_inlock(t);
	token_unlock(t);
}

CK_RV token_pins_inlock(struct token *t)
{
	struct lb_card card;
	CK_RV rv;

	if (t->pins_valid)
		return CKR_OK;
	token_card(t, &card);
	rv = lb_pin_info(t->vm, &card, CKU_USER, &t->pin_user);
	if (rv == CKR_DEVICE_REMOVED || rv == CKR_DEVICE_ERROR)
		return rv;
	if (rv != CKR_OK)
		t->pin_user.max_tries = t->pin_user.tries_left = -1;
	rv = lb_pin_info(t->vm, &card, CKU_SO, &t->pin_so);
	if (rv == CKR_DEVICE_REMOVED || rv == CKR_DEVICE_ERROR)
		return rv;
	if (rv != CKR_OK)
		t->pin_so.max_tries = t->pin_so.tries_left = -1;
	t->pins_valid = 1;
	return CKR_OK;
}

/* What C_GetTokenInfo shows of a card the script does not recognise: a token of the
 * family that needs C_InitToken, with nothing else claimed. */
static void token_unrecognized_inlock(struct token *t)
{
	log_msg(LOG_ERROR, "token '%s': family '%s' cannot read the card's structure; "
		"it can only be initialised", t->reader, t->family);
	memset(&t->info, 0, sizeof t->info);
	memcpy(t->info.model, t->family, strnlen(t->family, sizeof t->info.model - 1));
	t->nmechs = 0;
	t->unrecognized = 1;
	t->info_valid = 1;
	t->objs_valid = 0;
}

CK_RV token_load_inlock(struct token *t)
{
	struct lb_card card;
	size_t n = TOKEN_MAX_MECHS;
	CK_RV rv;

	if (t->info_valid) {
		rv = token_pins_inlock(t);
		return rv == CKR_OK && t->unrecognized ? CKR_TOKEN_NOT_RECOGNIZED : rv;
	}
	token_card(t, &card);
	t->unrecognized = 0;
	rv = lb_token_info(t->vm, &card, &t->info);
	if (rv == CKR_TOKEN_NOT_RECOGNIZED) {
		token_unrecognized_inlock(t);
		rv = token_pins_inlock(t);
		return rv == CKR_OK ? CKR_TOKEN_NOT_RECOGNIZED : rv;
	}
	if (rv != CKR_OK)
		return rv;
	rv = lb_mechanisms(t->vm, &card, t->mechs, &n);
	if (rv == CKR_BUFFER_TOO_SMALL) {
		log_msg(LOG_ERROR, "token '%s': the script declares more than %d mechanisms",
			t->reader, TOKEN_MAX_MECHS);
		n = TOKEN_MAX_MECHS;
	} else if (rv != CKR_OK) {
		return rv;
	}
	t->nmechs = n;
	t->info_valid = 1;
	t->objs_valid = 0;              /* the card's information was read again: so are its objects */
	return token_pins_inlock(t);
}
