/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * driver.c — compares our spec-generated header with another project's Cryptoki header:
 * every constant it defines (value, and that our spec has it), every struct it defines
 * (size, and the offset and size of each field), and so every function's position in
 * the function lists. Known, explained differences are listed in
 * tests/xcheck/exceptions-NAME.txt as "missing NAME", "value NAME", "struct TYPE" or
 * "field TYPE.FIELD" (or "KIND-prefix PREFIX" for every name beginning with PREFIX), each with a reason after '#'; an exception that no longer matches
 * anything is itself a failure, so the list cannot rot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_names.h"
#include "tap.h"
#include "xcheck.h"

#define MAX_EXC 512
static struct exc {
	char kind[16];
	char what[128];
	int used;
} exc[MAX_EXC];
static int nexc;

static void load_exceptions(void)
{
	FILE *f = fopen(xc_their_exceptions, "r");
	char line[512];

	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL && nexc < MAX_EXC) {
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		if (sscanf(line, "%15s %127s", exc[nexc].kind, exc[nexc].what) == 2)
			nexc++;
	}
	fclose(f);
}

static int excepted(const char *kind, const char *what)
{
	int i;

	for (i = 0; i < nexc; i++) {
		if (strcmp(exc[i].kind, kind) == 0 && strcmp(exc[i].what, what) == 0) {
			exc[i].used = 1;
			return 1;
		}
		/* "KIND-prefix P" covers every KIND exception whose name begins with P */
		size_t kl = strlen(kind);
		if (strncmp(exc[i].kind, kind, kl) == 0 && strcmp(exc[i].kind + kl, "-prefix") == 0 &&
		    strncmp(what, exc[i].what, strlen(exc[i].what)) == 0) {
			exc[i].used = 1;
			return 1;
		}
	}
	return 0;
}

/* the family of a constant: its prefix up to the first '_' (CKA, CKM, CK, ...) */
static void prefix_of(const char *name, char *out, size_t len)
{
	size_t n = strcspn(name, "_");
	if (n >= len)
		n = len - 1;
	memcpy(out, name, n);
	out[n] = '\0';
}

static void check_constants(void)
{
	char fams[64][16];
	int nfam = 0, f;
	size_t i;

	for (i = 0; i < xc_their_nconsts; i++) {
		char p[16];
		int k;
		prefix_of(xc_their_consts[i].name, p, sizeof p);
		for (k = 0; k < nfam && strcmp(fams[k], p) != 0; k++)
			;
		if (k == nfam && nfam < 64)
			strcpy(fams[nfam++], p);
	}
	for (f = 0; f < nfam; f++) {
		int bad = 0, n = 0;
		for (i = 0; i < xc_their_nconsts; i++) {
			const struct xc_const *c = &xc_their_consts[i];
			unsigned long ours;
			char p[16];

			prefix_of(c->name, p, sizeof p);
			if (strcmp(p, fams[f]) != 0)
				continue;
			n++;
			if (!sk_lookup(c->name, &ours)) {
				if (!excepted("missing", c->name)) {
					diag("%s: %s = 0x%lx is not in our spec", xc_their_name,
					     c->name, c->value);
					bad++;
				}
			} else if (ours != c->value && !excepted("value", c->name)) {
				diag("%s: %s is 0x%lx there, 0x%lx in our spec", xc_their_name,
				     c->name, c->value, ours);
				bad++;
			}
		}
		ok(bad == 0, "%s: all %d %s_ constants it defines agree with our spec",
		   xc_their_name, n, fams[f]);
	}
	/* and from our side: every constant of the spec that the header also defines */
	{
		int bad = 0;
		for (i = 0; i < xc_their_nprobe_consts; i++) {
			const struct xc_const *c = &xc_their_probe_consts[i];
			unsigned long ours = 0;
			if ((!sk_lookup(c->name, &ours) || ours != c->value) &&
			    !excepted("value", c->name)) {
				diag("%s: %s differs (0x%lx there, 0x%lx ours)", xc_their_name,
				     c->name, c->value, ours);
				bad++;
			}
		}
		ok(bad == 0 && xc_their_nprobe_consts > 0,
		   "%s: the %zu spec constants it also defines have its values", xc_their_name,
		   xc_their_nprobe_consts);
	}
}

static const struct xc_field *ours_find(const char *type, const char *field)
{
	size_t i;

	for (i = 0; i < xc_ours_nfields; i++) {
		const struct xc_field *o = &xc_ours_fields[i];
		if (strcmp(o->type, type) != 0)
			continue;
		if (field == NULL ? o->field == NULL : o->field && strcmp(o->field, field) == 0)
			return o;
	}
	return NULL;
}

static void check_structs(void)
{
	size_t i = 0;
	int nstructs = 0;

	while (i < xc_their_nfields) {
		const struct xc_field *s = &xc_their_fields[i];
		const struct xc_field *o = ours_find(s->type, NULL);
		int bad = 0, nf = 0;

		nstructs++;
		if (o->size != s->size && !excepted("struct", s->type)) {
			diag("%s: sizeof(%s) is %zu there, %zu ours", xc_their_name, s->type,
			     s->size, o->size);
			bad++;
		}
		for (i++; i < xc_their_nfields && xc_their_fields[i].field != NULL; i++) {
			const struct xc_field *tf = &xc_their_fields[i];
			const struct xc_field *of = ours_find(tf->type, tf->field);
			char what[256];

			nf++;
			snprintf(what, sizeof what, "%s.%s", tf->type, tf->field);
			if (tf->offset == XC_ABSENT) {
				if (!excepted("field", what)) {
					diag("%s: %s has no field %s", xc_their_name, tf->type,
					     tf->field);
					bad++;
				}
			} else if ((of->offset != tf->offset || of->size != tf->size) &&
				   !excepted("field", what)) {
				diag("%s: %s at %zu size %zu there, at %zu size %zu ours",
				     xc_their_name, what, tf->offset, tf->size, of->offset,
				     of->size);
				bad++;
			}
		}
		ok(bad == 0, "%s: %s has our size and the offsets of its %d fields",
		   xc_their_name, s->type, nf);
	}
	ok(nstructs > 0, "%s: %d structs compared", xc_their_name, nstructs);
	{
		int bad = 0;
		for (i = 0; xc_their_extra_structs[i] != NULL; i++)
			if (!excepted("struct", xc_their_extra_structs[i])) {
				diag("%s: defines struct %s, our spec does not", xc_their_name,
				     xc_their_extra_structs[i]);
				bad++;
			}
		ok(bad == 0, "%s: every struct it defines is in our spec", xc_their_name);
	}
}

int main(void)
{
	int i, stale = 0;

	load_exceptions();
	check_constants();
	check_structs();
	for (i = 0; i < nexc; i++)
		if (!exc[i].used) {
			diag("%s: exception '%s %s' matches nothing: remove it", xc_their_name,
			     exc[i].kind, exc[i].what);
			stale++;
		}
	ok(stale == 0, "%s: every listed exception is still needed", xc_their_name);
	return done_testing();
}
