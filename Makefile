# SPDX-License-Identifier: GPL-2.0-only
# User targets of mdev-sdk. The object lists live in Kbuild files.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KVER ?= $(shell $(TOP)/scripts/kver 2>/dev/null)
KDIR ?= $(if $(wildcard /lib/modules/$(shell uname -r)/build),/lib/modules/$(shell uname -r)/build,/usr/src/linux-headers-$(KVER))
W ?= 1

# Our include/ must win over the kernel's include/linux/{vfio,mdev}.h;
# ccflags-y comes after LINUXINCLUDE, so use NOSTDINC_FLAGS as backports do.
KBUILD_ARGS := -C $(KDIR) M=$(TOP) W=$(W) \
	NOSTDINC_FLAGS="-nostdinc -I$(TOP)/include"

# The debug guest kernel (tests/vm/debug-kernel), once its build is cached.
DEBUG_KDIR := $(shell $(TOP)/tests/vm/debug-kernel --cached 2>/dev/null)

.PHONY: all modules debug-modules one clean deps check demo lint install uapi bench

all: modules uapi $(if $(DEBUG_KDIR),debug-modules)

modules:
	$(MAKE) $(KBUILD_ARGS) modules

# Modules for another kernel go to out/RELEASE/, where scripts/load looks
# first. 6.1's kbuild writes objects next to their sources, so that tree
# is a farm of symlinks to ours, refreshed on every build.
MIRRORED := Kbuild $(shell cd $(TOP) && find iommufd vfio sdk samples tests/fixture \
	bench -name Kbuild -o -name '*.[ch]' ! -name '*.mod.c')

debug-modules:
	@test -n "$(DEBUG_KDIR)" || { echo "no debug kernel built (tests/vm/debug-kernel)"; exit 1; }
	$(eval OUT := $(TOP)/out/$(shell cat $(DEBUG_KDIR)/include/config/kernel.release))
	@mkdir -p $(OUT)
	@cd $(OUT) && for f in $(MIRRORED); do \
		mkdir -p "$$(dirname "$$f")" && ln -sfn "$(TOP)/$$f" "$$f"; done
	@find $(OUT) -xtype l -delete
	$(MAKE) -C $(DEBUG_KDIR) M=$(OUT) W=$(W) \
		NOSTDINC_FLAGS="-nostdinc -I$(TOP)/include" modules

# Build a single module directory, e.g. "make one DIR=vfio/type1", while the
# others are still being written. Symbols from sibling modules only warn.
one:
	$(MAKE) -C $(KDIR) M=$(TOP)/$(DIR) W=$(W) KBUILD_MODPOST_WARN=1 \
		NOSTDINC_FLAGS="-nostdinc -I$(TOP)/include" modules

uapi:
	$(MAKE) -C $(TOP)/tests/uapi

clean:
	$(MAKE) $(KBUILD_ARGS) clean
	rm -rf $(TOP)/out
	$(MAKE) -C $(TOP)/tests/uapi clean

deps:
	$(TOP)/scripts/deps

lint:
	$(TOP)/scripts/lint

install: modules
	$(MAKE) $(KBUILD_ARGS) INSTALL_MOD_DIR=updates/mdev-sdk modules_install
	install -D -m 0644 $(TOP)/scripts/mdev-sdk-blacklist.conf \
		$(DESTDIR)/etc/modprobe.d/mdev-sdk-blacklist.conf
	$(TOP)/scripts/udev/install $(DESTDIR)

check:
	$(TOP)/tests/check

# The main job: mdevctl starts an mtty-2 device in a guest and hands it to a
# nested QEMU whose stock 8250_pci driver runs a loopback through it.
demo:
	$(TOP)/scripts/deps
	$(MAKE) -C $(TOP) modules uapi
	$(TOP)/tests/vm/run --timeout 600 -- $(TOP)/tests/vm/scenarios/mtty-nested.sh qemu7.2

# Side-by-side benchmark against the distro's in-kernel VFIO stack, in one
# guest; see docs/bench.rst.
bench:
	$(TOP)/bench/run
