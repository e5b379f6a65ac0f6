/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vtoken — a virtual Rutoken ECP behind vsmartcard's vpcd reader driver.
 *
 *   vtoken --port PORT [--host 127.0.0.1] [--state FILE] [--fresh] [--trace FILE]
 *          [--control SOCKET] [--fail-at N --fail-sw XXXX] [--drop-at N] [--piv]
 *
 * One process serves one reader. The card logic is vt_card.c (the Rutoken ECP) or, with
 * --piv, vt_piv.c (a PIV card, README.md "The virtual PIV card"); this file is the transport
 * (tests/rig/vpcd.c), the state file, the APDU trace, fault injection and the control socket.
 * See README.md.
 */
#include "vt.h"
#include "vt_piv.h"
#include "../rig/vpcd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const unsigned char atr[] = {
	0x3B, 0x8B, 0x01, 0x52, 0x75, 0x74, 0x6F, 0x6B, 0x65, 0x6E, 0x20, 0x45, 0x43, 0x50, 0xA0
};

/* The PIV card's ATR is generic (ISO 7816-3: T=1; one historical byte, 80 = an empty
 * compact-TLV category indicator, ISO 7816-4 8.1.1; TCK 80): nothing in it names a card,
 * so hosts find the PIV application by SELECT. (3B 80 80 01 01, the shortest such ATR, is
 * in OpenSC's table as one vendor's card, which would change how OpenSC treats it.) */
static const unsigned char piv_atr[] = { 0x3B, 0x81, 0x80, 0x01, 0x80, 0x80 };

#define MAX_CLIENTS 8
#define CTL_LINE 256
#define RECONNECT_TRIES 30      /* × 100 ms: how long a vanished vpcd is retried */
#define REINSERT_MS 1000        /* re-insertion after a dropped connection without --control */

struct client {
	int fd;
	size_t len;
	char buf[CTL_LINE];
};

struct vtoken {
	struct vt_card *card;
	struct vt_piv *piv;     /* --piv: the PIV card instead (card is NULL) */
	int mask_resp;          /* --piv: the pending answer is a GENERAL AUTHENTICATE result */
	const char *host;
	unsigned port;
	const char *state_path;
	FILE *trace;
	const char *ctl_path;
	int ctl_fd;
	struct client clients[MAX_CLIENTS];

	int fd;                 /* vpcd connection, -1 while removed */
	int want_inserted;      /* 0 after "remove" until "insert" */
	int powered;
	int lost;               /* consecutive connection losses without traffic */
	struct timespec next_try;
	unsigned long count;
	unsigned long fail_at;  /* absolute APDU number, 0 = none */
	unsigned fail_sw;
	unsigned long drop_at;
	int quit;
	int piv_mode;           /* --piv */
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vtoken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* ---- trace ----------------------------------------------------------------------- */

static void trace_event(struct vtoken *vt, const char *fmt, ...)
{
	va_list ap;

	if (!vt->trace)
		return;
	fputs("# ", vt->trace);
	va_start(ap, fmt);
	vfprintf(vt->trace, fmt, ap);
	va_end(ap);
	fputc('\n', vt->trace);
	fflush(vt->trace);
}

/* PIN commands and key material (INS 20, 24, 2C) keep their header, data becomes "**". */
static void trace_apdu(struct vtoken *vt, const unsigned char *b, size_t len)
{
	size_t i, keep = len;

	if (!vt->trace)
		return;
	if (len > 5 && (b[1] == 0x20 || b[1] == 0x24 || b[1] == 0x2C))
		keep = b[4] == 0 && len >= 7 ? 7 : 5;
	/* PIV: IMPORT KEY and SET MANAGEMENT KEY carry key material too */
	if (vt->piv && len > 5 && (b[1] == 0xFE || b[1] == 0xFF))
		keep = b[4] == 0 && len >= 7 ? 7 : 5;
	fputc('>', vt->trace);
	for (i = 0; i < len; i++) {
		if (i < keep)
			fprintf(vt->trace, " %02X", b[i]);
		else
			fputs(" **", vt->trace);
	}
	fputc('\n', vt->trace);
	fflush(vt->trace);
}

static void trace_resp(struct vtoken *vt, const unsigned char *b, size_t len)
{
	size_t i;

	if (!vt->trace)
		return;
	fputc('<', vt->trace);
	for (i = 0; i < len; i++) {
		/* PIV: the data of a GENERAL AUTHENTICATE answer (a shared secret, say) */
		if (vt->mask_resp && i + 2 < len)
			fputs(" **", vt->trace);
		else
			fprintf(vt->trace, " %02X", b[i]);
	}
	fputc('\n', vt->trace);
	fflush(vt->trace);
}

/* ---- the card, whichever it is ------------------------------------------------------ */

static int card_dirty(const struct vtoken *vt)
{
	return vt->piv ? vt->piv->dirty : vt->card->dirty;
}

static void card_clean(struct vtoken *vt)
{
	if (vt->piv)
		vt->piv->dirty = 0;
	else
		vt->card->dirty = 0;
}

static void card_power_reset(struct vtoken *vt)
{
	if (vt->piv)
		vt_piv_power_reset(vt->piv);
	else
		vt_power_reset(vt->card);
}

/* ---- state file ------------------------------------------------------------------ */

static int save_state(struct vtoken *vt)
{
	char tmp[4096], dirbuf[4096];
	FILE *f = NULL;
	int fd = -1, dfd, rv = -1;

	if (!vt->state_path) {
		card_clean(vt);
		return 0;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp", vt->state_path) >= (int)sizeof tmp)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	f = fdopen(fd, "w");
	if (!f)
		goto out;
	fd = -1;
	if ((vt->piv ? vt_piv_save(vt->piv, f) : vt_save(vt->card, f)) || fflush(f) ||
	    fsync(fileno(f)))
		goto out;
	if (fclose(f)) {
		f = NULL;
		goto out;
	}
	f = NULL;
	if (rename(tmp, vt->state_path))
		goto out;
	snprintf(dirbuf, sizeof dirbuf, "%s", vt->state_path);
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	card_clean(vt);
	rv = 0;
out:
	if (rv)
		fprintf(stderr, "vtoken: cannot write state %s: %s\n", vt->state_path,
			strerror(errno));
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return rv;
}

static void load_state(struct vtoken *vt, int fresh)
{
	char err[128];
	FILE *f = NULL;

	if (vt->state_path && !fresh) {
		f = fopen(vt->state_path, "re");
		if (!f && errno != ENOENT)
			die("cannot open state %s: %s", vt->state_path, strerror(errno));
	}
	if (f && vt->piv_mode) {
		vt->piv = vt_piv_load(f, err, sizeof err);
		fclose(f);
		if (!vt->piv)
			die("%s: %s", vt->state_path, err);
		return;
	}
	if (f) {
		vt->card = vt_load(f, err, sizeof err);
		fclose(f);
		if (!vt->card)
			die("%s: %s", vt->state_path, err);
		return;
	}
	if (vt->piv_mode) {
		vt->piv = vt_piv_new_factory();
		if (!vt->piv)
			die("out of memory");
	} else {
		vt->card = vt_new_factory();
		if (!vt->card)
			die("out of memory");
	}
	if (save_state(vt))
		exit(1);
}

/* ---- vpcd connection ------------------------------------------------------------- */

static void after_ms(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static long ms_until(const struct timespec *t)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000L;
	return ms < 0 ? 0 : ms;
}

static void disconnect(struct vtoken *vt, const char *why)
{
	if (vt->fd >= 0) {
		close(vt->fd);
		vt->fd = -1;
		trace_event(vt, "remove (%s)", why);
	}
	/* a removed card has no power */
	vt->powered = 0;
	card_power_reset(vt);
}

static void try_connect(struct vtoken *vt)
{
	vt->fd = vpcd_connect(vt->host, vt->port);
	if (vt->fd >= 0) {
		trace_event(vt, "insert");
		return;
	}
	if (++vt->lost > RECONNECT_TRIES) {
		fprintf(stderr, "vtoken: vpcd at %s:%u is gone (%s); exiting\n", vt->host,
			vt->port, strerror(errno));
		vt->quit = 1;
		return;
	}
	after_ms(&vt->next_try, 100);
}

/* ---- one message from vpcd ------------------------------------------------------- */

static void fault_answer(struct vtoken *vt, unsigned sw)
{
	unsigned char r[2] = { (unsigned char)(sw >> 8), (unsigned char)sw };

	trace_event(vt, "fault: answered %04X without executing", sw);
	trace_resp(vt, r, 2);
	if (vpcd_send(vt->fd, r, 2))
		disconnect(vt, "send failed");
}

static void handle_message(struct vtoken *vt, unsigned char *msg, long len)
{
	static unsigned char resp[VT_RESP_MAX];
	size_t rlen = 0;

	if (len == 1) {
		switch (msg[0]) {
		case VPCD_CTRL_OFF:
			vt->powered = 0;
			card_power_reset(vt);
			trace_event(vt, "power off");
			break;
		case VPCD_CTRL_ON:
			vt->powered = 1;
			card_power_reset(vt);
			trace_event(vt, "power on");
			break;
		case VPCD_CTRL_RESET:
			vt->powered = 1;
			card_power_reset(vt);
			trace_event(vt, "reset");
			break;
		case VPCD_CTRL_ATR:
			if (vt->piv ? vpcd_send(vt->fd, piv_atr, sizeof piv_atr) :
				      vpcd_send(vt->fd, atr, sizeof atr))
				disconnect(vt, "send failed");
			break;
		default:
			break;
		}
		return;
	}
	if (len < 1)
		return;
	vt->count++;
	trace_apdu(vt, msg, (size_t)len);
	if (vt->drop_at && vt->count == vt->drop_at) {
		vt->drop_at = 0;
		trace_event(vt, "fault: connection dropped instead of answering");
		disconnect(vt, "fault");
		if (vt->ctl_fd >= 0) {
			vt->want_inserted = 0;
		} else {
			vt->lost = 0;
			after_ms(&vt->next_try, REINSERT_MS);
		}
		return;
	}
	if (vt->fail_at && vt->count == vt->fail_at) {
		vt->fail_at = 0;
		fault_answer(vt, vt->fail_sw);
		return;
	}
	if (vt->piv) {
		/* GET RESPONSE continues the answer it belongs to */
		if (len < 2 || msg[1] != 0xC0)
			vt->mask_resp = len >= 2 && msg[1] == 0x87;
		vt_piv_process(vt->piv, msg, (size_t)len, resp, &rlen);
	} else {
		vt_process(vt->card, msg, (size_t)len, resp, &rlen);
	}
	if (card_dirty(vt))
		save_state(vt);
	trace_resp(vt, resp, rlen);
	if (vpcd_send(vt->fd, resp, rlen))
		disconnect(vt, "send failed");
}

/* ---- control socket -------------------------------------------------------------- */

static void ctl_reply(struct client *cl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	/* a client that went away is closed on its next read */
	(void)!send(cl->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int parse_count(const char *s, unsigned long *n)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*n = strtoul(s, &end, 10);
	return *end || errno || *n == 0 ? -1 : 0;
}

static int parse_sw(const char *s, unsigned *sw)
{
	char *end;
	unsigned long v;

	if (!s || strlen(s) != 4)
		return -1;
	v = strtoul(s, &end, 16);
	if (*end || v < 0x6000 || v > 0x9FFF)
		return -1;
	*sw = (unsigned)v;
	return 0;
}

static void ctl_command(struct vtoken *vt, struct client *cl, char *line)
{
	char *argv[4], *save;
	unsigned long n;
	unsigned sw;
	int argc = 0;

	for (argv[0] = strtok_r(line, " \t\r", &save); argv[argc] && argc < 3;)
		argv[++argc] = strtok_r(NULL, " \t\r", &save);
	if (argc == 0) {
		ctl_reply(cl, "err empty command");
	} else if (strcmp(argv[0], "fail-at") == 0) {
		if (argc != 3 || parse_count(argv[1], &n) || parse_sw(argv[2], &sw)) {
			ctl_reply(cl, "err usage: fail-at N SWHEX");
			return;
		}
		vt->fail_at = vt->count + n;
		vt->fail_sw = sw;
		ctl_reply(cl, "ok fail-at apdu %lu sw %04X", vt->fail_at, sw);
	} else if (strcmp(argv[0], "drop-at") == 0) {
		if (argc != 2 || parse_count(argv[1], &n)) {
			ctl_reply(cl, "err usage: drop-at N");
			return;
		}
		vt->drop_at = vt->count + n;
		ctl_reply(cl, "ok drop-at apdu %lu", vt->drop_at);
	} else if (strcmp(argv[0], "remove") == 0 && argc == 1) {
		vt->want_inserted = 0;
		disconnect(vt, "control");
		ctl_reply(cl, "ok removed");
	} else if (strcmp(argv[0], "insert") == 0 && argc == 1) {
		vt->want_inserted = 1;
		if (vt->fd < 0) {
			vt->lost = 0;
			try_connect(vt);
		}
		if (vt->fd >= 0)
			ctl_reply(cl, "ok inserted");
		else
			ctl_reply(cl, "err cannot connect to vpcd: %s", strerror(errno));
	} else if (strcmp(argv[0], "power-cycle") == 0 && argc == 1) {
		card_power_reset(vt);
		trace_event(vt, "power lost (control)");
		ctl_reply(cl, "ok");
	} else if (strcmp(argv[0], "count") == 0 && argc == 1) {
		ctl_reply(cl, "ok %lu", vt->count);
	} else if (strcmp(argv[0], "state") == 0 && argc == 1 && vt->piv) {
		const struct vt_piv *p = vt->piv;

		ctl_reply(cl, "ok powered=%d inserted=%d verified=%s mgmt=%d pin=%u/%u "
			  "puk=%u/%u count=%lu",
			  vt->powered, vt->fd >= 0, p->pin_verified ? "pin" : "none",
			  p->mgmt_ok, p->pin.tries_left, p->pin.max_tries, p->puk.tries_left,
			  p->puk.max_tries, vt->count);
	} else if (strcmp(argv[0], "state") == 0 && argc == 1) {
		const struct vt_card *c = vt->card;

		ctl_reply(cl, "ok powered=%d inserted=%d verified=%s init-phase=%d "
			  "pin1=%u/%u pin2=%u/%u count=%lu",
			  vt->powered, vt->fd >= 0, vt_verified_name(c), c->init_phase,
			  c->pins[1].tries_left, c->pins[1].max_tries, c->pins[2].tries_left,
			  c->pins[2].max_tries, vt->count);
	} else if (strcmp(argv[0], "quit") == 0 && argc == 1) {
		ctl_reply(cl, "ok bye");
		vt->quit = 1;
	} else {
		ctl_reply(cl, "err unknown command '%s'", argv[0]);
	}
}

static void ctl_open(struct vtoken *vt)
{
	struct sockaddr_un sa;
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		vt->clients[i].fd = -1;
	vt->ctl_fd = -1;
	if (!vt->ctl_path)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(vt->ctl_path) >= sizeof sa.sun_path)
		die("control socket path too long: %s", vt->ctl_path);
	strcpy(sa.sun_path, vt->ctl_path);
	vt->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (vt->ctl_fd < 0)
		die("socket: %s", strerror(errno));
	unlink(vt->ctl_path);
	if (bind(vt->ctl_fd, (struct sockaddr *)&sa, sizeof sa) || listen(vt->ctl_fd, 8))
		die("control socket %s: %s", vt->ctl_path, strerror(errno));
}

static void ctl_accept(struct vtoken *vt)
{
	int fd = accept4(vt->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), i;

	if (fd < 0)
		return;
	for (i = 0; i < MAX_CLIENTS; i++) {
		if (vt->clients[i].fd < 0) {
			vt->clients[i].fd = fd;
			vt->clients[i].len = 0;
			return;
		}
	}
	close(fd);
}

static void ctl_read(struct vtoken *vt, struct client *cl)
{
	ssize_t r = recv(cl->fd, cl->buf + cl->len, sizeof cl->buf - 1 - cl->len, 0);
	char *nl;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		close(cl->fd);
		cl->fd = -1;
		return;
	}
	cl->len += (size_t)r;
	cl->buf[cl->len] = '\0';
	while ((nl = strchr(cl->buf, '\n'))) {
		size_t used = (size_t)(nl - cl->buf) + 1;

		*nl = '\0';
		ctl_command(vt, cl, cl->buf);
		memmove(cl->buf, cl->buf + used, cl->len - used + 1);
		cl->len -= used;
	}
	if (cl->len == sizeof cl->buf - 1) {
		ctl_reply(cl, "err line too long");
		close(cl->fd);
		cl->fd = -1;
	}
}

/* ---- main loop ------------------------------------------------------------------- */

static void serve(struct vtoken *vt, const sigset_t *waitmask)
{
	static unsigned char msg[VPCD_MAX_MSG];
	struct pollfd pfd[2 + MAX_CLIENTS];
	int i, n;

	while (!vt->quit && !got_signal) {
		struct timespec ts, *tsp = NULL;
		int vpcd_slot = -1, ctl_slot = -1;

		if (vt->fd < 0 && vt->want_inserted) {
			if (ms_until(&vt->next_try) == 0)
				try_connect(vt);
			if (vt->quit)
				break;
			if (vt->fd < 0) {
				long ms = ms_until(&vt->next_try);

				ts.tv_sec = ms / 1000;
				ts.tv_nsec = (ms % 1000) * 1000000L;
				tsp = &ts;
			}
		}
		n = 0;
		if (vt->fd >= 0) {
			vpcd_slot = n;
			pfd[n].fd = vt->fd;
			pfd[n++].events = POLLIN;
		}
		if (vt->ctl_fd >= 0) {
			ctl_slot = n;
			pfd[n].fd = vt->ctl_fd;
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (vt->clients[i].fd >= 0) {
				pfd[n].fd = vt->clients[i].fd;
				pfd[n++].events = POLLIN;
			}
		}
		if (ppoll(pfd, (nfds_t)n, tsp, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (vpcd_slot >= 0 && (pfd[vpcd_slot].revents & (POLLIN | POLLHUP | POLLERR))) {
			long len = vpcd_recv(vt->fd, msg);

			if (len < 0) {
				/* vpcd closed: pcscd stopping or restarting; retry a while */
				disconnect(vt, "vpcd closed the connection");
				vt->lost++;
				after_ms(&vt->next_try, 100);
			} else {
				vt->lost = 0;
				handle_message(vt, msg, len);
			}
		}
		if (ctl_slot >= 0 && (pfd[ctl_slot].revents & POLLIN))
			ctl_accept(vt);
		for (i = 0; i < MAX_CLIENTS; i++) {
			int j;

			if (vt->clients[i].fd < 0)
				continue;
			for (j = 0; j < n; j++)
				if (pfd[j].fd == vt->clients[i].fd && pfd[j].revents)
					ctl_read(vt, &vt->clients[i]);
		}
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vtoken --port PORT [--host ADDR] [--state FILE] [--fresh] [--trace FILE]\n"
		"              [--control SOCKET] [--fail-at N --fail-sw XXXX] [--drop-at N]\n"
		"              [--piv]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "state", required_argument, NULL, 's' },
		{ "fresh", no_argument, NULL, 'f' },
		{ "trace", required_argument, NULL, 't' },
		{ "control", required_argument, NULL, 'c' },
		{ "fail-at", required_argument, NULL, 'F' },
		{ "fail-sw", required_argument, NULL, 'S' },
		{ "drop-at", required_argument, NULL, 'D' },
		{ "piv", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vtoken vt;
	struct sigaction sa;
	sigset_t block, waitmask;
	unsigned long port = 0;
	const char *trace_path = NULL;
	int fresh = 0, opt, i;

	memset(&vt, 0, sizeof vt);
	vt.host = "127.0.0.1";
	vt.fd = -1;
	vt.want_inserted = 1;
	vt.fail_sw = 0x6F00;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_count(optarg, &port) || port > 65534)
				die("bad --port %s", optarg);
			break;
		case 'H':
			vt.host = optarg;
			break;
		case 's':
			vt.state_path = optarg;
			break;
		case 'f':
			fresh = 1;
			break;
		case 't':
			trace_path = optarg;
			break;
		case 'c':
			vt.ctl_path = optarg;
			break;
		case 'F':
			if (parse_count(optarg, &vt.fail_at))
				die("bad --fail-at %s", optarg);
			break;
		case 'S':
			if (parse_sw(optarg, &vt.fail_sw))
				die("bad --fail-sw %s (4 hex digits, 6000..9FFF)", optarg);
			break;
		case 'D':
			if (parse_count(optarg, &vt.drop_at))
				die("bad --drop-at %s", optarg);
			break;
		case 'P':
			vt.piv_mode = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || port == 0)
		usage();
	vt.port = (unsigned)port;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (trace_path) {
		vt.trace = fopen(trace_path, "ae");
		if (!vt.trace)
			die("cannot open trace %s: %s", trace_path, strerror(errno));
	}
	load_state(&vt, fresh);
	ctl_open(&vt);
	{
		const unsigned char *sn = vt.piv ? vt.piv->serial : vt.card->serial;

		trace_event(&vt, "start port %u serial %02X%02X%02X%02X%s", vt.port, sn[0],
			    sn[1], sn[2], sn[3], vt.piv ? " piv" : "");
	}

	/* the rig starts us once pcscd listens; allow a few seconds anyway */
	vt.lost = -20;
	serve(&vt, &waitmask);

	if (vt.fd >= 0)
		close(vt.fd);
	if (card_dirty(&vt))
		save_state(&vt);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (vt.clients[i].fd >= 0)
			close(vt.clients[i].fd);
	if (vt.ctl_fd >= 0) {
		close(vt.ctl_fd);
		unlink(vt.ctl_path);
	}
	trace_event(&vt, "exit");
	if (vt.trace)
		fclose(vt.trace);
	vt_free(vt.card);
	vt_piv_free(vt.piv);
	return 0;
}
