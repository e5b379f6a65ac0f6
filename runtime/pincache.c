/* SPDX-License-Identifier: BSD-2-Clause */
/* pincache.c — a token's login PIN in locked memory; see pincache.h. */
#include "pincache.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "log.h"

#define PINCACHE_MAX 256

struct pincache {
	size_t page;            /* bytes mapped */
	int set;
	CK_USER_TYPE user;
	CK_ULONG len;
	CK_UTF8CHAR pin[PINCACHE_MAX];
};

static int pincache_on = -1;
static pthread_mutex_t pincache_once = PTHREAD_MUTEX_INITIALIZER;

int pincache_enabled(void)
{
	char v[16];

	pthread_mutex_lock(&pincache_once);
	if (pincache_on < 0) {
		pincache_on = 1;
		if (conf_get("SCRIPTOKI_PIN_CACHE", "pin_cache", v, sizeof v))
			pincache_on = conf_flag("SCRIPTOKI_PIN_CACHE", "pin_cache");
	}
	pthread_mutex_unlock(&pincache_once);
	return pincache_on;
}

static struct pincache *pincache_map(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t page = ps > 0 ? (size_t)ps : 4096;
	struct pincache *pc;

	while (page < sizeof *pc)
		page *= 2;
	pc = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pc == MAP_FAILED)
		return NULL;
	if (mlock(pc, page) != 0) {
		log_msg(LOG_ERROR, "pincache: cannot lock memory; PINs are not cached");
		munmap(pc, page);
		return NULL;
	}
#ifdef MADV_DONTDUMP
	madvise(pc, page, MADV_DONTDUMP);
#endif
#ifdef MADV_WIPEONFORK
	madvise(pc, page, MADV_WIPEONFORK);
#endif
	memset(pc, 0, sizeof *pc);
	pc->page = page;
	return pc;
}

CK_RV pincache_store(struct pincache **pc, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
		     CK_ULONG len)
{
	if (*pc != NULL)
		pincache_forget(*pc);
	if (pin == NULL || len == 0 || len > PINCACHE_MAX)
		return CKR_ARGUMENTS_BAD;
	if (*pc == NULL)
		*pc = pincache_map();
	if (*pc == NULL)
		return CKR_HOST_MEMORY;
	memcpy((*pc)->pin, pin, len);
	(*pc)->len = len;
	(*pc)->user = user;
	(*pc)->set = 1;
	return CKR_OK;
}

int pincache_get(const struct pincache *pc, CK_USER_TYPE *user, const CK_UTF8CHAR **pin,
		 CK_ULONG *len)
{
	if (pc == NULL || !pc->set)
		return 0;
	*user = pc->user;
	*pin = pc->pin;
	*len = pc->len;
	return 1;
}

void pincache_forget(struct pincache *pc)
{
	if (pc == NULL || !pc->set)
		return;
	OPENSSL_cleanse(pc->pin, sizeof pc->pin);
	pc->len = 0;
	pc->set = 0;
}

void pincache_free(struct pincache **pc)
{
	size_t page;

	if (*pc == NULL)
		return;
	page = (*pc)->page;
	OPENSSL_cleanse(*pc, page);
	munlock(*pc, page);
	munmap(*pc, page);
	*pc = NULL;
}

void pincache_forget_after_fork(struct pincache **pc)
{
	pincache_free(pc);      /* the child's copy: the parent's page is untouched */
}
