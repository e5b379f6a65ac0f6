/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5128 — the module unloaded while a thread that called it lives on. A thread that has
 * called in holds thread keys of the module's (its own counter of the entry gate and of
 * the session table's lock, the memory of its last operation), whose destructors are the
 * module's code; dlclose() must delete the keys, or the thread's end jumps into a library
 * that is no longer mapped.
 *
 * Each round runs in a child process, so that such a crash is a failed assertion here: a
 * thread calls C_GetInfo, opens a session, digests, searches, closes the session and
 * waits; the main thread calls C_Finalize and dlclose() (the module must then be gone:
 * dlopen with RTLD_NOLOAD finds nothing, or the round proves nothing and says so); then
 * the thread ends, and the module is loaded and used again. Rounds with 1, 3 and 20
 * threads (beyond the 16 counters threads own: the shared ones too).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, go;
static atomic_int failed;

/* The work of a thread that then outlives the module. */
static void *caller(void *arg)
{
	static const CK_BYTE abc[] = "abc";
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE want = { CKA_CLASS, &cls, sizeof cls };
	CK_BYTE out[32];
	CK_ULONG n = sizeof out;
	CK_OBJECT_HANDLE found[4];
	CK_SESSION_HANDLE h;
	CK_INFO info;

	(void)arg;
	if (f->C_GetInfo(&info) != CKR_OK || f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL,
							       NULL, &h) != CKR_OK)
		atomic_fetch_add(&failed, 1);
	else {
		if (f->C_DigestInit(h, &sha) != CKR_OK ||
		    f->C_Digest(h, (CK_BYTE_PTR)abc, 3, out, &n) != CKR_OK || n != 32 ||
		    f->C_FindObjectsInit(h, &want, 1) != CKR_OK ||
		    f->C_FindObjects(h, found, 4, &n) != CKR_OK || f->C_FindObjectsFinal(h) != CKR_OK)
			atomic_fetch_add(&failed, 1);
		if (f->C_CloseSession(h) != CKR_OK)
			atomic_fetch_add(&failed, 1);
	}
	pthread_mutex_lock(&mu);
	ready++;
	pthread_cond_broadcast(&cv);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;    /* the thread's keys' destructors run now, after the dlclose */
}

/* Load, initialise, find token 0's slot: 0 on success. */
static int load(void **h)
{
	*h = module_open();
	f = module_functions(*h);
	if (f->C_Initialize(NULL) != CKR_OK)
		return 1;
	return api_slot_of(f, 0, &slot) != CKR_OK;
}

/*
 * The child's round: exit status 0 all well, 1 a call failed, 2 the module stayed loaded
 * after dlclose (nothing shown), 3 the module could not be used again.
 */
static int round_in_child(int threads)
{
	char path[4096];
	pthread_t th[32];
	void *h;
	int i;

	if (load(&h) != 0)
		return 1;
	for (i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, caller, NULL) != 0)
			return 1;
	pthread_mutex_lock(&mu);
	while (ready < threads)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	if (f->C_Finalize(NULL) != CKR_OK)
		return 1;
	dlclose(h);
	f = NULL;
	if (dlopen(module_path(path, sizeof path), RTLD_NOW | RTLD_NOLOAD) != NULL)
		return 2;
	pthread_mutex_lock(&mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	if (atomic_load(&failed) != 0)
		return 1;
	/* loaded again: new keys, the threads' counters free again */
	if (load(&h) != 0)
		return 3;
	ready = go = 0;
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, caller, NULL);
	pthread_mutex_lock(&mu);
	while (ready < threads)
		pthread_cond_wait(&cv, &mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	if (atomic_load(&failed) != 0 || f->C_Finalize(NULL) != CKR_OK)
		return 3;
	dlclose(h);
	return 0;
}

int main(int argc, char **argv)
{
	static const int rounds[] = { 1, 3, 20 };
	size_t r;

	(void)argc;
	api_rig(argv, 1);
	for (r = 0; r < sizeof rounds / sizeof rounds[0]; r++) {
		int st = 0;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(round_in_child(rounds[r]));
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			ok(0, "%d threads: the round's process", rounds[r]);
			continue;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 2) {
			ok(0, "%d threads: the module stayed loaded after dlclose, nothing shown",
			   rounds[r]);
			continue;
		}
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "%d threads outlive the module's dlclose, end, and the module loads again "
		   "(%s %d)", rounds[r], WIFSIGNALED(st) ? "signal" : "status",
		   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	return done_testing();
}
