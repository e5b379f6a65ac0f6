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
 * A manifest is a small, strict subset of YAML, parsed here line by line: top-level
 * "key: value" lines, the block sequence under "atr:" whose items are "value:"/"mask:"
 * mappings (block or flow style), and the mapping under "probe:" (block or flow style).
 * Anything else is an error reported as file:line; that family is skipped.
 */
#include "lb.h"
#include "lb_int.h"
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

#define LBF_FILE_MAX   (16 * 1024)     /* a manifest is a few lines */
#define LBF_ATR_MAX    33              /* ISO/IEC 7816-3: at most 33 bytes */
#define LBF_PAT_MAX    32
#define LBF_AID_MAX    16              /* ISO/IEC 7816-4: an AID is 5 to 16 bytes */
#define LBF_FN_MAX     64
#define LBF_PRIO_MAX   1000

struct lbf_pattern {
	uint8_t value[LBF_ATR_MAX], mask[LBF_ATR_MAX];
	size_t len;
	int has_value, has_mask, line;
};

enum lbf_probe { LBF_PROBE_NONE, LBF_PROBE_SELECT, LBF_PROBE_FUNCTION };

struct lbf_family {
	char name[129];         /* lb_name_ok: at most 128 bytes */
	long priority;
	size_t npat;
	struct lbf_pattern pat[LBF_PAT_MAX];
	enum lbf_probe probe;
	uint8_t aid[LBF_AID_MAX];
	size_t aid_len;
	unsigned expect_sw;
	int has_expect_sw;
	char fn[LBF_FN_MAX];
};

/* --- the manifest parser ----------------------------------------------------------- */

struct lbf_parser {
	const char *path;
	int line;
	struct lbf_family *f;
	enum { LBF_TOP, LBF_ATR, LBF_PROBE } section;
	int item_col;           /* ATR: the column of the open block item's keys, or -1 */
	int probe_col;          /* PROBE: the column of its keys, -1 before the first */
	int seen_priority, seen_atr, seen_probe, seen_description;
	char err[600];           /* path:line: message (the path may be long) */
};

static int lbf_fail(struct lbf_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int lbf_fail(struct lbf_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err[0] != '\0')
		return -1;
	n = snprintf(p->err, sizeof p->err, "%s:%d: ", p->path, p->line);
	if (n < 0 || (size_t)n >= sizeof p->err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, sizeof p->err - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static unsigned lbf_nibble(char c)
{
	return isdigit((unsigned char)c) ? (unsigned)(c - '0') :
	       (unsigned)(tolower((unsigned char)c) - 'a' + 10);
}

/* Hex bytes, "3B 8B 01" or "3B8B01" (blanks only between bytes). */
static int lbf_hex(struct lbf_parser *p, const char *key, const char *s, uint8_t *out,
		   size_t cap, size_t *len)
{
	size_t n = 0;

	while (*s != '\0') {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return lbf_fail(p, "%s: hex bytes expected (like 3B 8B 01)", key);
		if (n == cap)
			return lbf_fail(p, "%s: more than %zu bytes", key, cap);
		out[n++] = (uint8_t)(lbf_nibble(s[0]) << 4 | lbf_nibble(s[1]));
		s += 2;
		while (*s == ' ')
			s++;
	}
	if (n == 0)
		return lbf_fail(p, "%s: no bytes", key);
	*len = n;
	return 0;
}

static int lbf_close_item(struct lbf_parser *p)
{
	struct lbf_pattern *a;
	int line = p->line;

	p->item_col = -1;
	if (p->f->npat == 0)
		return 0;
	a = &p->f->pat[p->f->npat - 1];
	if (a->line == 0)
		return 0;       /* checked already */
	p->line = a->line;
	if (!a->has_value)
		return lbf_fail(p, "an atr item needs a value");
	if (!a->has_mask)
		memset(a->mask, 0xFF, a->len);
	p->line = line;
	a->line = 0;
	return 0;
}

/* One "key: value" of an ATR item. */
static int lbf_atr_key(struct lbf_parser *p, const char *key, const char *val)
{
	struct lbf_pattern *a = &p->f->pat[p->f->npat - 1];
	uint8_t b[LBF_ATR_MAX];
	size_t n;

	if (strcmp(key, "value") == 0 || strcmp(key, "mask") == 0) {
		int is_value = key[0] == 'v';

		if (is_value ? a->has_value : a->has_mask)
			return lbf_fail(p, "%s given twice", key);
		if (lbf_hex(p, key, val, b, sizeof b, &n) != 0)
			return -1;
		if ((is_value ? a->has_mask : a->has_value) && n != a->len)
			return lbf_fail(p, "value and mask differ in length (%zu and %zu bytes)",
					is_value ? n : a->len, is_value ? a->len : n);
		a->len = n;
		memcpy(is_value ? a->value : a->mask, b, n);
		if (is_value)
			a->has_value = 1;
		else
			a->has_mask = 1;
		return 0;
	}
	return lbf_fail(p, "unknown key '%s' in an atr item (value, mask)", key);
}

static int lbf_probe_key(struct lbf_parser *p, const char *key, const char *val)
{
	struct lbf_family *f = p->f;
	size_t n, i;

	if (strcmp(key, "select_aid") == 0) {
		if (f->aid_len > 0)
			return lbf_fail(p, "select_aid given twice");
		if (lbf_hex(p, key, val, f->aid, sizeof f->aid, &n) != 0)
			return -1;
		f->aid_len = n;
		return 0;
	}
	if (strcmp(key, "expect_sw") == 0) {
		uint8_t sw[2];

		if (f->has_expect_sw)
			return lbf_fail(p, "expect_sw given twice");
		if (lbf_hex(p, key, val, sw, sizeof sw, &n) != 0)
			return -1;
		if (n != 2)
			return lbf_fail(p, "expect_sw: a status word of 2 bytes (like 9000)");
		f->expect_sw = (unsigned)sw[0] << 8 | sw[1];
		f->has_expect_sw = 1;
		return 0;
	}
	if (strcmp(key, "function") == 0) {
		if (f->fn[0] != '\0')
			return lbf_fail(p, "function given twice");
		n = strlen(val);
		if (n == 0 || n >= sizeof f->fn || !(islower((unsigned char)val[0]) || val[0] == '_'))
			return lbf_fail(p, "function: the name of a function of token.lua");
		for (i = 0; i < n; i++)
			if (!(islower((unsigned char)val[i]) || isdigit((unsigned char)val[i]) ||
			      val[i] == '_'))
				return lbf_fail(p, "function: the name of a function of token.lua");
		memcpy(f->fn, val, n + 1);
		return 0;
	}
	return lbf_fail(p, "unknown key '%s' in probe (select_aid, expect_sw, function)", key);
}

/* "key: value" (value may be empty) into key and val, both pointing into s. */
static int lbf_split(struct lbf_parser *p, char *s, char **key, char **val)
{
	char *c = s;

	while (islower((unsigned char)*c) || *c == '_' || isdigit((unsigned char)*c))
		c++;
	if (c == s || *c != ':' || (c[1] != '\0' && c[1] != ' '))
		return lbf_fail(p, "expected 'key: value'");
	*c++ = '\0';
	while (*c == ' ')
		c++;
	*key = s;
	*val = c;
	return 0;
}

typedef int (*lbf_key_fn)(struct lbf_parser *p, const char *key, const char *val);

/* "{ key: value, key: value }" on one line. */
static int lbf_flow(struct lbf_parser *p, char *s, lbf_key_fn fn)
{
	size_t n = strlen(s);
	char *item, *next, *key, *val, *e;

	if (n < 2 || s[0] != '{' || s[n - 1] != '}')
		return lbf_fail(p, "a flow mapping is { key: value, ... } on one line");
	s[n - 1] = '\0';
	for (item = s + 1; item != NULL; item = next) {
		next = strchr(item, ',');
		if (next != NULL)
			*next++ = '\0';
		while (*item == ' ')
			item++;
		e = item + strlen(item);
		while (e > item && e[-1] == ' ')
			*--e = '\0';
		if (*item == '\0') {
			if (next == NULL && item == s + 1)
				break;  /* "{ }" */
			return lbf_fail(p, "an empty entry in a flow mapping");
		}
		if (lbf_split(p, item, &key, &val) != 0 || fn(p, key, val) != 0)
			return -1;
	}
	return 0;
}

static int lbf_top(struct lbf_parser *p, char *s)
{
	char *key, *val, *end;
	long v;

	if (lbf_split(p, s, &key, &val) != 0)
		return -1;
	if (strcmp(key, "priority") == 0) {
		if (p->seen_priority++)
			return lbf_fail(p, "priority given twice");
		errno = 0;
		v = strtol(val, &end, 10);
		if (*val == '\0' || *end != '\0' || errno != 0 || v < -LBF_PRIO_MAX ||
		    v > LBF_PRIO_MAX)
			return lbf_fail(p, "priority: an integer from %d to %d", -LBF_PRIO_MAX,
					LBF_PRIO_MAX);
		p->f->priority = v;
		return 0;
	}
	if (strcmp(key, "description") == 0) {
		if (p->seen_description++)
			return lbf_fail(p, "description given twice");
		return 0;
	}
	if (strcmp(key, "atr") == 0) {
		if (p->seen_atr++)
			return lbf_fail(p, "atr given twice");
		if (*val != '\0')
			return lbf_fail(p, "atr: a list of '- value: HEX' items on the lines below");
		p->section = LBF_ATR;
		p->item_col = -1;
		return 0;
	}
	if (strcmp(key, "probe") == 0) {
		if (p->seen_probe++)
			return lbf_fail(p, "probe given twice");
		if (*val == '\0') {
			p->section = LBF_PROBE;
			p->probe_col = -1;
			return 0;
		}
		return lbf_flow(p, val, lbf_probe_key);
	}
	return lbf_fail(p, "unknown key '%s' (priority, atr, probe, description)", key);
}

static int lbf_line(struct lbf_parser *p, char *s)
{
	char *c, *key, *val;
	int indent = 0;

	/* a comment starts at '#' at the beginning or after a blank */
	for (c = s; *c != '\0'; c++)
		if (*c == '#' && (c == s || c[-1] == ' ')) {
			*c = '\0';
			break;
		}
	c = s + strlen(s);
	while (c > s && c[-1] == ' ')
		*--c = '\0';
	if (strchr(s, '\t') != NULL)
		return lbf_fail(p, "a tab (YAML indents with blanks)");
	while (s[indent] == ' ')
		indent++;
	if (s[indent] == '\0')
		return 0;
	s += indent;
	/* a block sequence may sit at its key's own column ("atr:" then "- value: ...") */
	if (indent == 0 &&
	    !(p->section == LBF_ATR && s[0] == '-' && (s[1] == ' ' || s[1] == '\0'))) {
		if (p->section == LBF_ATR && lbf_close_item(p) != 0)
			return -1;
		p->section = LBF_TOP;
		return lbf_top(p, s);
	}
	if (p->section == LBF_ATR) {
		if (s[0] == '-' && (s[1] == ' ' || s[1] == '\0')) {
			struct lbf_pattern *a;

			if (lbf_close_item(p) != 0)
				return -1;
			if (p->f->npat == LBF_PAT_MAX)
				return lbf_fail(p, "more than %d atr items", LBF_PAT_MAX);
			a = &p->f->pat[p->f->npat++];
			memset(a, 0, sizeof *a);
			a->line = p->line;
			c = s + 1;
			while (*c == ' ')
				c++;
			if (*c == '\0')
				return lbf_fail(p, "an atr item is '- value: HEX' (and 'mask: HEX')");
			if (*c == '{') {
				if (lbf_flow(p, c, lbf_atr_key) != 0)
					return -1;
				return lbf_close_item(p);
			}
			p->item_col = indent + (int)(c - s);
			if (lbf_split(p, c, &key, &val) != 0)
				return -1;
			return lbf_atr_key(p, key, val);
		}
		if (p->item_col < 0 || indent != p->item_col)
			return lbf_fail(p, "unexpected indentation in atr");
		if (lbf_split(p, s, &key, &val) != 0)
			return -1;
		return lbf_atr_key(p, key, val);
	}
	if (p->section == LBF_PROBE) {
		if (p->probe_col < 0)
			p->probe_col = indent;
		if (indent != p->probe_col)
			return lbf_fail(p, "unexpected indentation in probe");
		if (lbf_split(p, s, &key, &val) != 0)
			return -1;
		return lbf_probe_key(p, key, val);
	}
	return lbf_fail(p, "an indented line outside atr: and probe:");
}

/* Parses the manifest text (NUL-terminated, modified). 0, or -1 with p->err set. */
static int lbf_parse(struct lbf_parser *p, char *text)
{
	char *s = text, *nl;
	struct lbf_family *f = p->f;

	p->section = LBF_TOP;
	p->item_col = p->probe_col = -1;
	p->line = 0;
	while (*s != '\0') {
		p->line++;
		nl = strchr(s, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (lbf_line(p, s) != 0)
			return -1;
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	if (p->section == LBF_ATR && lbf_close_item(p) != 0)
		return -1;
	p->line = p->line > 0 ? p->line : 1;
	if (f->npat == 0)
		return lbf_fail(p, "no atr patterns (atr: with '- value: HEX' items)");
	if (f->aid_len > 0 && f->fn[0] != '\0')
		return lbf_fail(p, "probe: select_aid or function, not both");
	if (f->has_expect_sw && f->aid_len == 0)
		return lbf_fail(p, "probe: expect_sw belongs to select_aid");
	if (p->seen_probe && f->aid_len == 0 && f->fn[0] == '\0')
		return lbf_fail(p, "probe: needs select_aid or function");
	f->probe = f->aid_len > 0 ? LBF_PROBE_SELECT :
		   f->fn[0] != '\0' ? LBF_PROBE_FUNCTION : LBF_PROBE_NONE;
	if (!f->has_expect_sw)
		f->expect_sw = 0x9000;
	return 0;
}

/* Reads dir/name/family.yaml into f: 1 read, 0 there is none, -1 broken (logged). */
static int lbf_read(const char *dir, const char *name, struct lbf_family *f)
{
	char path[4096], lua[4096], *text = NULL;
	struct lbf_parser p;
	struct stat st;
	FILE *fp;
	size_t got;
	int rc = -1;

	memset(f, 0, sizeof *f);
	memset(&p, 0, sizeof p);
	if ((size_t)snprintf(path, sizeof path, "%s/%s/family.yaml", dir, name) >= sizeof path ||
	    (size_t)snprintf(lua, sizeof lua, "%s/%s/token.lua", dir, name) >= sizeof lua)
		return 0;
	if (stat(path, &st) != 0) {
		if (stat(lua, &st) == 0)
			log_msg(LOG_CALLS, "lb: %s has no family.yaml: it serves no card", name);
		return 0;
	}
	p.path = path;
	p.f = f;
	p.line = 1;
	snprintf(f->name, sizeof f->name, "%s", name);
	if (!S_ISREG(st.st_mode) || st.st_size > LBF_FILE_MAX) {
		lbf_fail(&p, "not a file of at most %d bytes", LBF_FILE_MAX);
		goto out;
	}
	if (stat(lua, &st) != 0 || !S_ISREG(st.st_mode)) {
		lbf_fail(&p, "the family has no token.lua");
		goto out;
	}
	text = malloc(LBF_FILE_MAX + 1);
	if (text == NULL) {
		lbf_fail(&p, "out of memory");
		goto out;
	}
	fp = fopen(path, "re");
	if (fp == NULL) {
		lbf_fail(&p, "%s", strerror(errno));
		goto out;
	}
	got = fread(text, 1, LBF_FILE_MAX + 1, fp);
	fclose(fp);
	if (got > LBF_FILE_MAX) {
		lbf_fail(&p, "larger than %d bytes", LBF_FILE_MAX);
		goto out;
	}
	text[got] = '\0';
	if (memchr(text, '\0', got) != NULL) {
		lbf_fail(&p, "a NUL byte");
		goto out;
	}
	rc = lbf_parse(&p, text) == 0 ? 1 : -1;
out:
	if (rc < 0)
		log_msg(LOG_ERROR, "lb: %s; the family %s is skipped", p.err, name);
	free(text);
	return rc;
}

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
