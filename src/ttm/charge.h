/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: charging TTM VRAM allocations (src/ttm/charge.c).
 */
#ifndef DMEM_TTM_CHARGE_H
#define DMEM_TTM_CHARGE_H

#include "ttm/charge_map.h"

/**
 * dmem_ttm_uncharge() - undo a tracked charge and free its record.
 * @c: the record, already out of the map (dmem_ttm_untrack())
 *
 * Any context.
 */
void dmem_ttm_uncharge(struct dmem_ttm_charge *c);

#endif /* DMEM_TTM_CHARGE_H */
