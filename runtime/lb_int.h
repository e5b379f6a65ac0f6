/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_int.h — what the files of the Lua bridge share (lb.c, lb_card.c, lb_bytes.c,
 * lb_der.c, lb_crypto.c, lb_consts.c, lb_log.c, lb_budget.c, lb_settings.c,
 * lb_manifest.c). Not part of the runtime's API: that is lb.h. lb.c uses the others; none of them uses lb.c (the runtime's include
 * graph has no circles, t0009).
 *
 * Stack comments follow nmap's habit: [-o, +p, x] pops o values, pushes p, and x says
 * whether the function may raise an error ('e'), raises only out-of-memory ('m'), or
 * never raises ('-').
 */
#ifndef SCRIPTOKI_LB_INT_H
#define SCRIPTOKI_LB_INT_H

#include <lua.h>

#include "lb.h"

/* Caps of one VM, documented in scripts/README.md. */
#define LB_MEM_CAP        (32u << 20)   /* bytes of Lua heap per VM (32 MiB) */
#define LB_INSN_BUDGET    100000000L    /* VM instructions per call into a script */
#define LB_HOOK_STEP      1000          /* instructions between two budget checks */
#define LB_BYTES_PER_STEP 8             /* bytes allocated that cost one instruction */
#define LB_MATCH_STEPS    8.0           /* pattern matcher steps that cost one instruction */
#define LB_TIME_LIMIT     30.0          /* default wall-clock seconds per call (conf
					 * script_timeout), not counting the card's answers */
#define LB_SCRIPT_MAX     (1u << 20)    /* largest script file import() reads (1 MiB) */
#define LB_RESP_MAX       65538         /* largest card answer: 65536 data bytes + SW */
#define LB_APDU_MAX       65545         /* largest command APDU (extended Lc and Le) */
#define LB_DER_MAX_DEPTH  32            /* nesting of der.decode / der.encode */

#define LB_SET_SECRETS    8             /* secret copies one call may hold (4 settings) */

/* Why a call was cut short (vm->abort). */
enum { LB_ABORT_NONE, LB_ABORT_BUDGET, LB_ABORT_TIME };

struct lb_vm {
	lua_State *L;
	char *dir;                      /* scripts folder */
	char *family;                   /* family folder name */
	int mod_ref;                    /* registry ref of the table token.lua returned */
	size_t mem_used, mem_cap;
	long budget;                    /* instructions left in this call */
	int abort;                      /* LB_ABORT_* */
	int last_abort;                 /* why the last call was cut short (tests) */
	long long time_limit_ns;        /* wall-clock limit of one call */
	long long deadline_ns;          /* lb_now_ns() past which this call fails */
	/* the card lent for the current call: card objects of other calls are expired */
	const struct lb_card *card;
	unsigned long card_gen;
	CK_RV transmit_rv;              /* first transmit failure of this call, or CKR_OK */
	/* the PINs of the current call (the caller's buffers): redacted from every log line */
	const unsigned char *secret[2];
	size_t secret_len[2];
	/* the secret settings the current call read (settings.get), as text and, when the text
	 * is hex, as bytes: OPENSSL_malloc'ed copies, redacted like the PINs and cleansed
	 * and freed at the end of the call (lb_settings_clear), which then collects all
	 * of its garbage */
	unsigned char *set_secret[LB_SET_SECRETS];
	size_t set_secret_len[LB_SET_SECRETS];
	size_t resp_dirty;              /* bytes of resp to cleanse at the end of the call */
	unsigned char resp[LB_RESP_MAX];
};

/* The VM a state belongs to (the allocator's user data). [-0, +0, -] */
static inline struct lb_vm *lb_vm_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* lb_log.c: 1 when p[0..n) contains a PIN of the current call. [-0, +0, -] */
int lb_has_secret(const struct lb_vm *vm, const void *p, size_t n);
/* lb_log.c: logs text at level, one line per line of text, each prefixed "lb: <family>: <what>",
 * with the PINs of the current call replaced by '*'. [-0, +0, -] */
void lb_log_text(const struct lb_vm *vm, int level, const char *what, const char *text);

/* lb_budget.c: what one call may cost beyond its instructions. The monotonic clock;
 * raising when the call is past its deadline [-0, +0, e]; charging steps of work done
 * in C, raising when they exceed the budget left [-0, +0, e]; replacing the library
 * functions whose work is not bounded by what they allocate [-0, +0, m]. */
long long lb_now_ns(void);
void lb_check_time(lua_State *L);
void lb_charge(lua_State *L, double steps);
void lb_budget_wrap(lua_State *L);

/* Library openers: each pushes its library table. [-0, +1, m] */
int lb_open_bytes(lua_State *L);
int lb_open_der(lua_State *L);
int lb_open_crypto(lua_State *L);
int lb_open_log(lua_State *L);
int lb_open_settings(lua_State *L);

/* lb_settings.c: cleanses and frees the secret settings of the call that ended; 1 when
 * there were any (the caller then collects the call's garbage). [-0, +0, -] */
int lb_settings_clear(struct lb_vm *vm);

/* lb_manifest.c: whether dir/family/family.yaml declares the setting name (1; *secret set),
 * does not (0), or cannot be read (-1). */
int lb_family_setting(const char *dir, const char *family, const char *name, int *secret);

/* Sets the constant tables (CKR, CKM, ...) as fields of the table at idx. [-0, +0, m] */
void lb_set_consts(lua_State *L, int idx);

/* The card object: registers its metatable. [-0, +0, m] */
void lb_card_register(lua_State *L);
/* Lends vm->card to the script: pushes a card object valid until the call returns. [-0, +1, m] */
void lb_card_push(lua_State *L, struct lb_vm *vm);

/* The metatable of the error object that carries a CK_RV out of a script. */
#define LB_RV_MT "scriptoki.rv"
/* lb_card.c: raises the error that carries rv out of the script (card:transmit's
 * failures). [-0, +0, e] */
int lb_raise_rv(lua_State *L, CK_RV rv);
/* The CK_RV carried by the error object at idx, or CKR_OK when it is not one. [-0, +0, -] */
CK_RV lb_rv_of_error(lua_State *L, int idx);

/* For tests and the sk-script harness: call fn(card, arg) of the family module and copy
 * its string result into out (truncated to cap - 1 bytes). Same error rules as lb.h. */
CK_RV lb_call_string(struct lb_vm *vm, const struct lb_card *card, const char *fn,
		     const char *arg, char *out, size_t cap);

/*
 * A call into the family script for the bridge's other files (objects, operations):
 * fn(card, ...) with the protection, card lending, instruction budget, PIN redaction,
 * cleansing and VM restart of lb.h's own calls. push (may be NULL) pushes the arguments
 * after the card and returns how many; take reads the two results at -2 and -1 and
 * returns the call's CK_RV. Both run inside the protected call: they may raise, but must
 * not hold malloc()ed memory when they do. A transmit failure during the call wins over
 * whatever take returns.
 */
struct lb_invoke {
	const char *fn;
	CK_RV if_missing;                       /* when the script has no such function */
	const unsigned char *secret[2];         /* PINs of the call to redact, or NULL */
	size_t secret_len[2];
	int wipe;               /* other secrets pass through Lua (plaintext, key values):
				 * collect all of the call's garbage at its end, as with PINs */
	int (*push)(lua_State *L, void *ud);
	CK_RV (*take)(lua_State *L, void *ud);
	void *ud;
};
CK_RV lb_invoke(struct lb_vm *vm, const struct lb_card *card, const struct lb_invoke *inv);
/* For take: 1 when the first result (at -2) is nil or false. [-0, +0, -] */
int lb_result_failed(lua_State *L);
/* For take: the CK_RV a failure names (second result at -1: "CKR_X" or an integer);
 * CKR_FUNCTION_FAILED, logged, when it names nothing valid. [-0, +0, -] */
CK_RV lb_failure_rv(lua_State *L, const char *fn);

/* lb.c: reads the record at idx (a Lua table) into out, a struct of the contract
 * (sk_contract.h), checked against the record's field table: 0; -1 when malformed, why
 * naming the field; -2 when out of memory. On failure out is freed and zeroed. A Lua error
 * raised meanwhile (a metamethod) leaves in out what was read, for the caller to free.
 * [-0, +0, e] */
int lbc_read(lua_State *L, int idx, const struct skc_record *rec, void *out, char *why,
	     size_t cap);
/* lb_attrs.c: the attribute table at idx appended to *a, *n (malloc'ed as they are read,
 * so the caller frees whatever is there), at most max entries, sorted by type, each once:
 * 0; -1 when malformed (why names the attribute); -2 when out of memory. [-0, +0, -] */
int lb_attrs_read(lua_State *L, int idx, size_t max, struct lb_attr **a, size_t *n,
		  char *why, size_t cap);
/* lb_attrs.c: pushes the attribute table of a[n], values typed by spec/attributes.yaml.
 * [-0, +1, m] */
void lb_attrs_push(lua_State *L, const struct lb_attr *a, size_t n);

/* Family and import names: [a-z0-9_] components separated by single '/', no leading,
 * trailing or doubled '/'; at most 128 bytes. family_only: one component. */
int lb_name_ok(const char *name, int family_only);

#endif
