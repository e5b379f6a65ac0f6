/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_apdu.c — ISO/IEC 7816-4 command chaining and GET RESPONSE for the virtual cards
 * (vt_apdu.h).
 */
#include "vt_apdu.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define SW_OK 0x9000
#define SW_WRONG_LENGTH 0x6700
#define SW_CONDITIONS 0x6985
#define SW_WRONG_P1P2 0x6A86
#define SW_LAST_OF_CHAIN 0x6883
#define SW_CHAIN_NOT_SUPPORTED 0x6884
#define SW_UNKNOWN 0x6F00

void vt_io_drop_pending(struct vt_apdu_io *io)
{
	if (io->pend) {
		OPENSSL_cleanse(io->pend, io->pend_len);
		free(io->pend);
	}
	io->pend = NULL;
	io->pend_len = io->pend_off = 0;
}

void vt_io_drop_chain(struct vt_apdu_io *io)
{
	OPENSSL_cleanse(io->chain_buf, io->chain_len);
	io->chain_len = 0;
	io->chain_active = 0;
}

static int vt_io_append(struct vt_apdu_io *io, const unsigned char *data, size_t lc)
{
	if (lc > io->chain_cap - io->chain_len) {
		vt_io_drop_chain(io);
		return -1;
	}
	if (lc)
		memcpy(io->chain_buf + io->chain_len, data, lc);
	io->chain_len += lc;
	return 0;
}

enum vt_chain_step vt_io_chain(struct vt_apdu_io *io, unsigned cla, unsigned base,
			       unsigned ins, unsigned p1, unsigned p2, int strict,
			       const unsigned char **data, size_t *lc, unsigned *sw)
{
	int same = io->chain_active && io->chain_cla == base && io->chain_hdr[0] == ins &&
		   io->chain_hdr[1] == p1 && io->chain_hdr[2] == p2;

	if (cla & 0x10) {
		if (ins == 0xC0) {
			*sw = SW_CHAIN_NOT_SUPPORTED;
			return VT_CHAIN_ANSWER;
		}
		if (io->chain_active && !same)
			vt_io_drop_chain(io);
		if (!io->chain_active) {
			io->chain_active = 1;
			io->chain_cla = (unsigned char)base;
			io->chain_hdr[0] = (unsigned char)ins;
			io->chain_hdr[1] = (unsigned char)p1;
			io->chain_hdr[2] = (unsigned char)p2;
			io->chain_len = 0;
		}
		*sw = vt_io_append(io, *data, *lc) ? SW_WRONG_LENGTH : SW_OK;
		return VT_CHAIN_ANSWER;
	}
	if (!io->chain_active)
		return VT_CHAIN_RUN;
	if (same) {
		if (vt_io_append(io, *data, *lc)) {
			*sw = SW_WRONG_LENGTH;
			return VT_CHAIN_ANSWER;
		}
		*data = io->chain_buf;
		*lc = io->chain_len;
		io->chain_active = 0;   /* the buffer is cleansed after dispatch */
		return VT_CHAIN_RUN;
	}
	/* another command ends the chain, which is dropped unexecuted (ISO 7816-4 5.3.3
	 * leaves the rest to the card) */
	vt_io_drop_chain(io);
	if (strict) {
		*sw = SW_LAST_OF_CHAIN;
		return VT_CHAIN_ANSWER;
	}
	return VT_CHAIN_RUN;
}

void vt_io_chain_done(struct vt_apdu_io *io, const unsigned char *data)
{
	if (data == io->chain_buf)
		vt_io_drop_chain(io);
}

unsigned vt_io_get_response(struct vt_apdu_io *io, unsigned p1, unsigned p2, int has_le,
			    size_t ne, unsigned char *out, size_t *outlen)
{
	size_t left, n;

	if (p1 || p2)
		return SW_WRONG_P1P2;
	if (!io->pend)
		return SW_CONDITIONS;
	left = io->pend_len - io->pend_off;
	n = has_le ? ne : 256;
	if (n > left)
		n = left;
	memcpy(out, io->pend + io->pend_off, n);
	io->pend_off += n;
	*outlen = n;
	left -= n;
	if (left == 0) {
		vt_io_drop_pending(io);
		return SW_OK;
	}
	return 0x6100 | (left > 255 ? 0 : (unsigned)left);
}

unsigned vt_io_keep_rest(struct vt_apdu_io *io, unsigned char *resp, size_t *outlen,
			 size_t ne, unsigned sw)
{
	size_t rest;

	if (*outlen <= ne)
		return sw;
	rest = *outlen - ne;
	vt_io_drop_pending(io);
	io->pend = malloc(rest);
	if (!io->pend) {
		*outlen = 0;
		return SW_UNKNOWN;
	}
	memcpy(io->pend, resp + ne, rest);
	io->pend_len = rest;
	io->pend_off = 0;
	OPENSSL_cleanse(resp + ne, rest);
	*outlen = ne;
	return 0x6100 | (rest > 255 ? 0 : (unsigned)rest);
}
