// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the pure core (placeholder until the core work lands).
 */
#include "dmem_core.h"
