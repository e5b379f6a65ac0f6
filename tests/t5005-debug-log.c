/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5005 — the debug log: off by default (nothing written anywhere); SCRIPTOKI_DEBUG=2
 * with SCRIPTOKI_DEBUG_FILE logs every call and its result to that file; standard
 * output stays untouched in every case; a PIN passed to the module never appears.
 * Each case runs in a child whose standard output and error are pipes we read back.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "module.h"
#include "tap.h"

#define PIN "31415926"

static void exercise(void)
{
	void *h = module_open();
	CK_FUNCTION_LIST_PTR f = module_functions(h);
	CK_C_GetInterface get = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
	CK_VERSION v32 = { 3, 2 };
	CK_INTERFACE_PTR itf = NULL;
	CK_INFO info;

	f->C_GetInfo(&info);             /* not initialised: an error */
	f->C_Initialize(NULL);
	f->C_GetInfo(&info);
	f->C_Login(0, CKU_USER, (CK_UTF8CHAR_PTR)PIN, 8);   /* no such session */
	/* a stub (every function of 2.40 is implemented: one of 3.2's) */
	if (get != NULL && get((CK_UTF8CHAR_PTR) "PKCS 11", &v32, &itf, 0) == CKR_OK && itf != NULL)
		((CK_FUNCTION_LIST_3_2_PTR)itf->pFunctionList)
			->C_EncapsulateKey(0, NULL, 0, NULL, 0, NULL, NULL, NULL);
	f->C_InitToken(0, (CK_UTF8CHAR_PTR)PIN, 8,           /* pLabel: 32 bytes, padded */
		       (CK_UTF8CHAR_PTR) "label                           ");
	f->C_Finalize(NULL);
}

static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return (ssize_t)n;
}

/* run exercise() in a child with the given environment; collect its stdout and stderr */
static int run(const char *level, const char *file, char *out, char *err, size_t cap)
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
		if (level)
			setenv("SCRIPTOKI_DEBUG", level, 1);
		else
			unsetenv("SCRIPTOKI_DEBUG");
		if (file)
			setenv("SCRIPTOKI_DEBUG_FILE", file, 1);
		else
			unsetenv("SCRIPTOKI_DEBUG_FILE");
		exercise();
		fflush(stdout);
		_exit(0);
	}
	close(po[1]);
	close(pe[1]);
	read_all(po[0], out, cap);
	read_all(pe[0], err, cap);
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
	static char out[65536], err[65536], log[65536];
	char path[] = "/tmp/scriptoki-t5005-XXXXXX";
	struct stat sb;
	int fd = mkstemp(path);

	if (fd < 0) {
		printf("Bail out! mkstemp\n");
		return 255;
	}
	close(fd);
	unlink(path);

	is_ulong(run(NULL, path, out, err, sizeof out), 0, "default run");
	ok(out[0] == '\0' && err[0] == '\0', "off by default: nothing on stdout or stderr");
	ok(stat(path, &sb) != 0, "off by default: the log file is not even created");

	is_ulong(run("2", path, out, err, sizeof out), 0, "SCRIPTOKI_DEBUG=2 to a file");
	ok(out[0] == '\0', "nothing on stdout");
	ok(err[0] == '\0', "nothing on stderr when a file is named");
	fd = open(path, O_RDONLY);
	read_all(fd, log, sizeof log);
	close(fd);
	ok(strstr(log, "C_GetInfo = CKR_CRYPTOKI_NOT_INITIALIZED") != NULL,
	   "a failed call is logged with its CKR name");
	ok(strstr(log, "C_Initialize = CKR_OK") != NULL, "a successful call is logged at level 2");
	ok(strstr(log, "C_Login = CKR_SESSION_HANDLE_INVALID") != NULL, "a refused call is logged");
	ok(strstr(log, "C_EncapsulateKey = CKR_FUNCTION_NOT_SUPPORTED") != NULL, "a stub is logged");
	ok(strstr(log, PIN) == NULL, "the PIN passed to C_Login and C_InitToken is not in the log");
	unlink(path);

	is_ulong(run("1", NULL, out, err, sizeof out), 0, "SCRIPTOKI_DEBUG=1 to stderr");
	ok(out[0] == '\0', "nothing on stdout");
	ok(strstr(err, "C_GetInfo = CKR_CRYPTOKI_NOT_INITIALIZED") != NULL, "errors go to stderr");
	ok(strstr(err, "C_Initialize = CKR_OK") == NULL, "level 1 leaves successful calls out");
	ok(strstr(err, PIN) == NULL, "no PIN on stderr");

	is_ulong(run("junk", NULL, out, err, sizeof out), 0, "SCRIPTOKI_DEBUG=junk");
	ok(out[0] == '\0' && strcmp(err, "scriptoki: SCRIPTOKI_DEBUG: \"junk\" is not a level "
					   "(0 to 3); the debug log stays off\n") == 0,
	   "a malformed level keeps the log off and is reported once (t5008 has the rest)");
	return done_testing();
}
