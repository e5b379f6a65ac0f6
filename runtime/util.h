/* SPDX-License-Identifier: BSD-2-Clause */
/* util.h — small helpers shared by the runtime. */
#ifndef SCRIPTOKI_UTIL_H
#define SCRIPTOKI_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

/*
 * A thread-local that every call reads (the entry gate, the session of the call, the
 * reader lock's counter, the APDU trace): the initial-exec TLS model, so that an access is
 * one instruction instead of a call to __tls_get_addr, the default for a module loaded
 * with dlopen() (about a tenth of a cached search's instructions, callgrind). glibc keeps
 * static TLS room for modules loaded later (its tunable glibc.rtld.optional_static_tls,
 * 512 bytes by default); these use about 110 bytes of it. Large thread-locals stay with
 * the default model.
 */
#define UTIL_TLS_HOT __attribute__((tls_model("initial-exec")))

/*
 * Zero n bytes at p, n a constant of at most UTIL_ZEROS: for a struct of a cached call's
 * path. gcc makes a memset of more than 128 known bytes a "rep stos", whose start-up on
 * this kind of machine costs more than the rest of a cached search (perf); a copy of
 * zeroed read-only memory of a known size is inlined as a few vector moves.
 */
#define UTIL_ZEROS 256
extern const unsigned char util_zeros[UTIL_ZEROS];
#define UTIL_ZERO(p, n)                                                      \
	do {                                                                 \
		_Static_assert((n) <= UTIL_ZEROS, "UTIL_ZERO: too large");   \
		memcpy((p), util_zeros, (n));                                \
	} while (0)

/*
 * A thread key of the module's: made at its first util_tkey_set, its destructor `ends`
 * called with the value when a thread that set one ends, and deleted when the library is
 * unloaded (no destructor of an unloaded library may run at a later thread's end).
 * Define one with UTIL_TKEY_INIT(ends).
 */
struct util_tkey {
	void (*ends)(void *);
	pthread_key_t key;
	atomic_int state;       /* 0 not made, 1 made, 2 being made, 3 none (failed, deleted) */
};
#define UTIL_TKEY_INIT(ends_fn) { .ends = (ends_fn) }

/* This thread's value of k (not NULL): 1 when set, 0 when there is no key (it could not be
 * made, another thread is making it this moment, the library is being unloaded). A caller
 * does without what the key would have undone. */
int util_tkey_set(struct util_tkey *k, void *v);

/* Copy src into a fixed Cryptoki text field of len bytes: blank-padded, not terminated. */
void util_pad(unsigned char *dst, size_t len, const char *src);

#endif
