/* SPDX-License-Identifier: BSD-2-Clause */
/* util.h — small helpers shared by the runtime. */
#ifndef SCRIPTOKI_UTIL_H
#define SCRIPTOKI_UTIL_H

#include <stddef.h>

/* Copy src into a fixed Cryptoki text field of len bytes: blank-padded, not terminated. */
void util_pad(unsigned char *dst, size_t len, const char *src);

#endif
