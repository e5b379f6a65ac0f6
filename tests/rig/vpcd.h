/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vpcd.h — the card side of vsmartcard's vpcd reader driver.
 *
 * Wire protocol (vsmartcard, virtualsmartcard/src/vpcd/vpcd.{c,h}, tag virtualsmartcard-0.8):
 * TCP, the card connects to the driver's port; each message is a 2-byte big-endian length
 * followed by that many bytes. A 1-byte message from the driver is a control byte
 * (VPCD_CTRL_*); anything longer is a command APDU, answered with response data + SW1 SW2.
 * A connected socket is an inserted card; closing it removes the card.
 */
#ifndef SCRIPTOKI_VPCD_H
#define SCRIPTOKI_VPCD_H

#include <stddef.h>

enum {
	VPCD_CTRL_OFF = 0x00,   /* power off: lose volatile state, answer nothing */
	VPCD_CTRL_ON = 0x01,    /* power on: answer nothing */
	VPCD_CTRL_RESET = 0x02, /* warm reset: lose volatile state, answer nothing */
	VPCD_CTRL_ATR = 0x04,   /* get ATR: answer with the ATR, at any time */
};

#define VPCD_MAX_MSG 65535

/* Connect to the driver on host:port. Returns the socket, or -1 with errno set. */
int vpcd_connect(const char *host, unsigned port);

/*
 * Receive one message into buf (at least VPCD_MAX_MSG bytes). TCP_QUICKACK is set before
 * every recv(): without it, vpcd 0.8's two-part send costs ~44 ms per message.
 * Returns the message length (>= 0), or -1 on end of stream or error.
 */
long vpcd_recv(int fd, unsigned char *buf);

/* Send one message (length prefix and payload in one write). Returns 0, or -1 on error. */
int vpcd_send(int fd, const unsigned char *msg, size_t len);

#endif
