/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * init.h — the library's life cycle: C_Initialize / C_Finalize, the entry hooks the
 * generated entry points call, and fork detection.
 */
#ifndef SCRIPTOKI_INIT_H
#define SCRIPTOKI_INIT_H

#include "cryptoki.h"

/* 1 while initialised in this process (a child of fork() is not, until it calls C_Initialize). */
int init_is_initialized(void);

#endif
