/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sk-script — run one call of a token family script, against a recorded APDU transcript
 * or a real PC/SC reader, through the same Lua bridge the module uses.
 *
 *   sk-script [--scripts DIR] [--family NAME] (--transcript FILE [--atr HEX] | --atr HEX |
 *             --reader NAME) CALL [ARGS]
 *
 *   CALL: token_info | pin_info USER | login USER PIN | logout | set_pin USER OLD NEW |
 *         init_pin PIN [SOPIN] | init_token SOPIN LABEL | mechanisms | find_family |
 *         objects [private] | generate_key_pair MECH [pub.ATTR | priv.ATTR]... |
 *         create_object ATTR... | set_attributes REF ATTR... | destroy_object REF |
 *         sign REF MECH HEX | decrypt REF MECH HEX | random N |
 *         call FUNCTION ARG (any function(card, string) -> string of the family script)
 *   USER: user, so, context, or a number.
 *   MECH: a CKM_ name, with or without its prefix.
 *   ATTR: NAME=VALUE, NAME a CKA_ name with or without its prefix; VALUE true or false
 *         (CK_BBOOL), a decimal number or a constant name such as CKO_DATA (CK_ULONG),
 *         x:HEX or s:TEXT (anything else).
 *   Objects print one per line: "REF CKA_NAME=VALUE ...", booleans as true/false,
 *   CK_ULONGs in decimal, other values in hex (objects: a lazy one whole, object_attrs
 *   called after the list); sign, decrypt and random print hex.
 *
 * Prints the result, one field per line, or the CKR_ name of the failure; exits 0 on
 * CKR_OK, 1 on another CKR_, 2 on a usage, transcript or reader problem.
 *
 * A transcript is text: "> 00 A4 04 00 ..." is an APDU the script must send next (a byte
 * "??" matches any byte), "< 6A 82" the card's answer to it; '#' starts a comment. The
 * run fails when the script sends something else, or leaves expected APDUs unsent.
 * find_family reads the manifests (family.yaml) and sends only the APDUs of the probes it
 * runs: for ATR-only families --atr is enough; a transcript holds the probes' APDUs.
 * Without --family, the family is the one find_family picks for the card, and its VM is
 * the only one started (as in the module).
 * Without --scripts, the scripts folder is found as the module finds it
 * (SCRIPTOKI_SCRIPTS, the configuration file, the built-in default).
 *
 * --random HEX: the script's crypto.random gives these bytes, in order, and fails when
 * they are used up: a transcript of a protocol in which the host sends a random
 * challenge (the PIV management key's mutual authentication) can then hold the card's
 * answer to it. For transcripts only: never with --reader.
 */
#include "lb.h"
#include "lb_int.h"
#include "sk_attrs.h"
#include "sk_names.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <openssl/crypto.h>
#include <winscard.h>

#define EXIT_CKR 1
#define EXIT_USAGE 2

/* --- transcripts --------------------------------------------------------------------- */

struct step {
	int line;
	char dir;               /* '>' or '<' */
	size_t len;
	uint8_t *bytes;
	uint8_t *any;           /* 1 where the transcript says "??" */
};

struct replay {
	const char *file;
	struct step *steps;
	size_t n, pos;
	int failed;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Hex digits with blanks between bytes; "??" is a wildcard when any != NULL. */
static int parse_hex(const char *s, uint8_t *out, uint8_t *any, size_t cap, size_t *len)
{
	size_t n = 0;
	int hi, lo;

	while (*s != '\0') {
		if (isspace((unsigned char)*s) || *s == ':') {
			s++;
			continue;
		}
		if (n == cap)
			return -1;
		if (s[0] == '?' && s[1] == '?' && any != NULL) {
			any[n] = 1;
			out[n++] = 0;
			s += 2;
			continue;
		}
		hi = hexval((unsigned char)s[0]);
		lo = s[1] != '\0' ? hexval((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0)
			return -1;
		if (any != NULL)
			any[n] = 0;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return 0;
}

static int load_transcript(const char *file, struct replay *r)
{
	static uint8_t tmp_bytes[LB_APDU_MAX], tmp_any[LB_APDU_MAX];
	FILE *f = fopen(file, "re");
	char *line = NULL, *p, *hash;
	size_t lcap = 0;
	int lineno = 0, rc = -1;
	struct step *s, *grown;
	size_t cap = 0;

	memset(r, 0, sizeof *r);
	r->file = file;
	if (f == NULL) {
		perror(file);
		return -1;
	}
	while (getline(&line, &lcap, f) > 0) {
		lineno++;
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0')
			continue;
		if (*p != '>' && *p != '<') {
			fprintf(stderr, "%s:%d: a line starts with '>' (APDU) or '<' (answer)\n",
				file, lineno);
			goto out;
		}
		if (r->n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(r->steps, cap * sizeof *grown);
			if (grown == NULL)
				goto out;
			r->steps = grown;
		}
		s = &r->steps[r->n];
		s->line = lineno;
		s->dir = *p;
		if (parse_hex(p + 1, tmp_bytes, tmp_any, LB_APDU_MAX, &s->len)) {
			fprintf(stderr, "%s:%d: bad hex\n", file, lineno);
			goto out;
		}
		s->bytes = malloc(s->len);
		s->any = malloc(s->len);
		if (s->bytes == NULL || s->any == NULL) {
			free(s->bytes);
			free(s->any);
			goto out;
		}
		r->n++;         /* owned by r from here */
		memcpy(s->bytes, tmp_bytes, s->len);
		memcpy(s->any, tmp_any, s->len);
		if (*p == '<')
			memset(s->any, 0, s->len);
		if ((s->dir == '>' && s->len < 4) || (s->dir == '<' && s->len < 2)) {
			fprintf(stderr, "%s:%d: too short for %s\n", file, lineno,
				s->dir == '>' ? "an APDU" : "an answer (SW1 SW2 at least)");
			goto out;
		}
		if (((r->n - 1) % 2 == 0) != (s->dir == '>')) {
			fprintf(stderr, "%s:%d: APDUs ('>') and answers ('<') must alternate\n",
				file, lineno);
			goto out;
		}
	}
	if (r->n % 2 != 0) {
		fprintf(stderr, "%s:%d: the last APDU has no answer\n", file,
			r->steps[r->n - 1].line);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

static int masked_ins(const uint8_t *apdu, size_t len)
{
	return len >= 2 && (apdu[1] == 0x20 || apdu[1] == 0x21 || apdu[1] == 0x24 ||
			    apdu[1] == 0x25 || apdu[1] == 0x2C || apdu[1] == 0x2D);
}

static void print_apdu(const char *what, const uint8_t *p, size_t n)
{
	size_t i, shown = masked_ins(p, n) ? 4 : n;

	fprintf(stderr, "  %s:", what);
	for (i = 0; i < shown && i < 64; i++)
		fprintf(stderr, " %02X", p[i]);
	if (shown < n)
		fprintf(stderr, " ... (%zu bytes%s)", n, shown == 4 ? ", PIN data masked" : "");
	fprintf(stderr, "\n");
}

static CK_RV replay_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
			     size_t *resp_len)
{
	struct replay *r = ctx;
	struct step *want, *ans;
	size_t i;

	if (r->pos >= r->n) {
		fprintf(stderr, "%s: the script sent an APDU after the end of the transcript\n",
			r->file);
		print_apdu("sent", apdu, len);
		r->failed = 1;
		return CKR_DEVICE_ERROR;
	}
	want = &r->steps[r->pos];
	ans = &r->steps[r->pos + 1];
	for (i = 0; i < len && i < want->len; i++)
		if (!want->any[i] && want->bytes[i] != apdu[i])
			break;
	if (len != want->len || i < len) {
		fprintf(stderr, "%s:%d: the script sent another APDU (first difference at byte %zu)\n",
			r->file, want->line, i + 1);
		print_apdu("expected", want->bytes, want->len);
		print_apdu("sent", apdu, len);
		r->failed = 1;
		return CKR_DEVICE_ERROR;
	}
	if (ans->len > *resp_len)
		return CKR_DEVICE_ERROR;
	memcpy(resp, ans->bytes, ans->len);
	*resp_len = ans->len;
	r->pos += 2;
	return CKR_OK;
}

/* --- PC/SC ------------------------------------------------------------------------------ */

struct reader {
	SCARDCONTEXT ctx;
	SCARDHANDLE h;
	DWORD proto;
	int have_ctx, have_card, in_tx;
	uint8_t atr[MAX_ATR_SIZE];
	DWORD atr_len;
};

static CK_RV pcsc_rv(LONG e)
{
	switch (e) {
	case SCARD_S_SUCCESS:
		return CKR_OK;
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_E_READER_UNAVAILABLE:
	case SCARD_E_NO_READERS_AVAILABLE:
		return CKR_DEVICE_REMOVED;
	case SCARD_E_NO_MEMORY:
		return CKR_HOST_MEMORY;
	default:
		return CKR_DEVICE_ERROR;
	}
}

static CK_RV pcsc_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
			   size_t *resp_len)
{
	struct reader *rd = ctx;
	DWORD rlen = (DWORD)*resp_len;
	LONG e;

	e = SCardTransmit(rd->h, rd->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0,
			  apdu, (DWORD)len, NULL, resp, &rlen);
	if (e != SCARD_S_SUCCESS) {
		fprintf(stderr, "SCardTransmit: %s\n", pcsc_stringify_error(e));
		return pcsc_rv(e);
	}
	*resp_len = rlen;
	return CKR_OK;
}

/* Connects to the reader named name (exactly, else the first whose name starts so). */
static int pcsc_open(struct reader *rd, const char *name)
{
	char *list = NULL, *p, *pick = NULL;
	DWORD n = 0, alen = sizeof rd->atr, state, plen = 0;
	LONG e;
	int rc = -1;

	memset(rd, 0, sizeof *rd);
	e = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &rd->ctx);
	if (e != SCARD_S_SUCCESS) {
		fprintf(stderr, "SCardEstablishContext: %s\n", pcsc_stringify_error(e));
		return -1;
	}
	rd->have_ctx = 1;
	e = SCardListReaders(rd->ctx, NULL, NULL, &n);
	if (e == SCARD_S_SUCCESS && (list = calloc(1, n + 1)) != NULL)
		e = SCardListReaders(rd->ctx, NULL, list, &n);
	if (e != SCARD_S_SUCCESS || list == NULL) {
		fprintf(stderr, "SCardListReaders: %s\n", pcsc_stringify_error(e));
		goto out;
	}
	for (p = list; *p != '\0'; p += strlen(p) + 1)
		if (strcmp(p, name) == 0)
			pick = p;
	for (p = list; pick == NULL && *p != '\0'; p += strlen(p) + 1)
		if (strncmp(p, name, strlen(name)) == 0)
			pick = p;
	if (pick == NULL) {
		fprintf(stderr, "no reader named '%s'\n", name);
		goto out;
	}
	e = SCardConnect(rd->ctx, pick, SCARD_SHARE_SHARED,
			 SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &rd->h, &rd->proto);
	if (e != SCARD_S_SUCCESS) {
		fprintf(stderr, "SCardConnect: %s\n", pcsc_stringify_error(e));
		goto out;
	}
	rd->have_card = 1;
	e = SCardBeginTransaction(rd->h);
	if (e != SCARD_S_SUCCESS) {
		fprintf(stderr, "SCardBeginTransaction: %s\n", pcsc_stringify_error(e));
		goto out;
	}
	rd->in_tx = 1;
	e = SCardStatus(rd->h, NULL, &plen, &state, &rd->proto, rd->atr, &alen);
	if (e != SCARD_S_SUCCESS) {
		fprintf(stderr, "SCardStatus: %s\n", pcsc_stringify_error(e));
		goto out;
	}
	rd->atr_len = alen;
	rc = 0;
out:
	free(list);
	return rc;
}

static void pcsc_close(struct reader *rd)
{
	if (rd->in_tx)
		SCardEndTransaction(rd->h, SCARD_LEAVE_CARD);
	if (rd->have_card)
		SCardDisconnect(rd->h, SCARD_LEAVE_CARD);
	if (rd->have_ctx)
		SCardReleaseContext(rd->ctx);
}

/* --- calls ---------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: sk-script [--scripts DIR] [--family NAME] [--random HEX]\n"
		"                 (--transcript FILE [--atr HEX] | --atr HEX | --reader NAME)\n"
		"                 CALL [ARGS]\n"
		"CALL: token_info | pin_info USER | login USER PIN | logout |\n"
		"      set_pin USER OLD NEW | init_pin PIN [SOPIN] | init_token SOPIN LABEL |\n"
		"      mechanisms | find_family | objects [private] |\n"
		"      generate_key_pair MECH [pub.ATTR | priv.ATTR]... | create_object ATTR... |\n"
		"      set_attributes REF ATTR... | destroy_object REF | sign REF MECH HEX |\n"
		"      decrypt REF MECH HEX | random N | call FUNCTION ARG\n"
		"ATTR: NAME=true|false|NUMBER|CONSTANT|x:HEX|s:TEXT\n");
	exit(EXIT_USAGE);
}

static CK_USER_TYPE parse_user(const char *s)
{
	char *end;
	unsigned long v;

	if (strcmp(s, "user") == 0)
		return CKU_USER;
	if (strcmp(s, "so") == 0)
		return CKU_SO;
	if (strcmp(s, "context") == 0)
		return CKU_CONTEXT_SPECIFIC;
	v = strtoul(s, &end, 0);
	if (*s == '\0' || *end != '\0')
		usage();
	return v;
}

static void print_flags(CK_FLAGS flags)
{
	CK_FLAGS bit;
	const char *sep = "", *name;

	for (bit = 1; bit != 0; bit <<= 1) {
		if (!(flags & bit))
			continue;
		name = sk_name(SK_FAM_CKF_MECHANISM_INFO, bit);
		if (name != NULL)
			printf("%s%s", sep, name);
		else
			printf("%s0x%lx", sep, (unsigned long)bit);
		sep = "|";
	}
	if (*sep == '\0')
		printf("0");
}

/* --- token objects and the private-key primitives ---------------------------------------- */

/* "NAME=VALUE" (NAME with or without CKA_) into a, its value in Cryptoki's encoding:
 * true/false, a decimal integer or a constant name (CKO_DATA, CKK_RSA, ...) for CK_BBOOL and
 * CK_ULONG attributes; x:HEX or s:TEXT for the others. 0, or -1 when it cannot be read. */
static int parse_attr(const char *s, struct lb_attr *a)
{
	char name[128];
	const char *eq = strchr(s, '=');
	const struct sk_attr_type *ti;
	unsigned long v;
	size_t n;

	memset(a, 0, sizeof *a);
	if (eq == NULL || (size_t)(eq - s) + 5 > sizeof name)
		return -1;
	n = (size_t)(eq - s);
	if (strncmp(s, "CKA_", 4) == 0)
		snprintf(name, sizeof name, "%.*s", (int)n, s);
	else
		snprintf(name, sizeof name, "CKA_%.*s", (int)n, s);
	if (!sk_lookup(name, &v) || (ti = sk_attr_type_of(v)) == NULL)
		return -1;
	a->type = v;
	s = eq + 1;
	if (ti->vtype == SK_AV_BOOL) {
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return -1;
		a->len = 1;
		a->value = malloc(1);
		if (a->value == NULL)
			return -1;
		a->value[0] = strcmp(s, "true") == 0 ? CK_TRUE : CK_FALSE;
		return 0;
	}
	if (ti->vtype == SK_AV_ULONG) {
		char *end;
		CK_ULONG u;

		u = strtoul(s, &end, 10);
		if (*s == '\0' || *end != '\0') {
			if (!sk_lookup(s, &v))
				return -1;
			u = v;
		}
		a->len = sizeof u;
		a->value = malloc(sizeof u);
		if (a->value == NULL)
			return -1;
		memcpy(a->value, &u, sizeof u);
		return 0;
	}
	if (strncmp(s, "s:", 2) == 0) {
		a->len = strlen(s + 2);
		a->value = a->len ? malloc(a->len) : NULL;
		if (a->len && a->value == NULL)
			return -1;
		if (a->len)
			memcpy(a->value, s + 2, a->len);
		return 0;
	}
	if (strncmp(s, "x:", 2) == 0) {
		n = strlen(s + 2) / 2 + 1;
		a->value = malloc(n);
		if (a->value == NULL)
			return -1;
		if (parse_hex(s + 2, a->value, NULL, n, &n) != 0)
			return -1;
		a->len = n;
		return 0;
	}
	return -1;
}

/* Attributes from argv into *out (calloc'ed; lb_attrs_free); with side ('u' or 'r'), only
 * those prefixed "pub." or "priv.". */
static CK_RV parse_attrs(int argc, char **argv, char side, struct lb_attr **outp, size_t *n)
{
	struct lb_attr *out;
	const char *s;
	int i;

	*n = 0;
	*outp = out = calloc((size_t)argc + 1, sizeof *out);
	if (out == NULL)
		return CKR_HOST_MEMORY;
	for (i = 0; i < argc; i++) {
		s = argv[i];
		if (side != 0) {
			if (strncmp(s, "pub.", 4) == 0) {
				if (side != 'u')
					continue;
				s += 4;
			} else if (strncmp(s, "priv.", 5) == 0) {
				if (side != 'r')
					continue;
				s += 5;
			} else {
				usage();
			}
		}
		if (parse_attr(s, &out[*n]) != 0) {
			fprintf(stderr, "bad attribute: %s\n", s);
			lb_attrs_free(out, *n + 1);
			*outp = NULL;
			*n = 0;
			usage();
		}
		(*n)++;
	}
	return CKR_OK;
}

static void print_hex(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02X", p[i]);
}

/* One object: "REF CKA_NAME=VALUE ...", booleans as true/false, CK_ULONGs in decimal,
 * everything else in hex. */
static void print_object(const struct lb_object *o)
{
	const struct sk_attr_type *ti;
	const char *name;
	size_t i;
	CK_ULONG u;

	printf("%s", o->ref);
	for (i = 0; i < o->nattrs; i++) {
		const struct lb_attr *a = &o->attrs[i];

		name = sk_name(SK_FAM_CKA, a->type);
		if (name != NULL)
			printf(" %s=", name);
		else
			printf(" 0x%lx=", (unsigned long)a->type);
		ti = sk_attr_type_of(a->type);
		if (ti != NULL && ti->vtype == SK_AV_BOOL && a->len == 1) {
			printf("%s", a->value[0] ? "true" : "false");
		} else if (ti != NULL && ti->vtype == SK_AV_ULONG && a->len == sizeof u) {
			memcpy(&u, a->value, sizeof u);
			printf("%lu", (unsigned long)u);
		} else {
			print_hex(a->value, a->len);
		}
	}
	printf("\n");
}

static CK_MECHANISM_TYPE parse_mech(const char *s)
{
	char name[128];
	unsigned long v;

	snprintf(name, sizeof name, "%s%s", strncmp(s, "CKM_", 4) == 0 ? "" : "CKM_", s);
	if (!sk_lookup(name, &v))
		usage();
	return v;
}

static CK_RV run(struct lb_vm *vm, const struct lb_card *card, const char *call, int argc,
		 char **argv)
{
	CK_RV rv = CKR_ARGUMENTS_BAD;

#define NEED(n) do { if (argc != (n)) usage(); } while (0)
#define PIN(s) (const CK_UTF8CHAR *)(s), (CK_ULONG)strlen(s)
	if (strcmp(call, "token_info") == 0) {
		struct lb_token_info ti;

		NEED(0);
		rv = lb_token_info(vm, card, &ti);
		if (rv == CKR_OK) {
			printf("label=%s\nserial=%s\nmodel=%s\nmanufacturer=%s\n", ti.label,
			       ti.serial, ti.model, ti.manufacturer);
			printf("hw=%u.%u\nfw=%u.%u\n", ti.hw.major, ti.hw.minor, ti.fw.major,
			       ti.fw.minor);
			printf("min_pin=%lu\nmax_pin=%lu\n", (unsigned long)ti.min_pin,
			       (unsigned long)ti.max_pin);
			printf("so_min_pin=%lu\nso_max_pin=%lu\n", (unsigned long)ti.so_min_pin,
			       (unsigned long)ti.so_max_pin);
			printf("initialized=%s\nuser_pin_initialized=%s\nlogin_required=%s\n"
			       "rng=%s\n", ti.initialized ? "true" : "false",
			       ti.user_pin_initialized ? "true" : "false",
			       ti.login_required ? "true" : "false", ti.rng ? "true" : "false");
			if (ti.init_pin_so_pin)
				printf("init_pin_so_pin=true\n");
		}
	} else if (strcmp(call, "pin_info") == 0) {
		struct lb_pin_info pi;

		NEED(1);
		rv = lb_pin_info(vm, card, parse_user(argv[0]), &pi);
		if (rv == CKR_OK)
			printf("max_tries=%d\ntries_left=%d\n", pi.max_tries, pi.tries_left);
	} else if (strcmp(call, "login") == 0) {
		NEED(2);
		rv = lb_login(vm, card, parse_user(argv[0]), PIN(argv[1]));
	} else if (strcmp(call, "logout") == 0) {
		NEED(0);
		rv = lb_logout(vm, card);
	} else if (strcmp(call, "set_pin") == 0) {
		NEED(3);
		rv = lb_set_pin(vm, card, parse_user(argv[0]), PIN(argv[1]), PIN(argv[2]));
	} else if (strcmp(call, "init_pin") == 0) {
		/* the SO PIN (a family's token_info init_pin_so_pin) as the second argument */
		if (argc != 2)
			NEED(1);
		rv = argc == 2 ? lb_init_pin_so(vm, card, PIN(argv[0]), PIN(argv[1]))
			       : lb_init_pin(vm, card, PIN(argv[0]));
	} else if (strcmp(call, "init_token") == 0) {
		CK_UTF8CHAR label[32];
		size_t n = strlen(argv[1]);

		NEED(2);
		if (n > sizeof label)
			n = sizeof label;
		memset(label, ' ', sizeof label);
		memcpy(label, argv[1], n);
		rv = lb_init_token(vm, card, PIN(argv[0]), label);
	} else if (strcmp(call, "mechanisms") == 0) {
		struct lb_mechanism m[256];
		size_t n = sizeof m / sizeof m[0], i;
		const char *name;

		NEED(0);
		rv = lb_mechanisms(vm, card, m, &n);
		for (i = 0; rv == CKR_OK && i < n; i++) {
			name = sk_name(SK_FAM_CKM, m[i].type);
			if (name != NULL)
				printf("%s", name);
			else
				printf("0x%08lx", (unsigned long)m[i].type);
			printf(" min=%lu max=%lu flags=", (unsigned long)m[i].info.ulMinKeySize,
			       (unsigned long)m[i].info.ulMaxKeySize);
			print_flags(m[i].info.flags);
			printf("\n");
		}
	} else if (strcmp(call, "objects") == 0) {
		struct lb_object *objs = NULL;
		size_t n = 0, i;

		if (argc > 1 || (argc == 1 && strcmp(argv[0], "private") != 0))
			usage();
		rv = lb_objects(vm, card, argc == 1, &objs, &n);
		/* a lazy object is printed whole, as an application that reads all its
		 * attributes sees it: object_attrs after the list, as the runtime calls it */
		for (i = 0; rv == CKR_OK && i < n; i++)
			if (objs[i].lazy) {
				struct lb_object whole;
				char ref[LB_REF_MAX];

				snprintf(ref, sizeof ref, "%s", objs[i].ref);
				rv = lb_object_attrs(vm, card, ref, &whole);
				if (rv == CKR_OK) {
					lb_object_clear(&objs[i]);
					objs[i] = whole;
				}
			}
		for (i = 0; rv == CKR_OK && i < n; i++)
			print_object(&objs[i]);
		lb_objects_free(objs, n);
	} else if (strcmp(call, "generate_key_pair") == 0) {
		struct lb_attr *pub = NULL, *priv = NULL;
		struct lb_object po = { 0 }, qo = { 0 };
		size_t np = 0, nq = 0;
		CK_MECHANISM_TYPE mech;

		if (argc < 1)
			usage();
		mech = parse_mech(argv[0]);
		rv = parse_attrs(argc - 1, argv + 1, 'u', &pub, &np);
		if (rv == CKR_OK)
			rv = parse_attrs(argc - 1, argv + 1, 'r', &priv, &nq);
		if (rv == CKR_OK)
			rv = lb_generate_key_pair(vm, card, mech, pub, np, priv, nq, &po, &qo);
		if (rv == CKR_OK) {
			print_object(&po);
			print_object(&qo);
		}
		lb_object_clear(&po);
		lb_object_clear(&qo);
		lb_attrs_free(pub, np);
		lb_attrs_free(priv, nq);
	} else if (strcmp(call, "create_object") == 0 || strcmp(call, "set_attributes") == 0) {
		int set = call[0] == 's';
		struct lb_attr *attrs = NULL;
		struct lb_object o = { 0 };
		size_t n = 0;

		if (argc < (set ? 2 : 1))
			usage();
		rv = parse_attrs(argc - set, argv + set, 0, &attrs, &n);
		if (rv == CKR_OK)
			rv = set ? lb_set_attributes(vm, card, argv[0], attrs, n, &o) :
				   lb_create_object(vm, card, attrs, n, &o);
		if (rv == CKR_OK)
			print_object(&o);
		lb_object_clear(&o);
		lb_attrs_free(attrs, n);
	} else if (strcmp(call, "destroy_object") == 0) {
		NEED(1);
		rv = lb_destroy_object(vm, card, argv[0]);
	} else if (strcmp(call, "sign") == 0 || strcmp(call, "decrypt") == 0) {
		static uint8_t in[8192], out[8192];
		size_t in_len = 0, out_len = sizeof out;
		CK_MECHANISM_TYPE mech;

		NEED(3);
		mech = parse_mech(argv[1]);
		if (parse_hex(argv[2], in, NULL, sizeof in, &in_len) != 0)
			usage();
		rv = call[0] == 's' ? lb_sign(vm, card, argv[0], mech, in, in_len, out, &out_len) :
				      lb_decrypt(vm, card, argv[0], mech, in, in_len, out, &out_len);
		if (rv == CKR_OK) {
			print_hex(out, out_len);
			printf("\n");
		}
		OPENSSL_cleanse(out, sizeof out);
	} else if (strcmp(call, "random") == 0) {
		static uint8_t out[65536];
		char *end;
		unsigned long n;

		NEED(1);
		n = strtoul(argv[0], &end, 10);
		if (*argv[0] == '\0' || *end != '\0' || n > sizeof out)
			usage();
		rv = lb_random(vm, card, out, n);
		if (rv == CKR_OK) {
			print_hex(out, n);
			printf("\n");
		}
	} else if (strcmp(call, "call") == 0) {
		static char out[65536];

		NEED(2);
		rv = lb_call_string(vm, card, argv[0], argv[1], out, sizeof out);
		if (rv == CKR_OK)
			printf("%s\n", out);
	} else {
		usage();
	}
	return rv;
}

/* crypto.random of --random: the next n of the given bytes (upvalue 1; upvalue 2 the
 * position). [-0, +1, e] */
static int fixed_random(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1);
	size_t have, pos = (size_t)lua_tointeger(L, lua_upvalueindex(2));
	const char *b = lua_tolstring(L, lua_upvalueindex(1), &have);

	if (n < 0 || (size_t)n > have - pos)
		return luaL_error(L, "crypto.random: the %d bytes of --random are used up",
				  (int)have);
	lua_pushinteger(L, (lua_Integer)(pos + (size_t)n));
	lua_replace(L, lua_upvalueindex(2));
	lua_pushlstring(L, b + pos, (size_t)n);
	return 1;
}

/* Replace the VM's crypto.random by fixed_random over bytes. 0, or -1 (no crypto table). */
static int set_fixed_random(struct lb_vm *vm, const uint8_t *bytes, size_t n)
{
	lua_State *L = vm->L;

	if (L == NULL || lua_getglobal(L, "crypto") != LUA_TTABLE) {
		if (L != NULL)
			lua_pop(L, 1);
		return -1;
	}
	lua_pushlstring(L, (const char *)bytes, n);
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, fixed_random, 2);
	lua_setfield(L, -2, "random");
	lua_pop(L, 1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *family = NULL, *transcript = NULL, *reader = NULL;
	const char *atr_hex = NULL, *random_hex = NULL, *call;
	static uint8_t atr[64], random_bytes[256];
	size_t atr_len = 0, random_len = 0;
	struct replay rp = { 0 };
	struct reader rd = { 0 };
	struct lb_card card = { 0 };
	struct lb_vm *vm = NULL;
	char fam[256];
	CK_RV rv;
	int i, status = EXIT_USAGE, using_reader = 0;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--scripts") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "--family") == 0)
			family = argv[i + 1];
		else if (strcmp(argv[i], "--transcript") == 0)
			transcript = argv[i + 1];
		else if (strcmp(argv[i], "--reader") == 0)
			reader = argv[i + 1];
		else if (strcmp(argv[i], "--atr") == 0)
			atr_hex = argv[i + 1];
		else if (strcmp(argv[i], "--random") == 0)
			random_hex = argv[i + 1];
		else
			usage();
	}
	if (random_hex != NULL && (reader != NULL ||
				   parse_hex(random_hex, random_bytes, NULL, sizeof random_bytes,
					     &random_len) != 0)) {
		fprintf(stderr, "--random: hex, and with a transcript only\n");
		usage();
	}
	if (i >= argc || (transcript != NULL && reader != NULL) ||
	    (transcript == NULL && reader == NULL && atr_hex == NULL))
		usage();
	call = argv[i++];
	if (dir == NULL)
		dir = lb_scripts_dir();
	if (atr_hex != NULL && parse_hex(atr_hex, atr, NULL, sizeof atr, &atr_len) != 0) {
		fprintf(stderr, "--atr: bad hex\n");
		usage();
	}
	if (reader == NULL) {
		/* a transcript; without one (only --atr), every APDU is unexpected */
		rp.file = "(no transcript)";
		if (transcript != NULL && load_transcript(transcript, &rp) != 0)
			goto out;
		card.transmit = replay_transmit;
		card.ctx = &rp;
		card.atr = atr;
		card.atr_len = atr_len;
	} else {
		using_reader = 1;
		if (pcsc_open(&rd, reader) != 0)
			goto out;
		card.transmit = pcsc_transmit;
		card.ctx = &rd;
		card.atr = rd.atr;
		card.atr_len = rd.atr_len;
	}
	if (strcmp(call, "find_family") == 0) {
		if (i != argc)
			usage();
		rv = lb_find_family(dir, &card, fam, sizeof fam);
		if (rv == CKR_OK)
			printf("%s\n", fam);
	} else {
		if (family == NULL) {
			/* as the module does: the chosen family's VM, and no other */
			rv = lb_open_for_card(dir, &card, fam, sizeof fam, &vm);
			if (rv != CKR_OK) {
				fprintf(stderr, "no --family, and no family matches the ATR\n");
				printf("%s\n", sk_rv_name(rv));
				status = EXIT_CKR;
				goto out;
			}
			family = fam;
		} else {
			rv = lb_open(dir, family, &vm);
		}
		if (rv == CKR_OK && random_hex != NULL && set_fixed_random(vm, random_bytes,
									   random_len) != 0) {
			fprintf(stderr, "--random: the VM has no crypto library\n");
			goto out;
		}
		if (rv == CKR_OK)
			rv = run(vm, &card, call, argc - i, argv + i);
	}
	if (rv != CKR_OK || strcmp(call, "find_family") != 0) {
		if (rv != CKR_OK || !(strcmp(call, "token_info") == 0 ||
				      strcmp(call, "pin_info") == 0 ||
				      strcmp(call, "mechanisms") == 0 ||
				      strcmp(call, "objects") == 0 ||
				      strcmp(call, "generate_key_pair") == 0 ||
				      strcmp(call, "create_object") == 0 ||
				      strcmp(call, "set_attributes") == 0 ||
				      strcmp(call, "sign") == 0 || strcmp(call, "decrypt") == 0 ||
				      strcmp(call, "random") == 0 ||
				      strcmp(call, "call") == 0))
			printf("%s\n", sk_rv_name(rv));
	}
	status = rv == CKR_OK ? 0 : EXIT_CKR;
	if (transcript != NULL && !rp.failed && rp.pos < rp.n) {
		fprintf(stderr, "%s:%d: the script did not send this APDU (%zu of the "
			"transcript's APDUs unsent)\n", transcript, rp.steps[rp.pos].line,
			(rp.n - rp.pos) / 2);
		rp.failed = 1;
	}
	if (rp.failed)
		status = EXIT_USAGE;
out:
	lb_close(vm);
	if (using_reader)
		pcsc_close(&rd);
	for (i = 0; i < (int)rp.n; i++) {
		OPENSSL_cleanse(rp.steps[i].bytes, rp.steps[i].len);
		free(rp.steps[i].bytes);
		free(rp.steps[i].any);
	}
	free(rp.steps);
	return status;
}
