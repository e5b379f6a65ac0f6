/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_manifest.h — a family's manifest (scripts/<family>/family.yaml) as lb_manifest.c
 * reads it, for the files that use it: lb_family.c (which family serves a card) and
 * lb_settings.c (which settings a family's script may read). Not part of the runtime's
 * API.
 */
#ifndef SCRIPTOKI_LB_MANIFEST_H
#define SCRIPTOKI_LB_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define LBF_FILE_MAX   (16 * 1024)     /* a manifest is a few lines */
#define LBF_ATR_MAX    33              /* ISO/IEC 7816-3: at most 33 bytes */
#define LBF_PAT_MAX    32
#define LBF_AID_MAX    16              /* ISO/IEC 7816-4: an AID is 5 to 16 bytes */
#define LBF_FN_MAX     64
#define LBF_PRIO_MAX   1000
#define LBF_SET_MAX    16
#define LBF_SET_NAME   32

struct lbf_pattern {
	uint8_t value[LBF_ATR_MAX], mask[LBF_ATR_MAX];
	size_t len;
	int has_value, has_mask, line;
};

enum lbf_probe { LBF_PROBE_NONE, LBF_PROBE_SELECT, LBF_PROBE_FUNCTION };

struct lbf_family {
	char name[129];         /* lb_name_ok: at most 128 bytes */
	long priority;
	size_t npat;
	struct lbf_pattern pat[LBF_PAT_MAX];
	enum lbf_probe probe;
	uint8_t aid[LBF_AID_MAX];
	size_t aid_len;
	unsigned expect_sw;
	int has_expect_sw;
	char fn[LBF_FN_MAX];
	size_t nset;
	struct lbf_setting {
		char name[LBF_SET_NAME + 1];
		int secret;
	} set[LBF_SET_MAX];
};

/* Reads dir/name/family.yaml into f: 1 read, 0 there is none, -1 broken (logged). */
int lbf_read(const char *dir, const char *name, struct lbf_family *f);

#endif
