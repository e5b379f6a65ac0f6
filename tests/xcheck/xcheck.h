/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xcheck.h — records shared by the cross-check of our generated header against the
 * Cryptoki headers other projects ship (p11-kit's pkcs11.h, NSS's pkcs11t.h/pkcs11f.h).
 * Compiled once against our header (ours.c) and once per foreign header (theirs.c); the
 * two sides never see each other's declarations, only these plain records.
 */
#ifndef SCRIPTOKI_XCHECK_H
#define SCRIPTOKI_XCHECK_H

#include <stddef.h>

struct xc_const {
	const char *name;
	unsigned long value;
};

/* field == NULL: the record gives sizeof(type). offset == XC_ABSENT: no such field. */
struct xc_field {
	const char *type;
	const char *field;
	size_t offset;
	size_t size;
};
#define XC_ABSENT ((size_t)-1)

struct xc_function {
	const char *name;
	int index;
	int since;
};

extern const struct xc_field xc_ours_fields[];
extern const size_t xc_ours_nfields;
extern const struct xc_function xc_ours_functions[];
extern const size_t xc_ours_nfunctions;

extern const struct xc_const xc_their_consts[];
extern const size_t xc_their_nconsts;
extern const struct xc_field xc_their_fields[];
extern const size_t xc_their_nfields;
/* constants of our spec that the foreign header defines too, valued by the foreign header */
extern const struct xc_const xc_their_probe_consts[];
extern const size_t xc_their_nprobe_consts;
extern const char *const xc_their_extra_structs[];
extern const char xc_their_name[];
extern const char xc_their_exceptions[];

#endif
