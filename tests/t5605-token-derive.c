/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5605 — C_DeriveKey with a private key of the token (the contract's derive): key pairs
 * generated ON the virtual token (C_GenerateKeyPair, CKA_TOKEN true), peers made by the
 * openssl command line in another process.
 *
 * - CKM_ECDH1_DERIVE (P-256), CKD_NULL: CKA_VALUE of the derived generic secret equals
 *   `openssl pkeyutl -derive` of the peer's key with the token's public key; CKD_SHA256_KDF
 *   equals X9.63 (SEC 1 3.6.1) of that secret computed by Python's hashlib;
 * - CKM_GOSTR3410_12_DERIVE (VKO 2012-256, RFC 7836 4.3) with token GOST 2012 256- and
 *   512-bit keys, CKM_GOSTR3410_DERIVE (VKO 2001, RFC 4357 5.2) with a CryptoPro-A key:
 *   each equals the gost engine's `pkeyutl -derive -pkeyopt ukmhex:` with the same UKM;
 * - the mechanism info shows CKF_DERIVE | CKF_HW; without login CKR_USER_NOT_LOGGED_IN; a key
 *   with CKA_DERIVE false CKR_KEY_FUNCTION_NOT_PERMITTED; a point not on the curve
 *   CKR_MECHANISM_PARAM_INVALID;
 * - the virtual token failing each APDU of a derivation in turn: an error each time, the
 *   state file byte for byte as it was; the card pulled at the GENERAL AUTHENTICATE: an
 *   error, no crash, and after recovery the derivation works again.
 */

#include "api/api.h"
#include "api/token.h"
#include "api/drop.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_gen = CKK_GENERIC_SECRET;
static char W[64];

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_tc26_256a[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01,
					 0x01, 0x01 };
static const uint8_t oid_h256[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02 };
static const uint8_t oid_tc26_512a[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01,
					 0x02, 0x01 };
static const uint8_t oid_h512[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x03 };
static const uint8_t oid_cp_a[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01 };
static const uint8_t oid_h94[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1e, 0x01 };

/* The GOST kinds: gen_pair's gost argument (1 ... 3), the gost engine's names, the
 * derivation and the point's size. */
static const struct gkind {
	const char *name, *alg, *paramset;
	CK_MECHANISM_TYPE gen, derive;
	const uint8_t *params, *hparams;
	size_t params_len, hparams_len, size;
} gkinds[] = {
	{ "VKO 2012-256 (tc26 256 A)", "gost2012_256", "TCA", CKM_GOSTR3410_KEY_PAIR_GEN,
	  CKM_GOSTR3410_12_DERIVE, oid_tc26_256a, oid_h256, sizeof oid_tc26_256a,
	  sizeof oid_h256, 32 },
	{ "VKO 2012-256 with 512-bit keys (tc26 512 A)", "gost2012_512", "A",
	  CKM_GOSTR3410_512_KEY_PAIR_GEN, CKM_GOSTR3410_12_DERIVE, oid_tc26_512a, oid_h512,
	  sizeof oid_tc26_512a, sizeof oid_h512, 64 },
	{ "VKO GOST R 34.10-2001 (CryptoPro A)", "gost2001", "A", CKM_GOSTR3410_KEY_PAIR_GEN,
	  CKM_GOSTR3410_DERIVE, oid_cp_a, oid_h94, sizeof oid_cp_a, sizeof oid_h94, 32 },
};

static void hex(const CK_BYTE *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static size_t unhex(const char *s, CK_BYTE *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (n < cap && s[0] && s[1] && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (CK_BYTE)v;
		s += 2;
	}
	return n;
}

/* A shell command's output (first line, trailing blanks cut), in another process. */
static int run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (p == NULL)
		return -1;
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	return pclose(p);
}

static CK_BBOOL private_keys = CK_TRUE;

static CK_RV gen_pair(CK_SESSION_HANDLE s, int gost, CK_BBOOL derive, const char *id,
		      CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { gost ? gkinds[gost - 1].gen : CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[5] = {
		ATTR(CKA_TOKEN, yes), { CKA_ID, (void *)id, (CK_ULONG)strlen(id) },
		ATTR(CKA_VERIFY, yes),
	};
	CK_ATTRIBUTE st[] = {
		ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, private_keys), ATTR(CKA_SIGN, yes),
		ATTR(CKA_DERIVE, derive), { CKA_ID, (void *)id, (CK_ULONG)strlen(id) },
	};
	CK_ULONG np = 3;

	if (gost) {
		const struct gkind *g = &gkinds[gost - 1];

		pt[np++] = (CK_ATTRIBUTE){ CKA_GOSTR3410_PARAMS, (void *)g->params,
					   (CK_ULONG)g->params_len };
		pt[np++] = (CK_ATTRIBUTE){ CKA_GOSTR3411_PARAMS, (void *)g->hparams,
					   (CK_ULONG)g->hparams_len };
	} else {
		pt[np++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 };
	}
	return f->C_GenerateKeyPair(s, &m, pt, np, st, 5, pub, priv);
}

/* Derive a 32-byte non-sensitive, extractable generic secret and read its value. */
static CK_RV derive(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE base, CK_BYTE *out)
{
	CK_ULONG len = 32;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_gen), ATTR(CKA_VALUE_LEN, len),
		ATTR(CKA_SENSITIVE, no), ATTR(CKA_EXTRACTABLE, yes),
	};
	CK_ATTRIBUTE v = { CKA_VALUE, out, 32 };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = f->C_DeriveKey(s, m, base, t, 5, &h);

	if (rv != CKR_OK)
		return rv;
	rv = f->C_GetAttributeValue(s, h, &v, 1);
	if (rv == CKR_OK && v.ulValueLen != 32)
		rv = CKR_GENERAL_ERROR;
	f->C_DestroyObject(s, h);
	return rv;
}

/* Every APDU of a derivation failed in turn: an error each time, the token unchanged. */
static void faults(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE base)
{
	CK_BYTE out[32];
	char *before;
	size_t len;
	long n, i, mark;
	int all_failed = 1, all_same = 1;
	CK_RV rv;

	/* the key's public part is read from the card the first time it is needed (a lazy
	 * object): a first derivation does that, the counted one is the derivation alone */
	is_rv(derive(s, m, base, out), CKR_OK, "a first ECDH derivation");
	mark = api_apdus(0);
	rv = derive(s, m, base, out);
	n = api_apdus(0) - mark;
	is_rv(rv, CKR_OK, "an ECDH derivation, to count its APDUs (%ld)", n);
	before = api_state(0, &len);
	ok(before != NULL && n >= 2, "the token's state file");
	for (i = 1; i <= n; i++) {
		char cmd[64];

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		rv = derive(s, m, base, out);
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK) {
			all_failed = 0;
			diag("APDU %ld failed, C_DeriveKey said CKR_OK", i);
		}
		if (!api_same_state(before, len)) {
			all_same = 0;
			diag("APDU %ld failed: the token changed", i);
		}
	}
	ok(all_failed, "C_DeriveKey fails whichever of its %ld APDUs fails", n);
	ok(all_same, "... and the state file is byte for byte as before");
	is_rv(derive(s, m, base, out), CKR_OK, "... and the next derivation works");
	free(before);
}

/* The card pulled at the GENERAL AUTHENTICATE (INS 86) of a derivation. */
static void pulled(CK_SESSION_HANDLE *s, CK_MECHANISM *m, CK_OBJECT_HANDLE *base,
		   const char *id)
{
	unsigned ins[64];
	long mark, n, k, at = -1;
	CK_BYTE out[32];
	CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, cpriv), { CKA_ID, (void *)id, (CK_ULONG)strlen(id) } };
	CK_ULONG got = 0;
	CK_RV rv, rrv = CKR_GENERAL_ERROR;

	mark = api_apdus(0);
	is_rv(derive(*s, m, *base, out), CKR_OK, "a derivation, to find its GENERAL AUTHENTICATE");
	n = api_ins_since(0, mark, ins, 64);
	for (k = 0; k < n && k < 64; k++)
		if (ins[k] == 0x86)
			at = k + 1;
	ok(at >= 1, "... GENERAL AUTHENTICATE is its APDU %ld of %ld", at, n);
	drop_arm(at);
	rv = derive(*s, m, *base, out);
	ok(rv != CKR_OK && drop_rv_allowed(rv), "the card pulled at GENERAL AUTHENTICATE: %s",
	   sk_rv_name(rv));
	drop_recover(f, s, 1, &rrv);
	is_rv(rrv, CKR_OK, "the card back, a new session, logged in");
	if (f->C_FindObjectsInit(*s, t, 2) == CKR_OK) {
		f->C_FindObjects(*s, base, 1, &got);
		f->C_FindObjectsFinal(*s);
	}
	is_ulong(got, 1, "... the private key found again");
	is_rv(derive(*s, m, *base, out), CKR_OK, "... and it derives again");
}

/* VKO with a GOST key pair generated on the token and a peer of the gost engine: the
 * derived value equals the engine's `pkeyutl -derive -pkeyopt ukmhex:` in another
 * process. */
static void vko(CK_SESSION_HANDLE s, int kind)
{
	const struct gkind *g = &gkinds[kind];
	CK_OBJECT_HANDLE gpub = 0, gpriv = 0;
	CK_BYTE gpoint[200], gpeer[128], k[32], ukm[8];
	CK_GOSTR3410_DERIVE_PARAMS gp;
	CK_MECHANISM gm = { g->derive, &gp, sizeof gp };
	char cmd[2048], out[600], ours[80], ph[300], uh[20], id[8];
	size_t n;
	int i;

	snprintf(id, sizeof id, "g%d", kind);
	is_rv(gen_pair(s, kind + 1, yes, id, &gpub, &gpriv), CKR_OK, "%s: a key pair on the token",
	      g->name);
	n = api_get_attr(f, s, gpub, CKA_VALUE, gpoint, sizeof gpoint);
	is_ulong(n, 2 * g->size, "... its CKA_VALUE, x || y");
	snprintf(cmd, sizeof cmd, "openssl genpkey -engine gost -algorithm %s -pkeyopt "
		 "paramset:%s -out %s/gpeer.pem 2>/dev/null && openssl pkey -engine gost -in "
		 "%s/gpeer.pem -pubout -outform DER -out %s/gpeer.der 2>/dev/null && tail -c %zu "
		 "%s/gpeer.der | od -An -tx1 | tr -d ' \\n'", g->alg, g->paramset, W, W, W,
		 2 * g->size, W);
	ok(run(cmd, out, sizeof out) == 0 && unhex(out, gpeer, sizeof gpeer) == 2 * g->size,
	   "... a peer key from the gost engine");
	for (i = 0; i < 8; i++)
		ukm[i] = (CK_BYTE)(rand() | 1);
	memset(&gp, 0, sizeof gp);
	gp.kdf = CKD_NULL;
	gp.pPublicData = gpeer;
	gp.ulPublicDataLen = (CK_ULONG)(2 * g->size);
	gp.pUKM = ukm;
	gp.ulUKMLen = 8;
	is_rv(derive(s, &gm, gpriv, k), CKR_OK, "... C_DeriveKey with the token's key");
	hex(gpoint, 2 * g->size, ph);
	hex(ukm, 8, uh);
	hex(k, 32, ours);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import sys; d = open(sys.argv[1] + "
		 "\"/gpeer.der\", \"rb\").read(); n = len(sys.argv[2]) // 2; "
		 "open(sys.argv[1] + \"/gtok.der\", \"wb\").write(d[:-n] + "
		 "bytes.fromhex(sys.argv[2]))' %s %s && openssl pkeyutl -engine gost -derive "
		 "-inkey %s/gpeer.pem -peerkey %s/gtok.der -peerform DER -pkeyopt ukmhex:%s "
		 "2>/dev/null | od -An -tx1 | tr -d ' \\n'", W, ph, W, W, uh);
	ok(run(cmd, out, sizeof out) == 0 && strcmp(ours, out) == 0,
	   "... the gost engine's VKO with the same UKM (another process)");
	if (strcmp(ours, out) != 0)
		diag("ours %s, engine %s", ours, out);
	f->C_DestroyObject(s, gpriv);
	f->C_DestroyObject(s, gpub);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE pub = 0, priv = 0, npub = 0, npriv = 0;
	CK_MECHANISM_INFO mi;
	CK_BYTE point[200], peer[65], z[32], k[32];
	CK_ECDH1_DERIVE_PARAMS ep;
	CK_MECHANISM em = { CKM_ECDH1_DERIVE, &ep, sizeof ep };
	char cmd[2048], out[600], ours[200], zh[80], tmpl[] = "/tmp/t5605.XXXXXX";
	size_t n;
	int i;

	api_rig(argv, 1);
	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(W, sizeof W, "%s", tmpl);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5605"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_GetMechanismInfo(slot, CKM_ECDH1_DERIVE, &mi), CKR_OK,
	      "C_GetMechanismInfo CKM_ECDH1_DERIVE");
	ok((mi.flags & (CKF_HW | CKF_DERIVE)) == (CKF_HW | CKF_DERIVE), "... CKF_HW and CKF_DERIVE");
	is_rv(f->C_GetMechanismInfo(slot, CKM_GOSTR3410_12_DERIVE, &mi), CKR_OK,
	      "C_GetMechanismInfo CKM_GOSTR3410_12_DERIVE");
	ok((mi.flags & (CKF_HW | CKF_DERIVE)) == (CKF_HW | CKF_DERIVE), "... CKF_HW and CKF_DERIVE");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	is_rv(gen_pair(s, 0, yes, "ec", &pub, &priv), CKR_OK, "an EC P-256 key pair on the token");
	n = api_get_attr(f, s, pub, CKA_EC_POINT, point, sizeof point);
	ok(n == 67 && point[0] == 0x04 && point[1] == 65 && point[2] == 0x04,
	   "... its CKA_EC_POINT, 04 41 04 x y");

	/* the peer, by openssl genpkey; its point; the token's public key as an SPKI */
	snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
		 "-out %s/peer.pem 2>/dev/null && openssl pkey -in %s/peer.pem -pubout -outform DER "
		 "-out %s/peer.der 2>/dev/null && tail -c 65 %s/peer.der | od -An -tx1 | "
		 "tr -d ' \\n'", W, W, W, W);
	ok(run(cmd, out, sizeof out) == 0 && unhex(out, peer, sizeof peer) == 65 && peer[0] == 4,
	   "a peer key from openssl genpkey");
	hex(point + 2, 65, ours);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import sys; d = open(sys.argv[1] + "
		 "\"/peer.der\", \"rb\").read(); open(sys.argv[1] + \"/tok.der\", \"wb\")"
		 ".write(d[:-65] + bytes.fromhex(sys.argv[2]))' %s %s && openssl pkeyutl -derive "
		 "-inkey %s/peer.pem -peerkey %s/tok.der -peerform DER 2>/dev/null | od -An -tx1 | "
		 "tr -d ' \\n'", W, ours, W, W);
	ok(run(cmd, out, sizeof out) == 0 && strlen(out) == 64,
	   "openssl pkeyutl -derive with the token's public key (another process)");

	memset(&ep, 0, sizeof ep);
	ep.kdf = CKD_NULL;
	ep.pPublicData = peer;
	ep.ulPublicDataLen = sizeof peer;
	is_rv(derive(s, &em, priv, z), CKR_OK, "C_DeriveKey ECDH1 CKD_NULL with the token's key");
	hex(z, 32, ours);
	is_str(ours, out, "... the shared secret is openssl's");
	{
		/* the peer's point as a DER OCTET STRING, as CKA_EC_POINT has it */
		CK_BYTE wrapped[67] = { 0x04, 65 };

		memcpy(wrapped + 2, peer, 65);
		ep.pPublicData = wrapped;
		ep.ulPublicDataLen = sizeof wrapped;
		is_rv(derive(s, &em, priv, k), CKR_OK, "... the peer's point in an OCTET STRING");
		ok(memcmp(k, z, 32) == 0, "... the same secret");
		ep.pPublicData = peer;
		ep.ulPublicDataLen = sizeof peer;
	}
	ep.kdf = CKD_SHA256_KDF;
	is_rv(derive(s, &em, priv, k), CKR_OK, "C_DeriveKey ECDH1 CKD_SHA256_KDF");
	hex(k, 32, ours);
	hex(z, 32, zh);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import hashlib, sys; print(hashlib.sha256("
		 "bytes.fromhex(sys.argv[1]) + bytes([0, 0, 0, 1])).hexdigest())' %s", zh);
	ok(run(cmd, out, sizeof out) == 0 && strcmp(ours, out) == 0,
	   "... X9.63 with SHA-256 of the secret, as Python's hashlib computes it");
	ep.kdf = CKD_NULL;
	{
		CK_BYTE bad[65];

		memcpy(bad, peer, 65);
		bad[64] ^= 1;
		ep.pPublicData = bad;
		is_rv(derive(s, &em, priv, k), CKR_MECHANISM_PARAM_INVALID,
		      "a peer point not on the curve: CKR_MECHANISM_PARAM_INVALID (the card's 6A80)");
		ep.pPublicData = peer;
	}

	/* VKO with token GOST keys, against the gost engine */
	for (i = 0; i < 3; i++)
		vko(s, i);

	/* refusals */
	is_rv(gen_pair(s, 0, no, "noderive", &npub, &npriv), CKR_OK,
	      "an EC key pair on the token with CKA_DERIVE false");
	is_rv(derive(s, &em, npriv, k), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "... C_DeriveKey: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(derive(s, &em, pub, k), CKR_KEY_TYPE_INCONSISTENT,
	      "the public key as the base key: CKR_KEY_TYPE_INCONSISTENT");
	/* a private key with CKA_PRIVATE false stays visible after C_Logout: the token still
	 * wants the user for using it */
	private_keys = CK_FALSE;
	is_rv(gen_pair(s, 0, yes, "open", &npub, &npriv), CKR_OK,
	      "an EC key pair on the token whose private key has CKA_PRIVATE false");
	is_rv(derive(s, &em, npriv, k), CKR_OK, "... it derives while logged in");
	is_rv(f->C_Logout(s), CKR_OK, "logout");
	is_rv(derive(s, &em, npriv, k), CKR_USER_NOT_LOGGED_IN,
	      "... without login: CKR_USER_NOT_LOGGED_IN");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login again");
	{
		CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY;
		CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, cpriv), { CKA_ID, (void *)"ec", 2 } };
		CK_ULONG got = 0;

		if (f->C_FindObjectsInit(s, t, 2) == CKR_OK) {
			f->C_FindObjects(s, &priv, 1, &got);
			f->C_FindObjectsFinal(s);
		}
		is_ulong(got, 1, "... the private key found again");
	}

	faults(s, &em, priv);
	pulled(&s, &em, &priv, "ec");

	f->C_Finalize(NULL);
	snprintf(cmd, sizeof cmd, "rm -rf %s", W);
	if (system(cmd) != 0)
		diag("could not remove the work directory");
	return done_testing();
}
