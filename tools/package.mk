# SPDX-License-Identifier: BSD-2-Clause
#
# make deb     build/deb/scriptoki_<version>_<arch>.deb from debian/, with Debian's own tools
#              (dpkg-buildpackage + debhelper, unsigned), in a copy of the tree so that
#              nothing is written beside it. Debian packages: dpkg-dev, debhelper, fakeroot.
# make shell   an interactive shell beside a running virtual token (tests/rig/shell)

DEB_VERSION := $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
DEB_ARCH    := $(shell dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null)
DEB_FILE    := $(BUILD)/deb/scriptoki_$(DEB_VERSION)_$(DEB_ARCH).deb

deb:
	@for t in dpkg-buildpackage dh fakeroot; do command -v $$t >/dev/null || \
		{ echo "make deb: $$t is missing (apt-get install dpkg-dev debhelper fakeroot)" >&2; \
		  exit 1; }; done
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	tar -c --exclude=./$(BUILD) --exclude=./.git --exclude='./.*' . | tar -x -C $(BUILD)/deb/src
	cd $(BUILD)/deb/src && dpkg-buildpackage -b -us -uc -j2 --no-sign >../build.log 2>&1 || \
		{ tail -n 40 ../build.log >&2; exit 1; }
	@test -f $(DEB_FILE) && echo "$(DEB_FILE)"
.PHONY: deb

shell: all $(RIG_HELPERS) $(RIG_VTOKEN)
	@tools/ensure-deps test
	@tests/rig/shell $(if $(SHELL_STATE),--state "$(SHELL_STATE)")
.PHONY: shell
