/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * slot.h — slots and tokens. For now the module offers no slot: PC/SC readers become
 * slots with the slot-and-session work. What is here keeps the life cycle honest.
 */
#ifndef SCRIPTOKI_SLOT_H
#define SCRIPTOKI_SLOT_H

#include "cryptoki.h"

CK_RV slot_init(void);          /* at C_Initialize: no card I/O */
void slot_fini(void);           /* at C_Finalize */
void slot_forget_after_fork(void);

#endif
