/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5122 — certificates read from the card only when needed (issue 11: the contract's lazy
 * objects). Three certificates stored by OpenSC's pkcs15-init (the second issued by the
 * first), counted from the virtual token's trace, in a fresh C_Initialize each time:
 * - finding them and reading CKA_LABEL and CKA_ID sends no SELECT of a certificate's EF;
 * - CKA_VALUE then reads exactly that certificate's EF once (one SELECT, READ BINARY), a
 *   second read sends nothing, and the value is what OpenSC's pkcs15-tool reads from the
 *   card in another process;
 * - CKA_SUBJECT, CKA_ISSUER and CKA_SERIAL_NUMBER asked first are the fields that
 *   `openssl asn1parse` finds in the same certificate;
 * - a search by CKA_SUBJECT finds the one certificate with that subject;
 * - a card fault at each APDU of the lazy read (the virtual token answers 6F00) gives
 *   C_GetAttributeValue and C_FindObjectsInit CKR_DEVICE_ERROR or CKR_FUNCTION_FAILED,
 *   the object stays usable, and the next call reads it right.
 */
#include "api/token.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static char dir[] = "/tmp/t5122-XXXXXX";
static CK_OBJECT_CLASS c_cert = CKO_CERTIFICATE;

#define NCERT 3
static const char *const labels[NCERT] = { "t5122-c1", "t5122-c2", "t5122-c3" };
static const char ids[NCERT] = { 0x51, 0x52, 0x53 };
static unsigned char want[NCERT][4096];         /* pkcs15-tool's reading, DER */
static long want_len[NCERT];

/* The "> " lines of the token's trace after the first mark ones, copied into out (one
 * per line, at most cap bytes); how many there are. */
static long trace_since(long mark, char *out, size_t cap)
{
	const char *path = api_env(0, "TRACE");
	char line[8192];
	size_t used = 0;
	long n = 0, k = 0;
	FILE *fp;

	out[0] = '\0';
	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (line[0] != '>' || line[1] != ' ' || n++ < mark)
			continue;
		k++;
		if (used + strlen(line) + 1 < cap) {
			memcpy(out + used, line, strlen(line) + 1);
			used += strlen(line);
		}
	}
	fclose(fp);
	return k;
}

static CK_RV open_session(CK_SESSION_HANDLE *s)
{
	return f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, s);
}

/* The certificates the template finds (at most 8) into h; how many, or -1. */
static long find(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG nt, CK_OBJECT_HANDLE *h,
		 CK_RV *rv_out)
{
	CK_ULONG n = 0;
	CK_RV rv = f->C_FindObjectsInit(s, t, nt);

	if (rv_out != NULL)
		*rv_out = rv;
	if (rv != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, h, 8, &n) != CKR_OK)
		n = (CK_ULONG)-1;
	f->C_FindObjectsFinal(s);
	return (long)n;
}

/* The certificate labelled labels[i] (found by class and label: no value needed). */
static CK_OBJECT_HANDLE by_label(CK_SESSION_HANDLE s, int i)
{
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &c_cert, sizeof c_cert },
			     { CKA_LABEL, (void *)labels[i], (CK_ULONG)strlen(labels[i]) } };
	CK_OBJECT_HANDLE h[8];

	return find(s, t, 2, h, NULL) == 1 ? h[0] : CK_INVALID_HANDLE;
}

/* An attribute's value (a size query first, as applications do); its length or -1. */
static long get(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
		unsigned char *out, size_t cap, CK_RV *rv_out)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);

	if (rv == CKR_OK && a.ulValueLen <= cap) {
		a.pValue = out;
		rv = f->C_GetAttributeValue(s, h, &a, 1);
	}
	if (rv_out != NULL)
		*rv_out = rv;
	return rv == CKR_OK ? (long)a.ulValueLen : -1;
}

/* The DER of the tbsCertificate's fields of cert (a file in dir) as `openssl asn1parse`
 * finds them (depth 2: [0] version when not v1, serial, signature, issuer, validity,
 * subject ...). */
struct field {
	long off, len;
};
static int fields_of(const char *cert, struct field *serial, struct field *issuer,
		     struct field *subject)
{
	char line[1024];
	long off, l;
	int d, hl, k = 0;
	FILE *fp;

	snprintf(line, sizeof line, "openssl asn1parse -inform DER -in %s/%s", dir, cert);
	fp = popen(line, "r");
	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (sscanf(line, "%ld:d=%d hl=%d l=%ld", &off, &d, &hl, &l) != 4 || d != 2)
			continue;
		if (k == 0 && strstr(line, "cont [ 0 ]") != NULL)
			continue;       /* the version (absent in a v1 certificate) */
		if (k == 0)
			*serial = (struct field){ off, hl + l };
		else if (k == 2)
			*issuer = (struct field){ off, hl + l };
		else if (k == 4)
			*subject = (struct field){ off, hl + l };
		k++;
	}
	pclose(fp);
	if (k < 5)
		diag("asn1parse of %s: %d fields", cert, k);
	return k >= 5;
}

int main(int argc, char **argv)
{
	const char *reader;
	static char tr_find[1 << 16], tr[1 << 16], sel[NCERT][512];
	unsigned char v[4096], der[4096];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h[8], hc[NCERT];
	CK_ATTRIBUTE all[] = { { CKA_CLASS, &c_cert, sizeof c_cert } };
	struct field fs = { 0, 0 }, fi = { 0, 0 }, fsub = { 0, 0 };
	long n, len, fetch_apdus = 0, k;
	int i, bad_apdus = 0, reads_file = 0, faults = 0, wrong_rv = 0, sticky = 0, broke = 0;
	char cmd[64];
	CK_RV rv;

	(void)argc;
	f = api_opensc_start(argv, 300, dir, "t5122", &slot);
	reader = api_env(0, "READER");

	is_ulong(api_sh("cd %s && "
			"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
			"-nodes -keyout k1.pem -subj /CN=t5122-one -days 2 -set_serial 0x0A1B2C3D "
			"-out c1.crt 2>/dev/null && "
			"openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
			"-nodes -keyout k2.pem -subj '/CN=t5122-two/O=Scriptoki' -out c2.csr "
			"2>/dev/null && "
			"openssl x509 -req -in c2.csr -CA c1.crt -CAkey k1.pem "
			"-set_serial 0x7F00FF01 -days 2 -out c2.crt 2>/dev/null && "
			"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
			"-nodes -keyout k3.pem -subj /CN=t5122-three -days 2 -out c3.crt "
			"2>/dev/null", dir),
		 0, "openssl makes three certificates, the second issued by the first");
	for (i = 0; i < NCERT; i++) {
		if (!is_ulong(api_sh("cd %s && timeout 60 pkcs15-init --reader '%s' "
				     "--store-certificate c%d.crt --id %02X --label %s --pin %s "
				     ">out 2>&1", dir, reader, i + 1, (unsigned)ids[i], labels[i],
				     API_USER_PIN), 0, "pkcs15-init stores certificate %d", i + 1))
			api_sh("sed 's/^/#   /' %s/out >&2", dir);
		/* the independent reading of the card: OpenSC's tool, another process */
		is_ulong(api_sh("cd %s && timeout 60 pkcs15-tool --reader '%s' "
				"--read-certificate %02X 2>/dev/null "
				"| openssl x509 -outform DER -out p%d.der", dir, reader,
				(unsigned)ids[i], i + 1), 0,
			 "pkcs15-tool reads certificate %d back", i + 1);
		want_len[i] = api_get_file(dir, i == 0 ? "p1.der" : i == 1 ? "p2.der" : "p3.der",
					   want[i], sizeof want[i]);
		ok(want_len[i] > 100, "... %ld bytes of DER", want_len[i]);
	}
	api_sh("cd %s && openssl x509 -in c2.crt -outform DER -out c2.der", dir);

	/* 1. find and labels: no certificate's EF */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(open_session(&s), CKR_OK, "a session");
	n = api_apdus(0);
	is_ulong((CK_ULONG)find(s, all, 1, h, NULL), NCERT, "a search finds the three certificates");
	for (i = 0; i < NCERT; i++) {
		hc[i] = by_label(s, i);
		ok(hc[i] != CK_INVALID_HANDLE, "%s is found by its label", labels[i]);
		len = get(s, hc[i], CKA_ID, v, sizeof v, &rv);
		ok(len == 1 && v[0] == (unsigned char)ids[i], "... its CKA_ID %02X",
		   (unsigned)ids[i]);
	}
	for (k = 0; k < NCERT; k++) {
		len = get(s, h[k], CKA_LABEL, v, sizeof v, &rv);
		is_rv(rv, CKR_OK, "CKA_LABEL of the %ld. certificate found", k + 1);
	}
	len = trace_since(n, tr_find, sizeof tr_find);
	diag("find, the labels and IDs: %ld APDUs", len);
	ok(len > 0, "... the first look read the token");

	/* 2. CKA_VALUE reads that certificate's EF once */
	for (i = 0; i < NCERT; i++) {
		unsigned ins[64];
		long m = api_apdus(0), j, nsel = 0;

		len = get(s, hc[i], CKA_VALUE, v, sizeof v, &rv);
		is_rv(rv, CKR_OK, "%s: CKA_VALUE", labels[i]);
		ok(len == want_len[i] && memcmp(v, want[i], (size_t)len) == 0,
		   "... %ld bytes, what pkcs15-tool reads", len);
		k = api_ins_since(0, m, ins, 64);
		for (j = 0; j < k && j < 64; j++) {
			nsel += ins[j] == 0xA4;
			bad_apdus += ins[j] != 0xA4 && ins[j] != 0xB0;
		}
		ok(k >= 2 && nsel == 1, "... one SELECT and READ BINARY (%ld APDUs)", k);
		if (i == NCERT - 1)
			fetch_apdus = k;
		trace_since(m, tr, sizeof tr);
		sel[i][0] = '\0';
		sscanf(tr, "%511[^\n]", sel[i]);
		reads_file += sel[i][0] != '\0' && strstr(tr_find, sel[i]) != NULL;
		m = api_apdus(0);
		len = get(s, hc[i], CKA_VALUE, v, sizeof v, &rv);
		ok(rv == CKR_OK && len == want_len[i] && api_apdus(0) == m,
		   "... read again: the same, no APDU");
	}
	is_ulong(bad_apdus, 0, "the lazy reads send only SELECT and READ BINARY");
	ok(sel[0][0] && strcmp(sel[0], sel[1]) != 0 && strcmp(sel[1], sel[2]) != 0,
	   "each reads its own EF");
	is_ulong(reads_file, 0, "the search and the labels selected none of the certificates' EFs");
	n = api_apdus(0);
	is_ulong((CK_ULONG)find(s, all, 1, h, NULL), NCERT, "a search again");
	is_ulong(api_apdus(0) - n, 0, "... sends no APDU");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* 3. the fields first: CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER by openssl */
	len = api_get_file(dir, "c2.der", der, sizeof der);
	ok(len > 100 && fields_of("c2.der", &fs, &fi, &fsub),
	   "openssl asn1parse finds serial, issuer and subject of certificate 2");
	if (len <= 100)
		diag("c2.der: %ld bytes", len);
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(open_session(&s), CKR_OK, "a session");
	hc[1] = by_label(s, 1);
	n = api_apdus(0);
	len = get(s, hc[1], CKA_SUBJECT, v, sizeof v, &rv);
	is_rv(rv, CKR_OK, "CKA_SUBJECT of the second certificate, before its value");
	ok(api_apdus(0) > n, "... reads its EF (%ld APDUs)", api_apdus(0) - n);
	ok(len == fsub.len && memcmp(v, der + fsub.off, (size_t)len) == 0,
	   "... the subject openssl finds (%ld bytes)", len);
	len = get(s, hc[1], CKA_ISSUER, v, sizeof v, &rv);
	ok(rv == CKR_OK && len == fi.len && memcmp(v, der + fi.off, (size_t)len) == 0,
	   "CKA_ISSUER is the issuer openssl finds (%ld bytes)", len);
	ok(fi.len != fsub.len || memcmp(der + fi.off, der + fsub.off, (size_t)fi.len) != 0,
	   "... which is not its subject");
	len = get(s, hc[1], CKA_SERIAL_NUMBER, v, sizeof v, &rv);
	ok(rv == CKR_OK && len == fs.len && memcmp(v, der + fs.off, (size_t)len) == 0 &&
	   len == 6 && memcmp(v, "\x02\x04\x7F\x00\xFF\x01", 6) == 0,
	   "CKA_SERIAL_NUMBER is the serial's DER, 7F00FF01 as made");
	n = api_apdus(0);
	len = get(s, hc[1], CKA_VALUE, v, sizeof v, &rv);
	ok(rv == CKR_OK && len == want_len[1] && memcmp(v, want[1], (size_t)len) == 0 &&
	   api_apdus(0) == n, "CKA_VALUE then: pkcs15-tool's, no APDU");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* 4. a search by CKA_SUBJECT */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(open_session(&s), CKR_OK, "a session");
	{
		CK_ATTRIBUTE t[] = { { CKA_CLASS, &c_cert, sizeof c_cert },
				     { CKA_SUBJECT, der + fsub.off, (CK_ULONG)fsub.len } };
		CK_ATTRIBUTE u[] = { { CKA_SUBJECT, der + fi.off, (CK_ULONG)fi.len } };
		CK_ATTRIBUTE x[] = { { CKA_SUBJECT, "\x30\x00", 2 } };

		is_ulong((CK_ULONG)find(s, t, 2, h, NULL), 1,
			 "a search by class and the subject of certificate 2 finds one");
		len = get(s, h[0], CKA_LABEL, v, sizeof v, &rv);
		ok(len == 8 && memcmp(v, labels[1], 8) == 0, "... labelled %s", labels[1]);
		is_ulong((CK_ULONG)find(s, u, 1, h, NULL), 1,
			 "a search by the subject of certificate 1 (its issuer) finds one");
		len = get(s, h[0], CKA_LABEL, v, sizeof v, &rv);
		ok(len == 8 && memcmp(v, labels[0], 8) == 0, "... labelled %s", labels[0]);
		is_ulong((CK_ULONG)find(s, x, 1, h, NULL), 0, "an empty subject finds none");
	}
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* 5. a card fault at each APDU of a lazy read */
	diag("a lazy read: %ld APDUs", fetch_apdus);
	for (k = 1; k <= fetch_apdus; k++) {
		int which;

		for (which = 0; which < 2; which++) {
			CK_ATTRIBUTE t[] = { { CKA_CLASS, &c_cert, sizeof c_cert },
					     { CKA_SUBJECT, der + fsub.off, (CK_ULONG)fsub.len } };

			f->C_Initialize(NULL);
			open_session(&s);
			hc[2] = by_label(s, 2);
			hc[1] = by_label(s, 1);
			snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", k);
			api_ctl(0, cmd, NULL, 0);
			if (which == 0) {
				len = get(s, hc[2], CKA_VALUE, v, sizeof v, &rv);
			} else {
				/* only certificate 2's subject is wanted, but each lazy one
				 * is read: certificate 1 first */
				len = find(s, t, 2, h, &rv);
			}
			api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
			if (rv == CKR_OK) {
				diag("6F00 at APDU %ld (%s): CKR_OK", k, which ? "find" : "value");
				broke++;
			} else {
				faults++;
				if (rv != CKR_DEVICE_ERROR && rv != CKR_FUNCTION_FAILED) {
					diag("6F00 at APDU %ld: %s", k, sk_rv_name(rv));
					wrong_rv++;
				}
			}
			if (get(s, hc[2], CKA_LABEL, v, sizeof v, &rv) != 8 ||
			    memcmp(v, labels[2], 8) != 0)
				sticky++;
			if (which == 0) {
				len = get(s, hc[2], CKA_VALUE, v, sizeof v, &rv);
				if (len != want_len[2] || memcmp(v, want[2], (size_t)len) != 0)
					sticky++;
			} else if (find(s, t, 2, h, &rv) != 1 || h[0] != hc[1]) {
				sticky++;
			}
			f->C_Finalize(NULL);
		}
	}
	ok(fetch_apdus >= 2, "the lazy read's APDUs were counted (%ld)", fetch_apdus);
	is_ulong(broke, 0, "no fault during a lazy read gives CKR_OK");
	is_ulong(faults, 2 * fetch_apdus, "each fault fails its call");
	is_ulong(wrong_rv, 0, "... with CKR_DEVICE_ERROR or CKR_FUNCTION_FAILED");
	is_ulong(sticky, 0, "after a fault the object is usable and the next call reads it right");
	api_remove_dir(dir);
	return done_testing();
}
