/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tsan.h — ThreadSanitizer suppressions for tests that run the module from several threads,
 * for a SANITIZE=thread build (harmless otherwise: nothing calls this function). TSan asks
 * the program for them at start, so they hold in every re-execution of the test too.
 *
 * Only library noise, each for a reason (the same one tests/api/helgrind.supp gives for
 * helgrind):
 *
 *  - called_from_lib:libpcsclite.so — libpcsclite (1.9.x, winscard_clnt.c) keeps one
 *    process-wide array of reader states, refreshed from pcscd with read() on whichever
 *    SCARDCONTEXT asks, under that context's own mutex. The module gives each user that
 *    may block its own context, as pcsc-lite asks (runtime/pcsc.h), so two contexts in two
 *    threads are normal use, and two read()s into that array race inside the library, on
 *    the library's own static data. called_from_lib silences only what TSan's interceptors
 *    (read, memcpy...) see when libpcsclite itself calls them; a race on the module's own
 *    data, in the module's code, is still reported and fails the test.
 */
#ifndef SCRIPTOKI_TEST_TSAN_H
#define SCRIPTOKI_TEST_TSAN_H

const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:libpcsclite.so\n";
}

#endif
