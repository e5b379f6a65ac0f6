/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap.h — a tiny TAP producer for Scriptoki's compiled tests.
 *
 *   ok(cond, "name %d", i);          one test point
 *   is_rv(got, want, "name");        compares CK_RV values, prints CKR_* names on failure
 *   is_ulong(got, want, "name");     compares unsigned longs
 *   is_str(got, want, "name");
 *   diag("free text %s", x);         a '#' line on stderr
 *   skip_all("reason");              "1..0 # SKIP reason" and exit 0
 *   return done_testing();           prints the plan, exit status = failures (max 254)
 *
 * Failures print file:line. Header-only: every function is static.
 * CK_RV names come from tap_rv_name(), which a test may define before including this
 * header (#define TAP_RV_NAME my_lookup) to use the generated name table.
 */
#ifndef SCRIPTOKI_TAP_H
#define SCRIPTOKI_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_run;
static int tap_failed;

#if defined(__GNUC__)
#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TAP_PRINTF(a, b)
#endif

static inline void tap_vresult(int pass, const char *file, int line, const char *fmt, va_list ap)
{
	va_list again;

	tap_run++;
	if (!pass)
		tap_failed++;
	va_copy(again, ap);
	printf("%sok %d - ", pass ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	if (!pass) {
		/* on stderr too, which prove shows without -v: a CI log then says what
		 * failed, not only where */
		fprintf(stderr, "#   failed test %d: ", tap_run);
		vfprintf(stderr, fmt, again);
		fprintf(stderr, "\n#   failed at %s:%d\n", file, line);
	}
	va_end(again);
}

TAP_PRINTF(4, 5)
static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

TAP_PRINTF(1, 2)
static inline void diag(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "# ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

#ifndef TAP_RV_NAME
static const char *tap_rv_name_default(unsigned long rv)
{
	static char buf[32];
	snprintf(buf, sizeof buf, "0x%08lx", rv);
	return buf;
}
#define TAP_RV_NAME tap_rv_name_default
#endif

TAP_PRINTF(5, 6)
static inline int tap_is_rv(unsigned long got, unsigned long want, const char *file, int line,
		     const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;
	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		fprintf(stderr, "#   got:      %s\n", TAP_RV_NAME(got));
		fprintf(stderr, "#   expected: %s\n", TAP_RV_NAME(want));
	}
	return pass;
}

TAP_PRINTF(5, 6)
static inline int tap_is_ulong(unsigned long got, unsigned long want, const char *file, int line,
			const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;
	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		fprintf(stderr, "#   got: %lu (0x%lx)\n#   expected: %lu (0x%lx)\n", got, got,
			want, want);
	return pass;
}

TAP_PRINTF(5, 6)
static inline int tap_is_str(const char *got, const char *want, const char *file, int line,
		      const char *fmt, ...)
{
	va_list ap;
	int pass = got && want && strcmp(got, want) == 0;
	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		fprintf(stderr, "#   got: '%s'\n#   expected: '%s'\n", got ? got : "(null)",
			want ? want : "(null)");
	return pass;
}

static inline void skip_all(const char *reason)
{
	printf("1..0 # SKIP %s\n", reason);
	exit(0);
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_run);
	if (tap_failed)
		diag("%d of %d tests failed", tap_failed, tap_run);
	return tap_failed > 254 ? 254 : tap_failed;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_rv(got, want, ...) \
	tap_is_rv((unsigned long)(got), (unsigned long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_ulong(got, want, ...) \
	tap_is_ulong((unsigned long)(got), (unsigned long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

#endif
