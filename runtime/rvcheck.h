/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rvcheck.h — the return-code check of the entry points (rvcheck.c).
 */
#ifndef SCRIPTOKI_RVCHECK_H
#define SCRIPTOKI_RVCHECK_H

#include "cryptoki.h"
#include "sk_dispatch.h"

/* 1 when SCRIPTOKI_CHECK_RETURNS asked for the check. */
int rvcheck_on(void);
/* Report (and with SCRIPTOKI_CHECK_RETURNS=abort, abort on) a code fn may not return. */
void rvcheck(enum sk_fn fn, CK_RV rv);

#endif
