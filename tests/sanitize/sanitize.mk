# SPDX-License-Identifier: BSD-2-Clause
#
# The suite under sanitizers, each in its own build folder (build/ is left alone):
#
#   make check-asan   AddressSanitizer (leaks too) + UndefinedBehaviorSanitizer: the module,
#                     the bridge, the crypto layer, every helper and test program of the
#                     t1/t2/t3/t4/t5/t7/t9 families (ASAN_CHECK_ONLY), built in build-asan/
#   make check-tsan   ThreadSanitizer on the tests that run threads or fork (TSAN_CHECK_ONLY),
#                     built in build-tsan/
#   SAN_PROVE_FLAGS   prove's options for both (default -j2)
#
# Both use the system compiler (gcc: its sanitizer runtimes are shared libraries, so the
# dlopen'ed module links against them and -z defs holds). Every process writes its reports
# to BUILD/san/ (log_path), so a report from a helper whose exit status no test looks at
# (the virtual token, a probe in a pipeline) fails the target too: it fails when prove
# fails or when any report file exists, and prints the reports.
#
# Not under ASan: t0xxx (Python codegen; the C it compiles is covered by the rest), t3006
# (the benchmark: timings under ASan mean nothing) and t6xxx (foreign consumers: pkcs11-tool,
# p11-kit, OpenSSL's engines, ssh, NSS, Java load the module into programs not built with
# ASan; that needs the runtime preloaded into each of them, and their own leaks and errors
# would be reported as ours). t3007 (the demo) and t7003, t5203, which run pkcs11-tool
# on the module, get pkcs11-tool through tests/sanitize/bin/, which preloads the runtime
# only when it loads the module of this build.

ASAN_BUILD      := build-asan
TSAN_BUILD      := build-tsan
ASAN_SANITIZE   := address,undefined
ASAN_CHECK_ONLY ?= t1 t2 t3001 t3002 t3003 t3004 t3005 t3007 t3008 t31 t4 t5 t7 t9
# every compiled t5/t7 test that starts threads or forks (found by what it calls, so a new
# one is picked up), and t5003 (the application's own lock callbacks); not (TSAN_NOT) those
# that fork only to run OpenSC's pkcs11-tool on this build's module, which a process
# without the TSan runtime cannot load (t7301), nor t7002, whose children fork from a
# parent with the module's reader monitor running and finalise OpenSSL: Debian 12's
# libtsan (GCC 12) does not hold its internal allocator's lock across fork, so a child
# forked while another thread had it spins on it for ever in dlclose (seen 3 times in 20
# runs under load; the backtrace ends in __sanitizer::InternalFree). Plain and ASan runs
# keep t7002; t5004 forks under TSan without other threads.
TSAN_NOT        ?= t7301 t7002
TSAN_CHECK_ONLY ?= t5003 $(filter-out $(addsuffix -%,$(TSAN_NOT)),$(basename $(notdir $(shell grep -lw \
                                      -e pthread_create -e fork tests/t5*.c tests/t7*.c \
                                      2>/dev/null))))
SAN_SUPP        := $(abspath tests/sanitize)
# two test files at a time: the suite runs in parallel (private rigs), and the sanitizers
# slow every process down by 2-5x
SAN_PROVE_FLAGS ?= -j2

# the shared runtime gcc links the module against, for programs not built with it
SAN_ASAN_RT = $(shell $(CC) -print-file-name=libasan.so)

SAN_ENV_asan = \
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:strict_string_checks=1:fast_unwind_on_malloc=0:log_exe_name=1:log_path=$(abspath $(ASAN_BUILD))/san/asan \
	LSAN_OPTIONS=suppressions=$(SAN_SUPP)/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_exe_name=1:log_path=$(abspath $(ASAN_BUILD))/san/ubsan \
	SAN_PRELOAD=$(SAN_ASAN_RT) SAN_MODULE=$(abspath $(ASAN_BUILD))/scriptoki-pkcs11.so \
	PATH=$(SAN_SUPP)/bin:$$PATH
SAN_ENV_tsan = \
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:log_exe_name=1:suppressions=$(SAN_SUPP)/tsan.supp:log_path=$(abspath $(TSAN_BUILD))/san/tsan

# $(call san_check,asan|tsan,BUILD,SANITIZE,CHECK_ONLY)
define san_check
	@rm -rf $(2)/san && mkdir -p $(2)/san
	@start=$$(date +%s); \
	 $(SAN_ENV_$(1)) $(MAKE) --no-print-directory BUILD=$(2) SANITIZE=$(3) \
		CHECK_ONLY="$(4)" PROVE_FLAGS="$(SAN_PROVE_FLAGS)" check; rc=$$?; \
	 reports=$$(ls $(2)/san); \
	 for r in $$reports; do echo "=== $(2)/san/$$r"; cat "$(2)/san/$$r"; done; \
	 echo "check-$(1): prove exited $$rc, $$(echo $$reports | wc -w) sanitizer report(s)," \
	      "$$(( $$(date +%s) - start )) s"; \
	 [ "$$rc" = 0 ] && [ -z "$$reports" ]
endef

check-asan:
	$(call san_check,asan,$(ASAN_BUILD),$(ASAN_SANITIZE),$(ASAN_CHECK_ONLY))

check-tsan:
	$(call san_check,tsan,$(TSAN_BUILD),thread,$(TSAN_CHECK_ONLY))

.PHONY: check-asan check-tsan
