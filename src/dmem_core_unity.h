/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: test-only include point, the whole pure core as one
 * translation unit.
 *
 * White-box tests (tests/user/main.c, tests/user/bench.c,
 * kunit/dmem_core_whitebox.c, kunit/dmem_core_oot.c) check private
 * invariants and call static helpers, so they compile the core sources
 * into their own file instead of linking them: they include this header,
 * never a core .c file, so that splitting the core changes only this
 * list.  It mirrors DMEM_CORE_SRCS in src/core.mk (the module and the
 * fuzzer build from that list); `make -C tests/user test` checks that
 * both name the same files.  Never included by the module.
 */
#ifndef DMEM_CORE_UNITY_H
#define DMEM_CORE_UNITY_H

#include "dmem_core.c"
#include "dmem_core_pool.c"
#include "dmem_core_protect.c"
#include "dmem_core_events.c"
#include "dmem_files.c"

#endif /* DMEM_CORE_UNITY_H */
