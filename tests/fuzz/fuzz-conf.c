/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-conf — the configuration file parser (runtime/conf.c). The input is the file's
 * text; the target reads each setting the module reads (and a key that is never there)
 * with buffers of several sizes, and checks what conf_get promises: a value it returns
 * is NUL-terminated, fits, is not empty and has no blank at either end, and no '#'.
 */
#include "fuzz.h"

#include "conf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int conf_fd = -1;

static void check_value(const char *key, size_t cap)
{
	char buf[300];
	size_t len;

	memset(buf, 0x5A, sizeof buf);
	if (!conf_get(NULL, key, buf, cap)) {
		fuzz_assert(buf[cap] == 0x5A);
		return;
	}
	len = strnlen(buf, cap);
	fuzz_assert(len < cap);
	fuzz_assert(len > 0);
	fuzz_assert(buf[cap] == 0x5A);
	fuzz_assert(!isspace((unsigned char)buf[0]) && !isspace((unsigned char)buf[len - 1]));
	fuzz_assert(strchr(buf, '#') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "scripts", "exclusive", "absent", "" };
	static const size_t caps[] = { 1, 2, 16, 256 };
	char path[64];
	size_t k, c;

	if (conf_fd < 0) {
		conf_fd = memfd_create("fuzz-conf", MFD_CLOEXEC);
		fuzz_assert(conf_fd >= 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", conf_fd);
		setenv("SCRIPTOKI_CONF", path, 1);
		unsetenv("SCRIPTOKI_EXCLUSIVE");
	}
	fuzz_assert(ftruncate(conf_fd, 0) == 0);
	fuzz_assert(pwrite(conf_fd, data, size, 0) == (ssize_t)size);
	for (k = 0; k < sizeof keys / sizeof *keys; k++)
		for (c = 0; c < sizeof caps / sizeof *caps; c++)
			check_value(keys[k], caps[c]);
	k = (size_t)conf_flag(NULL, "exclusive");
	fuzz_assert(k == 0 || k == 1);
	return 0;
}
