/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_test.h — helpers of the Lua bridge's tests (t2xxx): a scripted fake card, a
 * temporary scripts folder, and eval() through the probe family (tests/lb/scripts).
 */
#ifndef SCRIPTOKI_LB_TEST_H
#define SCRIPTOKI_LB_TEST_H

#include "lb.h"
#include "lb_int.h"
#include "sk_names.h"

#define TAP_RV_NAME sk_rv_name
#include "tap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LB_FIXTURES
#define LB_FIXTURES "tests/lb"
#endif
#define LB_SCRIPTS LB_FIXTURES "/scripts"

/* A fake card: answers every APDU with answer (default 90 00), or fails with fail_rv;
 * remembers the last APDU and counts them. */
struct fake {
	CK_RV fail_rv;
	uint8_t answer[300];
	size_t answer_len;
	uint8_t last[300];
	size_t last_len;
	int count;
};

static CK_RV fake_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
			   size_t *resp_len)
{
	struct fake *f = ctx;

	f->count++;
	f->last_len = len < sizeof f->last ? len : sizeof f->last;
	memcpy(f->last, apdu, f->last_len);
	if (f->fail_rv != CKR_OK)
		return f->fail_rv;
	if (f->answer_len == 0) {
		resp[0] = 0x90;
		resp[1] = 0x00;
		*resp_len = 2;
		return CKR_OK;
	}
	memcpy(resp, f->answer, f->answer_len);
	*resp_len = f->answer_len;
	return CKR_OK;
}

static const uint8_t fake_atr[] = { 0x3B, 0x90, 0x11, 0x22 };

__attribute__((unused)) static struct lb_card fake_card(struct fake *f)
{
	struct lb_card c = { .transmit = fake_transmit, .ctx = f, .atr = fake_atr,
			     .atr_len = sizeof fake_atr, .exclusive = 0 };

	return c;
}

/* Runs code in the probe family's eval(); its results are the call's. */
static char eval_out[4096];

__attribute__((unused)) static CK_RV eval(struct lb_vm *vm, struct fake *f, const char *code)
{
	struct lb_card c = fake_card(f);

	return lb_call_string(vm, &c, "eval", code, eval_out, sizeof eval_out);
}

/* eval that must give the string want. */
#define is_eval(vm, f, code, want, ...) \
	do { \
		CK_RV r_ = eval((vm), (f), (code)); \
		if (r_ != CKR_OK) \
			diag("eval: %s", sk_rv_name(r_)); \
		is_str(r_ == CKR_OK ? eval_out : sk_rv_name(r_), (want), __VA_ARGS__); \
	} while (0)

__attribute__((unused)) static struct lb_vm *open_probe(void)
{
	struct lb_vm *vm = NULL;
	CK_RV rv = lb_open(LB_SCRIPTS, "probe", &vm);

	if (rv != CKR_OK) {
		printf("Bail out! lb_open(probe): %s\n", sk_rv_name(rv));
		exit(255);
	}
	return vm;
}

/* A temporary scripts folder: mkdtemp, then files written with put(). */
static char tmp_dir[256];

__attribute__((unused)) static const char *make_tmp_dir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmp_dir, sizeof tmp_dir, "%s/sk-lb-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmp_dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(255);
	}
	return tmp_dir;
}

/* Writes rel (creating its folders) under tmp_dir. */
__attribute__((unused)) static void put(const char *rel, const void *text, size_t len)
{
	char path[PATH_MAX], *p;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmp_dir, rel);
	for (p = path + strlen(tmp_dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "w");
	if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		printf("Bail out! write %s\n", path);
		exit(255);
	}
}

#define put_str(rel, s) put((rel), (s), strlen(s))

__attribute__((unused)) static void rm_tmp_dir(void)
{
	char cmd[PATH_MAX + 16];

	if (tmp_dir[0] == '\0' || strncmp(tmp_dir + strlen(tmp_dir) - 13, "/sk-lb-", 7) != 0)
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmp_dir);
}

/* 1 when the log file holds needle after offset *mark (and moves the mark to its end);
 * with loud, a miss is also a diag line. */
__attribute__((unused)) static int log_has(const char *logfile, long *mark, const char *needle,
					   int loud)
{
	static char buf[1 << 16];
	FILE *fp = fopen(logfile, "r");
	size_t n = 0;
	int found;

	if (fp == NULL)
		return 0;
	if (fseek(fp, *mark, SEEK_SET) == 0)
		n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	found = strstr(buf, needle) != NULL;
	*mark += (long)n;
	fclose(fp);
	if (!found && loud)
		diag("not in the log: %s", needle);
	return found;
}

/* Defines the probe family's M.<name> = function(card, <args>) <body> end through eval();
 * 1 when it took. */
__attribute__((unused)) static int set_family_fn(struct lb_vm *vm, struct fake *f,
						 const char *name, const char *args,
						 const char *body)
{
	char code[4096];

	snprintf(code, sizeof code, "M.%s = function(card, %s) %s end return 'ok'", name, args,
		 body);
	if (eval(vm, f, code) != CKR_OK) {
		diag("eval failed for: %s", body);
		return 0;
	}
	return 1;
}

#endif
