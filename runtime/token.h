/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * token.h — one token: its card handle, its Lua VM, the cached token information and the
 * login state the standard defines. One lock per token serialises its card and its VM;
 * it is the only lock held during card I/O.
 *
 * Card events: the cache (token info, PIN counters, mechanisms) is read once per
 * insertion and dropped when the card is removed or reset by someone else. A removal
 * bumps the token's generation, which ends every session opened before it. A reset by
 * another application (SCARD_W_RESET_CARD) reconnects and drops the login: the card has
 * forgotten it, and the module never assumes otherwise.
 */
#ifndef SCRIPTOKI_TOKEN_H
#define SCRIPTOKI_TOKEN_H

#include <stdatomic.h>

#include "cryptoki.h"
#include "lb.h"
#include "pcsc.h"

#define TOKEN_MAX_MECHS 64

/*
 * A card handle of its own for C_GetSessionInfo's reset question (token_probe_*), on a
 * PC/SC context of its own: pcsc-lite serialises the calls of one context, so questions
 * asked on the token's handle wait behind each other and behind the token's lock, where
 * two contexts are answered side by side by pcscd. pcscd flags a reset by another
 * application on every handle of the reader and keeps the flag until the handle is
 * reconnected; this one is never reconnected, only dropped and connected anew, and it
 * speaks for the login only once "armed": after a check of the token's own handle that
 * began after it was connected (token_probe_arm).
 */
#define TOKEN_PROBES 2
struct token_probe {
	atomic_int busy;                /* taken by one call at a time (token_probe_take) */
	int armed;                      /* for generation gen (the holder's fields) */
	unsigned gen;
	struct pcsc_ctx ctx;
	struct pcsc_card card;
};

struct token {
	void *lock;                     /* lock.h: serialises card and VM */
	char reader[PCSC_READER_NAME];
	int exclusive;                  /* connect with SCARD_SHARE_EXCLUSIVE (conf.h) */
	struct pcsc_ctx ctx;
	struct pcsc_card card;
	struct lb_vm *vm;
	int vm_stale;                   /* the card was reset: the script's state is out of date */
	int in_txn;                     /* entered by token_enter (not the cached path): the
					 * card is ready, a transaction opens at the first APDU */
	int txn_open;                   /* a PC/SC transaction is open (token_leave ends it) */
	char family[64];
	char scripts[4096];             /* the scripts folder, read once when the token is made */
	atomic_uint generation;         /* bumped on removal, without the lock: sessions of
					 * older generations are gone */
	unsigned cache_gen;             /* the generation the connection and cache belong to */

	int info_valid;
	int unrecognized;               /* with info_valid: the family serves the card by its
					 * ATR, but the script cannot read its structure
					 * (CKR_TOKEN_NOT_RECOGNIZED); info is a stand-in */
	struct lb_token_info info;
	int pins_valid;
	struct lb_pin_info pin_user, pin_so;
	size_t nmechs;
	struct lb_mechanism mechs[TOKEN_MAX_MECHS];

	/* what the reader's driver told at the first connection (pcsc_reader_info), for
	 * C_GetSlotInfo: written once, before reader_told is set, never again */
	char reader_vendor[33];
	CK_VERSION reader_version;
	atomic_int reader_told;

	CK_USER_TYPE user;              /* who is logged in, when logged_in */
	int logged_in;
	struct pincache *pin;           /* the login's PIN, when cached (pincache.h) */

	/* the object cache (obj.c): its public objects are current for this connection, its
	 * private ones for the current login; cleared here when the card may have changed */
	int objs_valid, objs_private_valid;

	/* token_fast(): what the cached calls need, published at each unlock (token_unlock in
	 * token.c) for calls that read it without the lock */
	atomic_ullong fast;

	struct token_probe probes[TOKEN_PROBES];        /* without the lock (busy) */
};

/*
 * The token's state as the last holder of its lock left it, read without the lock: for
 * calls that only read the cache (a search, an attribute, C_OpenSession), so that threads
 * of one token do not all write its lock. ready: the card is connected and its
 * information, PIN counters and script current for generation gen (still the token's
 * generation when read); objs: the object cache holds what this login state may see.
 * A call that uses it is ordered before one that holds the lock meanwhile (a login, a
 * logout, a reset seen by a transaction), as if it had come a moment earlier; the object
 * table has its own lock.
 */
struct token_fast {
	unsigned gen;
	int user;                       /* the normal user is logged in */
	int so;                         /* the SO is logged in */
	int objs;
	int exclusive;                  /* connected with exclusive access */
	CK_ULONG max_sessions, max_rw_sessions;         /* the family's limits; 0: none */
};
/* 1 with *f filled when the token is ready for its current generation; 0: take the lock */
int token_fast(struct token *t, struct token_fast *f);

CK_RV token_new(const char *reader, struct token **out);
void token_free(struct token *t);
void token_forget_after_fork(struct token *t);

/* The card left the reader (seen by the slot table or by a failed transmit). Lock-free. */
void token_removed(struct token *t);
unsigned token_generation(struct token *t);

/* The reader's vendor and version as its driver told them when the card was connected;
 * 0 when not (yet) known. Lock-free: asks nothing, only reports what was learnt. */
int token_reader_info(struct token *t, char *vendor, size_t cap, CK_VERSION *ver);

/*
 * Lock the token and make sure its card is connected, unchanged and recognised. Every
 * token_*_inlock function runs between token_enter and token_leave. On failure the token
 * is not locked.
 *
 * Transactions: with exclusive access nobody else can reach the card: no transaction at
 * all (the share mode already serialises it), and no round trip. With shared access and
 * nobody logged in, while the reader monitor watches for removals (pcsc_watched), none is
 * opened here either: the first APDU of the call opens one and token_leave ends it, so a
 * call that sends nothing (C_GetSessionInfo, C_OpenSession, C_GetTokenInfo of a known
 * token) makes no round trip, and one that sends APDUs has them in one transaction.
 * With shared access and somebody logged in (or no monitor), the transaction is opened
 * here: SCardBeginTransaction tells, in the round trip the call's APDUs need anyway,
 * whether another application reset the card (which forgot the login) or took it away,
 * and the login state the caller is about to read depends on that.
 */
CK_RV token_enter(struct token *t);
/*
 * token_enter for a call that expects to send no APDU (C_GetSessionInfo): where
 * token_enter would open a transaction only to learn of a reset, pcsc_probe asks in one
 * round trip instead of two (SCardBeginTransaction and SCardEndTransaction), and no
 * transaction is opened. Should the call send an APDU after all, its first one opens
 * the transaction. When the probe does not answer plainly (a reset, a removal, another
 * application's transaction), it is token_enter.
 */
CK_RV token_enter_no_apdu(struct token *t);
void token_leave(struct token *t);

/*
 * C_GetSessionInfo logged in with shared access, beside other threads, without the
 * token's lock: take a free probe handle (NULL: all in use, ask with the lock), ask it
 * (one round trip), give it back. token_probe_ask's answers:
 *   TOKEN_PROBE_OK   armed for generation gen, and pcscd reports no reset, removal or
 *                    other transaction since: the login state token_fast publishes now
 *                    is the card's (every earlier reset was seen by the arming check);
 *   TOKEN_PROBE_ARM  the handle was connected just now (first use, or its last answer was
 *                    a reset or a removal, which end its view): ask with the lock, and
 *                    when that succeeds, token_probe_arm;
 *   TOKEN_PROBE_NO   ask with the lock (another transaction holds the card, pcscd failed).
 * Lock-free; the handle is the taker's until token_probe_give.
 */
enum { TOKEN_PROBE_OK, TOKEN_PROBE_ARM, TOKEN_PROBE_NO };
struct token_probe *token_probe_take(struct token *t);
int token_probe_ask(struct token *t, struct token_probe *p, unsigned gen);
void token_probe_arm(struct token_probe *p, unsigned gen);
void token_probe_give(struct token_probe *p);

/*
 * The same for calls that only read what the token has cached (token info, mechanisms,
 * login state): when the card is connected and the cache complete for the current
 * generation, only the token's lock is taken — no PC/SC transaction, no IPC. Otherwise it
 * is token_enter(). Either way token_leave() ends it.
 */
CK_RV token_enter_cached(struct token *t);
/*
 * token_enter_cached, but token_enter when the SO is logged in: for C_OpenSession, whose
 * one decision on the login state is CKR_SESSION_READ_WRITE_SO_EXISTS, which a reset by
 * another application would lift. A user's login ended by such a reset is noticed by the
 * next call that reads it (C_GetSessionInfo, C_Login, an operation).
 */
CK_RV token_enter_so_current(struct token *t);

/*
 * The cache, read from the card once (APDUs only the first time after an event).
 * CKR_TOKEN_NOT_RECOGNIZED: the card is one the family serves (by its ATR) but its
 * structure cannot be read (an interrupted C_InitToken leaves such a card); that answer
 * is cached like any other, t->info then describes an uninitialised token (blank label,
 * CKF_TOKEN_INITIALIZED clear) for C_GetTokenInfo, and C_InitToken can still repair it.
 */
CK_RV token_load_inlock(struct token *t);
CK_RV token_pins_inlock(struct token *t);

/*
 * The card, lent to one script call, with this application's login state: when nobody is
 * logged in through it, the bridge asks the script for no change of token objects and no
 * private-key operation, whatever the card's own security state says (another process may
 * have left it verified); when logged in with a cached PIN, a call the card refuses with
 * "security status not satisfied" (CKR_USER_NOT_LOGGED_IN) is retried once after the PIN
 * is verified again (token_relogin).
 */
void token_card(struct token *t, struct lb_card *card);

/* The login policy's hooks (session.c): a login the card accepted (the PIN is cached when
 * the setting allows), and the end of the login (the cached PIN is cleansed). */
void token_logged_in_inlock(struct token *t, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
			    CK_ULONG len);
void token_logged_out_inlock(struct token *t);

#endif
