// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: protection-aware TTM eviction (placeholder until the
 * eviction work lands).
 */
