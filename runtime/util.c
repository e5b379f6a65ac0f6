/* SPDX-License-Identifier: BSD-2-Clause */
/* util.c — small helpers shared by the runtime; see util.h. */
#include "util.h"

#include <string.h>

const unsigned char util_zeros[UTIL_ZEROS];

void util_pad(unsigned char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n > len)
		n = len;
	memset(dst, ' ', len);
	memcpy(dst, src, n);
}

/* Every key made, for the unloading (two are in use: lock.c's and opstate.c's). */
#define UTIL_TKEYS 4
static struct util_tkey *_Atomic util_tkeys[UTIL_TKEYS];

int util_tkey_set(struct util_tkey *k, void *v)
{
	int st = atomic_load_explicit(&k->state, memory_order_acquire), zero = 0, i;

	/* not a mutex or pthread_once: a child forked while another thread made the key
	 * finds it "being made" for good and does without (never a lock held by nobody) */
	if (st == 0 && !atomic_compare_exchange_strong(&k->state, &zero, 2)) {
		st = zero;      /* another thread's doing: made, being made or failed */
	} else if (st == 0) {
		st = 3;
		if (pthread_key_create(&k->key, k->ends) == 0) {
			for (i = 0; i < UTIL_TKEYS; i++) {
				struct util_tkey *none = NULL;

				if (atomic_compare_exchange_strong(&util_tkeys[i], &none, k))
					break;
			}
			if (i < UTIL_TKEYS)
				st = 1;
			else
				pthread_key_delete(k->key);     /* could not be deleted at unload */
		}
		atomic_store_explicit(&k->state, st, memory_order_release);
	}
	return st == 1 && pthread_setspecific(k->key, v) == 0;
}

/* dlclose(): no destructor of an unloaded library may run at a later thread's end (what
 * the threads keep then is lost with the library) */
__attribute__((destructor)) static void util_tkeys_delete(void)
{
	int i;

	for (i = 0; i < UTIL_TKEYS; i++) {
		struct util_tkey *k = atomic_exchange(&util_tkeys[i], NULL);

		if (k != NULL && atomic_exchange(&k->state, 3) == 1)
			pthread_key_delete(k->key);
	}
}
