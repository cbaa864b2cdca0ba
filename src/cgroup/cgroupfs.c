// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: init and exit of the cgroup glue, and the choice of the
 * host controller.
 *
 * A module cannot register a cgroup controller, so the dmem.* files are
 * added to an existing one, the "host" (memory by default, or io): they
 * physically exist wherever the host controller is enabled, and the rest
 * of the glue makes them appear only where upstream has a dmem css (see
 * src/cgroup/cgroupfs.h for the parts).  Nothing is enabled at load,
 * whatever the host's state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "cgroup/cftypes.h"
#include "cgroup/cgroupfs.h"
#include "cgroup/events.h"
#include "cgroup/state.h"
#include "cgroup/subtree_control.h"

static char *host = "memory";
module_param(host, charp, 0444);
MODULE_PARM_DESC(host,
		 "cgroup controller whose cgroupfs directories carry the dmem.* files and whose enabling enables dmem: \"memory\" (default) or \"io\"");

/*
 * The host controller named by the "host" parameter, if it is built in,
 * enabled (not cgroup_disable=) and on the cgroup2 hierarchy.
 */
static struct cgroup_subsys *dmem_pick_host(void)
{
	if (!strcmp(host, "memory")) {
#ifdef CONFIG_MEMCG
		if (!cgroup_subsys_enabled(memory_cgrp_subsys)) {
			pr_err("host controller memory is disabled (cgroup_disable=memory)\n");
			return NULL;
		}
		if (!cgroup_subsys_on_dfl(memory_cgrp_subsys)) {
			pr_err("host controller memory is bound to a cgroup v1 hierarchy; dmem needs it on cgroup2\n");
			return NULL;
		}
		return &memory_cgrp_subsys;
#endif
	} else if (!strcmp(host, "io")) {
#ifdef CONFIG_BLK_CGROUP
		if (!cgroup_subsys_enabled(io_cgrp_subsys)) {
			pr_err("host controller io is disabled (cgroup_disable=io)\n");
			return NULL;
		}
		if (!cgroup_subsys_on_dfl(io_cgrp_subsys)) {
			pr_err("host controller io is bound to a cgroup v1 hierarchy; dmem needs it on cgroup2\n");
			return NULL;
		}
		return &io_cgrp_subsys;
#endif
	} else {
		pr_err("host=%s: must be memory or io\n", host);
		return NULL;
	}
	pr_err("host controller %s is not built into this kernel\n", host);
	return NULL;
}

int dmem_cgroupfs_init(void)
{
	int err;

	dmem_host = dmem_pick_host();
	if (!dmem_host)
		return -ENODEV;
	err = dmem_cgstate_init();
	if (err)
		goto fail_host;
	err = dmem_events_init();
	if (err)
		goto fail_cgstate;
	err = dmem_cftypes_init();
	if (err)
		goto fail_events;
	err = dmem_subtree_control_init();
	if (err)
		goto fail_cftypes;
	return 0;

fail_cftypes:
	dmem_cftypes_exit();
fail_events:
	dmem_events_exit();
fail_cgstate:
	dmem_cgstate_exit();
fail_host:
	dmem_host = NULL;
	return err;
}

void dmem_cgroupfs_exit(void)
{
	dmem_subtree_control_exit();
	dmem_cftypes_exit();
	dmem_events_exit();
	dmem_cgstate_exit();
	dmem_host = NULL;
}
