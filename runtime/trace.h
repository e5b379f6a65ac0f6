/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * trace.h — what the call trace (SCRIPTOKI_DEBUG=2) needs from the rest of the runtime:
 * every APDU sent on this thread is counted, so that each traced call can say how many
 * it sent and which instructions (INS bytes only, never data) they were.
 */
#ifndef SCRIPTOKI_TRACE_H
#define SCRIPTOKI_TRACE_H

#include <stddef.h>
#include <stdint.h>

void trace_apdu(const uint8_t *apdu, size_t len);

#endif
