/* SPDX-License-Identifier: BSD-2-Clause */
/* ours.c — struct layouts and function-list positions as our generated header has them. */
#include <stddef.h>

#include "cryptoki.h"
#include "xcheck.h"

#define SK_PROBE_VERSION 320
#define SK_PROBE_CONST(name)
#define SK_PROBE_FUNCTION(name, index, since)
#define SK_PROBE_STRUCT_BEGIN(type) {#type, NULL, 0, sizeof(type)},
#define SK_PROBE_FIELD(type, field) \
	{#type, #field, offsetof(type, field), sizeof(((type *)0)->field)},
#define SK_PROBE_STRUCT_END(type)

const struct xc_field xc_ours_fields[] = {
#include "sk_probe.inc"
};
const size_t xc_ours_nfields = sizeof xc_ours_fields / sizeof xc_ours_fields[0];

#undef SK_PROBE_FUNCTION
#undef SK_PROBE_STRUCT_BEGIN
#undef SK_PROBE_FIELD
#define SK_PROBE_FUNCTION(name, index, since) {#name, index, since},
#define SK_PROBE_STRUCT_BEGIN(type)
#define SK_PROBE_FIELD(type, field)

const struct xc_function xc_ours_functions[] = {
#include "sk_probe.inc"
};
const size_t xc_ours_nfunctions = sizeof xc_ours_functions / sizeof xc_ours_functions[0];
