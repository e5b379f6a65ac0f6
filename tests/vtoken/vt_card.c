/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_card.c — the APDU processor of the virtual Rutoken ECP.
 *
 * Facts about the real card come from the project's Rutoken ECP fact sheet, which reads
 * OpenSC's rtecp driver (src/libopensc/card-rtecp.c) and pkcs15-init code
 * (src/pkcs15init/pkcs15-rtecp.c, rutoken_ecp.profile) and an observed OpenSC 0.23 run.
 * Where the public record is silent this file decides, and README.md lists each decision.
 */
#include "vt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Status words */
#define SW_OK 0x9000
#define SW_EOF_WARNING 0x6282
#define SW_WRONG_LENGTH 0x6700
#define SW_LC_NOT_SUPPORTED 0x6881
#define SW_SM_NOT_SUPPORTED 0x6882
#define SW_LAST_OF_CHAIN 0x6883
#define SW_CHAIN_NOT_SUPPORTED 0x6884
#define SW_INCOMPATIBLE 0x6981
#define SW_SECURITY 0x6982
#define SW_BLOCKED 0x6983
#define SW_REF_UNUSABLE 0x6984
#define SW_CONDITIONS 0x6985
#define SW_NO_CURRENT_EF 0x6986
#define SW_WRONG_DATA 0x6A80
#define SW_FUNC_NOT_SUPPORTED 0x6A81
#define SW_NOT_FOUND 0x6A82
#define SW_NO_MEMORY 0x6A84
#define SW_WRONG_P1P2 0x6A86
#define SW_LC_INCONSISTENT 0x6A87
#define SW_REF_NOT_FOUND 0x6A88
#define SW_EXISTS 0x6A89
#define SW_WRONG_OFFSET 0x6B00
#define SW_INS_NOT_SUPPORTED 0x6D00
#define SW_CLA_NOT_SUPPORTED 0x6E00
#define SW_UNKNOWN 0x6F00
#define SW_ALREADY_LOGGED_IN 0x6F86 /* Rutoken: "invalid access right, already logged in" */

/* Access-mode bits of the 15-byte security attribute (fact sheet 2.2). */
enum {
	AM_READ = 0,            /* EF read; DF create EF/DF; PIN unblock */
	AM_CREATE = 0,
	AM_UNBLOCK = 0,
	AM_UPDATE = 1,          /* EF update; DF create RSF; PIN change; key write/generate */
	AM_CREATE_RSF = 1,
	AM_CHANGE = 1,
	AM_USE = 2,             /* key: sign / decipher */
	AM_DELETE = 6,
};

struct apdu {
	unsigned cla, ins, p1, p2;
	const unsigned char *data;
	size_t lc;
	size_t ne;              /* 0 when no Le was sent */
	int has_le, ext;
};

/* ---- files ----------------------------------------------------------------------- */

static struct vt_file *file_new(int type, unsigned fid, size_t size)
{
	struct vt_file *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->type = type;
	f->fid = fid;
	f->size = size;
	if (type != VT_DF && size > 0) {
		f->data = calloc(1, size);
		if (!f->data) {
			free(f);
			return NULL;
		}
	}
	return f;
}

static void file_free(struct vt_file *f)
{
	while (f) {
		struct vt_file *next = f->next;

		file_free(f->child);
		if (f->data) {
			OPENSSL_cleanse(f->data, f->size);
			free(f->data);
		}
		free(f);
		f = next;
	}
}

static void file_append(struct vt_file *parent, struct vt_file *f)
{
	struct vt_file **pp = &parent->child;

	while (*pp)
		pp = &(*pp)->next;
	*pp = f;
	f->parent = parent;
	f->next = NULL;
}

static void file_unlink(struct vt_file *f)
{
	struct vt_file **pp = &f->parent->child;

	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (*pp)
		*pp = f->next;
	f->next = NULL;
}

static struct vt_file *find_child(const struct vt_file *df, unsigned fid)
{
	struct vt_file *f;

	if (!df)
		return NULL;
	for (f = df->child; f; f = f->next)
		if (f->fid == fid)
			return f;
	return NULL;
}

static int is_within(const struct vt_file *f, const struct vt_file *top)
{
	for (; f; f = f->parent)
		if (f == top)
			return 1;
	return 0;
}

/* 3F00/1000/1000/6001 (public keys) or 6002 (private keys). */
static struct vt_file *key_df(const struct vt_card *c, int public)
{
	struct vt_file *f = find_child(c->mf, 0x1000);

	f = find_child(f, 0x1000);
	f = find_child(f, public ? 0x6001 : 0x6002);
	return f && f->type == VT_DF ? f : NULL;
}

static struct vt_file *key_file(const struct vt_card *c, unsigned ref, int public)
{
	struct vt_file *f = find_child(key_df(c, public), ref);

	return f && f->type == VT_RSF ? f : NULL;
}

/* Secret keys (extension): 3F00/1000/1000/6003, the profile's SKey-DF, FID 00kk. */
static struct vt_file *sym_df(const struct vt_card *c)
{
	struct vt_file *f = find_child(find_child(find_child(c->mf, 0x1000), 0x1000), 0x6003);

	return f && f->type == VT_DF ? f : NULL;
}

static struct vt_file *sym_file(const struct vt_card *c, unsigned ref)
{
	struct vt_file *f = find_child(sym_df(c), ref);

	return f && f->type == VT_RSF && f->has_prop && VT_IS_SYM(f->prop[0]) ? f : NULL;
}

/* ---- access control -------------------------------------------------------------- */

/*
 * The SC byte for an operation is a bitmask of global PINs (bit n = PIN n+1), 00 = always,
 * FF = never; an access-mode bit that is clear means never. No checks in the init phase.
 */
static int ac_ok(const struct vt_card *c, const unsigned char *sec, int bit)
{
	unsigned sc;

	if (c->init_phase)
		return 1;
	if (!(sec[0] & (1u << bit)))
		return 0;
	sc = sec[1 + bit];
	if (sc == 0x00)
		return 1;
	if (sc == 0xFF)
		return 0;
	return (sc & c->verified) != 0;
}

/* ---- lifecycle ------------------------------------------------------------------- */

/* the card's chain buffer, lent to its io (which the calloc of the card leaves unset) */
static struct vt_apdu_io *io_of(struct vt_card *c)
{
	c->io.chain_buf = c->chain_buf;
	c->io.chain_cap = sizeof c->chain_buf;
	return &c->io;
}

static void drop_pending(struct vt_card *c)
{
	vt_io_drop_pending(io_of(c));
}

static void drop_chain(struct vt_card *c)
{
	vt_io_drop_chain(io_of(c));
}

void vt_power_reset(struct vt_card *c)
{
	c->verified = 0;
	c->cur_df = c->mf;
	c->cur_ef = NULL;
	c->se_op = VT_SE_NONE;
	c->se_key = 0;
	c->se_mode = 0;
	drop_chain(c);
	drop_pending(c);
}

static void wipe(struct vt_card *c)
{
	file_free(c->mf);
	c->mf = NULL;
	OPENSSL_cleanse(c->pins, sizeof c->pins);
	vt_power_reset(c);
}

void vt_free(struct vt_card *c)
{
	if (!c)
		return;
	wipe(c);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

struct vt_card *vt_new_empty(void)
{
	struct vt_card *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->init_phase = 1;
	if (vt_random(c->serial, sizeof c->serial)) {
		free(c);
		return NULL;
	}
	return c;
}

static struct vt_file *add_df(struct vt_file *parent, unsigned fid, const unsigned char *sec8)
{
	struct vt_file *f = file_new(VT_DF, fid, 0);

	if (!f)
		return NULL;
	memcpy(f->sec, sec8, 8);
	if (parent)
		file_append(parent, f);
	return f;
}

static void set_pin(struct vt_pin *p, const char *value, unsigned min, unsigned tries,
		    const unsigned char *sec8)
{
	memset(p, 0, sizeof *p);
	p->present = 1;
	p->len = strlen(value);
	p->size = p->len;
	memcpy(p->value, value, p->len);
	p->min_len = min;
	p->max_tries = p->tries_left = tries;
	memcpy(p->sec, sec8, 8);
	p->prop[0] = VT_PROP_PIN;
	p->prop[1] = (unsigned char)min;
	p->prop[2] = 0x01;
	p->prop[3] = (unsigned char)(tries << 4 | tries);
}

/*
 * Factory state (README.md): MF and the Rutoken system DFs with the access conditions
 * OpenSC's profile writes, admin PIN 87654321 and user PIN 12345678 (vendor defaults),
 * 10 tries each, initialisation finished, no PKCS#15 application.
 */
struct vt_card *vt_new_factory(void)
{
	static const unsigned char mf_sec[8] = { 0x47, 0x02, 0x02, 0x01, 0, 0, 0, 0xFF };
	static const unsigned char sys_sec[8] = { 0x43, 0x02, 0x02, 0, 0, 0, 0, 0xFF };
	static const unsigned char so_sec[8] = { 0x43, 0xFF, 0x01, 0, 0, 0, 0, 0xFF };
	static const unsigned char user_sec[8] = { 0x43, 0x01, 0x03, 0, 0, 0, 0, 0xFF };
	static const unsigned keydfs[] = { 0x6001, 0x6002, 0x6003, 0x6004, 0x6005 };
	struct vt_card *c = vt_new_empty();
	struct vt_file *sys, *syskey, *r1;
	size_t i;
	int bad = 0;

	if (!c)
		return NULL;
	c->mf = add_df(NULL, 0x3F00, mf_sec);
	sys = c->mf ? add_df(c->mf, 0x1000, sys_sec) : NULL;
	syskey = sys ? add_df(sys, 0x1000, sys_sec) : NULL;
	if (!syskey)
		bad = 1;
	for (i = 0; !bad && i < sizeof keydfs / sizeof keydfs[0]; i++)
		bad = !add_df(syskey, keydfs[i], sys_sec);
	r1 = bad ? NULL : add_df(sys, 0x1001, sys_sec);
	if (!r1 || !add_df(r1, 0x8001, sys_sec) || !add_df(r1, 0x8002, sys_sec) ||
	    !add_df(sys, 0x1002, sys_sec) || !add_df(sys, 0x1003, sys_sec) ||
	    !add_df(sys, 0x1004, sys_sec))
		bad = 1;
	if (bad) {
		vt_free(c);
		return NULL;
	}
	set_pin(&c->pins[1], "87654321", 6, 10, so_sec);
	set_pin(&c->pins[2], "12345678", 6, 10, user_sec);
	c->init_phase = 0;
	vt_power_reset(c);
	return c;
}

const char *vt_verified_name(const struct vt_card *c)
{
	static char buf[32];

	switch (c->verified) {
	case 0:
		return "none";
	case 1:
		return "admin";
	case 2:
		return "user";
	case 3:
		return "admin+user";
	default:
		snprintf(buf, sizeof buf, "pins:0x%x", c->verified);
		return buf;
	}
}

/* ---- FCP ------------------------------------------------------------------------- */

static size_t build_fcp(const struct vt_file *f, unsigned char *out)
{
	size_t n = 2;

	out[n++] = 0x80;
	out[n++] = 2;
	out[n++] = (unsigned char)(f->size >> 8);
	out[n++] = (unsigned char)f->size;
	out[n++] = 0x82;
	out[n++] = 2;
	out[n++] = (unsigned char)f->type;
	out[n++] = 0x00;
	out[n++] = 0x83;
	out[n++] = 2;
	out[n++] = (unsigned char)(f->fid >> 8);
	out[n++] = (unsigned char)f->fid;
	if (f->has_prop) {
		out[n++] = 0x85;
		out[n++] = VT_PROP_LEN;
		memcpy(out + n, f->prop, VT_PROP_LEN);
		n += VT_PROP_LEN;
	}
	out[n++] = 0x86;
	out[n++] = VT_SEC_LEN;
	memcpy(out + n, f->sec, VT_SEC_LEN);
	n += VT_SEC_LEN;
	out[0] = 0x62;
	out[1] = (unsigned char)(n - 2);
	return n;
}

/* ---- SELECT ---------------------------------------------------------------------- */

static unsigned fid_at(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static struct vt_file *search_fid(const struct vt_card *c, unsigned fid)
{
	struct vt_file *df = c->cur_df, *f;

	if (fid == 0x3F00)
		return c->mf;
	if ((f = find_child(df, fid)))
		return f;
	if (df && df->fid == fid)
		return df;
	if (df && df->parent) {
		if ((f = find_child(df->parent, fid)))
			return f;
		if (df->parent->fid == fid)
			return df->parent;
	}
	return NULL;
}

static unsigned walk_path(struct vt_file *start, const unsigned char *p, size_t len,
			  struct vt_file **res)
{
	struct vt_file *f = start;
	size_t i;

	if (len % 2)
		return SW_LC_INCONSISTENT;
	for (i = 0; i < len; i += 2) {
		unsigned fid = fid_at(p + i);

		if (i == 0 && fid == 0x3F00 && start->parent == NULL)
			continue;
		if (f->type != VT_DF)
			return SW_NOT_FOUND;
		f = find_child(f, fid);
		if (!f)
			return SW_NOT_FOUND;
	}
	*res = f;
	return SW_OK;
}

static unsigned cmd_select(struct vt_card *c, const struct apdu *a, unsigned char *out,
			   size_t *outlen)
{
	unsigned occ = a->p2 & 0x03, form = a->p2 & 0x0C;
	struct vt_file *f = NULL, *s;
	unsigned sw = SW_OK;

	if ((a->p2 & 0xF0) || occ == 0x01 || occ == 0x03)
		return SW_WRONG_P1P2;
	if (occ == 0x02 && a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (!c->mf)
		return SW_NOT_FOUND;
	if (!c->cur_df)
		c->cur_df = c->mf;
	switch (a->p1) {
	case 0x00:
		if (occ == 0x02) {
			/* Rutoken listing: the sibling after FID in the current DF */
			if (a->lc != 2)
				return SW_WRONG_LENGTH;
			s = find_child(c->cur_df, fid_at(a->data));
			f = s ? s->next : NULL;
		} else if (a->lc == 0) {
			/* Rutoken listing: the first child of the current DF */
			f = c->cur_df->child;
		} else if (a->lc == 2) {
			f = search_fid(c, fid_at(a->data));
		} else {
			return SW_WRONG_LENGTH;
		}
		break;
	case 0x01:
	case 0x02:
		if (a->lc != 2)
			return SW_WRONG_LENGTH;
		f = find_child(c->cur_df, fid_at(a->data));
		if (f && (a->p1 == 0x01) != (f->type == VT_DF))
			f = NULL;
		break;
	case 0x03:
		if (a->lc != 0)
			return SW_WRONG_LENGTH;
		f = c->cur_df->parent;
		break;
	case 0x04:
		return SW_NOT_FOUND;    /* no DF names on this card */
	case 0x08:
	case 0x09:
		if (a->lc > 32)
			return SW_WRONG_LENGTH;
		sw = walk_path(a->p1 == 0x08 ? c->mf : c->cur_df, a->data, a->lc, &f);
		if (sw != SW_OK)
			return sw;
		break;
	default:
		return SW_WRONG_P1P2;
	}
	if (!f)
		return SW_NOT_FOUND;
	if (f->type == VT_DF) {
		c->cur_df = f;
		c->cur_ef = NULL;
	} else {
		c->cur_df = f->parent;
		c->cur_ef = f;
	}
	if (form != 0x0C)
		*outlen = build_fcp(f, out);
	return SW_OK;
}

/* ---- READ / UPDATE BINARY -------------------------------------------------------- */

static unsigned cmd_read_binary(struct vt_card *c, const struct apdu *a, unsigned char *out,
				size_t *outlen)
{
	struct vt_file *f = c->cur_ef;
	size_t off = (size_t)(a->p1 & 0x7F) << 8 | a->p2, want, n;

	if (a->p1 & 0x80)
		return SW_FUNC_NOT_SUPPORTED;   /* short EF identifiers */
	if (a->lc != 0)
		return SW_WRONG_LENGTH;
	if (!f)
		return SW_NO_CURRENT_EF;
	if (f->type == VT_RSF) {
		/* only a public-key RSF whose read bit allows it (extension) */
		if (!(f->has_prop && (f->prop[0] & VT_PROP_PUBLIC)) || !f->written)
			return SW_SECURITY;
		if (c->init_phase ? !(f->sec[0] & 1) : !ac_ok(c, f->sec, AM_READ))
			return SW_SECURITY;
	} else if (!ac_ok(c, f->sec, AM_READ)) {
		return SW_SECURITY;
	}
	if (off >= f->size)
		return SW_WRONG_OFFSET;
	want = a->has_le ? a->ne : 256;
	n = f->size - off < want ? f->size - off : want;
	memcpy(out, f->data + off, n);
	*outlen = n;
	return n < want ? SW_EOF_WARNING : SW_OK;
}

static unsigned cmd_update_binary(struct vt_card *c, const struct apdu *a)
{
	struct vt_file *f = c->cur_ef;
	size_t off = (size_t)(a->p1 & 0x7F) << 8 | a->p2;

	if (a->p1 & 0x80)
		return SW_FUNC_NOT_SUPPORTED;
	if (a->lc == 0)
		return SW_WRONG_LENGTH;
	if (!f)
		return SW_NO_CURRENT_EF;
	if (f->type != VT_EF)
		return SW_INCOMPATIBLE;
	if (!ac_ok(c, f->sec, AM_UPDATE))
		return SW_SECURITY;
	if (off > f->size)
		return SW_WRONG_OFFSET;
	if (a->lc > f->size - off)
		return SW_NO_MEMORY;
	memcpy(f->data + off, a->data, a->lc);
	c->dirty = 1;
	return SW_OK;
}

/* ---- CREATE / DELETE FILE -------------------------------------------------------- */

struct fcp_in {
	int have_size, have_type, have_fid, have_prop, have_sec;
	size_t size;
	int type;
	unsigned fid;
	unsigned char prop[VT_PROP_LEN], sec[VT_SEC_LEN];
};

static unsigned parse_fcp(const unsigned char *d, size_t len, struct fcp_in *r)
{
	size_t i, body;

	memset(r, 0, sizeof *r);
	if (len < 2 || (d[0] != 0x62 && d[0] != 0x6F))
		return SW_WRONG_DATA;
	body = d[1];
	if (body > 0x7F || body != len - 2)
		return SW_WRONG_DATA;
	for (i = 2; i < len;) {
		unsigned tag, l;

		if (len - i < 2)
			return SW_WRONG_DATA;
		tag = d[i];
		l = d[i + 1];
		i += 2;
		if (l > 0x7F || l > len - i)
			return SW_WRONG_DATA;
		switch (tag) {
		case 0x80:
			if (l < 1 || l > 2)
				return SW_WRONG_DATA;
			r->size = l == 2 ? (size_t)fid_at(d + i) : d[i];
			r->have_size = 1;
			break;
		case 0x82:
			if (l < 1 || l > 2)
				return SW_WRONG_DATA;
			r->type = d[i];
			r->have_type = 1;
			break;
		case 0x83:
			if (l != 2)
				return SW_WRONG_DATA;
			r->fid = fid_at(d + i);
			r->have_fid = 1;
			break;
		case 0x85:
			if (l < 1 || l > VT_PROP_LEN)
				return SW_WRONG_DATA;
			memcpy(r->prop, d + i, l);
			r->have_prop = 1;
			break;
		case 0x86:
			if (l < 1 || l > VT_SEC_LEN)
				return SW_WRONG_DATA;
			memcpy(r->sec, d + i, l);
			r->have_sec = 1;
			break;
		default:
			break;          /* other FCP tags are accepted and ignored */
		}
		i += l;
	}
	if (!r->have_type || !r->have_fid || !r->have_sec)
		return SW_WRONG_DATA;
	if (r->type != VT_DF && r->type != VT_EF && r->type != VT_RSF)
		return SW_WRONG_DATA;
	if (r->fid == 0xFFFF || r->fid == 0x3FFF)
		return SW_WRONG_DATA;
	return SW_OK;
}

/* Size in bytes of the key material an RSF of this kind must hold, 0 if the kind is bad. */
static size_t key_size_ok(const unsigned char *prop, size_t size)
{
	int alg = prop[0] & ~VT_PROP_PUBLIC, public = prop[0] & VT_PROP_PUBLIC;
	size_t h, e;

	if (VT_IS_SYM(prop[0]))
		return prop[1] == 0 && vt_sym_key_ok(prop[0], size) ? size : 0;
	if (VT_IS_SYM(alg))
		return 0;               /* a secret key has no public half */
	if (alg == VT_ALG_RSA) {
		if (public) {
			if (size % 3)
				return 0;
			h = size / 3;
		} else {
			if (size < 8 || (size - 8) % 5)
				return 0;
			h = (size - 8) / 5;
		}
		return h >= 32 && h <= 256 && h % 8 == 0 ? size : 0;
	}
	e = vt_ed_size(alg, prop[1]);
	if (e)
		return size == e ? size : 0;    /* Ed25519 (extension): seed, encoded point */
	e = vt_ec_size(alg, prop[1]);
	if (!e)
		return 0;
	return size == (public ? 2 * e : e) ? size : 0;
}

static unsigned create_pin(struct vt_card *c, const struct fcp_in *r)
{
	unsigned ref = r->fid;
	struct vt_pin *p;
	unsigned max = r->prop[3] >> 4, left = r->prop[3] & 0x0F;

	if ((r->fid >> 8) || ref < 1 || ref > VT_MAX_PIN_REF)
		return SW_WRONG_DATA;
	if (!r->have_size || r->size < 1 || r->size > VT_PIN_MAX || max == 0)
		return SW_WRONG_DATA;
	if (!c->mf)
		return SW_NOT_FOUND;
	if (!ac_ok(c, c->cur_df ? c->cur_df->sec : c->mf->sec, AM_CREATE_RSF))
		return SW_SECURITY;
	p = &c->pins[ref];
	if (p->present)
		return SW_EXISTS;
	memset(p, 0, sizeof *p);
	p->present = 1;
	p->size = r->size;
	p->min_len = r->prop[1];
	p->max_tries = max;
	p->tries_left = left ? left : max;
	memcpy(p->sec, r->sec, VT_SEC_LEN);
	memcpy(p->prop, r->prop, VT_PROP_LEN);
	c->dirty = 1;
	return SW_OK;
}

static unsigned cmd_create(struct vt_card *c, const struct apdu *a)
{
	struct fcp_in r;
	struct vt_file *parent, *f;
	unsigned sw;
	int bit;

	if (a->p1 || a->p2)
		return SW_WRONG_P1P2;
	sw = parse_fcp(a->data, a->lc, &r);
	if (sw != SW_OK)
		return sw;
	if (r.type != VT_DF && (!r.have_size || r.size > VT_FILE_MAX))
		return SW_WRONG_DATA;

	if (r.type == VT_RSF) {
		if (!r.have_prop)
			return SW_WRONG_DATA;
		if (r.prop[0] == VT_PROP_PIN)
			return create_pin(c, &r);
		if ((r.fid >> 8) || r.fid == 0 || !key_size_ok(r.prop, r.size))
			return SW_WRONG_DATA;
		/* key objects are filed by type: private 6002, public 6001 (fact sheet 2.4),
		 * secret 6003 (extension) */
		parent = VT_IS_SYM(r.prop[0]) ? sym_df(c) : key_df(c, r.prop[0] & VT_PROP_PUBLIC);
		bit = AM_CREATE_RSF;
	} else if (!c->mf) {
		if (r.type != VT_DF || r.fid != 0x3F00)
			return SW_NOT_FOUND;
		parent = NULL;
		bit = AM_CREATE;
	} else {
		if (r.fid == 0x3F00)
			return SW_EXISTS;
		parent = c->cur_df ? c->cur_df : c->mf;
		bit = AM_CREATE;
	}
	if (c->mf && !parent)
		return SW_NOT_FOUND;
	if (parent && !ac_ok(c, parent->sec, bit))
		return SW_SECURITY;
	if (parent && find_child(parent, r.fid))
		return SW_EXISTS;

	f = file_new(r.type, r.fid, r.type == VT_DF ? r.size : r.size);
	if (!f)
		return SW_NO_MEMORY;
	memcpy(f->sec, r.sec, VT_SEC_LEN);
	if (r.have_prop) {
		memcpy(f->prop, r.prop, VT_PROP_LEN);
		f->has_prop = 1;
	}
	if (parent) {
		file_append(parent, f);
	} else {
		c->mf = f;
	}
	/* the new file becomes current, as ISO 7816-9 says */
	if (f->type == VT_DF) {
		c->cur_df = f;
		c->cur_ef = NULL;
	} else {
		c->cur_df = f->parent;
		c->cur_ef = f;
	}
	c->dirty = 1;
	return SW_OK;
}

static unsigned cmd_delete(struct vt_card *c, const struct apdu *a)
{
	struct vt_file *f;

	if (a->p1 || a->p2)
		return SW_WRONG_P1P2;
	if (!c->mf)
		return SW_NOT_FOUND;
	if (a->lc == 0) {
		f = c->cur_ef ? c->cur_ef : c->cur_df;
	} else if (a->lc == 2) {
		unsigned fid = fid_at(a->data);

		f = find_child(c->cur_df, fid);
		if (!f && c->cur_ef && c->cur_ef->fid == fid)
			f = c->cur_ef;
	} else {
		return SW_WRONG_LENGTH;
	}
	if (!f)
		return SW_NOT_FOUND;
	if (!ac_ok(c, f->sec, AM_DELETE))
		return SW_SECURITY;
	if (f == c->mf) {
		file_free(c->mf);
		c->mf = NULL;
		c->cur_df = NULL;
		c->cur_ef = NULL;
	} else {
		struct vt_file *parent = f->parent;

		if ((c->cur_ef && is_within(c->cur_ef, f)) || is_within(c->cur_df, f)) {
			c->cur_df = parent;
			c->cur_ef = NULL;
		}
		file_unlink(f);
		file_free(f);
	}
	c->dirty = 1;
	return SW_OK;
}

/* ---- PINs ------------------------------------------------------------------------ */

static struct vt_pin *pin_ref(struct vt_card *c, unsigned p2, unsigned *ref)
{
	if (p2 < 1 || p2 > VT_MAX_PIN_REF || !c->pins[p2].present)
		return NULL;
	*ref = p2;
	return &c->pins[p2];
}

static unsigned cmd_verify(struct vt_card *c, const struct apdu *a)
{
	struct vt_pin *p;
	unsigned ref, bit;

	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	p = pin_ref(c, a->p2, &ref);
	if (!p)
		return SW_REF_NOT_FOUND;
	bit = 1u << (ref - 1);
	if (a->lc == 0) {
		if (c->verified & bit)
			return SW_OK;
		if (p->tries_left == 0)
			return SW_BLOCKED;
		return 0x63C0 | (p->tries_left > 15 ? 15 : p->tries_left);
	}
	if (a->lc > VT_PIN_MAX)
		return SW_WRONG_LENGTH;
	/* one PIN at a time: another one verified answers 6F86 (fact sheet 2.5) */
	if (c->verified & ~bit)
		return SW_ALREADY_LOGGED_IN;
	if (p->tries_left == 0)
		return SW_BLOCKED;
	if (p->len == 0)
		return SW_REF_UNUSABLE;
	if (a->lc != p->len || CRYPTO_memcmp(a->data, p->value, p->len) != 0) {
		c->verified &= ~bit;
		p->tries_left--;
		c->dirty = 1;
		return p->tries_left == 0 ? SW_BLOCKED : 0x6300;
	}
	if (p->tries_left != p->max_tries) {
		p->tries_left = p->max_tries;
		c->dirty = 1;
	}
	c->verified |= bit;
	return SW_OK;
}

/*
 * 80 02 <total> then A5 <len> <value> chunks; each A5 length is one raw byte (0..255), as
 * the rtecp driver sends it (fact sheet 2.6). Returns the value length or -1.
 */
static long parse_a5(const unsigned char *d, size_t len, unsigned char *out, size_t cap)
{
	size_t i = 0, total, got = 0;

	if (len < 4 || d[0] != 0x80 || (d[1] != 1 && d[1] != 2))
		return -1;
	total = d[1] == 2 ? fid_at(d + 2) : d[2];
	i = 2 + d[1];
	while (i < len) {
		size_t l;

		if (len - i < 2 || d[i] != 0xA5)
			return -1;
		l = d[i + 1];
		i += 2;
		if (l > len - i || l > cap - got)
			return -1;
		memcpy(out + got, d + i, l);
		got += l;
		i += l;
	}
	return got == total ? (long)got : -1;
}

static unsigned set_pin_value(struct vt_card *c, struct vt_pin *p, const unsigned char *v,
			      size_t len)
{
	if (len < p->min_len || len < 1 || len > VT_PIN_MAX)
		return SW_WRONG_DATA;
	memcpy(p->value, v, len);
	p->len = len;
	p->tries_left = p->max_tries;
	c->dirty = 1;
	return SW_OK;
}

static unsigned cmd_change(struct vt_card *c, const struct apdu *a)
{
	unsigned char value[VT_CHAIN_MAX];
	struct vt_pin *p;
	struct vt_file *f;
	unsigned ref, sw;
	long len;

	if (a->p1 != 0x01)
		return SW_WRONG_P1P2;
	len = parse_a5(a->data, a->lc, value, sizeof value);
	if (len < 0) {
		sw = SW_WRONG_DATA;
		goto out;
	}
	if (a->p2 == 0x00) {
		/* key material into the current RSF */
		f = c->cur_ef;
		if (!f) {
			sw = SW_NO_CURRENT_EF;
		} else if (f->type != VT_RSF) {
			sw = SW_INCOMPATIBLE;
		} else if (!ac_ok(c, f->sec, AM_UPDATE)) {
			sw = SW_SECURITY;
		} else if ((size_t)len != f->size) {
			sw = SW_WRONG_DATA;
		} else {
			memcpy(f->data, value, f->size);
			f->written = 1;
			c->dirty = 1;
			sw = SW_OK;
		}
		goto out;
	}
	p = pin_ref(c, a->p2, &ref);
	if (!p)
		sw = SW_REF_NOT_FOUND;
	else if (!ac_ok(c, p->sec, AM_CHANGE))
		sw = SW_SECURITY;
	else
		sw = set_pin_value(c, p, value, (size_t)len);
out:
	OPENSSL_cleanse(value, sizeof value);
	return sw;
}

static unsigned cmd_reset_retry(struct vt_card *c, const struct apdu *a)
{
	struct vt_pin *p;
	unsigned ref;

	if (a->p1 != 0x02 && a->p1 != 0x03)
		return SW_WRONG_P1P2;
	p = pin_ref(c, a->p2, &ref);
	if (!p)
		return SW_REF_NOT_FOUND;
	if ((a->p1 == 0x03) != (a->lc == 0))
		return SW_WRONG_LENGTH;
	if (!ac_ok(c, p->sec, AM_UNBLOCK))
		return SW_SECURITY;
	if (a->p1 == 0x02)
		return set_pin_value(c, p, a->data, a->lc);
	p->tries_left = p->max_tries;
	c->dirty = 1;
	return SW_OK;
}

static unsigned cmd_reset_rights(struct vt_card *c, const struct apdu *a)
{
	if (a->p1 != 0x00 || a->p2 > VT_MAX_PIN_REF || a->lc)
		return SW_WRONG_P1P2;
	if (a->p2 == 0)
		c->verified = 0;
	else
		c->verified &= ~(1u << (a->p2 - 1));
	return SW_OK;
}

/* ---- data, challenge ------------------------------------------------------------- */

static unsigned cmd_get_challenge(struct vt_card *c, const struct apdu *a, unsigned char *out,
				  size_t *outlen)
{
	size_t n;

	if (a->p1 || a->p2)
		return SW_WRONG_P1P2;
	if (a->lc || !a->has_le)
		return SW_WRONG_LENGTH;
	n = a->ne > 4096 ? 4096 : a->ne;
	if (vt_random(out, n))
		return SW_UNKNOWN;
	*outlen = n;
	return SW_OK;
}

static unsigned cmd_get_data(struct vt_card *c, const struct apdu *a, unsigned char *out,
			     size_t *outlen)
{
	if (a->p1 != 0x01 || a->p2 != 0x81)
		return SW_REF_NOT_FOUND;
	if (a->lc)
		return SW_WRONG_LENGTH;
	if (a->has_le && a->ne < sizeof c->serial)
		return 0x6C00 | sizeof c->serial;
	memcpy(out, c->serial, sizeof c->serial);
	*outlen = sizeof c->serial;
	return SW_OK;
}

/* ---- MSE, PSO, GENERATE ---------------------------------------------------------- */

static unsigned cmd_mse(struct vt_card *c, const struct apdu *a)
{
	size_t i;
	unsigned key = 0;
	int mode = 0;

	if (a->p1 == 0xF3) {
		/* RESTORE: the card has no stored environments; it clears the current one */
		c->se_op = VT_SE_NONE;
		c->se_key = 0;
		c->se_mode = 0;
		return SW_OK;
	}
	if (a->p1 != 0x41)
		return SW_WRONG_P1P2;
	if (a->p2 != 0xB6 && a->p2 != 0xB8 && a->p2 != 0xB4 && a->p2 != 0xA6)
		return SW_WRONG_P1P2;
	for (i = 0; i < a->lc;) {
		unsigned tag, l;

		if (a->lc - i < 2)
			return SW_WRONG_DATA;
		tag = a->data[i];
		l = a->data[i + 1];
		i += 2;
		if (l > a->lc - i)
			return SW_WRONG_DATA;
		if (tag == 0x83 || tag == 0x84) {
			if (l != 1 && l != 2)
				return SW_WRONG_DATA;
			key = l == 1 ? a->data[i] : fid_at(a->data + i);
		} else if (tag == 0x80) {
			/* algorithm reference (extension): a secret-key mode */
			if (l != 1 || a->data[i] < VT_SYM_ECB || a->data[i] > VT_SYM_CTR)
				return SW_WRONG_DATA;
			mode = a->data[i];
		}
		i += l;
	}
	if (key == 0 || key > 0xFF)
		return SW_WRONG_DATA;
	/* B4 (cryptographic checksum) takes no mode; B6 (signing) and A6 (key agreement,
	 * extension) neither */
	if ((a->p2 == 0xB4 || a->p2 == 0xB6 || a->p2 == 0xA6) && mode)
		return SW_WRONG_DATA;
	c->se_op = a->p2 == 0xA6 ? VT_SE_AGREE : a->p2 == 0xB4 ? VT_SE_MAC :
		   a->p2 == 0xB6 ? VT_SE_SIGN : mode ? VT_SE_CIPHER : VT_SE_DECIPHER;
	c->se_key = key;
	c->se_mode = mode;
	return SW_OK;
}

/*
 * Secret keys (extension, README.md "Secret keys"): PSO ENCIPHER 2A 86 80 and DECIPHER
 * 2A 80 86 after an MSE B8 with a mode, data = [IV, CBC and CTR] ‖ input; PSO MAC 2A 90 80
 * (the Rutoken S's MAC command, fact sheet 7) after an MSE B4, data = the message.
 */
static unsigned pso_secret(struct vt_card *c, const struct apdu *a, unsigned char *out,
			   size_t *outlen)
{
	int mac = a->p1 == 0x90, enc = a->p1 == 0x86;
	struct vt_file *k;
	size_t bl, ivl;
	int alg;

	if (c->se_op != (mac ? VT_SE_MAC : VT_SE_CIPHER))
		return SW_CONDITIONS;
	k = sym_file(c, c->se_key);
	if (!k)
		return SW_REF_NOT_FOUND;
	if (!k->written || !key_size_ok(k->prop, k->size))
		return SW_REF_UNUSABLE;
	if (!ac_ok(c, k->sec, AM_USE))
		return SW_SECURITY;
	alg = k->prop[0];
	bl = vt_sym_block_len(alg);
	if (!vt_sym_mode_ok(alg, mac ? 0 : c->se_mode))
		return SW_FUNC_NOT_SUPPORTED;   /* DES3: no CTR, no MAC */
	if (mac)
		return vt_sym_mac(alg, k->data, k->size, a->data, a->lc, out, outlen) ?
			       SW_UNKNOWN : SW_OK;
	ivl = c->se_mode == VT_SYM_ECB ? 0 : bl;
	if (a->lc <= ivl || (c->se_mode != VT_SYM_CTR && (a->lc - ivl) % bl))
		return SW_WRONG_LENGTH;
	if (vt_sym_crypt(alg, k->data, k->size, c->se_mode, enc, a->data, a->data + ivl,
			 a->lc - ivl, out))
		return SW_UNKNOWN;
	*outlen = a->lc - ivl;
	return SW_OK;
}

static unsigned cmd_pso(struct vt_card *c, const struct apdu *a, unsigned char *out,
			size_t *outlen)
{
	int sign = a->p1 == 0x9E && a->p2 == 0x9A;
	int decipher = a->p1 == 0x80 && a->p2 == 0x86;
	struct vt_file *k;
	int alg;
	unsigned sw;

	if ((a->p1 == 0x86 && a->p2 == 0x80) || (a->p1 == 0x90 && a->p2 == 0x80) ||
	    (decipher && c->se_op == VT_SE_CIPHER))
		return pso_secret(c, a, out, outlen);
	if (!sign && !decipher)
		return SW_WRONG_P1P2;
	if (c->se_op != (sign ? VT_SE_SIGN : VT_SE_DECIPHER))
		return SW_CONDITIONS;
	k = key_file(c, c->se_key, 0);
	if (!k || !k->has_prop)
		return SW_REF_NOT_FOUND;
	if (!k->written || !key_size_ok(k->prop, k->size))
		return SW_REF_UNUSABLE;
	if (!ac_ok(c, k->sec, AM_USE))
		return SW_SECURITY;
	alg = k->prop[0];
	if (alg == VT_ALG_ED25519) {
		/* PureEdDSA (extension): the whole message, also an empty one */
		if (decipher)
			return SW_CONDITIONS;
		if (a->lc > VT_CHAIN_MAX)
			return SW_WRONG_LENGTH;
		sw = vt_ed_sign(k->data, a->data, a->lc, out);
		if (sw == SW_OK)
			*outlen = 2 * VT_ED25519_LEN;
		return sw;
	}
	if (a->lc == 0)
		return SW_WRONG_LENGTH;
	if (alg == VT_ALG_RSA) {
		size_t h = (k->size - 8) / 5;

		sw = vt_rsa_private(k->data, h, a->data, a->lc, out);
		if (sw == SW_OK)
			*outlen = 2 * h;
		return sw;
	}
	if (decipher)
		return SW_CONDITIONS;
	sw = vt_ec_sign(alg, k->prop[1], k->data, a->data, a->lc, out);
	if (sw == SW_OK)
		*outlen = 2 * k->size;
	return sw;
}

/*
 * Key agreement (extension, README.md "Key agreement"): after an MSE SET 41 A6 with the
 * private key's 84 01 kk, GENERAL AUTHENTICATE 00 86 00 00 with the dynamic authentication
 * template 7C { [80 UKM,] 85 peer point } answers 7C { 82 agreed point } — the template of
 * ISO 7816-4's GENERAL AUTHENTICATE, its tag 85 as PIV's ECDH uses it. One TLV each, short
 * lengths or 81 xx.
 */
static size_t tlv_len(const unsigned char *d, size_t len, size_t *pos)
{
	size_t l;

	if (*pos >= len)
		return (size_t)-1;
	l = d[(*pos)++];
	if (l == 0x81) {
		if (*pos >= len)
			return (size_t)-1;
		l = d[(*pos)++];
	} else if (l > 0x80) {
		return (size_t)-1;
	}
	return l <= len - *pos ? l : (size_t)-1;
}

static size_t put_tlv_head(unsigned char *out, unsigned tag, size_t l)
{
	out[0] = (unsigned char)tag;
	if (l < 0x80) {
		out[1] = (unsigned char)l;
		return 2;
	}
	out[1] = 0x81;
	out[2] = (unsigned char)l;
	return 3;
}

static unsigned cmd_general_authenticate(struct vt_card *c, const struct apdu *a,
					 unsigned char *out, size_t *outlen)
{
	const unsigned char *point = NULL, *ukm = NULL;
	size_t plen = 0, ukmlen = 0, pos = 0, tl, end, n = 0, h;
	unsigned char secret[128];
	struct vt_file *k;
	unsigned sw;

	if (a->p1 != 0x00 || a->p2 != 0x00)
		return SW_WRONG_P1P2;
	if (a->lc < 2 || a->data[pos++] != 0x7C)
		return SW_WRONG_DATA;
	tl = tlv_len(a->data, a->lc, &pos);
	if (tl == (size_t)-1 || pos + tl != a->lc)
		return SW_WRONG_DATA;
	end = a->lc;
	while (pos < end) {
		unsigned tag = a->data[pos++];
		size_t l = tlv_len(a->data, end, &pos);

		if (l == (size_t)-1)
			return SW_WRONG_DATA;
		if (tag == 0x85 && !point) {
			point = a->data + pos;
			plen = l;
		} else if (tag == 0x80 && !ukm) {
			ukm = a->data + pos;
			ukmlen = l;
		} else {
			return SW_WRONG_DATA;
		}
		pos += l;
	}
	if (!point || plen == 0 || (ukm && ukmlen == 0))
		return SW_WRONG_DATA;
	if (c->se_op != VT_SE_AGREE)
		return SW_CONDITIONS;
	k = key_file(c, c->se_key, 0);
	if (!k || !k->has_prop)
		return SW_REF_NOT_FOUND;
	if (!k->written || !key_size_ok(k->prop, k->size))
		return SW_REF_UNUSABLE;
	if (!ac_ok(c, k->sec, AM_USE))
		return SW_SECURITY;
	if (k->prop[0] == VT_ALG_RSA || k->prop[0] == VT_ALG_ED25519)
		return SW_CONDITIONS;
	sw = vt_ec_agree(k->prop[0], k->prop[1], k->data, point, plen, ukm, ukmlen, secret, &n);
	if (sw == SW_OK) {
		h = put_tlv_head(out, 0x7C, n + (n < 0x80 ? 2 : 3));
		h += put_tlv_head(out + h, 0x82, n);
		memcpy(out + h, secret, n);
		*outlen = h + n;
	}
	OPENSSL_cleanse(secret, sizeof secret);
	return sw;
}

static int valid_a6(const unsigned char *d, size_t len)
{
	return len == 0 || (len >= 2 && d[0] == 0xA6 && d[1] == len - 2);
}

static unsigned cmd_generate(struct vt_card *c, const struct apdu *a, unsigned char *out,
			     size_t *outlen)
{
	struct vt_file *pv, *pb;
	unsigned ref = a->p2;
	int alg;

	if (a->p1 == 0x83 && ref != 0) {
		/* a secret key (extension): random bytes into 6003/00kk (DES3 with odd
		 * parity), nothing answered */
		if (a->lc)
			return SW_WRONG_DATA;
		pv = sym_file(c, ref);
		if (!pv)
			return SW_NOT_FOUND;
		if (!ac_ok(c, pv->sec, AM_UPDATE))
			return SW_SECURITY;
		if (!key_size_ok(pv->prop, pv->size) ||
		    vt_sym_generate(pv->prop[0], pv->data, pv->size))
			return SW_WRONG_DATA;
		pv->written = 1;
		c->dirty = 1;
		*outlen = 0;
		return SW_OK;
	}
	if (a->p1 != 0x80 || ref == 0)
		return SW_WRONG_P1P2;
	/* 0.25+ sends an A6 template (public exponent); the exponent is always 65537 */
	if (!valid_a6(a->data, a->lc))
		return SW_WRONG_DATA;
	pv = key_file(c, ref, 0);
	pb = key_file(c, ref, 1);
	if (!pv || !pb)
		return SW_NOT_FOUND;
	if (!ac_ok(c, pv->sec, AM_UPDATE) || !ac_ok(c, pb->sec, AM_UPDATE))
		return SW_SECURITY;
	alg = pv->prop[0];
	if (pb->prop[0] != (alg | VT_PROP_PUBLIC) || (alg & VT_PROP_PUBLIC) ||
	    !key_size_ok(pv->prop, pv->size) || !key_size_ok(pb->prop, pb->size))
		return SW_WRONG_DATA;
	if (alg == VT_ALG_RSA) {
		size_t h = (pv->size - 8) / 5;

		if (pb->size != 3 * h)
			return SW_WRONG_DATA;
		if (vt_rsa_generate((unsigned)(16 * h), pv->data, pb->data, out))
			return SW_UNKNOWN;
		*outlen = 2 * h;
	} else if (alg == VT_ALG_ED25519) {
		/* extension: the seed into 6002/00kk, the encoded point into 6001/00kk and out */
		if (pb->prop[1] != pv->prop[1] || a->lc)
			return SW_WRONG_DATA;
		if (vt_ed_generate(pv->data, pb->data))
			return SW_UNKNOWN;
		memcpy(out, pb->data, VT_ED25519_LEN);
		*outlen = VT_ED25519_LEN;
	} else {
		size_t e = vt_ec_size(alg, pv->prop[1]);

		if (!e || pb->prop[1] != pv->prop[1] || pv->size != e || pb->size != 2 * e)
			return SW_WRONG_DATA;
		if (vt_ec_generate(alg, pv->prop[1], pv->data, pb->data))
			return SW_UNKNOWN;
		memcpy(out, pb->data, 2 * e);
		*outlen = 2 * e;
	}
	pv->written = pb->written = 1;
	c->dirty = 1;
	return SW_OK;
}

/* ---- Rutoken card management (CLA 80) -------------------------------------------- */

static unsigned cmd_erase(struct vt_card *c, const struct apdu *a)
{
	if (a->p1 || a->p2 || a->lc)
		return SW_WRONG_P1P2;
	wipe(c);
	c->init_phase = 1;
	c->cur_df = NULL;
	c->dirty = 1;
	return SW_OK;
}

static unsigned cmd_end_init(struct vt_card *c, const struct apdu *a)
{
	if (a->p1 != 0x4E || a->p2 != 0x19 || a->lc)
		return SW_WRONG_P1P2;
	if (!c->mf)
		return SW_CONDITIONS;
	if (c->init_phase) {
		c->init_phase = 0;
		c->dirty = 1;
	}
	return SW_OK;
}

/* ---- GET RESPONSE ---------------------------------------------------------------- */

static unsigned cmd_get_response(struct vt_card *c, const struct apdu *a, unsigned char *out,
				 size_t *outlen)
{
	return vt_io_get_response(io_of(c), a->p1, a->p2, a->has_le, a->ne, out, outlen);
}

/* ---- parsing and dispatch -------------------------------------------------------- */

static unsigned parse_apdu(const unsigned char *b, size_t len, struct apdu *a)
{
	memset(a, 0, sizeof *a);
	if (len < 4)
		return SW_WRONG_LENGTH;
	a->cla = b[0];
	a->ins = b[1];
	a->p1 = b[2];
	a->p2 = b[3];
	if (len == 4)
		return SW_OK;                           /* case 1 */
	if (len == 5) {                                 /* case 2 short */
		a->has_le = 1;
		a->ne = b[4] ? b[4] : 256;
		return SW_OK;
	}
	if (b[4] != 0) {
		size_t lc = b[4];

		if (len == 5 + lc) {                    /* case 3 short */
			a->lc = lc;
			a->data = b + 5;
			return SW_OK;
		}
		if (len == 6 + lc) {                    /* case 4 short */
			a->lc = lc;
			a->data = b + 5;
			a->has_le = 1;
			a->ne = b[5 + lc] ? b[5 + lc] : 256;
			return SW_OK;
		}
		return SW_WRONG_LENGTH;
	}
	/* b[4] == 0 and more bytes: extended length */
	a->ext = 1;
	if (len == 7) {                                 /* case 2 extended */
		size_t le = fid_at(b + 5);

		a->has_le = 1;
		a->ne = le ? le : 65536;
		return SW_OK;
	}
	if (len < 8) {
		return SW_WRONG_LENGTH;
	} else {
		size_t lc = fid_at(b + 5);

		if (lc == 0)
			return SW_WRONG_LENGTH;
		if (len == 7 + lc) {                    /* case 3 extended */
			a->lc = lc;
			a->data = b + 7;
			return SW_OK;
		}
		if (len == 9 + lc) {                    /* case 4 extended */
			size_t le = fid_at(b + 7 + lc);

			a->lc = lc;
			a->data = b + 7;
			a->has_le = 1;
			a->ne = le ? le : 65536;
			return SW_OK;
		}
	}
	return SW_WRONG_LENGTH;
}

static unsigned dispatch(struct vt_card *c, const struct apdu *a, unsigned char *out,
			 size_t *outlen)
{
	int prop = (a->cla & 0x80) != 0;

	if (!prop) {
		switch (a->ins) {
		case 0xA4: return cmd_select(c, a, out, outlen);
		case 0xB0: return cmd_read_binary(c, a, out, outlen);
		case 0xD6: return cmd_update_binary(c, a);
		case 0xE0: return cmd_create(c, a);
		case 0xE4: return cmd_delete(c, a);
		case 0x20: return cmd_verify(c, a);
		case 0x24: return cmd_change(c, a);
		case 0x2C: return cmd_reset_retry(c, a);
		case 0x84: return cmd_get_challenge(c, a, out, outlen);
		case 0xCA: return cmd_get_data(c, a, out, outlen);
		case 0x22: return cmd_mse(c, a);
		case 0x2A: return cmd_pso(c, a, out, outlen);
		case 0x46: return cmd_generate(c, a, out, outlen);
		case 0x86: return cmd_general_authenticate(c, a, out, outlen);
		case 0xC0: return cmd_get_response(c, a, out, outlen);
		case 0x40: case 0x8A: return SW_CLA_NOT_SUPPORTED;
		default: return SW_INS_NOT_SUPPORTED;
		}
	}
	switch (a->ins) {
	case 0x40: return cmd_reset_rights(c, a);
	case 0x8A: return cmd_erase(c, a);
	case 0x84: return cmd_end_init(c, a);
	case 0xA4: case 0xB0: case 0xD6: case 0xE0: case 0xE4: case 0x20: case 0x24:
	case 0x2C: case 0xCA: case 0x22: case 0x2A: case 0x46: case 0xC0:
		return SW_CLA_NOT_SUPPORTED;
	default:
		return SW_INS_NOT_SUPPORTED;
	}
}

static void finish(unsigned char *resp, size_t n, unsigned sw, size_t *resplen)
{
	resp[n] = (unsigned char)(sw >> 8);
	resp[n + 1] = (unsigned char)sw;
	*resplen = n + 2;
}

void vt_process(struct vt_card *c, const unsigned char *apdu, size_t len, unsigned char *resp,
		size_t *resplen)
{
	struct apdu a;
	unsigned sw;
	size_t outlen = 0, ne;
	unsigned base;

	sw = parse_apdu(apdu, len, &a);
	if (sw != SW_OK)
		goto done;
	if (a.cla == 0xFF) {
		sw = SW_CLA_NOT_SUPPORTED;
		goto done;
	}
	base = a.cla & ~0x10u;
	if (base != 0x00 && base != 0x80) {
		if ((a.cla & 0x80) == 0 && (a.cla & 0x03))
			sw = SW_LC_NOT_SUPPORTED;
		else if ((a.cla & 0x80) == 0 && (a.cla & 0x0C))
			sw = SW_SM_NOT_SUPPORTED;
		else
			sw = SW_CLA_NOT_SUPPORTED;
		goto done;
	}
	if ((a.ins & 0xF0) == 0x60 || (a.ins & 0xF0) == 0x90) {
		sw = SW_INS_NOT_SUPPORTED;
		goto done;
	}
	if (!(a.ins == 0xC0 && base == 0x00))
		drop_pending(c);

	/* ISO command chaining: CLA bit 0x10 on every part but the last; another command
	 * during a chain is refused (6883) */
	if (vt_io_chain(io_of(c), a.cla, base, a.ins, a.p1, a.p2, 1, &a.data, &a.lc, &sw) ==
	    VT_CHAIN_ANSWER)
		goto done;
	sw = dispatch(c, &a, resp, &outlen);
	vt_io_chain_done(&c->io, a.data);
	if (sw != SW_OK && sw != SW_EOF_WARNING && (sw & 0xFF00) != 0x6100)
		outlen = 0;
	/* more data than the terminal asked for: hand out Ne bytes, keep the rest */
	ne = a.has_le ? a.ne : (a.ext ? 65536 : 256);
	if (ne > 65533)
		ne = 65533;     /* a vpcd message holds 65535 bytes, SW included */
	sw = vt_io_keep_rest(&c->io, resp, &outlen, ne, sw);
done:
	finish(resp, outlen, sw, resplen);
}
