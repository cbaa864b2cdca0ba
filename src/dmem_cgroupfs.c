// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: cgroupfs interface (placeholder, being written).
 */
#include "dmem_cgroupfs.h"

int dmem_cgroupfs_init(void)
{
	return 0;
}

void dmem_cgroupfs_exit(void)
{
}
