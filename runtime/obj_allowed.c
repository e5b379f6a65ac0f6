/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * obj_allowed.c — CKA_ALLOWED_MECHANISMS enforced: the one check every operation's *Init
 * makes on its key (declared in obj.h). The list is kept as the attribute's value, an array
 * of CK_MECHANISM_TYPE (spec/attributes.yaml: type mechanisms), on session and token
 * objects alike; a token family stores and reports it (scripts/README.md) when its
 * token_info says stores_allowed_mechanisms, and a token object's template that sets a
 * non-empty list is refused otherwise (obj_allowed_storable, in the template engine
 * obj_tmpl.c, which obj.c uses: this file uses obj.c).
 */
#include <string.h>

#include "obj.h"

CK_RV obj_allowed_check(const struct obj_view *v, CK_MECHANISM_TYPE m)
{
	const struct lb_attr *a = obj_view_attr(v, CKA_ALLOWED_MECHANISMS);
	CK_MECHANISM_TYPE x;
	CK_ULONG i;

	if (a == NULL || a->len == 0)
		return CKR_OK;
	if (a->value == NULL || a->len % sizeof x != 0)
		return CKR_MECHANISM_INVALID;
	for (i = 0; i < a->len / sizeof x; i++) {
		memcpy(&x, a->value + i * sizeof x, sizeof x);
		if (x == m)
			return CKR_OK;
	}
	return CKR_MECHANISM_INVALID;
}
