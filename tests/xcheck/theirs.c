/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * theirs.c — the same facts as another project's Cryptoki header has them.
 * XC_INCLUDE names the header, XC_FOREIGN the table generated from it by foreign.py.
 */
#include <stddef.h>

#include XC_INCLUDE
#include "xcheck.h"

const char xc_their_name[] = XC_NAME;
const char xc_their_exceptions[] = XC_EXCEPTIONS;

#include XC_FOREIGN

/* our spec's constants, as far as the foreign header defines them (the probe #ifdefs them) */
#define SK_PROBE_VERSION 0
#define SK_PROBE_CONST(name) {#name, (unsigned long)(name)},
#define SK_PROBE_FUNCTION(name, index, since)
#define SK_PROBE_STRUCT_BEGIN(type)
#define SK_PROBE_FIELD(type, field)
#define SK_PROBE_STRUCT_END(type)
const struct xc_const xc_their_probe_consts[] = {
#include "sk_probe.inc"
	{NULL, 0}
};
const size_t xc_their_nprobe_consts =
	sizeof xc_their_probe_consts / sizeof xc_their_probe_consts[0] - 1;
