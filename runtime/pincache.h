/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pincache.h — the PIN a token's login was made with, kept so that the module can verify it
 * again when the card has forgotten the login behind the application's back (another
 * application logged out or reset the card's access rights: the card has one security
 * state, PKCS#11 one login per application).
 *
 * The PIN lives in a page of its own, locked in memory (mlock: never swapped), left out of
 * core dumps, wiped in a child after fork where the kernel can (MADV_WIPEONFORK), and
 * cleansed with OPENSSL_cleanse when forgotten. It is never logged or written anywhere.
 * It is stored only after the card accepted it, never for a context-specific login
 * (CKA_ALWAYS_AUTHENTICATE), and forgotten at logout, at removal, at C_Finalize and as
 * soon as a re-verification fails. Setting: pin_cache (SCRIPTOKI_PIN_CACHE), default on.
 */
#ifndef SCRIPTOKI_PINCACHE_H
#define SCRIPTOKI_PINCACHE_H

#include "cryptoki.h"

struct pincache;

/* Whether PINs are cached (conf pin_cache; read once). */
int pincache_enabled(void);

/* Remember pin for user (allocating the locked page the first time): CKR_OK, or an error
 * when no memory can be locked (then nothing is kept). */
CK_RV pincache_store(struct pincache **pc, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
		     CK_ULONG len);
/* 1 and the PIN when one is kept (valid until the next pincache_* call). */
int pincache_get(const struct pincache *pc, CK_USER_TYPE *user, const CK_UTF8CHAR **pin,
		 CK_ULONG *len);
/* Cleanse what is kept; the page stays for the next login. NULL is fine. */
void pincache_forget(struct pincache *pc);
/* Cleanse, unlock and unmap the page. */
void pincache_free(struct pincache **pc);
/* After fork(): the child's copy of the parent's page is cleansed (it is not locked in the
 * child: locks are not inherited) and unmapped. */
void pincache_forget_after_fork(struct pincache **pc);

#endif
