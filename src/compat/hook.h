/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the hook engine moved to src/hook/hook.h.  This forward
 * stays only until the cgroup glue includes the new path (issue 16); it
 * holds no version knowledge.
 */
#include "hook/hook.h"
