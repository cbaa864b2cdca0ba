# SPDX-License-Identifier: GPL-2.0
#
# dmem-backport: kbuild for the module, plus the developer targets
# (check, demo, bench, test-user, vmtest) when invoked directly.

# kbuild reads this file with KBUILD_EXTMOD set.  (Not KERNELRELEASE: dkms
# passes KERNELRELEASE=<kver> on the command line of the top-level make.)
ifneq ($(KBUILD_EXTMOD),)
# ---------------------------------------------------------------- kbuild
# Refuse kernels that have the dmem controller themselves: mainline 6.14+
# and any kernel built with CONFIG_CGROUP_DMEM (vendor backports, e.g.
# deepin's 6.6).  CONFIG_* come from the kernel's auto.conf, which is
# read when building (not when cleaning); VERSION and PATCHLEVEL are
# exported by the kernel's top Makefile.
ifdef CONFIG_MODULES
dmem_native := $(if $(CONFIG_CGROUP_DMEM),CONFIG_CGROUP_DMEM=$(CONFIG_CGROUP_DMEM),$(shell \
	[ "$(VERSION)" -gt 6 ] 2>/dev/null || \
	{ [ "$(VERSION)" -eq 6 ] && [ "$(PATCHLEVEL)" -ge 14 ]; } 2>/dev/null && \
	echo "kernel $(VERSION).$(PATCHLEVEL) (mainline 6.14+)"))
ifneq ($(dmem_native),)
$(error dmem-backport: this kernel has its own dmem cgroup controller \
	($(dmem_native)); use it, this module is for 6.1-6.13 kernels without it)
endif
# src/compat/ selects TTM code by kernel version.  A vendor kernel whose
# TTM is a backport newer than its version (deepin's 6.6.y carries 6.12+
# LRU items and the 6.13 unevictable list in some revisions) would be
# handled as the wrong era: refuse it.  Header facts: struct ttm_lru_item
# (mainline 6.12), ttm_device.unevictable (mainline 6.13), and a TTM that
# charges dmem itself (mainline 6.14; deepin 6.6.y revisions with the dmem
# backport, even built without CONFIG_CGROUP_DMEM): our ttm_resource_alloc()
# hook has the 3-argument form and would drop the 4th.
dmem_ttm_h := $(srctree)/include/drm/ttm
dmem_kver := $(shell echo $$(( $(VERSION) * 256 + $(PATCHLEVEL) )) 2>/dev/null)
dmem_ttm_newer := $(shell \
	[ "$(dmem_kver)" -lt 1548 ] 2>/dev/null && \
	grep -qs 'struct ttm_lru_item {' $(dmem_ttm_h)/ttm_resource.h && \
	echo "struct ttm_lru_item (6.12)"; \
	[ "$(dmem_kver)" -lt 1549 ] 2>/dev/null && \
	grep -qs 'struct list_head unevictable;' $(dmem_ttm_h)/ttm_device.h && \
	echo "ttm_device.unevictable (6.13)"; \
	grep -qs 'struct dmem_cgroup' $(dmem_ttm_h)/ttm_resource.h && \
	echo "TTM charging dmem itself, ttm_resource_alloc() with a 4th argument (6.14)")
ifneq ($(dmem_ttm_newer),)
$(error dmem-backport: this $(VERSION).$(PATCHLEVEL) kernel has TTM from a later \
	series ($(strip $(dmem_ttm_newer))): a vendor backport this module does not support)
endif
endif

obj-m := dmem_backport.o

include $(src)/src/core.mk
dmem_backport-y := $(DMEM_CORE_OBJS) \
		   src/dmem_main.o \
		   src/cgroup/state.o \
		   src/cgroup/charge.o \
		   src/cgroup/cftypes.o \
		   src/cgroup/events.o \
		   src/cgroup/reclaim.o \
		   src/cgroup/subtree_control.o \
		   src/cgroup/cgroupfs.o \
		   src/hook/hook.o \
		   src/hook/hooks.o \
		   src/compat/ttm_evict_compat.o \
		   src/ttm/charge.o \
		   src/ttm/charge_map.o \
		   src/ttm/context.o \
		   src/ttm/device_walk.o \
		   src/ttm/dmem_charge.o \
		   src/ttm/init.o \
		   src/ttm/probe.o \
		   src/ttm/reclaim.o \
		   src/ttm/regions.o \
		   src/ttm_dmem_evict.o \
		   src/dmem_lockstat.o

ccflags-y += -I$(src)/include -I$(src)/src

# MODULE_VERSION comes from dkms.conf's PACKAGE_VERSION (single source).
DMEM_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(src)/dkms.conf)
ccflags-y += -DDMEM_VERSION='"$(DMEM_VERSION)"'

else
# ---------------------------------------------------------------- developer
KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)

.PHONY: all modules clean check demo bench profile test-user vmtest dist deb rpm test-package

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	$(MAKE) -C tests/user clean

test-user:
	$(MAKE) -C tests/user test

bench:
	bash scripts/bench.sh

# where the module's added instructions go, per kernel function (no test)
profile:
	bash scripts/profile.sh

check:
	bash scripts/check.sh

demo:
	bash scripts/demo.sh

vmtest:
	bash tests/vm/run.sh --kver $(KVER) --test $(TEST)

# Packaging (outputs under build/; version from dkms.conf)
dist:
	bash scripts/dist.sh tarball

deb:
	bash scripts/dist.sh deb

rpm:
	bash scripts/dist.sh rpm

test-package:
	bash scripts/test-package.sh
endif
