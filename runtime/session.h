/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session.h — sessions and the login state the standard defines (per token, shared by
 * all of the application's sessions with it).
 */
#ifndef SCRIPTOKI_SESSION_H
#define SCRIPTOKI_SESSION_H

#include "cryptoki.h"
#include "token.h"

CK_RV sess_init(void);
void sess_fini(void);
void sess_forget_after_fork(void);

/* How many live sessions the token has (all, and read/write). */
void sess_count(struct token *t, CK_ULONG *all, CK_ULONG *rw);

#endif
