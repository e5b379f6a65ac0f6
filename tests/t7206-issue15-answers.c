/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7206 — the answers of issue 15 ("correct answers where independent test suites
 * disagree") that no other test shows, on a virtual Rutoken ECP:
 * - 9: more of a token private key's components are CKR_ATTRIBUTE_SENSITIVE (RSA
 *   CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2; a GOST R 34.10 key's CKA_VALUE), and so
 *   are a sensitive session private key's (generated in the session);
 * - 12: the PIN cache's memory, seen from inside this process: after C_Login the PIN is
 *   in a locked page (/proc/self/smaps, VmFlags "lo"), after C_Logout it is gone from it, a
 *   wrong PIN is never put there, after C_Finalize the page is unmapped, a forked child
 *   finds the page wiped (MADV_WIPEONFORK, where the kernel has it), with pin_cache off
 *   (another process) no locked page holds the PIN; and when another process changed the
 *   PIN, the failed re-verification is not tried again (one VERIFY, one try spent);
 * - 14: an argument error found by the generated checks ends C_Encrypt, C_EncryptUpdate,
 *   C_EncryptFinal, C_Decrypt and C_SignFinal operations too (t7205 has C_Digest,
 *   C_DigestFinal, C_DigestUpdate, C_Sign, C_Verify);
 * - 15: C_DigestFinal right after C_DigestInit is the digest of empty data (the SHA-256
 *   known answer); after a C_Encrypt / C_Decrypt size query, C_EncryptFinal /
 *   C_EncryptUpdate / C_DecryptFinal are CKR_OPERATION_ACTIVE and end the operation, as
 *   t7205 shows for digests and signatures;
 * - 16: C_SignUpdate and C_SignFinal are refused (CKR_FUNCTION_NOT_SUPPORTED) for
 *   CKM_RSA_PKCS, CKM_RSA_X_509 and CKM_GOSTR3410, C_VerifyUpdate for CKM_RSA_PKCS and
 *   CKM_RSA_X_509, the refusal ending the operation; C_Sign still works with them;
 * - 17: more mechanisms without parameters refuse pParameter NULL with a length:
 *   C_EncryptInit (AES-ECB), C_SignInit (RSA-PKCS), C_GenerateKey (AES), C_GenerateKeyPair
 *   (EC);
 * - 19: a public EC key whose CKA_EC_POINT is malformed (a DER length that lies, a byte
 *   after the OCTET STRING, a prefix that is no point form, empty, the point at
 *   infinity) or whose CKA_EC_PARAMS has bytes after the OID is refused at C_CreateObject.
 */
#include "api/api.h"

#include <ctype.h>
#include <sys/mman.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_ULONG bits1024 = 1024;
static CK_BYTE e65537[3] = { 1, 0, 1 };
/* prime256v1 (secp256r1): 1.2.840.10045.3.1.7 */
static CK_BYTE p256[] = { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
/* id-GostR3410-2001-CryptoPro-A-ParamSet, id-GostR3411-94-CryptoProParamSet (RFC 4357) */
static CK_BYTE gost_a[] = { 0x06, 0x07, 0x2A, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01 };
static CK_BYTE gost_h94[] = { 0x06, 0x07, 0x2A, 0x85, 0x03, 0x02, 0x02, 0x1E, 0x01 };
static const char msg[] = "issue 15: the answers";
static const char wrong_pin[] = "11223344";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_RV get(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, void *out,
		 CK_ULONG *len)
{
	CK_ATTRIBUTE a = { t, out, *len };
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);

	*len = a.ulValueLen;
	return rv;
}

static CK_RV sensitive(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t)
{
	CK_BYTE buf[600];
	CK_ULONG len = sizeof buf;

	return get(s, h, t, buf, &len);
}

/* --- the PIN cache's page, from /proc/self/smaps ------------------------------------- */

static int contains(const unsigned char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; k <= n && i <= n - k; i++)
		if (p[i] == (unsigned char)needle[0] && memcmp(p + i, needle, k) == 0)
			return 1;
	return 0;
}

/* The module's PIN page as this process sees it: a writable mapping that is locked (VmFlags
 * "lo") or wiped on fork ("wf"); an AddressSanitizer build's mlock does nothing (its
 * interceptor), so there the page is known by its "wf" alone. */
struct locked {
	int pages;                      /* such mappings */
	int locked;                     /* of them, how many are locked */
	int with_pin;                   /* how many hold the PIN */
	uintptr_t first;                /* the first one's address, its size */
	size_t size;
};

static int has_flag(const char *vmflags, const char *flag)
{
	const char *p = vmflags;
	size_t n = strlen(flag);

	while ((p = strstr(p, flag)) != NULL) {
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* Those mappings of this process, and whether pin is in one of them; at (if not 0): only
 * the mapping that starts there. */
static struct locked locked_scan_at(const char *pin, uintptr_t at)
{
	struct locked r = { 0, 0, 0, 0, 0 };
	char line[512], perms[8] = "", p[8];
	unsigned long lo = 0, hi = 0, a, b;
	FILE *fp = fopen("/proc/self/smaps", "r");

	if (fp == NULL) {
		r.pages = -1;
		return r;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		/* a mapping's first line: "lo-hi perms offset dev inode path"; its last one
		 * "VmFlags: rd wr ..." */
		if (isxdigit((unsigned char)line[0]) &&
		    sscanf(line, "%lx-%lx %7s", &a, &b, p) == 3) {
			lo = a;
			hi = b;
			memcpy(perms, p, sizeof perms);
			continue;
		}
		if (strncmp(line, "VmFlags:", 8) != 0 || perms[0] != 'r' || perms[1] != 'w' ||
		    hi <= lo || hi - lo > (1UL << 20) || (at != 0 && lo != at))
			continue;
		if (!has_flag(line, "lo") && !has_flag(line, "wf"))
			continue;
		if (r.pages++ == 0) {
			r.first = lo;
			r.size = hi - lo;
		}
		r.locked += has_flag(line, "lo");
		if (contains((const unsigned char *)lo, hi - lo, pin))
			r.with_pin++;
	}
	fclose(fp);
	return r;
}

static struct locked locked_scan(const char *pin)
{
	return locked_scan_at(pin, 0);
}

/* Whether mlock locks memory in this process (not under AddressSanitizer). */
static int mlock_works(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct locked l;

	if (p == MAP_FAILED)
		return 0;
	if (mlock(p, 4096) != 0) {
		munmap(p, 4096);
		return 0;
	}
	l = locked_scan_at("", (uintptr_t)p);
	munlock(p, 4096);
	munmap(p, 4096);
	return l.locked == 1;
}

static int wipeonfork_works(void)
{
#ifdef MADV_WIPEONFORK
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r;

	if (p == MAP_FAILED)
		return 0;
	r = madvise(p, 4096, MADV_WIPEONFORK) == 0;
	munmap(p, 4096);
	return r;
#else
	return 0;
#endif
}

/* --- the other processes ------------------------------------------------------------- */

static CK_RV open_login(CK_SESSION_HANDLE *s, const char *pin)
{
	CK_RV rv = api_slot_of(f, 0, &slot);

	if (rv == CKR_OK)
		rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	if (rv == CKR_OK)
		rv = f->C_Login(*s, CKU_USER, API_PIN(pin));
	return rv;
}

/* pin_cache off (the parent set SCRIPTOKI_PIN_CACHE=0): logged in, no locked page holds
 * the PIN. 0 when so. */
static int role_nocache(void)
{
	CK_SESSION_HANDLE s;
	struct locked l;

	f = api_module();
	if (f->C_Initialize(NULL) != CKR_OK)
		return 10;
	if (open_login(&s, API_USER_PIN) != CKR_OK)
		return 11;
	l = locked_scan(API_USER_PIN);
	if (l.pages < 0 || l.pages > 1)
		return 12;
	if (l.with_pin != 0)
		return 13;
	f->C_Finalize(NULL);
	return 0;
}

/* Logs in with from, changes the user PIN to to, logs out (the card forgets every login). */
static int role_setpin(const char *from, const char *to)
{
	CK_SESSION_HANDLE s;

	f = api_module();
	if (f->C_Initialize(NULL) != CKR_OK)
		return 20;
	if (open_login(&s, from) != CKR_OK)
		return 21;
	if (f->C_SetPIN(s, API_PIN(from), API_PIN(to)) != CKR_OK)
		return 22;
	if (f->C_Logout(s) != CKR_OK)
		return 23;
	return f->C_Finalize(NULL) == CKR_OK ? 0 : 24;
}

/* --- this process -------------------------------------------------------------------- */

/* How many VERIFY commands carrying a PIN (INS 20 with data, not the empty VERIFY that
 * asks for the tries left) token 0 received after the first mark APDUs. */
static long pin_verifies(long mark)
{
	const char *path = api_env(0, "TRACE");
	char line[8192];
	long n = 0, c = 0;
	FILE *fp;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		unsigned cla, ins, p1, p2, lc;

		if (line[0] != '>' || line[1] != ' ' || n++ < mark)
			continue;
		if (sscanf(line + 2, "%x %x %x %x %x", &cla, &ins, &p1, &p2, &lc) == 5 &&
		    ins == 0x20 && lc > 0)
			c++;
	}
	fclose(fp);
	return c;
}

static CK_RV sign_ec(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_BYTE sig[128];
	CK_ULONG len = sizeof sig;
	CK_RV rv = f->C_SignInit(s, &m, key);

	if (rv == CKR_OK)
		rv = f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len);
	return rv;
}

static void pin_cache(char *self, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE eckey)
{
	struct locked l;
	long mark;
	pid_t pid;
	int st;

	l = locked_scan(API_USER_PIN);
	ok(l.pages >= 1 && l.with_pin == 1,
	   "12: logged in, the PIN is in the cache's page (%d pages, %d with it)", l.pages,
	   l.with_pin);
	if (mlock_works())
		ok(l.locked >= 1 && l.locked == l.pages, "12: ... which is locked in memory");
	else
		ok(1, "# SKIP mlock locks nothing in this process (an AddressSanitizer build)");

	/* a forked child: its copy of the page is wiped by the kernel */
	if (wipeonfork_works() && l.with_pin == 1) {
		uintptr_t at = l.first;
		size_t size = l.size;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(contains((const unsigned char *)at, size, API_USER_PIN) ? 1 : 0);
		st = -1;
		if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
			st = WEXITSTATUS(st);
		is_ulong(st, 0, "12: a forked child's copy of the page does not hold the PIN");
	} else {
		ok(1, "# SKIP no MADV_WIPEONFORK here (or no page found)");
	}

	is_rv(f->C_Logout(s), CKR_OK, "12: C_Logout");
	l = locked_scan(API_USER_PIN);
	ok(l.pages >= 1 && l.with_pin == 0,
	   "12: ... the page stays (%d) but the PIN is cleansed from it", l.pages);
	is_rv(f->C_Login(s, CKU_USER, API_PIN(wrong_pin)), CKR_PIN_INCORRECT,
	      "12: C_Login with a wrong PIN of a legal length");
	l = locked_scan(wrong_pin);
	ok(l.pages >= 1 && l.with_pin == 0, "12: ... the wrong PIN is not kept");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "12: C_Login again");
	l = locked_scan(API_USER_PIN);
	ok(l.with_pin == 1, "12: ... the PIN is kept again");

	/* another process changes the PIN: the cached one is verified once, refused, and
	 * forgotten: never tried again (each try costs the card's counter) */
	is_ulong(api_run(self, "setpin", (char *)NULL), 0,
		 "12: another process changes the user PIN and logs out");
	mark = api_apdus(0);
	is_rv(sign_ec(s, eckey), CKR_USER_NOT_LOGGED_IN,
	      "12: this process's next signature: CKR_USER_NOT_LOGGED_IN");
	is_ulong(pin_verifies(mark), 1, "12: ... after one VERIFY of the cached PIN");
	l = locked_scan(API_USER_PIN);
	ok(l.with_pin == 0, "12: ... which is forgotten");
	mark = api_apdus(0);
	is_rv(sign_ec(s, eckey), CKR_USER_NOT_LOGGED_IN, "12: and the next one again");
	is_ulong(pin_verifies(mark), 0, "12: ... without another VERIFY (no try spent)");
	is_ulong(api_run(self, "setpin-back", (char *)NULL), 0,
		 "12: the other process changes the PIN back");
	is_rv(f->C_Logout(s), CKR_OK, "12: C_Logout");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "12: C_Login");
	is_rv(sign_ec(s, eckey), CKR_OK, "12: ... signs again");

	/* pin_cache off, in a process of its own (the setting is read once) */
	setenv("SCRIPTOKI_PIN_CACHE", "0", 1);
	is_ulong(api_run(self, "nocache", (char *)NULL), 0,
		 "12: with pin_cache off, no locked page holds the PIN of a login");
	unsetenv("SCRIPTOKI_PIN_CACHE");
}

static void sensitive_parts(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE rsa, CK_OBJECT_HANDLE gost)
{
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_MODULUS_BITS, bits1024), ATTR(CKA_PUBLIC_EXPONENT, e65537) };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
			      ATTR(CKA_SENSITIVE, yes) };
	CK_OBJECT_HANDLE pub = 0, priv = 0;

	is_rv(sensitive(s, rsa, CKA_PRIME_2), CKR_ATTRIBUTE_SENSITIVE,
	      "9: a token RSA key's CKA_PRIME_2: CKR_ATTRIBUTE_SENSITIVE");
	is_rv(sensitive(s, rsa, CKA_EXPONENT_1), CKR_ATTRIBUTE_SENSITIVE,
	      "9: ... its CKA_EXPONENT_1 too");
	is_rv(sensitive(s, rsa, CKA_EXPONENT_2), CKR_ATTRIBUTE_SENSITIVE,
	      "9: ... its CKA_EXPONENT_2 too");
	is_rv(sensitive(s, gost, CKA_VALUE), CKR_ATTRIBUTE_SENSITIVE,
	      "9: a token GOST R 34.10 key's CKA_VALUE: CKR_ATTRIBUTE_SENSITIVE");
	is_rv(sensitive(s, gost, CKA_PRIME_1), CKR_ATTRIBUTE_TYPE_INVALID,
	      "9: ... an attribute GOST keys do not have: CKR_ATTRIBUTE_TYPE_INVALID");
	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 2, vt, 3, &pub, &priv), CKR_OK,
	      "9: a sensitive RSA-1024 session key pair");
	is_rv(sensitive(s, priv, CKA_PRIVATE_EXPONENT), CKR_ATTRIBUTE_SENSITIVE,
	      "9: ... its CKA_PRIVATE_EXPONENT: CKR_ATTRIBUTE_SENSITIVE");
	is_rv(sensitive(s, priv, CKA_PRIME_1), CKR_ATTRIBUTE_SENSITIVE,
	      "9: ... its CKA_PRIME_1 too");
	f->C_DestroyObject(s, priv);
	f->C_DestroyObject(s, pub);
}

static void arg_errors(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE aes, CK_OBJECT_HANDLE eckey)
{
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
	CK_MECHANISM ecdsa_sha = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_BYTE in[32], out[64], ct[32];
	CK_ULONG len;

	memset(in, 0x5A, sizeof in);
	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "14: C_EncryptInit AES-ECB");
	is_rv(f->C_Encrypt(s, in, 32, out, NULL), CKR_ARGUMENTS_BAD,
	      "14: C_Encrypt with a NULL length pointer: CKR_ARGUMENTS_BAD");
	len = sizeof out;
	is_rv(f->C_Encrypt(s, in, 32, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "14: ... and the encryption ended");
	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "14: C_EncryptInit");
	len = sizeof out;
	is_rv(f->C_Encrypt(s, NULL, 32, out, &len), CKR_ARGUMENTS_BAD,
	      "14: C_Encrypt(NULL, 32, ...): CKR_ARGUMENTS_BAD");
	len = sizeof out;
	is_rv(f->C_Encrypt(s, in, 32, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "14: ... and the encryption ended");
	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "14: C_EncryptInit");
	is_rv(f->C_EncryptUpdate(s, in, 16, out, NULL), CKR_ARGUMENTS_BAD,
	      "14: C_EncryptUpdate with a NULL length pointer: CKR_ARGUMENTS_BAD");
	len = sizeof out;
	is_rv(f->C_EncryptUpdate(s, in, 16, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "14: ... and the encryption ended");
	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "14: C_EncryptInit");
	len = sizeof out;
	is_rv(f->C_EncryptUpdate(s, in, 16, out, &len), CKR_OK, "14: C_EncryptUpdate");
	is_rv(f->C_EncryptFinal(s, out, NULL), CKR_ARGUMENTS_BAD,
	      "14: C_EncryptFinal with a NULL length pointer: CKR_ARGUMENTS_BAD");
	len = sizeof out;
	is_rv(f->C_EncryptUpdate(s, in, 16, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "14: ... and the encryption ended");

	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "C_EncryptInit");
	len = sizeof ct;
	is_rv(f->C_Encrypt(s, in, 32, ct, &len), CKR_OK, "a ciphertext to decrypt");
	is_rv(f->C_DecryptInit(s, &ecb, aes), CKR_OK, "14: C_DecryptInit");
	is_rv(f->C_Decrypt(s, ct, 32, out, NULL), CKR_ARGUMENTS_BAD,
	      "14: C_Decrypt with a NULL length pointer: CKR_ARGUMENTS_BAD");
	len = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 32, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "14: ... and the decryption ended");

	is_rv(f->C_SignInit(s, &ecdsa_sha, eckey), CKR_OK, "14: C_SignInit ECDSA-SHA256");
	is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)msg, sizeof msg - 1), CKR_OK, "14: C_SignUpdate");
	is_rv(f->C_SignFinal(s, out, NULL), CKR_ARGUMENTS_BAD,
	      "14: C_SignFinal with a NULL length pointer: CKR_ARGUMENTS_BAD");
	is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)msg, sizeof msg - 1), CKR_OPERATION_NOT_INITIALIZED,
	      "14: ... and the signature ended");

	/* 15: the other one-shot size queries */
	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "15: C_EncryptInit");
	len = 0;
	is_rv(f->C_Encrypt(s, in, 32, NULL, &len), CKR_OK, "15: C_Encrypt size query");
	is_ulong(len, 32, "15: ... 32 bytes");
	len = sizeof out;
	is_rv(f->C_EncryptFinal(s, out, &len), CKR_OPERATION_ACTIVE,
	      "15: C_EncryptFinal after a C_Encrypt size query: CKR_OPERATION_ACTIVE");
	len = sizeof out;
	is_rv(f->C_Encrypt(s, in, 32, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "15: ... the error ended the operation");
	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "15: C_EncryptInit");
	len = 0;
	is_rv(f->C_Encrypt(s, in, 32, NULL, &len), CKR_OK, "15: C_Encrypt size query");
	len = sizeof out;
	is_rv(f->C_EncryptUpdate(s, in, 16, out, &len), CKR_OPERATION_ACTIVE,
	      "15: C_EncryptUpdate after it: CKR_OPERATION_ACTIVE");
	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "15: C_EncryptInit (the last one ended)");
	len = 0;
	is_rv(f->C_Encrypt(s, in, 32, NULL, &len), CKR_OK, "15: C_Encrypt size query");
	len = sizeof out;
	is_rv(f->C_Encrypt(s, in, 32, out, &len), CKR_OK, "15: ... then C_Encrypt");
	ok(len == 32 && memcmp(out, ct, 32) == 0, "15: ... the ciphertext of before");
	is_rv(f->C_DecryptInit(s, &ecb, aes), CKR_OK, "15: C_DecryptInit");
	len = 0;
	is_rv(f->C_Decrypt(s, ct, 32, NULL, &len), CKR_OK, "15: C_Decrypt size query");
	len = sizeof out;
	is_rv(f->C_DecryptFinal(s, out, &len), CKR_OPERATION_ACTIVE,
	      "15: C_DecryptFinal after a C_Decrypt size query: CKR_OPERATION_ACTIVE");
	len = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 32, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "15: ... the error ended the operation");
}

static void empty_digest(CK_SESSION_HANDLE s)
{
	/* SHA-256 of the empty message: FIPS 180-4; NIST CAVP SHA256ShortMsg.rsp, Len = 0 */
	static const CK_BYTE kat[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
		0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
		0x78, 0x52, 0xb8, 0x55,
	};
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_BYTE md[64];
	CK_ULONG len = sizeof md;

	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "15: C_DigestInit");
	is_rv(f->C_DigestFinal(s, md, &len), CKR_OK,
	      "15: C_DigestFinal with no C_DigestUpdate: CKR_OK");
	ok(len == 32 && memcmp(md, kat, 32) == 0, "15: ... SHA-256 of empty data (e3b0c442...)");
}

static void single_part(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE rsa, CK_OBJECT_HANDLE rsapub,
			CK_OBJECT_HANDLE gost)
{
	struct {
		const char *name;
		CK_MECHANISM_TYPE m;
		CK_ULONG in_len;
	} cs[] = {
		{ "CKM_RSA_PKCS", CKM_RSA_PKCS, 35 },
		{ "CKM_RSA_X_509", CKM_RSA_X_509, 128 },
		{ "CKM_GOSTR3410", CKM_GOSTR3410, 32 },
	};
	CK_BYTE in[128], sig[256];
	CK_ULONG len, i;

	memset(in, 0x33, sizeof in);
	in[0] = 0x00;   /* raw RSA: below the modulus */
	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		CK_MECHANISM m = { cs[i].m, NULL, 0 };
		CK_OBJECT_HANDLE k = cs[i].m == CKM_GOSTR3410 ? gost : rsa;

		is_rv(f->C_SignInit(s, &m, k), CKR_OK, "16: %s: C_SignInit", cs[i].name);
		is_rv(f->C_SignUpdate(s, in, cs[i].in_len), CKR_FUNCTION_NOT_SUPPORTED,
		      "16: %s: C_SignUpdate: CKR_FUNCTION_NOT_SUPPORTED", cs[i].name);
		len = sizeof sig;
		is_rv(f->C_Sign(s, in, cs[i].in_len, sig, &len), CKR_OPERATION_NOT_INITIALIZED,
		      "16: %s: ... the refusal ended the operation", cs[i].name);
		is_rv(f->C_SignInit(s, &m, k), CKR_OK, "16: %s: C_SignInit", cs[i].name);
		len = sizeof sig;
		is_rv(f->C_SignFinal(s, sig, &len), CKR_FUNCTION_NOT_SUPPORTED,
		      "16: %s: C_SignFinal: CKR_FUNCTION_NOT_SUPPORTED", cs[i].name);
		is_rv(f->C_SignInit(s, &m, k), CKR_OK, "16: %s: C_SignInit", cs[i].name);
		len = sizeof sig;
		is_rv(f->C_Sign(s, in, cs[i].in_len, sig, &len), CKR_OK, "16: %s: C_Sign works",
		      cs[i].name);
		if (k != rsa)
			continue;
		is_rv(f->C_VerifyInit(s, &m, rsapub), CKR_OK, "16: %s: C_VerifyInit", cs[i].name);
		is_rv(f->C_VerifyUpdate(s, in, cs[i].in_len), CKR_FUNCTION_NOT_SUPPORTED,
		      "16: %s: C_VerifyUpdate: CKR_FUNCTION_NOT_SUPPORTED", cs[i].name);
		is_rv(f->C_Verify(s, in, cs[i].in_len, sig, len), CKR_OPERATION_NOT_INITIALIZED,
		      "16: %s: ... the refusal ended the operation", cs[i].name);
		is_rv(f->C_VerifyInit(s, &m, rsapub), CKR_OK, "16: %s: C_VerifyInit", cs[i].name);
		is_rv(f->C_Verify(s, in, cs[i].in_len, sig, len), CKR_OK,
		      "16: %s: C_Verify verifies the signature", cs[i].name);
	}
}

static void param_len(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE aes, CK_OBJECT_HANDLE rsa)
{
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 16 };
	CK_MECHANISM pkcs = { CKM_RSA_PKCS, NULL, 1 };
	CK_MECHANISM aesgen = { CKM_AES_KEY_GEN, NULL, 8 };
	CK_MECHANISM ecgen = { CKM_EC_KEY_PAIR_GEN, NULL, 4 };
	CK_ULONG len16 = 16;
	CK_ATTRIBUTE kt[] = { ATTR(CKA_VALUE_LEN, len16) };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_EC_PARAMS, p256) };
	CK_OBJECT_HANDLE h = 0, h2 = 0;

	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_MECHANISM_PARAM_INVALID,
	      "17: C_EncryptInit(AES_ECB, NULL, 16): CKR_MECHANISM_PARAM_INVALID");
	is_rv(f->C_SignInit(s, &pkcs, rsa), CKR_MECHANISM_PARAM_INVALID,
	      "17: C_SignInit(RSA_PKCS, NULL, 1): CKR_MECHANISM_PARAM_INVALID");
	is_rv(f->C_GenerateKey(s, &aesgen, kt, 1, &h), CKR_MECHANISM_PARAM_INVALID,
	      "17: C_GenerateKey(AES_KEY_GEN, NULL, 8): CKR_MECHANISM_PARAM_INVALID");
	is_rv(f->C_GenerateKeyPair(s, &ecgen, pt, 1, NULL, 0, &h, &h2),
	      CKR_MECHANISM_PARAM_INVALID,
	      "17: C_GenerateKeyPair(EC_KEY_PAIR_GEN, NULL, 4): CKR_MECHANISM_PARAM_INVALID");
	ecb.ulParameterLen = 0;
	is_rv(f->C_EncryptInit(s, &ecb, aes), CKR_OK, "17: C_EncryptInit(AES_ECB, NULL, 0) works");
	is_rv(f->C_EncryptInit(s, NULL, aes), CKR_OK, "(ended)");
}

static void ec_points(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE ecpub)
{
	static CK_OBJECT_CLASS c_pub = CKO_PUBLIC_KEY;
	static CK_KEY_TYPE k_ec = CKK_EC;
	CK_BYTE good[80], bad[80], params[16];
	CK_ULONG glen = sizeof good;
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_pub), ATTR(CKA_KEY_TYPE, k_ec),
			     ATTR(CKA_EC_PARAMS, p256), { CKA_EC_POINT, bad, 0 } };
	CK_OBJECT_HANDLE h = 0;

	is_rv(get(s, ecpub, CKA_EC_POINT, good, &glen), CKR_OK, "19: a P-256 point of the token");
	ok(glen == 67 && good[0] == 0x04 && good[1] == 0x41 && good[2] == 0x04,
	   "19: ... a DER OCTET STRING of the uncompressed point");
	memcpy(bad, good, 67);
	t[3].ulValueLen = 67;
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_OK, "19: as a session public key: accepted");
	f->C_DestroyObject(s, h);

	bad[1] = 0x42;
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "19: an OCTET STRING whose length says one byte more: CKR_ATTRIBUTE_VALUE_INVALID");
	bad[1] = 0x41;
	bad[67] = 0x00;
	t[3].ulValueLen = 68;
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "19: a byte after the OCTET STRING: CKR_ATTRIBUTE_VALUE_INVALID");
	t[3].ulValueLen = 67;
	bad[2] = 0x05;
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "19: a point whose first byte is no point form (05): CKR_ATTRIBUTE_VALUE_INVALID");
	bad[2] = 0x04;
	t[3].ulValueLen = 0;
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "19: an empty CKA_EC_POINT: CKR_ATTRIBUTE_VALUE_INVALID");
	bad[0] = 0x04;
	bad[1] = 0x01;
	bad[2] = 0x00;
	t[3].ulValueLen = 3;
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "19: the point at infinity (04 01 00): CKR_ATTRIBUTE_VALUE_INVALID");
	memcpy(bad, good, 67);
	t[3].ulValueLen = 67;
	memcpy(params, p256, sizeof p256);
	params[sizeof p256] = 0x00;
	t[2] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, params, sizeof p256 + 1 };
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_DOMAIN_PARAMS_INVALID,
	      "19: CKA_EC_PARAMS with a byte after the OID: CKR_DOMAIN_PARAMS_INVALID");
	t[2] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, params, sizeof p256 - 1 };
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_DOMAIN_PARAMS_INVALID,
	      "19: CKA_EC_PARAMS cut short: CKR_DOMAIN_PARAMS_INVALID");
}

int main(int argc, char **argv)
{
	static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
	static CK_KEY_TYPE k_aes = CKK_AES;
	static const CK_BYTE key16[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
					   0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	CK_MECHANISM rsagen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM ecgen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM gostgen = { CKM_GOSTR3410_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE rpt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits1024),
			       ATTR(CKA_PUBLIC_EXPONENT, e65537), ATTR(CKA_VERIFY, yes),
			       { CKA_ID, "\x71", 1 } };
	CK_ATTRIBUTE ept[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_EC_PARAMS, p256),
			       { CKA_ID, "\x72", 1 } };
	CK_ATTRIBUTE gpt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_GOSTR3410_PARAMS, gost_a),
			       ATTR(CKA_GOSTR3411_PARAMS, gost_h94), { CKA_ID, "\x73", 1 } };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes) };
	CK_ATTRIBUTE at[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
			      { CKA_VALUE, (void *)key16, 16 }, ATTR(CKA_ENCRYPT, yes),
			      ATTR(CKA_DECRYPT, yes), ATTR(CKA_TOKEN, no) };
	CK_OBJECT_HANDLE rsapub, rsa, ecpub, eckey, gostpub, gost, aes;
	CK_SESSION_HANDLE s;
	struct locked l;

	if (argc == 2 && strcmp(argv[1], "nocache") == 0)
		return role_nocache();
	if (argc == 2 && strcmp(argv[1], "setpin") == 0)
		return role_setpin(API_USER_PIN, "55667788");
	if (argc == 2 && strcmp(argv[1], "setpin-back") == 0)
		return role_setpin("55667788", API_USER_PIN);

	api_rig_timeout(argv, 1, 240);
	unsetenv("SCRIPTOKI_PIN_CACHE");
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t7206"), CKR_OK, "an initialised token");
	is_rv(open_login(&s, API_USER_PIN), CKR_OK, "a logged-in R/W session");
	is_rv(f->C_GenerateKeyPair(s, &rsagen, rpt, 5, vt, 3, &rsapub, &rsa), CKR_OK,
	      "an RSA-1024 token key pair");
	is_rv(f->C_GenerateKeyPair(s, &ecgen, ept, 3, vt, 3, &ecpub, &eckey), CKR_OK,
	      "a P-256 token key pair");
	is_rv(f->C_GenerateKeyPair(s, &gostgen, gpt, 4, vt, 3, &gostpub, &gost), CKR_OK,
	      "a GOST R 34.10-2001 token key pair");
	is_rv(f->C_CreateObject(s, at, 6, &aes), CKR_OK, "an AES-128 session key");

	sensitive_parts(s, rsa, gost);
	arg_errors(s, aes, eckey);
	empty_digest(s);
	single_part(s, rsa, rsapub, gost);
	param_len(s, aes, rsa);
	ec_points(s, ecpub);
	pin_cache(argv[0], s, eckey);

	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	l = locked_scan(API_USER_PIN);
	ok(l.pages == 0 && l.with_pin == 0, "12: after C_Finalize the page is gone (%d left)",
	   l.pages);
	(void)gostpub;
	return done_testing();
}
