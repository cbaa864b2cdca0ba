/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: reclaim after a limit is lowered below usage
 * (src/cgroup/reclaim.c).
 */
#ifndef DMEM_CGROUP_RECLAIM_H
#define DMEM_CGROUP_RECLAIM_H

#include <linux/types.h>

#include "dmem_files.h"

/* memcg's MAX_RECLAIM_RETRIES: passes in a row without progress */
#define DMEM_RECLAIM_RETRIES	16

/**
 * dmem_reclaim_after_write() - reclaim each region a successful write of
 * a limit file named, down to the limit.
 * @cg: the cgroup written (referenced by the caller)
 * @file: the file written
 * @buf: the bytes written (already applied), not necessarily
 *	NUL-terminated
 * @len: their number
 *
 * Only for dmem.max and dmem.high (other files are ignored).  For each
 * "<region> <value>" line, while the cgroup's usage in that region is
 * above its limit (read again before every pass: a concurrent write or
 * rmdir may raise it), runs reclaim passes of the TTM side; stops after
 * DMEM_RECLAIM_RETRIES passes in a row without progress, at a pending
 * signal, or when the region or the module goes away.  Never fails (as
 * memory.max): the limit is already stored.  May sleep for long.
 *
 * Return: nothing.
 */
void dmem_reclaim_after_write(struct dmem_cg *cg, enum dmem_file file,
			      const char *buf, size_t len);

#endif /* DMEM_CGROUP_RECLAIM_H */
