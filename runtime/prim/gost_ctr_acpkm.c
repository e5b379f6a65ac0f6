/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost_ctr_acpkm.c — CKM_KUZNYECHIK_CTR_ACPKM and CKM_MAGMA_CTR_ACPKM (TC26 extension,
 * 0xD4321032 and 0xD4321036): counter mode of GOST R 34.13-2015 5.2 with the ACPKM key
 * change of R 1323565.1.017-2018 after every section, on the host, any data length,
 * CKK_KUZNECHIK / CKK_MAGMA keys of 32 bytes.
 *
 * Parameter: a byte string of 4 + n/16 bytes — the section length N, 4 bytes big-endian,
 * in bits as R 1323565.1.017-2018 counts N, then the IV of half a block (8 bytes for
 * Kuznyechik, 4 for Magma; GOST R 34.13-2015 5.2.1: the counter starts at IV || 0...0).
 * The lengths are those of Aktiv's Rutoken samples (a 12-byte parameter for Kuznyechik,
 * 8 for Magma); N = 0 is plain CTR, the key never changed; another N must be a whole
 * number of blocks. Anything else is CKR_MECHANISM_PARAM_INVALID.
 */
#include "gost_sym.h"

#include <string.h>

#define ACPKM_SECTION_LEN 4

static size_t gost_ctr_iv_len(const struct mech *m)
{
	return crypto_gost_block_len(m->key_type == CKK_MAGMA ? CRYPTO_MAGMA : CRYPTO_KUZNYECHIK) / 2;
}

/* N in bytes, from the parameter's first 4 bytes (bits, big-endian). */
static CK_RV gost_ctr_section(const struct mech *m, const uint8_t *p, size_t *section)
{
	size_t bl = gost_ctr_iv_len(m) * 2;
	uint32_t bits = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];

	if (bits % (8 * bl) != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	*section = bits / 8;
	return CKR_OK;
}

static CK_RV gost_ctr_param(const struct mech *m, const CK_MECHANISM *pm,
			    struct mech_params *out)
{
	size_t section;

	(void)out;
	if (prim_iv_param(pm, ACPKM_SECTION_LEN + gost_ctr_iv_len(m)) != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	return gost_ctr_section(m, pm->pParameter, &section);
}

static CK_RV gost_ctr_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	const uint8_t *p = c->init_mech->pParameter;
	size_t section = 0;
	CK_RV rv = prim_secret_key(c, a, decrypt);

	if (rv == CKR_OK)
		rv = gost_ctr_section(c->m, p, &section);
	return rv != CKR_OK ? rv : gost_sym_ctr(c, p + ACPKM_SECTION_LEN, gost_ctr_iv_len(c->m),
						section);
}

const struct prim_ops prim_gost_ctr_acpkm_ops = {
	.param = gost_ctr_param,
	.key = gost_ctr_key,
	.secret = 1,
	.update_len = gost_sym_update_len,
	.update = gost_sym_update,
	.final_len = gost_sym_final_len,
	.final = gost_sym_final,
	.release = gost_sym_release,
};
