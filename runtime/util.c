/* SPDX-License-Identifier: BSD-2-Clause */
/* util.c — small helpers shared by the runtime; see util.h. */
#include "util.h"

#include <string.h>

const unsigned char util_zeros[UTIL_ZEROS];

void util_pad(unsigned char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n > len)
		n = len;
	memset(dst, ' ', len);
	memcpy(dst, src, n);
}
