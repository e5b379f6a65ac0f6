/* SPDX-License-Identifier: BSD-2-Clause */
/* fake-pcsc.h — the one virtual card behind fake-pcsc.c's reader. */
#ifndef SCRIPTOKI_FAKE_PCSC_H
#define SCRIPTOKI_FAKE_PCSC_H

struct vt_card;

/* The card (created in factory state at the first use); NULL when out of memory. */
struct vt_card *fake_pcsc_card(void);
void fake_pcsc_free(void);

#endif
