/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_debug_log.h — for the lb tests that show a secret never reaches the debug log (t2009,
 * t2022, t2029): what could log it runs in a child process at SCRIPTOKI_DEBUG=3 (card
 * traffic logged), and the parent searches the log the child wrote. Include after
 * lb_test.h.
 *
 *   lb_debug_log(run, arg, buf, cap)  run(arg) in a child whose debug log is
 *                                     tmp_dir/debug.log (make_tmp_dir first); that log into
 *                                     buf (cap bytes, NUL-terminated); 1 when the child
 *                                     exited with 0
 *   contains(hay, needle)             needle is in hay
 *   contains_hex(hay, s, spaced)      s's bytes are in hay as upper-case hex, "39 37 35"
 *                                     (spaced) or "393735": the forms a PIN could take
 */
#ifndef SCRIPTOKI_LB_DEBUG_LOG_H
#define SCRIPTOKI_LB_DEBUG_LOG_H

#include <sys/wait.h>

#include "log.h"

__attribute__((unused)) static int lb_debug_log(void (*run)(const void *arg), const void *arg,
						char *buf, size_t cap)
{
	char logfile[300];
	int status = -1;
	size_t n;
	FILE *fp;
	pid_t pid;

	snprintf(logfile, sizeof logfile, "%s/debug.log", tmp_dir);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("SCRIPTOKI_DEBUG", "3", 1);
		setenv("SCRIPTOKI_DEBUG_FILE", logfile, 1);
		log_reset_after_fork();
		run(arg);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	fp = fopen(logfile, "r");
	n = fp ? fread(buf, 1, cap - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = '\0';
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

__attribute__((unused)) static int contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

__attribute__((unused)) static int contains_hex(const char *hay, const char *s, int spaced)
{
	char hex[64] = "";
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && o < sizeof hex; i++)
		o += (size_t)snprintf(hex + o, sizeof hex - o, spaced && i ? " %02X" : "%02X",
				      (unsigned char)s[i]);
	return contains(hay, hex);
}

#endif
