# SPDX-License-Identifier: BSD-2-Clause
#
# Compiled tests of the module (t09xx cross-checks, t5xxx through the PKCS#11 API) and
# script tests of real consumers (t6xxx). Each tests/tNNNN-name.c becomes
# build/t/tNNNN-name.t; the module is always loaded with dlopen(), as applications do.

TEST_CFLAGS = $(ALL_CFLAGS) -Itests -I$(BUILD)/gen

MODULE_TESTS := $(basename $(notdir $(wildcard tests/t5*.c tests/t7*.c)))
TEST_PROGS   += $(MODULE_TESTS:%=$(BUILD)/t/%.t)
SCRIPT_TESTS += $(wildcard tests/t5*.t tests/t6*.t tests/t7*.t)
# the token scripts (t9xxx): transcripts and end-to-end runs through build/sk-script
SCRIPT_TESTS += $(wildcard tests/t9*.t)

$(MODULE_TESTS:%=$(BUILD)/t/%.t): $(BUILD)/t/%.t: tests/%.c tests/tap.h tests/module.h tests/files.h \
		$(GENERATED_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -ldl -lpthread

# t1xxx: pieces of the runtime linked in directly (lock.c's counters and fences, with
# util.c beneath them)
UNIT_TESTS := $(basename $(notdir $(wildcard tests/t1*.c)))
TEST_PROGS += $(UNIT_TESTS:%=$(BUILD)/t/%.t)

UNIT_OBJS := $(BUILD)/obj/runtime/lock.o $(BUILD)/obj/runtime/util.o
$(UNIT_TESTS:%=$(BUILD)/t/%.t): $(BUILD)/t/%.t: tests/%.c tests/tap.h runtime/lock.h \
		$(UNIT_OBJS) $(GENERATED_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(UNIT_OBJS) $(ALL_LDFLAGS) -lpthread

# --- the independent cross-check against headers other projects ship in Debian -------
# For each foreign header: its CK*_ macros (gcc -dM) and the structs it defines become a
# generated table compiled against that header; ours come from the same spec-generated
# probe compiled against generated/cryptoki.h. The driver compares the two.
XCHECK_HEADERS := p11kit nss
XCHECK_CFLAGS_p11kit := $(shell pkg-config --cflags p11-kit-1 2>/dev/null)
XCHECK_INCLUDE_p11kit := p11-kit/pkcs11.h
XCHECK_VERSION_p11kit := 240
XCHECK_CFLAGS_nss := $(shell pkg-config --cflags nss 2>/dev/null)
XCHECK_INCLUDE_nss := pkcs11.h
XCHECK_VERSION_nss := 300

TEST_PROGS += $(BUILD)/t/t0901-xcheck-p11kit.t $(BUILD)/t/t0902-xcheck-nss.t

$(BUILD)/gen/foreign-%.inc: tests/xcheck/foreign.py generated/sk_probe.inc $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -E -dD $(XCHECK_CFLAGS_$*) -include $(XCHECK_INCLUDE_$*) -x c /dev/null > $@.cpp
	$(PYTHON) tests/xcheck/foreign.py $@.cpp generated/sk_probe.inc > $@
	@rm -f $@.cpp

$(BUILD)/t/obj/xcheck-ours.o: tests/xcheck/ours.c tests/xcheck/xcheck.h $(GENERATED_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/t/obj/xcheck-%.o: tests/xcheck/theirs.c tests/xcheck/xcheck.h $(BUILD)/gen/foreign-%.inc
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-deprecated-declarations -Itests -Itests/xcheck -Igenerated \
		$(XCHECK_CFLAGS_$*) -DXC_INCLUDE='<$(XCHECK_INCLUDE_$*)>' \
		-I$(BUILD)/gen -DXC_FOREIGN='"foreign-$*.inc"' -DXC_NAME='"$*"' \
		-DXC_EXCEPTIONS='"tests/xcheck/exceptions-$*.txt"' -c -o $@ $<

$(BUILD)/t/t0901-xcheck-p11kit.t: $(BUILD)/t/obj/xcheck-p11kit.o
$(BUILD)/t/t0902-xcheck-nss.t: $(BUILD)/t/obj/xcheck-nss.o
$(BUILD)/t/t090%.t: $(BUILD)/t/obj/xcheck-ours.o tests/xcheck/driver.c $(BUILD)/obj/generated/sk_names.o
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ tests/xcheck/driver.c $(filter %.o,$^) $(ALL_LDFLAGS)

# t7xxx reliability tests use the rig helpers of tests/api/api.h too
$(patsubst %,$(BUILD)/t/%.t,$(basename $(notdir $(wildcard tests/t7*.c)))): \
	tests/api/api.h tests/api/drop.h tests/api/drop_objs.h tests/api/drop_token.h generated/sk_names.c generated/sk_names.h
