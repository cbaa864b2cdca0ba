// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the core compiled into the out-of-tree KUnit module
 * (kunit/Kbuild).  kbuild only builds objects below M=, so this pulls in
 * the core's sources (src/core.mk) through src/dmem_core_unity.h; the
 * in-tree KUnit build gets them from kunit/dmem_core_whitebox.c instead
 * (kunit/kunit.files).
 */
#include "../src/dmem_core_unity.h"
