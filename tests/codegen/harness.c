/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Runs the code generated from the tiny spec (tests/codegen/tiny) against a fake runtime:
 * the entry points' order of checks, their NULL rules, the stubs, the function lists and
 * interfaces, and the name tables. Built and run by t0006-codegen-tiny-run.t.
 */
#include <string.h>

#include "sk_dispatch.h"
#include "sk_names.h"

#define TAP_RV_NAME sk_rv_name
#include "tap.h"

/* --- a fake runtime: records what reached it ------------------------------------------ */

static int initialized;
static int entered[SK_FN__COUNT], left[SK_FN__COUNT], reached[SK_FN__COUNT];
static int traced[SK_FN__COUNT], trace_args;
static int last_need_init = -1;

CK_RV sk_enter(enum sk_fn fn, int need_init)
{
	entered[fn]++;
	last_need_init = need_init;
	if (need_init && !initialized)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	return CKR_OK;
}

CK_RV sk_leave(enum sk_fn fn, CK_RV rv)
{
	left[fn]++;
	return rv;
}

CK_RV sk_bad_args(enum sk_fn fn, CK_SESSION_HANDLE h)
{
	(void)fn;
	(void)h;
	return CKR_ARGUMENTS_BAD;
}
/* the handle checks: session 1 is read/write, 2 read-only, any other is invalid; each
 * sk_session is ended by an sk_session_end before the next */
static int sessions_open, session_bad_nesting;
static unsigned last_need;

CK_RV sk_session(CK_SESSION_HANDLE h, unsigned need)
{
	if (sessions_open)
		session_bad_nesting = 1;
	sessions_open = 1;
	last_need = need;
	if (h != 1 && h != 2)
		return CKR_SESSION_HANDLE_INVALID;
	if ((need & SK_NEED_RW) && h == 2)
		return CKR_SESSION_READ_ONLY;
	return CKR_OK;
}

void sk_session_end(void)
{
	sessions_open = 0;
}

CK_RV sk_slot(CK_SLOT_ID id)
{
	return id == 0 ? CKR_OK : CKR_SLOT_ID_INVALID;
}

/* the call trace: on, counting the arguments described and the lines ended */
void sk_trace_begin(struct sk_trace *tr) { tr->on = 1; }
void sk_trace_end(struct sk_trace *tr, enum sk_fn fn, CK_RV rv) { traced[fn]++; }
void sk_trace_handle(struct sk_trace *tr, const char *name, unsigned long v) { trace_args++; }
void sk_trace_ulong(struct sk_trace *tr, const char *name, unsigned long v) { trace_args++; }
void sk_trace_bool(struct sk_trace *tr, const char *name, unsigned char v) { trace_args++; }
void sk_trace_flags(struct sk_trace *tr, const char *name, const char *group, unsigned long v)
{ trace_args++; }
void sk_trace_named(struct sk_trace *tr, const char *name, const char *prefix, unsigned long v)
{ trace_args++; }
void sk_trace_mechanism(struct sk_trace *tr, const char *name, const void *m) { trace_args++; }
void sk_trace_template(struct sk_trace *tr, const char *name, const void *t,
		       unsigned long count, int out, CK_RV rv) { trace_args++; }
void sk_trace_buffer(struct sk_trace *tr, const char *name, const void *p, unsigned long len,
		     int out, CK_RV rv) { trace_args++; }
void sk_trace_secret(struct sk_trace *tr, const char *name, const void *p, unsigned long len)
{ trace_args++; }
void sk_trace_label(struct sk_trace *tr, const char *name, const void *p) { trace_args++; }
void sk_trace_string(struct sk_trace *tr, const char *name, const void *p) { trace_args++; }
void sk_trace_ulong_out(struct sk_trace *tr, const char *name, const void *p, CK_RV rv)
{ trace_args++; }
void sk_trace_handle_out(struct sk_trace *tr, const char *name, const void *p, CK_RV rv)
{ trace_args++; }
void sk_trace_handles_out(struct sk_trace *tr, const char *name, const void *p,
			  unsigned long count, CK_RV rv) { trace_args++; }
void sk_trace_count_out(struct sk_trace *tr, const char *name, const void *p,
			unsigned long count, CK_RV rv) { trace_args++; }
void sk_trace_struct(struct sk_trace *tr, const char *name, const char *type, const void *p,
		     int out, CK_RV rv) { trace_args++; }
void sk_trace_pointer(struct sk_trace *tr, const char *name, const void *p) { trace_args++; }
void sk_trace_present(struct sk_trace *tr, const char *name, int present) { trace_args++; }

CK_RV rt_Initialize(CK_VOID_PTR pInitArgs)
{
	reached[SK_FN_C_Initialize]++;
	initialized = 1;
	return CKR_OK;
}

CK_RV rt_GetInfo(CK_INFO_PTR pInfo)
{
	reached[SK_FN_C_GetInfo]++;
	memset(pInfo, 0, sizeof *pInfo);
	pInfo->cryptokiVersion.major = SK_CRYPTOKI_VERSION_MAJOR;
	pInfo->cryptokiVersion.minor = SK_CRYPTOKI_VERSION_MINOR;
	return CKR_OK;
}

CK_RV rt_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
	reached[SK_FN_C_GetFunctionList]++;
	*ppFunctionList = &sk_function_list_2_40;
	return CKR_OK;
}

CK_RV rt_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	reached[SK_FN_C_GetSlotList]++;
	*pulCount = 0;
	return CKR_OK;
}

CK_RV rt_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	      CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	reached[SK_FN_C_Sign]++;
	*pulSignatureLen = 64;
	return CKR_OK;
}

CK_RV rt_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
	reached[SK_FN_C_GetInterfaceList]++;
	*pulCount = sk_interface_count;
	return CKR_OK;
}

CK_RV rt_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
		      CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
	reached[SK_FN_C_GetInterface]++;
	*ppInterface = &sk_interfaces[0];
	return CKR_OK;
}

/* Every call is bracketed by exactly one sk_enter and one sk_leave, and traced once. */
static int balanced(void)
{
	for (int i = 0; i < SK_FN__COUNT; i++)
		if (entered[i] != left[i] || traced[i] != left[i])
			return 0;
	return 1;
}

int main(void)
{
	CK_ULONG n = 99, siglen = 0;
	CK_BYTE data[4] = {1, 2, 3, 4};
	CK_INFO info;
	CK_FUNCTION_LIST_PTR fl = NULL;
	CK_INTERFACE_PTR itf = NULL;
	unsigned long v = 0;

	/* Before C_Initialize: init-needing functions stop at sk_enter. */
	is_rv(C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED, "C_GetInfo before C_Initialize");
	ok(reached[SK_FN_C_GetInfo] == 0 && last_need_init == 1, "... never reaches the runtime");
	is_rv(C_GetInfo(NULL), CKR_CRYPTOKI_NOT_INITIALIZED,
	      "initialisation is checked before arguments");
	is_rv(C_SignInit(1, NULL, 2), CKR_CRYPTOKI_NOT_INITIALIZED, "a stub checks it too");
	is_rv(C_GetFunctionList(&fl), CKR_OK, "C_GetFunctionList works uninitialised (init: false)");
	ok(last_need_init == 0 && fl == &sk_function_list_2_40, "... with need_init 0, the 2.40 list");
	is_rv(C_GetInterfaceList(NULL, &n), CKR_OK, "C_GetInterfaceList uninitialised, NULL list");
	is_ulong(n, 3, "... three interfaces");

	is_rv(C_Initialize(NULL), CKR_OK, "C_Initialize(NULL): nullable: yes");
	ok(reached[SK_FN_C_Initialize] == 1, "... reaches the runtime");

	/* nullable: no */
	is_rv(C_GetInfo(NULL), CKR_ARGUMENTS_BAD, "C_GetInfo(NULL)");
	ok(reached[SK_FN_C_GetInfo] == 0, "... never reaches the runtime");
	is_rv(C_GetInfo(&info), CKR_OK, "C_GetInfo(&info)");
	ok(info.cryptokiVersion.major == 3 && info.cryptokiVersion.minor == 2,
	   "... module.yaml's Cryptoki version");
	is_rv(C_GetSlotList(1, NULL, NULL), CKR_ARGUMENTS_BAD, "C_GetSlotList with NULL pulCount");
	is_rv(C_GetSlotList(1, NULL, &n), CKR_OK, "C_GetSlotList size query (nullable: yes)");

	/* nullable: if_empty, and the order of checks */
	is_rv(C_Sign(1, NULL, 4, NULL, &siglen), CKR_ARGUMENTS_BAD, "C_Sign: NULL data of length 4");
	is_rv(C_Sign(1, NULL, 0, NULL, &siglen), CKR_OK, "C_Sign: NULL data of length 0");
	is_rv(C_Sign(1, data, 4, NULL, NULL), CKR_ARGUMENTS_BAD, "C_Sign: NULL pulSignatureLen");
	is_rv(C_Sign(1, data, 4, NULL, &siglen), CKR_OK, "C_Sign: a size query");
	ok(reached[SK_FN_C_Sign] == 2 && siglen == 64, "... only the valid calls reached rt_Sign");
	/* handle: session comes before the arguments, with what the spec requires (rw) */
	is_rv(C_Sign(7, NULL, 4, NULL, NULL), CKR_SESSION_HANDLE_INVALID,
	      "C_Sign: an invalid session before NULL arguments");
	ok(last_need == SK_NEED_RW, "C_Sign: rw: true reaches sk_session as SK_NEED_RW");
	is_rv(C_Sign(2, data, 4, NULL, &siglen), CKR_SESSION_READ_ONLY,
	      "C_Sign: a read-only session (rw: true)");
	ok(reached[SK_FN_C_Sign] == 2, "... neither reached rt_Sign");
	ok(!sessions_open && !session_bad_nesting, "every sk_session was ended by sk_session_end");

	/* Stubs: CKR_FUNCTION_NOT_SUPPORTED, with no argument checks. */
	is_rv(C_SignInit(1, NULL, 2), CKR_FUNCTION_NOT_SUPPORTED, "C_SignInit is a stub");
	is_rv(C_EncapsulateKey(1, NULL, 2, NULL, NULL, NULL), CKR_FUNCTION_NOT_SUPPORTED,
	      "C_EncapsulateKey is a stub, NULLs and all");
	is_rv(C_GetInterface(NULL, NULL, &itf, 0), CKR_OK, "C_GetInterface (nullable name, version)");
	is_rv(C_GetInterface(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD, "C_GetInterface(..., NULL, 0)");
	ok(balanced(), "every call entered and left once, and traced once");
	ok(trace_args > 0, "the trace described the arguments");

	/* The function lists: true versions, the right entries, prefixes of each other. */
	ok(sk_function_list_2_40.version.major == 2 && sk_function_list_2_40.version.minor == 40,
	   "2.40 list stamped 2.40");
	ok(sk_function_list_3_0.version.major == 3 && sk_function_list_3_0.version.minor == 0,
	   "3.0 list stamped 3.0");
	ok(sk_function_list_3_2.version.major == 3 && sk_function_list_3_2.version.minor == 2,
	   "3.2 list stamped 3.2");
	is_ulong(sizeof(CK_FUNCTION_LIST), sizeof(CK_FUNCTION_LIST_3_0) - 2 * sizeof(void (*)(void)),
		 "the 3.0 list adds two entries");
	ok(sk_function_list_2_40.C_Sign == C_Sign && sk_function_list_3_0.C_GetInterface == C_GetInterface &&
	   sk_function_list_3_2.C_EncapsulateKey == C_EncapsulateKey, "entries point to the entry points");
	ok(sk_interfaces[0].pFunctionList == &sk_function_list_3_2 &&
	   sk_interfaces[1].pFunctionList == &sk_function_list_3_0 &&
	   sk_interfaces[2].pFunctionList == &sk_function_list_2_40, "interfaces in module.yaml order");
	is_str((const char *)sk_interfaces[2].pInterfaceName, "PKCS 11", "interface name");
	ok(sk_interfaces[0].flags == 0, "interface flags 0");
	is_str(SK_MODULE_MANUFACTURER, "Tiny \"test\" module", "manufacturer, quotes escaped");

	/* The function table. */
	is_str(sk_fn_info[SK_FN_C_Sign].name, "C_Sign", "sk_fn_info name");
	ok(sk_fn_info[SK_FN_C_Sign].since == 240 && sk_fn_info[SK_FN_C_GetInterface].since == 300 &&
	   sk_fn_info[SK_FN_C_EncapsulateKey].since == 320, "sk_fn_info since");
	ok(sk_fn_info[SK_FN_C_Sign].implemented && !sk_fn_info[SK_FN_C_SignInit].implemented,
	   "sk_fn_info implemented");
	is_str(sk_category_names[sk_fn_info[SK_FN_C_EncapsulateKey].category], "kem", "category");

	/* Names. */
	is_str(sk_name(SK_FAM_CKK, 3), "CKK_EC", "sk_name prefers the non-deprecated alias target");
	is_str(sk_name(SK_FAM_CKF_TOKEN_INFO, 1), "CKF_RNG", "flags keep their group (token)");
	is_str(sk_name(SK_FAM_CKF_SLOT_INFO, 1), "CKF_TOKEN_PRESENT", "flags keep their group (slot)");
	ok(sk_name(SK_FAM_CKM, 2) == NULL, "unknown value: NULL");
	ok(sk_name(SK_FAM_CK, ~0UL) != NULL && strcmp(sk_name(SK_FAM_CK, ~0UL),
	   "CK_UNAVAILABLE_INFORMATION") == 0, "~0UL");
	is_str(sk_rv_name(CKR_BUFFER_TOO_SMALL), "CKR_BUFFER_TOO_SMALL", "sk_rv_name");
	is_str(sk_rv_name(0x1234), "CKR_0x00001234", "sk_rv_name of an unknown code");
	ok(sk_lookup("CKM_GOST_KEG", &v) && v == 0xD4321039UL, "sk_lookup vendor");
	ok(sk_lookup("CKK_ECDSA", &v) && v == 3, "sk_lookup deprecated alias");
	ok(!sk_lookup("CKM_NONE", &v) && !sk_lookup("", &v), "sk_lookup unknown");
	{
		size_t i, bad = 0, count = 0;
		unsigned long seen;

		for (i = 1; i < sk_consts_count; i++)
			if (sk_consts[i - 1].family > sk_consts[i].family ||
			    (sk_consts[i - 1].family == sk_consts[i].family &&
			     sk_consts[i - 1].value > sk_consts[i].value))
				bad++;
		ok(bad == 0, "sk_consts sorted by (family, value)");
		for (i = 0; i < sk_consts_count; i++)
			if (sk_lookup(sk_consts[i].name, &seen) && seen == sk_consts[i].value)
				count++;
		is_ulong(count, sk_consts_count, "every name looks up to its value");
		ok(sk_families[SK_FAM_CKF_SLOT_INFO].count == 1 &&
		   strcmp(sk_consts[sk_families[SK_FAM_CKF_SLOT_INFO].first].name,
			  "CKF_TOKEN_PRESENT") == 0, "sk_families rows");
		/* CKK rows: RSA, EC (preferred), ECDSA (deprecated alias of EC), GOST (vendor). */
		i = sk_families[SK_FAM_CKK].first;
		ok(strcmp(sk_consts[i + 1].name, "CKK_EC") == 0 && sk_consts[i + 1].flags == 0 &&
		   strcmp(sk_consts[i + 2].name, "CKK_ECDSA") == 0 &&
		   sk_consts[i + 2].flags == (SK_CONST_DEPRECATED | SK_CONST_ALIAS) &&
		   sk_consts[i + 3].flags == SK_CONST_VENDOR, "preferred names first, and flags");
	}
	return done_testing();
}
