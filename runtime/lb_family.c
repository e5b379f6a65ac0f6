/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_family.c — which token family serves a card: the family.yaml manifests of the
 * scripts folder (scripts/README.md, "The family manifest").
 *
 * Every folder of the scripts folder with a family.yaml is a family. Its manifest lists
 * ATR patterns (value and mask), a priority and optionally an application probe. Matching
 * reads the manifests only: no VM is started for a family whose ATRs do not match. The
 * families whose ATRs match are tried by priority (higher first), then by name; the first
 * without a probe, or whose probe answers yes, serves the card, and only its VM is started
 * (a probe naming a function of the family's script starts that family's VM to ask it).
 *
 * The manifests are read by lb_manifest.c.
 */
#include "lb.h"
#include "lb_int.h"
#include "lb_manifest.h"
#include "log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

/* --- matching -------------------------------------------------------------------- */

static int lbf_atr_matches(const struct lbf_family *f, const uint8_t *atr, size_t len)
{
	size_t i, k;

	for (i = 0; i < f->npat; i++) {
		const struct lbf_pattern *a = &f->pat[i];

		if (a->len != len)
			continue;
		for (k = 0; k < len; k++)
			if ((atr[k] & a->mask[k]) != (a->value[k] & a->mask[k]))
				break;
		if (k == len)
			return 1;
	}
	return 0;
}

/* higher priority first, then name order */
static int lbf_order(const void *a, const void *b)
{
	const struct lbf_family *x = *(struct lbf_family *const *)a;
	const struct lbf_family *y = *(struct lbf_family *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* SELECT by DF name (ISO/IEC 7816-4: 00 A4 04 00 Lc AID 00). CKR_OK with *yes set, or
 * the transmit failure. A 61xx answer to an expected 9000 is a yes (T=0: the FCI waits
 * for GET RESPONSE). */
static CK_RV lbf_select_probe(const struct lbf_family *f, const struct lb_card *card, int *yes)
{
	uint8_t apdu[5 + LBF_AID_MAX + 1], resp[258];
	size_t rlen = sizeof resp;
	unsigned sw;
	CK_RV rv;

	*yes = 0;
	if (card == NULL || card->transmit == NULL) {
		log_msg(LOG_CALLS, "lb: %s: no card to probe", f->name);
		return CKR_OK;
	}
	apdu[0] = 0x00;
	apdu[1] = 0xA4;
	apdu[2] = 0x04;
	apdu[3] = 0x00;
	apdu[4] = (uint8_t)f->aid_len;
	memcpy(apdu + 5, f->aid, f->aid_len);
	apdu[5 + f->aid_len] = 0x00;
	rv = card->transmit(card->ctx, apdu, 6 + f->aid_len, resp, &rlen);
	if (rv != CKR_OK)
		return rv;
	if (rlen < 2) {
		log_msg(LOG_CALLS, "lb: %s: the probe's SELECT got no status word", f->name);
		return CKR_OK;
	}
	sw = (unsigned)resp[rlen - 2] << 8 | resp[rlen - 1];
	*yes = sw == f->expect_sw || (f->expect_sw == 0x9000 && (sw >> 8) == 0x61);
	log_msg(LOG_CALLS, "lb: %s: probe SELECT answered %04X: %s", f->name, sw,
		*yes ? "yes" : "no");
	return CKR_OK;
}

static CK_RV lbf_take_probe(lua_State *L, void *ud)
{
	int *yes = ud;

	*yes = lua_toboolean(L, -2);    /* false, nil, or nil and a CKR_ name: no */
	return CKR_OK;
}

/* A probe function of the family's script: true when it serves the card. */
static CK_RV lbf_function_probe(const char *dir, const struct lbf_family *f,
				const struct lb_card *card, int *yes, struct lb_vm **vm)
{
	struct lb_invoke inv = { .fn = f->fn, .if_missing = CKR_FUNCTION_FAILED,
				 .take = lbf_take_probe, .ud = yes };
	CK_RV rv;

	*yes = 0;
	*vm = NULL;
	if (card == NULL || card->transmit == NULL) {
		log_msg(LOG_CALLS, "lb: %s: no card to probe", f->name);
		return CKR_OK;
	}
	rv = lb_open(dir, f->name, vm);
	if (rv != CKR_OK)
		return CKR_FUNCTION_FAILED;
	rv = lb_invoke(*vm, card, &inv);
	if (rv == CKR_FUNCTION_FAILED)
		log_msg(LOG_ERROR, "lb: %s: its probe %s() failed", f->name, f->fn);
	else
		log_msg(LOG_CALLS, "lb: %s: probe %s(): %s", f->name, f->fn,
			rv == CKR_OK && *yes ? "yes" : "no");
	if (rv != CKR_OK || !*yes) {
		lb_close(*vm);
		*vm = NULL;
	}
	return rv;
}

static int lbf_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* lb_find_family, keeping the chosen family's VM in *keep when keep is not NULL. */
static CK_RV lbf_find(const char *dir, const struct lb_card *card, char *family,
		      size_t family_cap, struct lb_vm **keep)
{
	DIR *d = NULL;
	struct dirent *e;
	char **names = NULL, **grown;
	struct lbf_family *fams = NULL, **cand = NULL;
	size_t n = 0, cap = 0, nc = 0, i;
	const uint8_t *atr = card != NULL ? card->atr : NULL;
	size_t atr_len = card != NULL && card->atr != NULL ? card->atr_len : 0;
	struct lb_vm *vm;
	CK_RV rv = CKR_TOKEN_NOT_RECOGNIZED, r;
	int broken = 0, yes;

	if (family_cap > 0)
		family[0] = '\0';
	d = opendir(dir);
	if (d == NULL) {
		log_msg(LOG_ERROR, "lb: cannot read the scripts folder: %s", strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		if (!lb_name_ok(e->d_name, 1) || strcmp(e->d_name, "lib") == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			grown = realloc(names, cap * sizeof *names);
			if (grown == NULL) {
				rv = CKR_HOST_MEMORY;
				goto out;
			}
			names = grown;
		}
		names[n] = strdup(e->d_name);
		if (names[n] == NULL) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		n++;
	}
	if (n == 0)
		goto out;
	qsort(names, n, sizeof *names, lbf_name_cmp);   /* the log reads in a stable order */
	fams = calloc(n, sizeof *fams);
	cand = calloc(n, sizeof *cand);
	if (fams == NULL || cand == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	for (i = 0; i < n; i++) {
		int got = lbf_read(dir, names[i], &fams[i]);

		if (got < 0)
			broken = 1;
		else if (got > 0 && lbf_atr_matches(&fams[i], atr, atr_len))
			cand[nc++] = &fams[i];
	}
	qsort(cand, nc, sizeof *cand, lbf_order);
	for (i = 0; i < nc; i++) {
		const struct lbf_family *f = cand[i];

		vm = NULL;
		if (f->probe == LBF_PROBE_SELECT) {
			r = lbf_select_probe(f, card, &yes);
			if (r != CKR_OK) {
				rv = r;         /* the card failed: that is the answer */
				goto out;
			}
			if (!yes)
				continue;
		} else if (f->probe == LBF_PROBE_FUNCTION) {
			r = lbf_function_probe(dir, f, card, &yes, &vm);
			if (r == CKR_FUNCTION_FAILED) {
				broken = 1;     /* logged; the next candidate may serve the card */
				continue;
			}
			if (r != CKR_OK) {
				rv = r;
				goto out;
			}
			if (!yes)
				continue;
		}
		if (strlen(f->name) >= family_cap) {
			lb_close(vm);
			rv = CKR_BUFFER_TOO_SMALL;
			goto out;
		}
		if (keep != NULL && vm == NULL && lb_open(dir, f->name, &vm) != CKR_OK) {
			broken = 1;     /* logged; a broken script does not hide the others */
			continue;
		}
		if (keep != NULL)
			*keep = vm;
		else
			lb_close(vm);
		memcpy(family, f->name, strlen(f->name) + 1);
		log_msg(LOG_CALLS, "lb: the card is served by %s", family);
		rv = CKR_OK;
		goto out;
	}
	/* No family took the card. If one of them could not even be asked, say so: someone
	 * editing a manifest or a script should hear that it is broken, not that the card
	 * is unknown. */
	if (broken)
		rv = CKR_FUNCTION_FAILED;
out:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(fams);
	free(cand);
	return rv;
}

CK_RV lb_find_family(const char *dir, const struct lb_card *card, char *family,
		     size_t family_cap)
{
	return lbf_find(dir, card, family, family_cap, NULL);
}

CK_RV lb_open_for_card(const char *dir, const struct lb_card *card, char *family,
		       size_t family_cap, struct lb_vm **vm)
{
	*vm = NULL;
	return lbf_find(dir, card, family, family_cap, vm);
}
