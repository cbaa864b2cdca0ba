# SPDX-License-Identifier: GPL-2.0
#
# dmem-backport: kbuild for the module, plus the developer targets
# (check, demo, bench, test-user, vmtest) when invoked directly.

ifneq ($(KERNELRELEASE),)
# ---------------------------------------------------------------- kbuild
obj-m := dmem_backport.o

dmem_backport-y := src/dmem_core.o \
		   src/dmem_main.o \
		   src/ttm_dmem.o \
		   src/ttm_dmem_evict.o \
		   src/compat/ttm_compat.o

ccflags-y += -I$(src)/include -I$(src)/src

else
# ---------------------------------------------------------------- developer
KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)

.PHONY: all modules clean check demo bench test-user vmtest

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

check:
	bash scripts/check.sh

demo:
	bash scripts/demo.sh

vmtest:
	bash tests/vm/run.sh --kver $(KVER) --test $(TEST)
endif
