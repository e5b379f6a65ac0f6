/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * trace.c — the call trace: at SCRIPTOKI_DEBUG=2 each call to the module is logged as one
 * line with its arguments by name, its result, its duration and the APDUs it sent:
 *
 *   C_Sign(hSession=0x1, pData=(32 bytes), ulDataLen=32, pSignature=(256 bytes),
 *          *pulSignatureLen=256) = CKR_OK (1.204 ms, 4 APDUs: A4 22 2A 2A)
 *
 * The generated entry points (codegen/model.py, trace_calls) call one formatter per
 * argument, chosen by its type in spec/functions.yaml. What never appears: the value of an
 * argument marked secret (PINs, operation state, templates' sensitive values), the bytes of
 * any data buffer (only lengths), and attribute values other than those of public types
 * (booleans, numbers, UTF-8 strings, dates, and the few byte strings listed below).
 */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cryptoki.h"
#include "log.h"
#include "sk_attrs.h"
#include "sk_dispatch.h"
#include "sk_names.h"
#include "util.h"

#define TRACE_INS_KEPT 16
#define TRACE_BYTES_SHOWN 32
#define TRACE_TEXT_SHOWN 64

static __thread unsigned long tl_apdus UTIL_TLS_HOT;
static __thread unsigned char tl_ins[TRACE_INS_KEPT] UTIL_TLS_HOT;

void trace_apdu(const uint8_t *apdu, size_t len)
{
	tl_ins[tl_apdus % TRACE_INS_KEPT] = len > 1 ? apdu[1] : 0;
	tl_apdus++;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void sk_trace_begin(struct sk_trace *tr)
{
	tr->on = log_on(LOG_CALLS);
	if (!tr->on)
		return;
	tr->args = 0;
	tr->len = 0;
	tr->line[0] = '\0';
	tr->apdus0 = tl_apdus;
	tr->t0_ns = now_ns();
}

__attribute__((format(printf, 2, 3)))
static void put(struct sk_trace *tr, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof tr->line - (size_t)tr->len;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tr->line + tr->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	tr->len += (size_t)n < room ? (unsigned long)n : (unsigned long)(room - 1);
}

/* "name=" with the separator before every argument but the first */
static void arg(struct sk_trace *tr, const char *name)
{
	put(tr, "%s%s=", tr->args++ ? ", " : "", name);
}

static enum sk_family family(const char *prefix, const char *group)
{
	for (int f = 0; f < SK_FAM__COUNT; f++) {
		const struct sk_family_info *fi = &sk_families[f];
		if (strcmp(fi->prefix, prefix) != 0)
			continue;
		if (group == NULL || (fi->group != NULL && strcmp(fi->group, group) == 0))
			return (enum sk_family)f;
	}
	return SK_FAM__COUNT;
}

static void put_named(struct sk_trace *tr, enum sk_family fam, unsigned long v)
{
	const char *n = fam < SK_FAM__COUNT ? sk_name(fam, v) : NULL;

	if (n != NULL)
		put(tr, "%s", n);
	else
		put(tr, "0x%lx", v);
}

static void put_flags(struct sk_trace *tr, enum sk_family fam, unsigned long v)
{
	unsigned long rest = 0;
	int any = 0;

	put(tr, "0x%lx", v);
	if (fam >= SK_FAM__COUNT || v == 0)
		return;
	for (unsigned b = 0; b < 8 * sizeof v; b++) {
		unsigned long bit = 1UL << b;
		const char *n;
		if (!(v & bit))
			continue;
		n = sk_name(fam, bit);
		if (n == NULL) {
			rest |= bit;
			continue;
		}
		put(tr, "%s%s", any++ ? "|" : " (", n);
	}
	if (any && rest)
		put(tr, "|0x%lx", rest);
	if (any)
		put(tr, ")");
}

/* blank-padded fixed-length text (labels, manufacturer IDs), trailing blanks dropped */
static void put_text(struct sk_trace *tr, const unsigned char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\0'))
		n--;
	if (n > TRACE_TEXT_SHOWN)
		n = TRACE_TEXT_SHOWN;
	put(tr, "\"");
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			put(tr, "%c", p[i]);
		else
			put(tr, "\\x%02x", p[i]);
	}
	put(tr, "\"");
}

static void put_hex(struct sk_trace *tr, const unsigned char *p, size_t n)
{
	size_t shown = n > TRACE_BYTES_SHOWN ? TRACE_BYTES_SHOWN : n;

	for (size_t i = 0; i < shown; i++)
		put(tr, "%02x", p[i]);
	if (shown < n)
		put(tr, "...(%zu bytes)", n);
}

void sk_trace_end(struct sk_trace *tr, enum sk_fn fn, CK_RV rv)
{
	long long dt = now_ns() - tr->t0_ns;
	unsigned long n = tl_apdus - tr->apdus0;
	char ins[3 * TRACE_INS_KEPT + 4] = "";

	if (n > 0 && n <= TRACE_INS_KEPT) {
		size_t k = 0;
		k += (size_t)snprintf(ins, sizeof ins, ":");
		for (unsigned long i = tr->apdus0; i != tl_apdus; i++)
			k += (size_t)snprintf(ins + k, sizeof ins - k, " %02X",
					      tl_ins[i % TRACE_INS_KEPT]);
	}
	log_msg(LOG_CALLS, "%s(%s%s) = %s (%lld.%03lld ms, %lu APDU%s%s)", sk_fn_info[fn].name,
		tr->line, tr->len + 1 >= sizeof tr->line ? "..." : "", sk_rv_name(rv),
		dt / 1000000, (dt / 1000) % 1000, n, n == 1 ? "" : "s", ins);
}

void sk_trace_handle(struct sk_trace *tr, const char *name, unsigned long v)
{
	arg(tr, name);
	put(tr, "0x%lx", v);
}

void sk_trace_ulong(struct sk_trace *tr, const char *name, unsigned long v)
{
	arg(tr, name);
	put(tr, "%lu", v);
}

void sk_trace_bool(struct sk_trace *tr, const char *name, unsigned char v)
{
	arg(tr, name);
	put(tr, "%s", v ? "CK_TRUE" : "CK_FALSE");
}

void sk_trace_flags(struct sk_trace *tr, const char *name, const char *group, unsigned long v)
{
	arg(tr, name);
	put_flags(tr, group ? family("CKF", group) : SK_FAM__COUNT, v);
}

void sk_trace_named(struct sk_trace *tr, const char *name, const char *prefix, unsigned long v)
{
	arg(tr, name);
	put_named(tr, family(prefix, NULL), v);
}

static int is_pss(CK_MECHANISM_TYPE m)
{
	const char *n = sk_name(SK_FAM_CKM, m);
	return n != NULL && strstr(n, "_PSS") != NULL;
}

void sk_trace_mechanism(struct sk_trace *tr, const char *name, const void *mp)
{
	const CK_MECHANISM *m = mp;

	arg(tr, name);
	if (m == NULL) {
		put(tr, "NULL");
		return;
	}
	put(tr, "{");
	put_named(tr, SK_FAM_CKM, m->mechanism);
	if (m->pParameter != NULL && m->ulParameterLen == sizeof(CK_RSA_PKCS_PSS_PARAMS) &&
	    is_pss(m->mechanism)) {
		const CK_RSA_PKCS_PSS_PARAMS *pp = m->pParameter;
		put(tr, ", hashAlg=");
		put_named(tr, SK_FAM_CKM, pp->hashAlg);
		put(tr, ", mgf=");
		put_named(tr, family("CKG", "mgf"), pp->mgf);
		put(tr, ", sLen=%lu", pp->sLen);
	} else if (m->pParameter != NULL || m->ulParameterLen != 0) {
		/* parameters may hold key material (IVs, derivation inputs): their length only */
		put(tr, ", parameter (%lu bytes)", m->ulParameterLen);
	}
	put(tr, "}");
}

/* byte-string attributes whose value is public whatever the object: identifiers and the
   parameter sets of public curves and GOST algorithms */
static int public_bytes(CK_ATTRIBUTE_TYPE t)
{
	return t == CKA_ID || t == CKA_OBJECT_ID || t == CKA_EC_PARAMS ||
	       t == CKA_GOSTR3410_PARAMS || t == CKA_GOSTR3411_PARAMS ||
	       t == CKA_GOST28147_PARAMS;
}

static void put_attr_value(struct sk_trace *tr, const CK_ATTRIBUTE *a)
{
	const struct sk_attr_type *at = sk_attr_type_of(a->type);
	const unsigned char *p = a->pValue;
	CK_ULONG n = a->ulValueLen;

	if (n == CK_UNAVAILABLE_INFORMATION) {
		put(tr, "unavailable");
		return;
	}
	if (p == NULL) {
		put(tr, "(%lu bytes)", n);
		return;
	}
	switch (at ? at->vtype : -1) {
	case SK_AV_BOOL:
		if (n == sizeof(CK_BBOOL)) {
			put(tr, "%s", *p ? "CK_TRUE" : "CK_FALSE");
			return;
		}
		break;
	case SK_AV_ULONG:
		if (n == sizeof(CK_ULONG)) {
			CK_ULONG v;
			memcpy(&v, p, sizeof v);
			if (a->type == CKA_CLASS)
				put_named(tr, family("CKO", NULL), v);
			else if (a->type == CKA_KEY_TYPE)
				put_named(tr, family("CKK", NULL), v);
			else if (a->type == CKA_CERTIFICATE_TYPE)
				put_named(tr, family("CKC", NULL), v);
			else if (a->type == CKA_KEY_GEN_MECHANISM)
				put_named(tr, SK_FAM_CKM, v);
			else
				put(tr, "%lu", v);
			return;
		}
		break;
	case SK_AV_UTF8:
	case SK_AV_DATE:
		put_text(tr, p, n);
		return;
	case SK_AV_BYTES:
		if (public_bytes(a->type)) {
			put_hex(tr, p, n);
			return;
		}
		break;
	default:
		break;
	}
	put(tr, "(%lu bytes)", n);
}

void sk_trace_template(struct sk_trace *tr, const char *name, const void *tp,
		       unsigned long count, int out, CK_RV rv)
{
	const CK_ATTRIBUTE *t = tp;
	/* after these, C_GetAttributeValue has filled in what it could */
	int filled = rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE ||
		     rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_BUFFER_TOO_SMALL;

	arg(tr, name);
	if (t == NULL) {
		put(tr, "NULL");
		return;
	}
	put(tr, "{");
	for (CK_ULONG i = 0; i < count; i++) {
		put(tr, "%s", i ? ", " : "");
		put_named(tr, SK_FAM_CKA, t[i].type);
		if (out && !filled)
			continue;
		if (out && t[i].pValue == NULL) {
			if (t[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
				put(tr, "=unavailable");
			else
				put(tr, " (%lu bytes)", t[i].ulValueLen);
			continue;
		}
		put(tr, "=");
		put_attr_value(tr, &t[i]);
	}
	put(tr, "}");
}

void sk_trace_buffer(struct sk_trace *tr, const char *name, const void *p, unsigned long len,
		     int out, CK_RV rv)
{
	arg(tr, name);
	if (p == NULL)
		put(tr, "NULL");
	else if (out && rv != CKR_OK)
		put(tr, "(buffer)");
	else if (len == (unsigned long)-1)
		put(tr, "(buffer)");
	else
		put(tr, "(%lu bytes)", len);
}

void sk_trace_secret(struct sk_trace *tr, const char *name, const void *p, unsigned long len)
{
	(void)len;
	arg(tr, name);
	put(tr, "%s", p == NULL ? "NULL" : "<secret>");
}

void sk_trace_label(struct sk_trace *tr, const char *name, const void *p)
{
	arg(tr, name);
	if (p == NULL)
		put(tr, "NULL");
	else    /* 32 blank-padded bytes; a shorter NUL-terminated one is not read past */
		put_text(tr, p, strnlen(p, 32));
}

void sk_trace_string(struct sk_trace *tr, const char *name, const void *p)
{
	arg(tr, name);
	if (p == NULL)
		put(tr, "NULL");
	else
		put_text(tr, p, strnlen(p, TRACE_TEXT_SHOWN));
}

void sk_trace_ulong_out(struct sk_trace *tr, const char *name, const void *p, CK_RV rv)
{
	put(tr, "%s*%s=", tr->args++ ? ", " : "", name);
	if (p == NULL)
		put(tr, "NULL");
	else if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		put(tr, "%lu", *(const CK_ULONG *)p);
	else
		put(tr, "?");
}

void sk_trace_handle_out(struct sk_trace *tr, const char *name, const void *p, CK_RV rv)
{
	put(tr, "%s*%s=", tr->args++ ? ", " : "", name);
	if (p == NULL)
		put(tr, "NULL");
	else if (rv == CKR_OK)
		put(tr, "0x%lx", *(const CK_ULONG *)p);
	else
		put(tr, "?");
}

void sk_trace_handles_out(struct sk_trace *tr, const char *name, const void *p,
			  unsigned long count, CK_RV rv)
{
	const CK_ULONG *h = p;

	arg(tr, name);
	if (h == NULL) {
		put(tr, "NULL");
		return;
	}
	if (rv != CKR_OK || count == (unsigned long)-1) {
		put(tr, "?");
		return;
	}
	put(tr, "[");
	for (unsigned long i = 0; i < count && i < 16; i++)
		put(tr, "%s0x%lx", i ? " " : "", h[i]);
	put(tr, "%s]", count > 16 ? " ..." : "");
}

void sk_trace_count_out(struct sk_trace *tr, const char *name, const void *p, unsigned long count,
			CK_RV rv)
{
	arg(tr, name);
	if (p == NULL)
		put(tr, "NULL");
	else if (rv != CKR_OK || count == (unsigned long)-1)
		put(tr, "?");
	else
		put(tr, "(%lu entries)", count);
}

static void put_version(struct sk_trace *tr, const CK_VERSION *v)
{
	put(tr, "%u.%u", v->major, v->minor);
}

void sk_trace_struct(struct sk_trace *tr, const char *name, const char *type, const void *p,
		     int out, CK_RV rv)
{
	arg(tr, name);
	if (p == NULL) {
		put(tr, "NULL");
		return;
	}
	if (out && rv != CKR_OK) {
		put(tr, "?");
		return;
	}
	if (strcmp(type, "CK_VERSION") == 0) {
		put_version(tr, p);
	} else if (strcmp(type, "CK_INFO") == 0) {
		const CK_INFO *i = p;
		put(tr, "{cryptokiVersion=");
		put_version(tr, &i->cryptokiVersion);
		put(tr, ", manufacturerID=");
		put_text(tr, i->manufacturerID, sizeof i->manufacturerID);
		put(tr, ", libraryVersion=");
		put_version(tr, &i->libraryVersion);
		put(tr, "}");
	} else if (strcmp(type, "CK_SLOT_INFO") == 0) {
		const CK_SLOT_INFO *s = p;
		put(tr, "{slotDescription=");
		put_text(tr, s->slotDescription, sizeof s->slotDescription);
		put(tr, ", flags=");
		put_flags(tr, family("CKF", "slot_info"), s->flags);
		put(tr, "}");
	} else if (strcmp(type, "CK_TOKEN_INFO") == 0) {
		const CK_TOKEN_INFO *t = p;
		put(tr, "{label=");
		put_text(tr, t->label, sizeof t->label);
		put(tr, ", model=");
		put_text(tr, t->model, sizeof t->model);
		put(tr, ", serialNumber=");
		put_text(tr, t->serialNumber, sizeof t->serialNumber);
		put(tr, ", flags=");
		put_flags(tr, family("CKF", "token_info"), t->flags);
		put(tr, "}");
	} else if (strcmp(type, "CK_SESSION_INFO") == 0) {
		const CK_SESSION_INFO *s = p;
		put(tr, "{slotID=0x%lx, state=", s->slotID);
		put_named(tr, family("CKS", "session_state"), s->state);
		put(tr, ", flags=");
		put_flags(tr, family("CKF", "session_info"), s->flags);
		put(tr, "}");
	} else if (strcmp(type, "CK_MECHANISM_INFO") == 0) {
		const CK_MECHANISM_INFO *m = p;
		put(tr, "{ulMinKeySize=%lu, ulMaxKeySize=%lu, flags=", m->ulMinKeySize,
		    m->ulMaxKeySize);
		put_flags(tr, family("CKF", "mechanism_info"), m->flags);
		put(tr, "}");
	} else {
		put(tr, "(set)");
	}
}

void sk_trace_pointer(struct sk_trace *tr, const char *name, const void *p)
{
	arg(tr, name);
	put(tr, "%s", p == NULL ? "NULL" : "(set)");
}

void sk_trace_present(struct sk_trace *tr, const char *name, int present)
{
	arg(tr, name);
	put(tr, "%s", present ? "(set)" : "NULL");
}
