/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_state.c — the persistent part of a virtual token as a small text file.
 *
 *   vtoken-state 1
 *   serial <hex>
 *   init-phase <0|1>
 *   pin <ref> <size> <min> <max> <left> <sec hex> <prop hex> <value hex|->
 *   file <depth> <fid hex> <type hex> <size> <written> <prop hex|-> <sec hex> <data hex|->
 *   end
 *
 * Files are listed in pre-order; depth 0 is the MF. The file holds PINs and private keys
 * in clear, like the card's own memory: it is created mode 0600 by vtoken.c.
 */
#include "vt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static void put_hex(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 0) {
		fputc('-', f);
		return;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static void save_files(const struct vt_file *f, unsigned depth, FILE *out)
{
	for (; f; f = f->next) {
		fprintf(out, "file %u %04x %02x %zu %d ", depth, f->fid, (unsigned)f->type,
			f->size, f->written);
		if (f->has_prop)
			put_hex(out, f->prop, VT_PROP_LEN);
		else
			fputc('-', out);
		fputc(' ', out);
		put_hex(out, f->sec, VT_SEC_LEN);
		fputc(' ', out);
		put_hex(out, f->data, f->type == VT_DF ? 0 : f->size);
		fputc('\n', out);
		save_files(f->child, depth + 1, out);
	}
}

int vt_save(const struct vt_card *c, FILE *out)
{
	unsigned ref;

	fprintf(out, "vtoken-state 1\nserial ");
	put_hex(out, c->serial, sizeof c->serial);
	fprintf(out, "\ninit-phase %d\n", c->init_phase ? 1 : 0);
	for (ref = 1; ref <= VT_MAX_PIN_REF; ref++) {
		const struct vt_pin *p = &c->pins[ref];

		if (!p->present)
			continue;
		fprintf(out, "pin %u %zu %u %u %u ", ref, p->size, p->min_len, p->max_tries,
			p->tries_left);
		put_hex(out, p->sec, VT_SEC_LEN);
		fputc(' ', out);
		put_hex(out, p->prop, VT_PROP_LEN);
		fputc(' ', out);
		put_hex(out, p->value, p->len);
		fputc('\n', out);
	}
	save_files(c->mf, 0, out);
	fprintf(out, "end\n");
	return ferror(out) ? -1 : 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decode exactly n bytes of hex (or "-" for n == 0). */
static int get_hex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	if (!s)
		return -1;
	if (strcmp(s, "-") == 0)
		return n == 0 ? 0 : -1;
	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int get_ulong(const char *s, unsigned long max, unsigned long *v, int base)
{
	char *end;

	if (!s || !*s)
		return -1;
	*v = strtoul(s, &end, base);
	return *end || *v > max ? -1 : 0;
}

#define MAX_DEPTH 16

int vt_state_lines(struct vt_lines *r, char **tok, int ntok_max)
{
	char *save;
	int ntok;

	while (getline(&r->line, &r->cap, r->in) >= 0) {
		r->lineno++;
		ntok = 0;
		for (tok[0] = strtok_r(r->line, " \n", &save); tok[ntok] && ntok < ntok_max - 1;)
			tok[++ntok] = strtok_r(NULL, " \n", &save);
		if (ntok > 0)
			return ntok;
	}
	return -1;
}

void vt_lines_end(struct vt_lines *r)
{
	if (r->line) {
		OPENSSL_cleanse(r->line, r->cap);
		free(r->line);
	}
	r->line = NULL;
	r->cap = 0;
}

struct vt_card *vt_load(FILE *in, char *err, size_t errlen)
{
	struct vt_card *c = vt_new_empty();
	struct vt_file *stack[MAX_DEPTH];
	char *tok[12];
	struct vt_lines r = { .in = in };
	unsigned long v[6];
	int ntok, ended = 0, ok = 0, i;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(stack, 0, sizeof stack);
	while ((ntok = vt_state_lines(&r, tok, 12)) >= 0) {
		if (ended)
			goto bad;
		if (r.lineno == 1) {
			if (ntok != 2 || strcmp(tok[0], "vtoken-state") || strcmp(tok[1], "1"))
				goto bad;
		} else if (strcmp(tok[0], "serial") == 0 && ntok == 2) {
			if (get_hex(tok[1], c->serial, sizeof c->serial))
				goto bad;
		} else if (strcmp(tok[0], "init-phase") == 0 && ntok == 2) {
			if (get_ulong(tok[1], 1, &v[0], 10))
				goto bad;
			c->init_phase = (int)v[0];
		} else if (strcmp(tok[0], "pin") == 0 && ntok == 9) {
			struct vt_pin *p;
			size_t vlen = strcmp(tok[8], "-") ? strlen(tok[8]) / 2 : 0;

			if (get_ulong(tok[1], VT_MAX_PIN_REF, &v[0], 10) || v[0] == 0 ||
			    get_ulong(tok[2], VT_PIN_MAX, &v[1], 10) ||
			    get_ulong(tok[3], 255, &v[2], 10) || get_ulong(tok[4], 15, &v[3], 10) ||
			    get_ulong(tok[5], 15, &v[4], 10) || v[4] > v[3] || vlen > VT_PIN_MAX)
				goto bad;
			p = &c->pins[v[0]];
			p->present = 1;
			p->size = v[1];
			p->min_len = (unsigned)v[2];
			p->max_tries = (unsigned)v[3];
			p->tries_left = (unsigned)v[4];
			p->len = vlen;
			if (get_hex(tok[6], p->sec, VT_SEC_LEN) ||
			    get_hex(tok[7], p->prop, VT_PROP_LEN) ||
			    get_hex(tok[8], p->value, vlen))
				goto bad;
		} else if (strcmp(tok[0], "file") == 0 && ntok == 9) {
			struct vt_file *f;

			if (get_ulong(tok[1], MAX_DEPTH - 1, &v[0], 10) ||
			    get_ulong(tok[2], 0xFFFF, &v[1], 16) ||
			    get_ulong(tok[3], 0xFF, &v[2], 16) ||
			    get_ulong(tok[4], VT_FILE_MAX, &v[3], 10) ||
			    get_ulong(tok[5], 1, &v[4], 10))
				goto bad;
			if (v[2] != VT_DF && v[2] != VT_EF && v[2] != VT_RSF)
				goto bad;
			if (v[0] == 0 ? (c->mf || v[2] != VT_DF) : !stack[v[0] - 1])
				goto bad;
			if (v[0] > 0 && stack[v[0] - 1]->type != VT_DF)
				goto bad;
			f = calloc(1, sizeof *f);
			if (!f)
				goto bad;
			f->fid = (unsigned)v[1];
			f->type = (int)v[2];
			f->size = v[3];
			f->written = (int)v[4];
			if (v[0] == 0) {
				c->mf = f;
			} else {
				struct vt_file **pp = &stack[v[0] - 1]->child;

				while (*pp)
					pp = &(*pp)->next;
				*pp = f;
				f->parent = stack[v[0] - 1];
			}
			stack[v[0]] = f;
			for (i = (int)v[0] + 1; i < MAX_DEPTH; i++)
				stack[i] = NULL;
			if (strcmp(tok[6], "-")) {
				f->has_prop = 1;
				if (get_hex(tok[6], f->prop, VT_PROP_LEN))
					goto bad;
			}
			if (get_hex(tok[7], f->sec, VT_SEC_LEN))
				goto bad;
			if (f->type != VT_DF && f->size) {
				f->data = malloc(f->size);
				if (!f->data || get_hex(tok[8], f->data, f->size))
					goto bad;
			} else if (strcmp(tok[8], "-")) {
				goto bad;
			}
		} else if (strcmp(tok[0], "end") == 0 && ntok == 1) {
			ended = 1;
		} else {
			goto bad;
		}
	}
	if (!ended) {
		snprintf(err, errlen, "state file truncated (no end line)");
		goto out;
	}
	ok = 1;
	goto out;
bad:
	snprintf(err, errlen, "state file line %lu is malformed", r.lineno);
out:
	vt_lines_end(&r);
	if (!ok) {
		vt_free(c);
		return NULL;
	}
	vt_power_reset(c);
	c->dirty = 0;
	return c;
}
