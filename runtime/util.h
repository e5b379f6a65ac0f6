/* SPDX-License-Identifier: BSD-2-Clause */
/* util.h — small helpers shared by the runtime. */
#ifndef SCRIPTOKI_UTIL_H
#define SCRIPTOKI_UTIL_H

#include <stddef.h>

/*
 * A thread-local that every call reads (the entry gate, the session of the call, the
 * reader lock's counter, the APDU trace): the initial-exec TLS model, so that an access is
 * one instruction instead of a call to __tls_get_addr, the default for a module loaded
 * with dlopen() (about a tenth of a cached search's instructions, callgrind). glibc keeps
 * static TLS room for modules loaded later (its tunable glibc.rtld.optional_static_tls,
 * 512 bytes by default); these use under 100 bytes of it. Large thread-locals stay with
 * the default model.
 */
#define UTIL_TLS_HOT __attribute__((tls_model("initial-exec")))

/* Copy src into a fixed Cryptoki text field of len bytes: blank-padded, not terminated. */
void util_pad(unsigned char *dst, size_t len, const char *src);

#endif
