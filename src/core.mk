# SPDX-License-Identifier: GPL-2.0
#
# dmem-backport: the pure core, the one list of its files (paths relative
# to the repository root).  The core knows nothing of kernel versions,
# TTM or cgroupfs; it builds into the module and, through
# tests/user/port_user.h, into userspace tests.
#
# Users: the top Makefile (module objects), tests/user/Makefile (test,
# tsan, fuzz, bench), scripts/kunit-hook.sh.  White-box tests that reach
# the core's static functions and variables (tests/user/main.c,
# tests/user/bench.c, kunit/dmem_core_whitebox.c, kunit/dmem_core_oot.c)
# compile the whole core as one translation unit by including
# src/dmem_core_unity.h, which #includes these same sources; `make -C
# tests/user test` fails if the two lists differ.
#
# Adding a core source: one word here and one #include there.

DMEM_CORE_SRCS := src/dmem_core.c \
		  src/dmem_core_pool.c \
		  src/dmem_core_protect.c \
		  src/dmem_core_events.c \
		  src/dmem_files.c
DMEM_CORE_HDRS := include/dmem_core.h include/dmem_files.h \
		  include/dmem_port.h src/dmem_core_internal.h
DMEM_CORE_OBJS := $(DMEM_CORE_SRCS:.c=.o)
