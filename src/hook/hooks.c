// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: installing and removing hooks by group, in the order of
 * the table in hook_table.h.
 */
#include <linux/kernel.h>

#include "hook/hooks.h"

/**
 * struct dmem_hook_row - one row of the table.
 * @group: when the hook is installed
 * @hook: the hook's record
 */
struct dmem_hook_row {
	enum dmem_hook_group group;
	struct dmem_hook *hook;
};

#define DMEM_HOOK_ROW(grp, id)	{ DMEM_HOOKS_##grp, &dmem_hook_##id },
static const struct dmem_hook_row dmem_hook_table[] = {
#include "hook/hook_table.h"
};

#undef DMEM_HOOK_ROW

/* Remove @group's hooks among the first @n rows, last row first. */
static void dmem_hooks_remove_rows(enum dmem_hook_group group, unsigned int n)
{
	while (n--)
		if (dmem_hook_table[n].group == group)
			dmem_hook_remove(dmem_hook_table[n].hook);
}

int dmem_hooks_install(enum dmem_hook_group group)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(dmem_hook_table); i++) {
		if (dmem_hook_table[i].group != group)
			continue;
		err = dmem_hook_install(dmem_hook_table[i].hook);
		if (err) {
			dmem_hooks_remove_rows(group, i);
			return err;
		}
	}
	return 0;
}

void dmem_hooks_remove(enum dmem_hook_group group)
{
	dmem_hooks_remove_rows(group, ARRAY_SIZE(dmem_hook_table));
}
