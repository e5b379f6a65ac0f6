/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench — round-trip times through the rig, printed as a table.
 *
 *   bench [--iterations N] [--warmup N] [--rounds N] [--reader READER] [--floor READER]
 *   bench --modules SCRIPTOKI.so OTHER.so [--iterations N] ...
 *   bench --scoreboard --module NAME=PATH ...      (bench-score.c: the scoreboard)
 *   bench --find-login-find MODULE.so PIN          (bench-flf.c: for apdu-counts)
 *   bench --warm-sign MODULE.so PIN [--iterations N] (bench-warm.c: for apdu-counts)
 *
 * Runs inside tests/rig/with-tokens --echo: the target reader defaults to $VTOKEN0_READER
 * (the virtual token), the floor to $RESPONDER_READER (vpcd-echo, which answers 90 00 at
 * once: what the PC/SC stack itself costs). Every case gets the same number of timed
 * iterations after its warm-up; the cases take turns in rounds, so a change in the
 * machine's load hits all of them alike. Prints median, 99th percentile, operations per
 * second and, for a case with a baseline, the ratio to it. Makes no judgement: exit status 0
 * unless an operation failed.
 *
 * With --modules, the rows are PKCS#11 operations instead — a warm SHA256-RSA-PKCS
 * signature, its verification, C_GetTokenInfo — on the same token and key through
 * Scriptoki's module and through another module (OpenSC's), which is the baseline.
 *
 * Add a row: write open/run/close functions (bench.h) and add the case in main().
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CASES 16

struct row {
	const struct bench_case *c;
	void *state;
	double *ns;             /* one duration per timed iteration */
	long n;
	double total_ns;
	double median, p99;     /* µs */
};

double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
double bench_percentile(const double *v, long n, double p)
{
	long k = (long)(p / 100.0 * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static long parse_count(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > 10000000) {
		fprintf(stderr, "bench: %s: a count from 1 to 10000000\n", what);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench [--iterations N] [--warmup N] [--rounds N] "
			"[--reader READER] [--floor READER] [--modules SCRIPTOKI.so OTHER.so]\n");
	exit(2);
}

int bench_score_main(int argc, char **argv);
int bench_flf_main(int argc, char **argv);
int bench_warm_main(int argc, char **argv);

int main(int argc, char **argv)
{
	static struct bench_case cases[MAX_CASES];
	static struct row rows[MAX_CASES];
	long iterations = 5000, warmup = 500, rounds = 0, it, r;
	const char *reader = getenv("VTOKEN0_READER");
	const char *floor_reader = getenv("RESPONDER_READER");
	const char *mod_ours = NULL, *mod_other = NULL;
	static char args[3][2][600];
	static const char *const p11_ops[3][2] = {
		{ "C_Sign SHA256-RSA 2048", "sign" },
		{ "C_Verify SHA256-RSA 2048", "verify" },
		{ "C_GetTokenInfo", "tokeninfo" },
	};
	char err[256] = "";
	int ncases = 0, i, j, rv = 1;

	if (argc > 1 && strcmp(argv[1], "--scoreboard") == 0)
		return bench_score_main(argc, argv);     /* bench-score.c */
	if (argc > 1 && strcmp(argv[1], "--find-login-find") == 0)
		return bench_flf_main(argc, argv);       /* bench-flf.c */
	if (argc > 1 && strcmp(argv[1], "--warm-sign") == 0)
		return bench_warm_main(argc, argv);      /* bench-warm.c */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
			iterations = parse_count(argv[++i], "--iterations");
		else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
			warmup = parse_count(argv[++i], "--warmup");
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = parse_count(argv[++i], "--rounds");
		else if (strcmp(argv[i], "--reader") == 0 && i + 1 < argc)
			reader = argv[++i];
		else if (strcmp(argv[i], "--floor") == 0 && i + 1 < argc)
			floor_reader = argv[++i];
		else if (strcmp(argv[i], "--modules") == 0 && i + 2 < argc) {
			mod_ours = argv[++i];
			mod_other = argv[++i];
		}
		else
			usage();
	}
	if (!reader || !*reader) {
		fprintf(stderr, "bench: no reader: run inside tests/rig/with-tokens, or --reader\n");
		return 2;
	}
	/* Short turns (10 operations each by default): a burst of load on this shared
	 * machine then lands on every row alike instead of on one. */
	if (rounds == 0)
		rounds = (iterations + 9) / 10;
	if (rounds > iterations)
		rounds = iterations;

	if (mod_ours != NULL) {
		/* PKCS#11 operations: Scriptoki, with the other module as the baseline */
		for (j = 0; j < 3; j++) {
			snprintf(args[j][0], sizeof args[j][0], "%s|%s", mod_ours, p11_ops[j][1]);
			snprintf(args[j][1], sizeof args[j][1], "%s|%s", mod_other, p11_ops[j][1]);
			cases[ncases++] = (struct bench_case){
				.operation = p11_ops[j][0], .target = "Scriptoki",
				.floor = "OpenSC", .open = bench_p11_open, .run = bench_p11_run,
				.close = bench_p11_close, .arg = args[j][0],
			};
			cases[ncases++] = (struct bench_case){
				.operation = p11_ops[j][0], .target = "OpenSC",
				.open = bench_p11_open, .run = bench_p11_run,
				.close = bench_p11_close, .arg = args[j][1],
			};
		}
		goto run;
	}

	/* The rows: one APDU to the token, next to the floor of the PC/SC stack. */
	cases[ncases++] = (struct bench_case){
		.operation = "GET DATA serial (APDU)", .target = "virtual token",
		.floor = "floor (vpcd-echo)", .open = bench_pcsc_open,
		.run = bench_pcsc_get_serial, .close = bench_pcsc_close, .arg = reader,
	};
	if (floor_reader && *floor_reader)
		cases[ncases++] = (struct bench_case){
			.operation = "GET DATA serial (APDU)", .target = "floor (vpcd-echo)",
			.open = bench_pcsc_open, .run = bench_pcsc_get_serial,
			.close = bench_pcsc_close, .arg = floor_reader,
		};

run:
	for (i = 0; i < ncases; i++) {
		rows[i].c = &cases[i];
		rows[i].ns = calloc((size_t)iterations, sizeof *rows[i].ns);
		if (!rows[i].ns) {
			fprintf(stderr, "bench: out of memory\n");
			goto out;
		}
		if (cases[i].open(&rows[i].state, cases[i].arg, err, sizeof err) < 0)
			goto fail;
		for (it = 0; it < warmup; it++)
			if (cases[i].run(rows[i].state, err, sizeof err) < 0)
				goto fail;
	}
	for (r = 0; r < rounds; r++) {
		long upto = iterations * (r + 1) / rounds;

		/* Every other round in reverse order (A B, B A, …): whoever goes first in a
		 * turn was measured to gain a few per cent. */
		for (j = 0; j < ncases; j++) {
			struct row *row;

			i = r % 2 ? ncases - 1 - j : j;
			row = &rows[i];
			for (; row->n < upto; row->n++) {
				double t0 = bench_now_ns(), t1;

				if (row->c->run(row->state, err, sizeof err) < 0) {
					j = i;
					goto fail_row;
				}
				t1 = bench_now_ns();
				row->ns[row->n] = t1 - t0;
				row->total_ns += t1 - t0;
			}
		}
	}

	if (mod_ours != NULL)
		printf("PKCS#11 operations on the same virtual token and RSA-2048 key, through each "
		       "module;\n%ld timed iterations per row (after %ld warm-up), the rows taking "
		       "turns in %ld rounds.\n\n", iterations, warmup, rounds);
	else
		printf("Round trips through libpcsclite -> pcscd -> vpcd -> card, %ld timed "
		       "iterations per row\n(after %ld warm-up), the rows taking turns in %ld "
		       "rounds.\n\n", iterations, warmup, rounds);
	printf("%-26s %-18s %6s %10s %10s %8s   %s\n", "operation", "target", "n", "median us",
	       "p99 us", "ops/s", "ratio to baseline (median, p99)");
	for (i = 0; i < ncases; i++) {
		struct row *row = &rows[i];

		qsort(row->ns, (size_t)row->n, sizeof *row->ns, bench_cmp_double);
		row->median = bench_percentile(row->ns, row->n, 50) / 1e3;
		row->p99 = bench_percentile(row->ns, row->n, 99) / 1e3;
	}
	for (i = 0; i < ncases; i++) {
		struct row *row = &rows[i], *fl = NULL;

		for (j = 0; row->c->floor && j < ncases; j++)
			if (strcmp(rows[j].c->target, row->c->floor) == 0 &&
			    strcmp(rows[j].c->operation, row->c->operation) == 0)
				fl = &rows[j];
		printf("%-26s %-18s %6ld %10.1f %10.1f %8.0f", row->c->operation, row->c->target,
		       row->n, row->median, row->p99, (double)row->n / (row->total_ns / 1e9));
		if (fl)
			printf("   %.2fx, %.2fx", row->median / fl->median, row->p99 / fl->p99);
		printf("\n");
	}
	rv = 0;
	goto out;
fail:
	j = i;
fail_row:
	fprintf(stderr, "bench: %s on %s: %s\n", cases[j].operation, cases[j].target, err);
	rv = 1;
out:
	for (i = 0; i < ncases; i++) {
		if (rows[i].state)
			cases[i].close(rows[i].state);
		free(rows[i].ns);
	}
	return rv;
}
