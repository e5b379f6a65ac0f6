/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * functions.h — every Cryptoki function of the spec with its list position and version,
 * from the generated probe, and whether the runtime implements it (spec/module.yaml, as the
 * probe lists it).
 */
#ifndef SCRIPTOKI_TEST_FUNCTIONS_H
#define SCRIPTOKI_TEST_FUNCTIONS_H

#include <string.h>

struct fn {
	const char *name;
	int index;
	int since;      /* 240, 300, 320 */
};

#define SK_PROBE_VERSION 0
#define SK_PROBE_CONST(name)
#define SK_PROBE_STRUCT_BEGIN(type)
#define SK_PROBE_FIELD(type, field)
#define SK_PROBE_STRUCT_END(type)
#define SK_PROBE_FUNCTION(name, index, since) {#name, index, since},
static const struct fn all_functions[] = {
#include "sk_probe.inc"
};
#define N_FUNCTIONS ((int)(sizeof all_functions / sizeof all_functions[0]))

#undef SK_PROBE_FUNCTION
#define SK_PROBE_FUNCTION(name, index, since)
#define SK_PROBE_IMPLEMENTED(name) #name,
static const char *const implemented_functions[] = {
#include "sk_probe.inc"
};
#undef SK_PROBE_IMPLEMENTED

static inline int is_implemented(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof implemented_functions / sizeof implemented_functions[0]; i++)
		if (strcmp(implemented_functions[i], name) == 0)
			return 1;
	return 0;
}

#endif
