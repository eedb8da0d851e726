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

.PHONY: all modules one clean deps check demo lint install uapi bench

all: modules uapi

modules:
	$(MAKE) $(KBUILD_ARGS) modules

# Build a single module directory, e.g. "make one DIR=vfio/type1", while the
# others are still being written. Symbols from sibling modules only warn.
one:
	$(MAKE) -C $(KDIR) M=$(TOP)/$(DIR) W=$(W) KBUILD_MODPOST_WARN=1 \
		NOSTDINC_FLAGS="-nostdinc -I$(TOP)/include" modules

uapi:
	$(MAKE) -C $(TOP)/tests/uapi

clean:
	$(MAKE) $(KBUILD_ARGS) clean
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
	$(TOP)/tests/vm/run --timeout 600 -- $(TOP)/tests/vm/scenarios/mtty-nested.sh

# Side-by-side benchmark against the distro's in-kernel VFIO stack, in one
# guest; see docs/bench.rst.
bench:
	$(TOP)/bench/run
