/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: protection-aware eviction (src/ttm_dmem_evict.c), as
 * called by the eviction hook of the running kernel's TTM era
 * (src/compat/ttm_evict_compat.c).
 */
#ifndef DMEM_TTM_EVICT_H
#define DMEM_TTM_EVICT_H

#include "compat/ttm_compat.h"

/**
 * dmem_ttm_evict_passes() - the replacement of the era's eviction
 * function, shared by both eras.
 * @man: the manager being evicted from
 * @call: the hooked call; run the kernel's function with
 *	ttm_compat_evict_orig(@call)
 *
 * Runs a pass over buffers above their dmem.high (when a pool of the
 * region is above its high), then, if that found nothing, one that
 * respects dmem.min and dmem.low and, if it found nothing only because of
 * low, one that ignores low; may refuse to evict at all while probing
 * (aggressive protection).
 *
 * Return: as the era's eviction function.
 */
s64 dmem_ttm_evict_passes(struct ttm_resource_manager *man,
			  struct ttm_compat_evict *call);

#endif /* DMEM_TTM_EVICT_H */
