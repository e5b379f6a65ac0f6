/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz.h — what every fuzz target of tests/fuzz/ defines: libFuzzer's entry point. The same
 * target source is linked either with libFuzzer (clang -fsanitize=fuzzer: make fuzz,
 * make fuzz-ci) or with replay.c, a plain main() that feeds it the files it is given (any
 * compiler: make check replays every kept corpus through it, tests/t7901-fuzz-corpus.t).
 *
 * A target returns 0; it reports a bug by crashing (abort() through fuzz_assert), which
 * libFuzzer and the sanitizers turn into a report and replay.c into a failed run.
 */
#ifndef SCRIPTOKI_FUZZ_H
#define SCRIPTOKI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test that the input broke. */
#define fuzz_assert(cond)                                                                   \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: fuzz_assert(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

#endif
