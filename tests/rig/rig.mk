# SPDX-License-Identifier: BSD-2-Clause
#
# The test rig: a private pcscd with virtual tokens (tests/rig/with-tokens), its C helpers,
# the rig's tests (tests/t30*.t), `make demo` and `make bench`.
#
#   build/vpcd-echo   the floor: a vpcd card that answers every APDU with 90 00
#   build/rig-wait    waits for readers and cards through PC/SC (used by with-tokens)
#   build/rig-apdu    sends APDUs through PC/SC and prints the answers
#   build/bench       the benchmark program (tests/bench)

RIG_PCSC_CFLAGS = $(shell pkg-config --cflags libpcsclite 2>/dev/null)
RIG_PCSC_LIBS   = $(shell pkg-config --libs libpcsclite 2>/dev/null)

RIG_HELPERS := $(BUILD)/vpcd-echo $(BUILD)/rig-wait $(BUILD)/rig-apdu
BENCH       := $(BUILD)/bench
# The virtual token, built by tests/vtoken/vtoken.mk.
RIG_VTOKEN  := $(BUILD)/vtoken

$(BUILD)/rig/%.o: tests/rig/%.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(RIG_PCSC_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/bench.d/%.o: tests/bench/%.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(RIG_PCSC_CFLAGS) -Itests/rig -MMD -MP -c -o $@ $<

$(BUILD)/vpcd-echo: $(BUILD)/rig/vpcd-echo.o $(BUILD)/rig/vpcd.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

$(BUILD)/rig-wait: $(BUILD)/rig/rig-wait.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(RIG_PCSC_LIBS)

$(BUILD)/rig-apdu: $(BUILD)/rig/rig-apdu.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(RIG_PCSC_LIBS)

BENCH_OBJS := $(patsubst tests/bench/%.c,$(BUILD)/bench.d/%.o,$(sort $(wildcard tests/bench/*.c)))
$(BENCH): $(BENCH_OBJS)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(RIG_PCSC_LIBS) $(shell pkg-config --libs libcrypto) -ldl

-include $(BUILD)/rig/*.d $(BUILD)/bench.d/*.d

SCRIPT_TESTS += $(sort $(wildcard tests/t30[0-9][0-9]-*.t))
CHECK_DEPS   += $(RIG_HELPERS) $(BENCH)

# --- make demo: a real session against a fresh virtual token ------------------------------
demo: all $(RIG_HELPERS) $(RIG_VTOKEN)
	@tools/ensure-deps test
	tests/rig/with-tokens --fresh -- tests/rig/demo
.PHONY: demo

# --- make bench: the scoreboard -------------------------------------------------------------
# 1. one APDU round trip to the token next to the floor of the PC/SC stack (vpcd-echo);
# 2. tests/bench/scoreboard: Scriptoki's module, OpenSC's and SoftHSMv2's side by side on the
#    same token and key (SoftHSM on its own token), with 1, 2 and 4 threads, next to
#    `openssl speed`; the targets with their ratios; the plot $(BENCH_OUT)/bench-threads.png;
# 3. tests/bench/apdu-counts: whole pkcs11-tool processes through both card modules, with
#    the token's trace on (a second rig on the same token state), each APDU named.
# The timed parts run with no APDU trace: the trace is a test instrument, not the card's
# work. BENCH_EXTRA="NAME=MODULE.so ..." adds columns (e.g. an older build of the module).
BENCH_ITER  ?= 5000
BENCH_OTHER ?= /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
BENCH_OUT   ?= $(BUILD)/bench-out
BENCH_EXTRA ?=
bench: $(MODULE) $(RIG_HELPERS) $(RIG_VTOKEN) $(BENCH)
	@tools/ensure-deps test
	tests/rig/with-tokens --fresh --echo --no-token-trace -- $(BENCH) --iterations $(BENCH_ITER)
	@echo
	@rm -rf $(BENCH_OUT) && mkdir -p $(BENCH_OUT)
	tests/rig/with-tokens --fresh --state-dir $(abspath $(BENCH_OUT))/rig --no-token-trace -- \
		tests/bench/prepare-token tests/bench/scoreboard $(abspath $(BENCH)) \
		$(abspath $(MODULE)) $(BENCH_OTHER) $(abspath $(BENCH_OUT)) $(BENCH_EXTRA)
	@echo
	tests/rig/with-tokens --state-dir $(abspath $(BENCH_OUT))/rig -- \
		tests/bench/apdu-counts $(abspath $(MODULE)) $(BENCH_OTHER)
.PHONY: bench
