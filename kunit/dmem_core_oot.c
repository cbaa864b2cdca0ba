// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the core compiled into the out-of-tree KUnit module
 * (kunit/Kbuild).  kbuild only builds objects below M=, so this pulls in
 * src/dmem_core.c; the in-tree KUnit build compiles src/dmem_core.c itself
 * instead (kunit/kunit.files).
 */
#include "../src/dmem_core.c"
#include "../src/dmem_files.c"
