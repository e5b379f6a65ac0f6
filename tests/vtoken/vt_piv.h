/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_piv.h — the virtual PIV card as a library: card state and the APDU processor.
 *
 * A PIV card application per NIST SP 800-73-4 (Part 1: data model, Part 2: card commands)
 * with the algorithm identifiers of SP 800-78-4 and the public Yubico PIV extensions
 * (GET VERSION, GET SERIAL, IMPORT KEY, GET METADATA, SET MANAGEMENT KEY, RESET, SET PIN
 * RETRIES) as Yubico's PIV documentation describes them. Like vt.h it knows nothing of
 * sockets or files; vtoken.c runs it behind vpcd with --piv. README.md, "The virtual PIV
 * card", lists the command set, the factory state and every decision.
 */
#ifndef SCRIPTOKI_VT_PIV_H
#define SCRIPTOKI_VT_PIV_H

#include "vt_apdu.h"
#include <stddef.h>
#include <stdio.h>

#define VT_PIV_CHAIN_MAX 8192
#define VT_PIV_OBJ_MAX 3072       /* largest data object value accepted by PUT DATA */
#define VT_PIV_OBJECTS 64         /* data objects the card can hold */

struct vt_piv_key {
	int present;
	unsigned alg;               /* SP 800-78-4 Table 6-2: 06, 07, 11, 14 */
	unsigned origin;            /* 1 generated, 2 imported (Yubico metadata tag 03) */
	unsigned pin_policy, touch_policy; /* Yubico: 1 never, 2 once, 3 always / 1 never ... */
	unsigned char *der;         /* the private key, PKCS#8 DER */
	size_t der_len;
};

struct vt_piv_obj {
	unsigned tag;               /* 0 = free */
	unsigned char *data;
	size_t len;
};

struct vt_piv_ref {             /* PIN (80) or PUK (81): 6..8 bytes, FF-padded to 8 */
	unsigned char value[8];
	unsigned max_tries, tries_left;
};

struct vt_piv {
	/* persistent */
	unsigned char serial[4];
	struct vt_piv_ref pin, puk;
	unsigned mgmt_alg;          /* 03 3DES, 08/0A/0C AES-128/192/256 */
	unsigned mgmt_touch;
	unsigned char mgmt_key[32];
	struct vt_piv_key keys[256]; /* by key reference */
	struct vt_piv_obj objs[VT_PIV_OBJECTS];

	/* volatile: lost on power-off and reset */
	int pin_verified;
	int pin_fresh;              /* VERIFY since the last use of a PIN-always key */
	int mgmt_ok;                /* management key authenticated */
	int auth_step;              /* 0 none, 1 witness sent, 2 challenge sent */
	unsigned char auth_buf[16];
	struct vt_apdu_io io;       /* chaining and GET RESPONSE (vt_apdu.h) */
	unsigned char chain_buf[VT_PIV_CHAIN_MAX];      /* io's chain buffer */

	int dirty;
};

struct vt_piv *vt_piv_new_factory(void);
void vt_piv_free(struct vt_piv *card);
void vt_piv_process(struct vt_piv *card, const unsigned char *apdu, size_t len,
		    unsigned char *resp, size_t *resplen);
void vt_piv_power_reset(struct vt_piv *card);
int vt_piv_save(const struct vt_piv *card, FILE *f);
struct vt_piv *vt_piv_load(FILE *f, char *err, size_t errlen);

#endif
