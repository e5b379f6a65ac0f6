/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_apdu.h — what the virtual Rutoken ECP (vt_card.c) and the virtual PIV card
 * (vt_piv.c) share of ISO/IEC 7816-4 transport: command chaining (5.3.3: CLA bit 10 on
 * every part but the last) and GET RESPONSE (an answer longer than Ne kept for 00 C0,
 * announced with 61xx). Each card keeps one struct vt_apdu_io in its volatile state and
 * decides its own rules around it (which CLA may chain, what ends a chain).
 */
#ifndef VT_APDU_H
#define VT_APDU_H

#include <stddef.h>

struct vt_apdu_io {
	/* chaining */
	int chain_active;
	unsigned char chain_cla;        /* the chain's CLA without bit 10 */
	unsigned char chain_hdr[3];     /* INS P1 P2 of the running chain */
	unsigned char *chain_buf;       /* the card's buffer of chain_cap bytes */
	size_t chain_cap, chain_len;
	/* GET RESPONSE data still to deliver */
	unsigned char *pend;
	size_t pend_len, pend_off;
};

/* What vt_io_chain made of a command. */
enum vt_chain_step {
	VT_CHAIN_RUN,           /* execute the command (*data, *lc may be the whole chain) */
	VT_CHAIN_ANSWER,        /* answer *sw without executing (a part kept, or refused) */
};

/* Forget the pending answer / the running chain, cleansing their bytes. */
void vt_io_drop_pending(struct vt_apdu_io *io);
void vt_io_drop_chain(struct vt_apdu_io *io);

/*
 * One command's part in chaining: cla as sent, base its CLA without bit 10. A part with
 * bit 10 is collected (9000), or refused: GET RESPONSE in a chain (6884), more than the
 * buffer holds (6700). The last part of a chain gets the whole command in *data, *lc. A
 * command of another header or CLA during a chain ends the chain unexecuted: with strict,
 * it is refused with 6883 ("last command of the chain expected"), else it runs.
 */
enum vt_chain_step vt_io_chain(struct vt_apdu_io *io, unsigned cla, unsigned base,
			       unsigned ins, unsigned p1, unsigned p2, int strict,
			       const unsigned char **data, size_t *lc, unsigned *sw);
/* After the command ran: drops the assembled chain once it was used (data points into it). */
void vt_io_chain_done(struct vt_apdu_io *io, const unsigned char *data);

/* GET RESPONSE (P1 P2 00 00): the next Ne bytes (256 without Le) of the pending answer;
 * 9000 when they are the last, else 61xx with what is left (00: 256 or more). */
unsigned vt_io_get_response(struct vt_apdu_io *io, unsigned p1, unsigned p2, int has_le,
			    size_t ne, unsigned char *out, size_t *outlen);

/* An answer of *outlen bytes in resp to a command that allows ne: beyond ne, the rest is
 * kept for GET RESPONSE (and cleansed from resp) and the status word becomes 61xx; out
 * of memory: no data and 6F00. Returns the status word to send. */
unsigned vt_io_keep_rest(struct vt_apdu_io *io, unsigned char *resp, size_t *outlen,
			 size_t ne, unsigned sw);

#endif
