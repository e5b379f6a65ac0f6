/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_manifest.c — the family.yaml manifests of the scripts folder (scripts/README.md,
 * "The family manifest"), read into struct lbf_family (lb_manifest.h).
 *
 * A manifest is a small, strict subset of YAML, parsed here line by line: top-level
 * "key: value" lines, the block sequence under "atr:" whose items are "value:"/"mask:"
 * mappings (block or flow style), the mapping under "probe:" (block or flow style) and
 * the block sequence under "settings:" whose items are "{ name: NAME, secret: BOOL }"
 * (flow style, one a line). Anything else is an error reported as file:line; that family
 * is skipped.
 *
 * settings: the configuration file's keys "<family>.<name>" that the family's script may
 * read (settings.get, lb_settings.c); a secret one is masked in every log line and trace
 * and wiped after each call, as a PIN is.
 */
#include "lb_manifest.h"
#include "lb_int.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* --- the manifest parser ----------------------------------------------------------- */

struct lbf_parser {
	const char *path;
	int line;
	struct lbf_family *f;
	enum { LBF_TOP, LBF_ATR, LBF_PROBE, LBF_SETTINGS } section;
	int item_col;           /* ATR: the column of the open block item's keys, or -1 */
	int probe_col;          /* PROBE: the column of its keys, -1 before the first */
	int seen_priority, seen_atr, seen_probe, seen_description, seen_settings;
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

/* One "key: value" of a settings item. */
static int lbf_setting_key(struct lbf_parser *p, const char *key, const char *val)
{
	struct lbf_setting *st = &p->f->set[p->f->nset - 1];
	size_t n = strlen(val), i;

	if (strcmp(key, "name") == 0) {
		if (st->name[0] != '\0')
			return lbf_fail(p, "name given twice");
		if (n == 0 || n > LBF_SET_NAME || !islower((unsigned char)val[0]))
			goto bad_name;
		for (i = 0; i < n; i++)
			if (!(islower((unsigned char)val[i]) || isdigit((unsigned char)val[i]) ||
			      val[i] == '_'))
				goto bad_name;
		memcpy(st->name, val, n + 1);
		return 0;
	}
	if (strcmp(key, "secret") == 0) {
		if (strcmp(val, "true") == 0)
			st->secret = 1;
		else if (strcmp(val, "false") == 0)
			st->secret = 0;
		else
			return lbf_fail(p, "secret: true or false");
		return 0;
	}
	return lbf_fail(p, "unknown key '%s' in a settings item (name, secret)", key);
bad_name:
	return lbf_fail(p, "name: [a-z][a-z0-9_]* of at most %d bytes", LBF_SET_NAME);
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
	if (strcmp(key, "settings") == 0) {
		if (p->seen_settings++)
			return lbf_fail(p, "settings given twice");
		if (*val != '\0')
			return lbf_fail(p, "settings: a list of '- { name: NAME, secret: BOOL }' "
					"items on the lines below");
		p->section = LBF_SETTINGS;
		return 0;
	}
	return lbf_fail(p, "unknown key '%s' (priority, atr, probe, settings, description)",
			key);
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
	    !((p->section == LBF_ATR || p->section == LBF_SETTINGS) && s[0] == '-' &&
	      (s[1] == ' ' || s[1] == '\0'))) {
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
	if (p->section == LBF_SETTINGS) {
		struct lbf_setting *st;
		size_t i;

		c = s[0] == '-' ? s + 1 : s;
		while (*c == ' ')
			c++;
		if (s[0] != '-' || *c != '{')
			return lbf_fail(p, "a settings item is '- { name: NAME, secret: BOOL }'");
		if (p->f->nset == LBF_SET_MAX)
			return lbf_fail(p, "more than %d settings", LBF_SET_MAX);
		st = &p->f->set[p->f->nset++];
		memset(st, 0, sizeof *st);
		if (lbf_flow(p, c, lbf_setting_key) != 0)
			return -1;
		if (st->name[0] == '\0')
			return lbf_fail(p, "a settings item needs a name");
		for (i = 0; i + 1 < p->f->nset; i++)
			if (strcmp(p->f->set[i].name, st->name) == 0)
				return lbf_fail(p, "setting '%s' given twice", st->name);
		return 0;
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
	return lbf_fail(p, "an indented line outside atr:, probe: and settings:");
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
int lbf_read(const char *dir, const char *name, struct lbf_family *f)
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

int lb_family_setting(const char *dir, const char *family, const char *name, int *secret)
{
	struct lbf_family *f;
	size_t i;
	int rc;

	*secret = 0;   /* family: a VM's, checked by lb_open */
	f = malloc(sizeof *f);
	if (f == NULL)
		return -1;
	rc = lbf_read(dir, family, f);
	if (rc > 0) {
		rc = 0;
		for (i = 0; i < f->nset; i++)
			if (strcmp(f->set[i].name, name) == 0) {
				*secret = f->set[i].secret;
				rc = 1;
				break;
			}
	} else {
		rc = -1;
	}
	free(f);
	return rc;
}
