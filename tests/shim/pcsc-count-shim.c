/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcsc-count-shim.so — an LD_PRELOAD library for t5115-t5117: it counts every SCard* call
 * the module makes (each one is a round trip to pcscd, or a local table lookup for
 * SCardIsValidContext) and passes it on to the real pcsc-lite. Counts are kept per function
 * for the whole process and for the calling thread alone, so a test can tell its own
 * calls' round trips from those of the module's reader monitor. It also tells how many
 * threads are blocked in an SCardGetStatusChange without a timeout right now (the
 * monitor, once it waits).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <winscard.h>

/* one counter per wrapped function, in this order */
#define SHIM_FNS(X) X(EstablishContext) X(ReleaseContext) X(IsValidContext) X(ListReaders) \
	X(GetStatusChange) X(Cancel) X(Connect) X(Reconnect) X(Disconnect) X(Status) \
	X(BeginTransaction) X(EndTransaction) X(Transmit) X(GetAttrib)
#define SHIM_ENUM(n) SHIM_##n,
#define SHIM_NAME(n) "SCard" #n,
enum { SHIM_FNS(SHIM_ENUM) SHIM_N };
static const char *const shim_names[SHIM_N] = { SHIM_FNS(SHIM_NAME) };

static long shim_all[SHIM_N];
static _Thread_local long shim_mine[SHIM_N];
static int shim_blocked_now;

__attribute__((visibility("default"))) long shim_pcsc_count(const char *fn, int all_threads);
__attribute__((visibility("default"))) int shim_pcsc_blocked(void);

/* Calls of fn ("SCardTransmit"; NULL: of every function), by every thread or by this one. */
long shim_pcsc_count(const char *fn, int all_threads)
{
	long n = 0;
	int i;

	for (i = 0; i < SHIM_N; i++)
		if (fn == NULL || strcmp(fn, shim_names[i]) == 0)
			n += all_threads ? __atomic_load_n(&shim_all[i], __ATOMIC_SEQ_CST) :
					   shim_mine[i];
	return n;
}

int shim_pcsc_blocked(void)
{
	return __atomic_load_n(&shim_blocked_now, __ATOMIC_SEQ_CST);
}

/* A child after fork() has none of the parent's other threads: nobody of its own waits. */
static void shim_atfork_child(void)
{
	__atomic_store_n(&shim_blocked_now, 0, __ATOMIC_SEQ_CST);
}

__attribute__((constructor)) static void shim_init(void)
{
	pthread_atfork(NULL, NULL, shim_atfork_child);
}

static void shim_count(int i)
{
	__atomic_add_fetch(&shim_all[i], 1, __ATOMIC_SEQ_CST);
	shim_mine[i]++;
}

/* The real pcsc-lite: loaded by the module with RTLD_LOCAL, so RTLD_NEXT cannot see it. */
static void *shim_lib;
static pthread_once_t shim_once = PTHREAD_ONCE_INIT;

static void shim_open(void)
{
	shim_lib = dlopen("libpcsclite.so.1", RTLD_NOW | RTLD_LOCAL);
}

static void *shim_real(const char *name)
{
	pthread_once(&shim_once, shim_open);
	return shim_lib != NULL ? dlsym(shim_lib, name) : NULL;
}

#define SHIM_REAL(type, name) ((type)shim_real(name))

LONG SCardEstablishContext(DWORD scope, LPCVOID r1, LPCVOID r2, LPSCARDCONTEXT ctx)
{
	typedef LONG (*fn)(DWORD, LPCVOID, LPCVOID, LPSCARDCONTEXT);
	fn real = SHIM_REAL(fn, "SCardEstablishContext");

	shim_count(SHIM_EstablishContext);
	return real ? real(scope, r1, r2, ctx) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardReleaseContext(SCARDCONTEXT ctx)
{
	typedef LONG (*fn)(SCARDCONTEXT);
	fn real = SHIM_REAL(fn, "SCardReleaseContext");

	shim_count(SHIM_ReleaseContext);
	return real ? real(ctx) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardIsValidContext(SCARDCONTEXT ctx)
{
	typedef LONG (*fn)(SCARDCONTEXT);
	fn real = SHIM_REAL(fn, "SCardIsValidContext");

	shim_count(SHIM_IsValidContext);
	return real ? real(ctx) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardListReaders(SCARDCONTEXT ctx, LPCSTR groups, LPSTR readers, LPDWORD len)
{
	typedef LONG (*fn)(SCARDCONTEXT, LPCSTR, LPSTR, LPDWORD);
	fn real = SHIM_REAL(fn, "SCardListReaders");

	shim_count(SHIM_ListReaders);
	return real ? real(ctx, groups, readers, len) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE *st, DWORD n)
{
	typedef LONG (*fn)(SCARDCONTEXT, DWORD, SCARD_READERSTATE *, DWORD);
	fn real = SHIM_REAL(fn, "SCardGetStatusChange");
	LONG rc;

	shim_count(SHIM_GetStatusChange);
	if (timeout == INFINITE)
		__atomic_add_fetch(&shim_blocked_now, 1, __ATOMIC_SEQ_CST);
	rc = real ? real(ctx, timeout, st, n) : SCARD_F_INTERNAL_ERROR;
	if (timeout == INFINITE)
		__atomic_sub_fetch(&shim_blocked_now, 1, __ATOMIC_SEQ_CST);
	return rc;
}

LONG SCardCancel(SCARDCONTEXT ctx)
{
	typedef LONG (*fn)(SCARDCONTEXT);
	fn real = SHIM_REAL(fn, "SCardCancel");

	shim_count(SHIM_Cancel);
	return real ? real(ctx) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardConnect(SCARDCONTEXT ctx, LPCSTR reader, DWORD share, DWORD proto, LPSCARDHANDLE h,
		  LPDWORD active)
{
	typedef LONG (*fn)(SCARDCONTEXT, LPCSTR, DWORD, DWORD, LPSCARDHANDLE, LPDWORD);
	fn real = SHIM_REAL(fn, "SCardConnect");

	shim_count(SHIM_Connect);
	return real ? real(ctx, reader, share, proto, h, active) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardReconnect(SCARDHANDLE h, DWORD share, DWORD proto, DWORD init, LPDWORD active)
{
	typedef LONG (*fn)(SCARDHANDLE, DWORD, DWORD, DWORD, LPDWORD);
	fn real = SHIM_REAL(fn, "SCardReconnect");

	shim_count(SHIM_Reconnect);
	return real ? real(h, share, proto, init, active) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardDisconnect(SCARDHANDLE h, DWORD how)
{
	typedef LONG (*fn)(SCARDHANDLE, DWORD);
	fn real = SHIM_REAL(fn, "SCardDisconnect");

	shim_count(SHIM_Disconnect);
	return real ? real(h, how) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardStatus(SCARDHANDLE h, LPSTR name, LPDWORD nlen, LPDWORD state, LPDWORD proto,
		 LPBYTE atr, LPDWORD alen)
{
	typedef LONG (*fn)(SCARDHANDLE, LPSTR, LPDWORD, LPDWORD, LPDWORD, LPBYTE, LPDWORD);
	fn real = SHIM_REAL(fn, "SCardStatus");

	shim_count(SHIM_Status);
	return real ? real(h, name, nlen, state, proto, atr, alen) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardBeginTransaction(SCARDHANDLE h)
{
	typedef LONG (*fn)(SCARDHANDLE);
	fn real = SHIM_REAL(fn, "SCardBeginTransaction");

	shim_count(SHIM_BeginTransaction);
	return real ? real(h) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardEndTransaction(SCARDHANDLE h, DWORD how)
{
	typedef LONG (*fn)(SCARDHANDLE, DWORD);
	fn real = SHIM_REAL(fn, "SCardEndTransaction");

	shim_count(SHIM_EndTransaction);
	return real ? real(h, how) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardTransmit(SCARDHANDLE h, const SCARD_IO_REQUEST *spci, LPCBYTE sbuf, DWORD slen,
		   SCARD_IO_REQUEST *rpci, LPBYTE rbuf, LPDWORD rlen)
{
	typedef LONG (*fn)(SCARDHANDLE, const SCARD_IO_REQUEST *, LPCBYTE, DWORD,
			   SCARD_IO_REQUEST *, LPBYTE, LPDWORD);
	fn real = SHIM_REAL(fn, "SCardTransmit");

	shim_count(SHIM_Transmit);
	return real ? real(h, spci, sbuf, slen, rpci, rbuf, rlen) : SCARD_F_INTERNAL_ERROR;
}

LONG SCardGetAttrib(SCARDHANDLE h, DWORD id, LPBYTE attr, LPDWORD len)
{
	typedef LONG (*fn)(SCARDHANDLE, DWORD, LPBYTE, LPDWORD);
	fn real = SHIM_REAL(fn, "SCardGetAttrib");

	shim_count(SHIM_GetAttrib);
	return real ? real(h, id, attr, len) : SCARD_F_INTERNAL_ERROR;
}
