/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt.h — the virtual Rutoken ECP as a library: card state and the APDU processor.
 *
 * The processor knows nothing of sockets or files: vt_process() takes one command APDU and
 * produces one response APDU; vt_power() models power-off and reset; vt_save()/vt_load()
 * turn the persistent part of the state into text and back. tests/vtoken/vtoken.c puts it
 * behind vpcd; the unit tests feed it APDUs directly.
 *
 * Command set, file layout and encodings: README.md beside this file, which cites the
 * public sources (OpenSC's rtecp driver and pkcs15-init profile) and marks our extensions.
 */
#ifndef SCRIPTOKI_VT_H
#define SCRIPTOKI_VT_H

#include "vt_apdu.h"
#include <stddef.h>
#include <stdio.h>

#define VT_SEC_LEN 15           /* tag 86: access-mode byte + 7 SC bytes + 7 reserved */
#define VT_PROP_LEN 6           /* tag 85: RSF proprietary attributes */
#define VT_MAX_PIN_REF 31       /* global PIN store, references 1..31 */
#define VT_PIN_MAX 32           /* longest PIN value accepted */
#define VT_FILE_MAX 0x7FFF      /* 15-bit READ/UPDATE BINARY offsets */
#define VT_CHAIN_MAX 8192       /* longest command data accepted through chaining */
#define VT_RESP_MAX 65538       /* response buffer: 65536 data bytes + SW */

enum vt_ftype {
	VT_DF = 0x38,
	VT_EF = 0x01,
	VT_RSF = 0x10,
};

/* Key algorithms, the proprietary-attribute byte 0 of a private-key RSF (public = | 0x10). */
enum vt_alg {
	VT_ALG_GOST2001 = 0x03,
	VT_ALG_GOST2012_256 = 0x04, /* extension */
	VT_ALG_GOST2012_512 = 0x05, /* extension */
	VT_ALG_ECDSA = 0x07,        /* extension */
	VT_ALG_ED25519 = 0x08,      /* extension (vt_ed25519.c) */
	/* secret keys, filed in 6003 (extension, README.md "Secret keys") */
	VT_ALG_GOST28147 = 0x0A,
	VT_ALG_KUZNYECHIK = 0x0B,
	VT_ALG_AES = 0x0C,
	VT_ALG_DES3 = 0x0D,         /* three-key TDEA: ECB and CBC only */
	VT_ALG_RSA = 0x23,
};
#define VT_IS_SYM(alg) ((alg) == VT_ALG_GOST28147 || (alg) == VT_ALG_KUZNYECHIK || \
			(alg) == VT_ALG_AES || (alg) == VT_ALG_DES3)
/* Secret-key modes, MSE tag 80 (extension) */
enum vt_sym_mode { VT_SYM_ECB = 1, VT_SYM_CBC = 2, VT_SYM_CTR = 3 };
#define VT_PROP_PIN 0x01
#define VT_PROP_PUBLIC 0x10

struct vt_file {
	struct vt_file *parent, *child, *next;
	unsigned fid;
	int type;                   /* enum vt_ftype */
	size_t size;
	unsigned char *data;        /* size bytes, EF and RSF only */
	unsigned char sec[VT_SEC_LEN];
	unsigned char prop[VT_PROP_LEN];
	int has_prop;
	int written;                /* RSF: key value present */
};

struct vt_pin {
	int present;
	unsigned char value[VT_PIN_MAX];
	size_t len;
	size_t size;                /* as created (FCP tag 80) */
	unsigned min_len, max_tries, tries_left;
	unsigned char sec[VT_SEC_LEN];
	unsigned char prop[VT_PROP_LEN];
};

enum vt_se_op { VT_SE_NONE, VT_SE_SIGN, VT_SE_DECIPHER, VT_SE_CIPHER, VT_SE_MAC,
		VT_SE_AGREE /* key agreement (extension) */ };

struct vt_card {
	/* persistent */
	unsigned char serial[4];
	int init_phase;             /* between 80 8A and 80 84 4E 19: no access control */
	struct vt_file *mf;
	struct vt_pin pins[VT_MAX_PIN_REF + 1];

	/* volatile: lost on power-off and reset */
	unsigned verified;          /* bit (ref - 1) per verified PIN */
	struct vt_file *cur_df, *cur_ef;
	int se_op;
	unsigned se_key;
	int se_mode;                /* secret keys: enum vt_sym_mode (0 with VT_SE_MAC) */
	struct vt_apdu_io io;       /* chaining and GET RESPONSE (vt_apdu.h) */
	unsigned char chain_buf[VT_CHAIN_MAX];  /* io's chain buffer */

	int dirty;                  /* persistent state changed since the last vt_clean() */
};

/* A new card in factory state (see README.md). Returns NULL if out of memory. */
struct vt_card *vt_new_factory(void);
/* A card with nothing on it (as after 80 8A), for tests. */
struct vt_card *vt_new_empty(void);
void vt_free(struct vt_card *card);

/*
 * Process one command APDU. resp must hold VT_RESP_MAX bytes; *resplen gets the response
 * length (data + SW1 SW2, always >= 2). Never fails: malformed input gets a status word.
 */
void vt_process(struct vt_card *card, const unsigned char *apdu, size_t len,
		unsigned char *resp, size_t *resplen);

/* Power-off or warm reset: drop verified PINs, current DF, security environment. */
void vt_power_reset(struct vt_card *card);

/*
 * The state files' line reader (vt_state.c), for both cards: vt_state_lines reads the next
 * line that is not blank and splits it at blanks into tok[0..ntok) (at most ntok_max - 1
 * tokens, tok[ntok] NULL); it returns ntok, or -1 at the end of the file. lineno counts
 * every line read. vt_lines_end cleanses and frees the line buffer (a state file holds
 * PINs and keys).
 */
struct vt_lines {
	FILE *in;
	char *line;
	size_t cap;
	unsigned long lineno;
};
int vt_state_lines(struct vt_lines *r, char **tok, int ntok_max);
void vt_lines_end(struct vt_lines *r);

/* Persistent state as text. vt_save returns 0 or -1; vt_load returns NULL on a bad file. */
int vt_save(const struct vt_card *card, FILE *f);
struct vt_card *vt_load(FILE *f, char *err, size_t errlen);

/* "user", "admin", "admin+user", "none" or "pins:0x..." for the control channel. */
const char *vt_verified_name(const struct vt_card *card);

/* Crypto primitives (vt_crypto.c). Big integers are little-endian unless said otherwise. */
int vt_random(unsigned char *buf, size_t len);
/* RSA: bits in 512..4096; priv gets 5h+8 bytes, pub 3h, modulus_le 2h (h = bits / 16). */
int vt_rsa_generate(unsigned bits, unsigned char *priv, unsigned char *pub,
		    unsigned char *modulus_le);
/* Raw RSA private operation from the card's private-key layout. Returns an SW. */
unsigned vt_rsa_private(const unsigned char *priv, size_t h, const unsigned char *in_le,
			size_t inlen, unsigned char *out_le);

/* Elliptic curves: algorithm + parameter code → curve; field size in bytes or 0. */
size_t vt_ec_size(int alg, unsigned param);
/* d gets size bytes, pubxy 2*size bytes, both in the algorithm's wire byte order. */
int vt_ec_generate(int alg, unsigned param, unsigned char *d, unsigned char *pubxy);
/* Sign a hash of size bytes; sig gets 2*size bytes. Returns an SW. */
unsigned vt_ec_sign(int alg, unsigned param, const unsigned char *d, const unsigned char *hash,
		    size_t hashlen, unsigned char *sig);
/* Secret keys (vt_sym.c): block length, key length check, modes, MAC. 0 = success. */
size_t vt_sym_block_len(int alg);
int vt_sym_key_ok(int alg, size_t len);
/* Whether the kind computes the mode (enum vt_sym_mode) or, mode 0, the MAC. */
int vt_sym_mode_ok(int alg, int mode);
/* A key of the kind's length made on the card into key (DES3: odd parity). 0 = success. */
int vt_sym_generate(int alg, unsigned char *key, size_t len);
int vt_sym_crypt(int alg, const unsigned char *key, size_t klen, int mode, int enc,
		 const unsigned char *iv, const unsigned char *in, size_t len,
		 unsigned char *out);
int vt_sym_mac(int alg, const unsigned char *key, size_t klen, const unsigned char *msg,
	       size_t len, unsigned char *mac, size_t *maclen);
/* Self-check of the curve table (each generator on its curve, order right). 0 = good. */
/* Key agreement (extension): the ECDH x coordinate, or the VKO point x || y with ukm. */
unsigned vt_ec_agree(int alg, unsigned param, const unsigned char *d, const unsigned char *point,
		     size_t plen, const unsigned char *ukm, size_t ukmlen, unsigned char *out,
		     size_t *outlen);
int vt_ec_selftest(char *err, size_t errlen);

/* Ed25519 (extension, vt_ed25519.c): prop byte 1 VT_ED25519_PARAM; seed and public key
 * VT_ED25519_LEN bytes each, the signature twice that. vt_ed_size: the key size for the
 * RSF kind, 0 when it is not Ed25519. 0 / SW_OK = success. */
#define VT_ED25519_PARAM 0x01
#define VT_ED25519_LEN 32
size_t vt_ed_size(int alg, unsigned param);
int vt_ed_generate(unsigned char *seed, unsigned char *pub);
int vt_ed_public(const unsigned char *seed, unsigned char *pub);
unsigned vt_ed_sign(const unsigned char *seed, const unsigned char *msg, size_t len,
		    unsigned char *sig);

#endif
