# SPDX-License-Identifier: BSD-2-Clause
#
# Scriptoki — one non-recursive Makefile. Component fragments (*.mk) are included below;
# each appends to the shared variables:
#   TEST_PROGS    compiled TAP tests, built as build/t/tNNNN-name.t
#   SCRIPT_TESTS  TAP test scripts (executable, shebang), tests/**/tNNNN-name.t
#   CHECK_DEPS    anything a test needs built first (helpers, the virtual token, …)
#
# Targets: all (default), generate, check-generated, check, demo, bench, clean, deps.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

PYTHON   ?= /usr/bin/python3
CC       ?= cc
BUILD    := build
WERROR   ?= -Werror
# SANITIZE=address,undefined (or thread) builds everything with that sanitizer; give it
# its own BUILD=dir so that build/ stays as it is (make check-asan, check-tsan do).
# UBSan stops at its first report, so a report fails the test.
# TEST_TIMEOUT bounds each test file (prove runs every file under timeout).
# CHECK_ONLY=PREFIXES (e.g. "t2 t5") runs only the tests whose file name starts so.
TEST_TIMEOUT ?= 600
SANITIZE ?=
CHECK_ONLY ?=
SAN_CFLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
             $(if $(findstring undefined,$(SANITIZE)),-fno-sanitize-recover=undefined))

PKGS       := libcrypto lua5.4 libpcsclite
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wformat=2 -Wvla $(WERROR)
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) \
             $(SAN_CFLAGS) -Igenerated -Iruntime
ALL_LDFLAGS = $(LDFLAGS) $(if $(SANITIZE),-fsanitize=$(SANITIZE))

TEST_PROGS   :=
SCRIPT_TESTS :=
CHECK_DEPS   :=

# --- Debian packages -----------------------------------------------------------------
# Every make that builds or tests runs tools/ensure-deps first, while this file is read, so
# that the $(shell pkg-config ...) and compiler probes of the fragments below already see
# the packages and no rule can run before them. As root it installs what is missing;
# otherwise it prints the one apt-get line and make stops. It asks dpkg every time, so a
# package removed since the last build is installed again (no stamp file can hide it).
# The build set for the module and the generated files; the test set, a superset, for
# anything else (check, demo, bench, a single test program); nothing for clean and
# uninstall, nor for make -n / -q.
deps_none  := clean uninstall
deps_build := all generate check-generated codegen-golden install $(BUILD)/scriptoki-pkcs11.so
deps_goals := $(or $(MAKECMDGOALS),all)
deps_sets  := $(if $(filter-out $(deps_none),$(deps_goals)),build) \
              $(if $(filter-out $(deps_none) $(deps_build),$(deps_goals)),test)
deps_flags := $(filter-out --%,$(firstword $(MAKEFLAGS)))
deps_dry   := $(findstring n,$(deps_flags))$(findstring q,$(deps_flags))
ifneq ($(strip $(deps_sets)),)
ifeq ($(deps_dry),)
$(shell tools/ensure-deps $(deps_sets) >&2)
ifneq ($(.SHELLSTATUS),0)
$(error tools/ensure-deps $(strip $(deps_sets)) failed (see above))
endif
endif
endif
# Once a stamp file that the objects depended on; the check above replaces it. Empty, and
# kept for the fragments that still name it.
DEPS_STAMP :=

# the same check as a target (make check depends on it)
deps:
	@tools/ensure-deps test
.PHONY: deps

# --- components --------------------------------------------------------------------
include codegen/codegen.mk
include runtime/runtime.mk
include tests/tests.mk
include tests/vtoken/vtoken.mk
include tests/rig/rig.mk
include tests/lb/lb.mk
include tests/api/api.mk
include tests/crypto/crypto.mk
include cli/cli.mk
include tools/package.mk
include tests/shim/shim.mk
include tests/sanitize/sanitize.mk
include tests/fuzz/fuzz.mk

all: $(MODULE)
.PHONY: all

# --- tests -------------------------------------------------------------------------
# prove exits 0 when it ran no test file at all; refuse that here. The tests find the
# module and the helpers in $$BUILD (tests/module.h, tests/rig/tap.sh, with-tokens). Every
# test runs with the return-code check on (runtime/rvcheck.c): a code outside a function's
# returns: list in spec/functions.yaml aborts the process, failing the test that caused it.
# TESTS="t0005 t91" runs only the tests whose names start so (CHECK_ONLY is the same).
TESTS ?= $(CHECK_ONLY)
check_tests = $(if $(strip $(TESTS)),$(foreach t,$(TEST_PROGS) $(SCRIPT_TESTS),$(if \
                $(filter $(addsuffix %,$(TESTS)),$(notdir $(t))),$(t))),$(TEST_PROGS) $(SCRIPT_TESTS))
check: check-generated deps $(MODULE) $(TEST_PROGS) $(CHECK_DEPS)
	@tests=$$(for t in $(check_tests); do echo "$$(basename $$t) $$t"; done \
	          | sort | cut -d' ' -f2); \
	 if [ -z "$$tests" ]; then echo "check: no tests found" >&2; exit 1; fi; \
	 BUILD=$(abspath $(BUILD)) SCRIPTOKI_CHECK_RETURNS=abort \
		prove -e 'timeout $(TEST_TIMEOUT)' $(PROVE_FLAGS) $$tests
.PHONY: check

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
.PHONY: clean
