# SPDX-License-Identifier: BSD-2-Clause
#
# Fuzz targets (tests/fuzz/README.md): each tests/fuzz/fuzz-NAME.c defines libFuzzer's
# entry point and is built two ways:
#
#   BUILD/fuzz/replay-NAME   with tests/fuzz/replay.c, by the normal compiler: runs the
#                            target once on each file given. make check replays every kept
#                            corpus (tests/fuzz/corpus/NAME/) through it (t7901), so the
#                            harnesses cannot rot; make check-asan does so under ASan.
#   build-fuzz/fuzz/fuzz-NAME  with libFuzzer (clang -fsanitize=fuzzer, ASan, UBSan), and
#                            every object it links built with coverage in build-fuzz/:
#
#   make fuzz-ci    every target: the kept corpus replayed, then FUZZ_CI_TIME seconds of
#                   fuzzing from it (default 45); fails on any crash, leak, timeout or
#                   sanitizer report. Findings go to build-fuzz/fuzz/artifacts/NAME/.
#   make fuzz       the same for FUZZ_TIME seconds per target (default 600), by hand; the
#                   inputs it finds are kept in build-fuzz/fuzz/found/NAME/ (not committed:
#                   merge the useful ones with -merge=1, see the README).
#   FUZZ_TARGETS=card   only some targets.
#
#   conf  the configuration file parser (runtime/conf.c)
#   card  card answers into the family script's parsers, through the lb_* calls
#   tmpl  templates into C_CreateObject / C_GenerateKeyPair, the module with a fake
#         PC/SC (tests/fuzz/fake-pcsc.c) in front of the virtual token's APDU processor

FUZZ_NAMES   := conf card tmpl
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_CC      ?= clang-14
FUZZ_BUILD   := build-fuzz
FUZZ_CI_TIME ?= 45
FUZZ_TIME    ?= 600

FUZZ_CFLAGS = $(ALL_CFLAGS) $(PKG_CFLAGS) -Itests -Itests/fuzz -Itests/vtoken
FUZZ_LIBS_conf :=
FUZZ_LIBS_card  = $(PKG_LIBS)
FUZZ_LIBS_tmpl  = $(shell pkg-config --libs libcrypto lua5.4 2>/dev/null) -lpthread
FUZZ_OBJS_conf  = $(BUILD)/obj/runtime/conf.o $(BUILD)/obj/runtime/log.o
FUZZ_OBJS_card  = $(LB_OBJS)
FUZZ_OBJS_tmpl  = $(MODULE_OBJS) $(VT_OBJS) $(BUILD)/obj/tests/fuzz/fake-pcsc.o

$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c $(DEPS_STAMP) $(GENERATED_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

# $(1): NAME
define fuzz_target
$(BUILD)/fuzz/replay-$(1): $(BUILD)/obj/tests/fuzz/fuzz-$(1).o $(BUILD)/obj/tests/fuzz/replay.o \
		$(FUZZ_OBJS_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) -o $$@ $$^ $$(ALL_LDFLAGS) $$(FUZZ_LIBS_$(1))

$(BUILD)/fuzz/fuzz-$(1): $(BUILD)/obj/tests/fuzz/fuzz-$(1).o $(FUZZ_OBJS_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) -fsanitize=fuzzer -o $$@ $$^ $$(ALL_LDFLAGS) $$(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_target,$(t))))

FUZZ_REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay-%)
CHECK_DEPS   += $(FUZZ_REPLAYS)
fuzz-replays: $(FUZZ_REPLAYS)
.PHONY: fuzz-replays

# the libFuzzer build: clang, ASan + UBSan, coverage on every object
FUZZ_MAKE = $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	SANITIZE=address,undefined CFLAGS='-O1 -g -fsanitize=fuzzer-no-link'

fuzz-build:
	@command -v $(FUZZ_CC) >/dev/null || \
		{ echo "fuzz: $(FUZZ_CC) is missing (Debian: clang-14 libclang-rt-14-dev)" >&2; exit 1; }
	+$(FUZZ_MAKE) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz-%)
.PHONY: fuzz-build

# $(1): seconds per target, $(2): 1 to keep what the run finds (tests/fuzz/fuzz-run.t)
fuzz_run = @start=$$(date +%s); to=$$(( ($(1) + 120) * 3 )); \
	FUZZ_BIN=$(abspath $(FUZZ_BUILD))/fuzz FUZZ_SECONDS=$(1) FUZZ_KEEP=$(2) \
	FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:strict_string_checks=1 \
	LSAN_OPTIONS=suppressions=$(abspath tests/sanitize)/lsan.supp \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	prove -v -e "timeout $$to" tests/fuzz/fuzz-run.t; \
	rc=$$?; echo "fuzz: prove exited $$rc, $$(( $$(date +%s) - start )) s"; exit $$rc

fuzz-ci: fuzz-build
	$(call fuzz_run,$(FUZZ_CI_TIME),0)

fuzz: fuzz-build
	$(call fuzz_run,$(FUZZ_TIME),1)
.PHONY: fuzz fuzz-ci

-include $(wildcard $(BUILD)/obj/tests/fuzz/*.d)
