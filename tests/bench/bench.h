/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench.h — the benchmark's cases.
 *
 * A case is one operation measured on one target (a PC/SC reader, or a token through a
 * PKCS#11 module). The driver (bench.c) calls open() once, run() for every
 * iteration (warm-up first, then the timed ones, interleaved round by round with the other
 * cases so that they share the machine's load), and close() at the end. A case may name
 * another case as its floor; the table then prints the ratio of the two.
 */
#ifndef SCRIPTOKI_BENCH_H
#define SCRIPTOKI_BENCH_H

#include <stddef.h>

struct bench_case {
	const char *operation;  /* first column, e.g. "GET DATA serial (APDU)" */
	const char *target;     /* second column, e.g. "virtual token" */
	const char *floor;      /* target of the case this one is compared to, or NULL */
	/* Prepare; returns 0, or -1 with a message in err. *state is the case's own. */
	int (*open)(void **state, const char *arg, char *err, size_t errlen);
	/* One operation; returns 0, or -1 with a message in err. */
	int (*run)(void *state, char *err, size_t errlen);
	void (*close)(void *state);
	const char *arg;        /* given to open(): a reader name, a module path … */
};

/* PC/SC: SCardTransmit of GET DATA (serial number) to the reader named by arg. */
int bench_pcsc_open(void **state, const char *reader, char *err, size_t errlen);
int bench_pcsc_get_serial(void *state, char *err, size_t errlen);
void bench_pcsc_close(void *state);

/* PKCS#11: arg is "MODULE-PATH|OPERATION" (sign, verify, tokeninfo) on token 0's key 01. */
int bench_p11_open(void **state, const char *arg, char *err, size_t errlen);
int bench_p11_run(void *state, char *err, size_t errlen);
void bench_p11_close(void *state);

/* Shared by the cases and modes (bench.c): a monotonic clock in nanoseconds, qsort's
 * comparison of doubles, the nearest-rank percentile p (0..100) of n sorted values. */
double bench_now_ns(void);
int bench_cmp_double(const void *a, const void *b);
double bench_percentile(const double *v, long n, double p);

#endif
