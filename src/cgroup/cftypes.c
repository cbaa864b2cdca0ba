// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the dmem.* files in cgroupfs, built from the core's table.
 *
 * One cftype per row of dmem_file_types[] (src/dmem_files.c), filled in at
 * init: its name, CFTYPE_ONLY_ON_ROOT or CFTYPE_NOT_ON_ROOT from the row's
 * @where, a write handler if the row has a @write, and the row's index in
 * @private.  Showing and writing go through the core (dmem_show(),
 * dmem_write_limits()) with the cgroup's state; a successful write of a
 * limit then reclaims down to it (src/cgroup/reclaim.c), except with
 * O_NONBLOCK.
 *
 * The files are added to the host controller with cgroup_add_dfl_cftypes()
 * and removed with cgroup_rm_cftypes(), which are not exported: both are
 * reached through redirected stubs (src/hook/hook.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/fs.h>
#include <linux/kernfs.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "cgroup/cftypes.h"
#include "cgroup/reclaim.h"
#include "cgroup/state.h"
#include "dmem_files.h"
#include "hook/hooks.h"

/* ---- show / write ------------------------------------------------------ */

struct dmem_seq_printer {
	struct dmem_printer p;
	struct seq_file *sf;
};

static void dmem_seq_puts(struct dmem_printer *p, const char *s)
{
	seq_puts(container_of(p, struct dmem_seq_printer, p)->sf, s);
}

/*
 * The dmem.* files exist wherever the host controller is enabled, but
 * upstream has them only where the cgroup has a dmem css.  Elsewhere
 * open() fails with ENOENT as for a missing file, and an fd opened before
 * "-dmem" fails with ENODEV as one of a removed file.
 */
static bool dmem_file_cgroup_has_css(struct cgroup *cgrp)
{
	bool ret;

	rcu_read_lock();
	ret = dmem_has_css(cgrp);
	rcu_read_unlock();
	return ret;
}

static int dmem_file_open(struct kernfs_open_file *of)
{
	return dmem_file_cgroup_has_css(of_css(of)->cgroup) ? 0 : -ENOENT;
}

static int dmem_file_show(struct seq_file *sf, void *v)
{
	struct dmem_seq_printer printer = {
		.p.puts = dmem_seq_puts,
		.sf = sf,
	};
	struct cgroup *cgrp = seq_css(sf)->cgroup;
	struct dmem_cgstate *dc;

	if (!dmem_file_cgroup_has_css(cgrp))
		return -ENODEV;
	dc = dmem_cgstate_find(cgrp);
	dmem_show(dc ? &dc->cg : &dmem_empty_cg, seq_cft(sf)->private,
		  &printer.p);
	if (dc)
		dmem_cg_put(&dc->cg);
	return 0;
}

static ssize_t dmem_file_write(struct kernfs_open_file *of, char *buf,
			       size_t nbytes, loff_t off)
{
	struct cgroup *cgrp = of_css(of)->cgroup;
	struct dmem_cgstate *dc;
	int err;

	if (!dmem_file_cgroup_has_css(cgrp))
		return -ENODEV;
	dc = dmem_cgstate_get(cgrp);
	if (IS_ERR(dc))
		return PTR_ERR(dc);
	err = dmem_write_limits(&dc->cg, of_cft(of)->private, buf, nbytes);
	/* a lowered limit is stored; reclaim unless O_NONBLOCK (seed 000) */
	if (!err && !(of->file->f_flags & O_NONBLOCK))
		dmem_reclaim_after_write(&dc->cg, of_cft(of)->private, buf,
					 nbytes);
	dmem_cg_put(&dc->cg);
	return err ?: nbytes;
}

/* ---- the cftype array --------------------------------------------------- */

/*
 * Registered with cgroup core from init to exit, so static; the last
 * entry stays zeroed: the terminator cgroup core looks for.
 */
static struct cftype dmem_cftypes[DMEM_FILE_COUNT + 1];

/* Fill dmem_cftypes[] from the core's table.  Return: 0 or -EINVAL. */
static int dmem_cftypes_build(void)
{
	unsigned int i;

	memset(dmem_cftypes, 0, sizeof(dmem_cftypes));
	for (i = 0; i < DMEM_FILE_COUNT; i++) {
		const struct dmem_file_type *ft = &dmem_file_types[i];
		struct cftype *cft = &dmem_cftypes[i];

		if (strscpy(cft->name, ft->name, sizeof(cft->name)) < 0) {
			pr_err("file name %s longer than %zu characters\n",
			       ft->name, sizeof(cft->name) - 1);
			return -EINVAL;
		}
		cft->flags = CFTYPE_NO_PREFIX;
		if (ft->where == DMEM_FILE_ROOT_ONLY)
			cft->flags |= CFTYPE_ONLY_ON_ROOT;
		else if (ft->where == DMEM_FILE_NOT_ROOT)
			cft->flags |= CFTYPE_NOT_ON_ROOT;
		cft->private = i;
		cft->open = dmem_file_open;
		cft->seq_show = dmem_file_show;
		if (ft->write)
			cft->write = dmem_file_write;
	}
	return 0;
}

/* ---- hooks: adding and removing cftypes --------------------------------- */

/* Not exported: called through stubs (src/hook/hook.h), group CGROUP_FILES. */
DMEM_HOOK_DEFINE_STUB(cgroup_add_dfl_cftypes, "cgroup_add_dfl_cftypes", int,
		      -EOPNOTSUPP, struct cgroup_subsys *ss,
		      struct cftype *cfts);
DMEM_HOOK_DEFINE_STUB(cgroup_rm_cftypes, "cgroup_rm_cftypes", int,
		      -EOPNOTSUPP, struct cftype *cfts);

/* ---- init / exit -------------------------------------------------------- */

int dmem_cftypes_init(void)
{
	int err;

	err = dmem_cftypes_build();
	if (err)
		return err;
	err = dmem_hooks_install(DMEM_HOOKS_CGROUP_FILES);
	if (err)
		return err;
	err = orig_cgroup_add_dfl_cftypes(dmem_host, dmem_cftypes);
	if (err) {
		pr_err("cannot add dmem.* files to the %s controller (%d)\n",
		       dmem_host->name, err);
		dmem_hooks_remove(DMEM_HOOKS_CGROUP_FILES);
	}
	return err;
}

void dmem_cftypes_exit(void)
{
	/* removes the files and waits for their readers and writers */
	orig_cgroup_rm_cftypes(dmem_cftypes);
	dmem_hooks_remove(DMEM_HOOKS_CGROUP_FILES);
}
