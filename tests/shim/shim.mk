# SPDX-License-Identifier: BSD-2-Clause
#
# build/t/pcsc-attr-shim.so: an LD_PRELOAD stand-in for a reader driver that tells its
# vendor and version (t5111).

PCSC_ATTR_SHIM := $(BUILD)/t/pcsc-attr-shim.so

$(PCSC_ATTR_SHIM): tests/shim/pcsc-attr-shim.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(RIG_PCSC_CFLAGS) -fPIC -shared -o $@ $< $(ALL_LDFLAGS) -ldl

CHECK_DEPS += $(PCSC_ATTR_SHIM)
$(BUILD)/t/t5111-slot-info.t: $(PCSC_ATTR_SHIM)
