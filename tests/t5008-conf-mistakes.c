/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5008 — configuration mistakes are reported, once per process, and cost nothing else:
 * each bad line of the file (an unknown key, an unknown value, a line without "="), a
 * SCRIPTOKI_CONF naming a missing file, SCRIPTOKI_DEBUG=yes, an unwritable
 * SCRIPTOKI_DEBUG_FILE and SCRIPTOKI_EXCLUSIVE=maybe each give one line
 * "scriptoki: ..." on standard error (with FILE:LINE for the file) and in the debug log
 * when that is a file; C_Initialize still succeeds, twice in the same process, and the
 * second time says nothing; standard output stays empty; a good file says nothing.
 * Each case runs in a child whose standard output and error are pipes we read back.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "module.h"
#include "tap.h"

static char dir[256];

static void exercise(void)
{
	void *h = module_open();
	CK_FUNCTION_LIST_PTR f = module_functions(h);
	CK_INFO info;
	CK_ULONG n = 0;
	int bad = 0;

	/* the module keeps working: two rounds, every call succeeds */
	for (int round = 0; round < 2; round++) {
		bad |= f->C_Initialize(NULL) != CKR_OK;
		bad |= f->C_GetInfo(&info) != CKR_OK;
		bad |= f->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_OK;
		bad |= f->C_Finalize(NULL) != CKR_OK;
	}
	_exit(bad ? 3 : 0);
}

static void read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
}

/* env: NAME=VALUE pairs, NULL-terminated; returns the child's exit status */
static int run(const char *const *env, char *out, char *err, size_t cap)
{
	int po[2], pe[2], st;
	pid_t pid;

	if (pipe(po) || pipe(pe))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		unsetenv("SCRIPTOKI_DEBUG");
		unsetenv("SCRIPTOKI_DEBUG_FILE");
		unsetenv("SCRIPTOKI_EXCLUSIVE");
		unsetenv("SCRIPTOKI_SCRIPTS");
		unsetenv("SCRIPTOKI_CONF");
		/* no pcscd: the slot list is empty, which is what we want here */
		setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm", 1);
		for (; *env != NULL; env += 2)
			setenv(env[0], env[1], 1);
		exercise();
	}
	close(po[1]);
	close(pe[1]);
	read_all(po[0], out, cap);
	read_all(pe[0], err, cap);
	close(po[0]);
	close(pe[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static int lines(const char *s)
{
	return count(s, "\n");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(255);
	}
}

int main(void)
{
	static char out[65536], err[65536], want[600], logbuf[65536];
	char conf[300], good[300], logf[300];
	int st;

	snprintf(dir, sizeof dir, "%s/t5008.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 255;
	}
	snprintf(conf, sizeof conf, "%s/bad.conf", dir);
	snprintf(good, sizeof good, "%s/good.conf", dir);
	snprintf(logf, sizeof logf, "%s/debug.log", dir);
	write_file(conf, "# a comment\n"
			 "\n"
			 "exclusiv = yes\n"
			 "exclusive = maybe\n"
			 "this line has no equals sign\n"
			 "scripts =\n");

	{
		const char *env[] = { "SCRIPTOKI_CONF", conf, "SCRIPTOKI_DEBUG", "1",
				      "SCRIPTOKI_DEBUG_FILE", logf, NULL };
		st = run(env, out, err, sizeof out);
		is_ulong(st, 0, "a file full of mistakes: every call still succeeds");
		is_str(out, "", "... nothing on standard output");
		snprintf(want, sizeof want, "scriptoki: %s:3: unknown key \"exclusiv\"\n", conf);
		ok(count(err, want) == 1, "... line 3: unknown key, once, with FILE:LINE");
		snprintf(want, sizeof want, "scriptoki: %s:4: unknown value \"maybe\"", conf);
		ok(count(err, want) == 1, "... line 4: unknown value, once");
		snprintf(want, sizeof want, "scriptoki: %s:5: not a \"key = value\" line", conf);
		ok(count(err, want) == 1, "... line 5: no '=', once");
		snprintf(want, sizeof want, "scriptoki: %s:6: no value for \"scripts\"", conf);
		ok(count(err, want) == 1, "... line 6: no value, once");
		is_ulong((unsigned long)lines(err), 4, "... four lines on standard error, no more "
			 "(two C_Initialize in one process)");
		if (lines(err) != 4)
			diag("stderr: %s", err);
		{
			int fd = open(logf, O_RDONLY);

			logbuf[0] = '\0';
			if (fd >= 0) {
				read_all(fd, logbuf, sizeof logbuf);
				close(fd);
			}
			ok(strstr(logbuf, "unknown key \"exclusiv\"") != NULL &&
				   strstr(logbuf, "unknown value \"maybe\"") != NULL,
			   "... and the debug log file has them too");
		}
	}
	{
		const char *env[] = { "SCRIPTOKI_CONF", good, NULL };
		write_file(good, "# the defaults, spelt out\nexclusive = no   # shared access\n"
				 "\n   # indented comment\n");
		st = run(env, out, err, sizeof out);
		is_ulong(st, 0, "a good file: every call succeeds");
		is_str(err, "", "... and nothing is said");
	}
	{
		char missing[300];
		const char *env[] = { "SCRIPTOKI_CONF", missing, NULL };

		snprintf(missing, sizeof missing, "%s/missing.conf", dir);
		st = run(env, out, err, sizeof out);
		is_ulong(st, 0, "SCRIPTOKI_CONF names a missing file: every call succeeds");
		snprintf(want, sizeof want, "scriptoki: %s: cannot read the configuration file",
			 missing);
		ok(count(err, want) == 1 && lines(err) == 1, "... said once on standard error");
	}
	{
		const char *env[] = { "SCRIPTOKI_CONF", good, "SCRIPTOKI_DEBUG", "yes", NULL };
		st = run(env, out, err, sizeof out);
		is_ulong(st, 0, "SCRIPTOKI_DEBUG=yes: every call succeeds");
		ok(count(err, "scriptoki: SCRIPTOKI_DEBUG: \"yes\" is not a level") == 1 &&
			   lines(err) == 1,
		   "... said once, and the log stays off (nothing else on standard error)");
		if (lines(err) != 1)
			diag("stderr: %s", err);
	}
	{
		char unwritable[300];
		const char *env[] = { "SCRIPTOKI_CONF", good, "SCRIPTOKI_DEBUG", "2",
				      "SCRIPTOKI_DEBUG_FILE", unwritable, NULL };

		snprintf(unwritable, sizeof unwritable, "%s/no/such/folder/debug.log", dir);
		st = run(env, out, err, sizeof out);
		is_ulong(st, 0, "an unwritable SCRIPTOKI_DEBUG_FILE: every call succeeds");
		ok(count(err, "scriptoki: SCRIPTOKI_DEBUG_FILE: cannot open") == 1 &&
			   lines(err) == 1,
		   "... said once; no log lines on standard error instead");
		if (lines(err) != 1)
			diag("stderr: %s", err);
	}
	{
		const char *env[] = { "SCRIPTOKI_CONF", good, "SCRIPTOKI_EXCLUSIVE", "maybe", NULL };
		st = run(env, out, err, sizeof out);
		is_ulong(st, 0, "SCRIPTOKI_EXCLUSIVE=maybe: every call succeeds");
		ok(count(err, "scriptoki: SCRIPTOKI_EXCLUSIVE: unknown value \"maybe\"") == 1 &&
			   lines(err) == 1, "... said once");
	}
	unlink(conf);
	unlink(good);
	unlink(logf);
	rmdir(dir);
	return done_testing();
}
