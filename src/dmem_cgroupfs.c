// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: cgroupfs interface and per-cgroup state.
 *
 * A module cannot register a cgroup controller, so the dmem.* files are
 * added to an existing one, the "host" (memory by default, or io): they
 * appear exactly where the host controller is enabled.  To let tools made
 * for upstream enable "dmem" the usual way, cgroup.controllers and
 * cgroup.subtree_control list "dmem" wherever the host is listed, and
 * "+dmem" written to cgroup.subtree_control enables the host ("-dmem" is
 * accepted and leaves the host alone).
 *
 * Kernel functions used that are not exported, all reached through
 * src/compat/hook.c (never through a function pointer):
 *  - cgroup_add_dfl_cftypes(), cgroup_rm_cftypes(): called through
 *    redirected stubs;
 *  - cgroup_controllers_show(), cgroup_subtree_control_show(),
 *    cgroup_subtree_control_write() (static, reached by cgroup core through
 *    its cftype table): redirected into our wrappers, which call the
 *    originals through redirected stubs and edit their output or input.
 *
 * Per-cgroup state: struct dmem_cgroup (embedding the core's struct
 * dmem_cg) in a hash table keyed by struct cgroup *, looked up under RCU,
 * created on first charge or limit write together with its ancestors.  The
 * cgroup_rmdir tracepoint resets its limits, the cgroup_release tracepoint
 * (the struct cgroup is about to be freed) drops it.  Both probes run in
 * atomic context and defer their work to our workqueue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/kernfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "dmem_cgroupfs.h"
#include "compat/hook.h"

static char *host = "memory";
module_param(host, charp, 0444);
MODULE_PARM_DESC(host,
		 "cgroup controller whose cgroupfs directories carry the dmem.* files and whose enabling enables dmem: \"memory\" (default) or \"io\"");

/* The host controller chosen at load time. */
static struct cgroup_subsys *dmem_host;

/* ---- per-cgroup state -------------------------------------------------- */

/**
 * struct dmem_cgroup - our state for one struct cgroup.
 * @cg: the core's per-cgroup state; its reference count owns this object.
 * @cgrp: the cgroup (not referenced: the release tracepoint tells us when
 *	it goes away, and we drop the object then).
 * @node: entry in dmem_cgroups, while hashed.
 * @offline_work: resets the limits after rmdir.
 * @release_work: drops the hash table's reference after release.
 * @rcu: frees the object after RCU readers are done.
 */
struct dmem_cgroup {
	struct dmem_cg cg;
	struct cgroup *cgrp;
	struct hlist_node node;
	struct work_struct offline_work;
	struct rcu_work release_work;
	struct rcu_head rcu;
};

#define DMEM_CGROUP_HASH_BITS	8
static DEFINE_HASHTABLE(dmem_cgroups, DMEM_CGROUP_HASH_BITS);
static DEFINE_SPINLOCK(dmem_cgroups_lock);	/* writers of dmem_cgroups */
static DEFINE_MUTEX(dmem_cgroups_create_lock);
static struct workqueue_struct *dmem_wq;

/*
 * Shown for cgroups that have no state yet: no pools, so every file prints
 * 0 (max for dmem.max), like upstream for a region without a pool.  Never
 * charged, never written.
 */
static struct dmem_cg dmem_empty_cg;

static struct dmem_cgroup *to_dmem_cgroup(struct dmem_cg *cg)
{
	return container_of(cg, struct dmem_cgroup, cg);
}

static void dmem_cgroup_free(struct dmem_cg *cg)
{
	kfree_rcu(to_dmem_cgroup(cg), rcu);
}

/* Caller holds rcu_read_lock() or dmem_cgroups_lock. */
static struct dmem_cgroup *dmem_cgroup_lookup(struct cgroup *cgrp)
{
	struct dmem_cgroup *dc;

	hash_for_each_possible_rcu(dmem_cgroups, dc, node, (unsigned long)cgrp)
		if (dc->cgrp == cgrp)
			return dc;
	return NULL;
}

/**
 * dmem_cgroup_find() - referenced state of @cgrp, or NULL if it has none.
 * @cgrp: the cgroup.
 *
 * The hash table's reference is dropped an RCU grace period after the
 * object left the table, so an object found under rcu_read_lock() still
 * has it and can be referenced.  Any context.
 */
static struct dmem_cgroup *dmem_cgroup_find(struct cgroup *cgrp)
{
	struct dmem_cgroup *dc;

	rcu_read_lock();
	dc = dmem_cgroup_lookup(cgrp);
	if (dc)
		dmem_cg_get(&dc->cg);
	rcu_read_unlock();
	return dc;
}

static void dmem_cgroup_offline_fn(struct work_struct *work)
{
	struct dmem_cgroup *dc = container_of(work, struct dmem_cgroup,
					      offline_work);

	dmem_cg_offline(&dc->cg);
	dmem_cg_put(&dc->cg);
}

static void dmem_cgroup_release_fn(struct work_struct *work)
{
	struct dmem_cgroup *dc = container_of(to_rcu_work(work),
					      struct dmem_cgroup, release_work);

	dmem_cg_put(&dc->cg);
}

/*
 * Create the state of @cgrp and of its ancestors that have none.  Called
 * with dmem_cgroups_create_lock held; the caller keeps @cgrp alive, and a
 * live cgroup keeps its ancestors alive.  Returns a referenced object.
 */
static struct dmem_cgroup *dmem_cgroup_create(struct cgroup *cgrp)
{
	struct cgroup *parent_cgrp = cgroup_parent(cgrp);
	struct dmem_cgroup *dc, *parent = NULL;

	lockdep_assert_held(&dmem_cgroups_create_lock);
	dc = dmem_cgroup_find(cgrp);
	if (dc)
		return dc;
	if (parent_cgrp) {
		parent = dmem_cgroup_create(parent_cgrp);
		if (IS_ERR(parent))
			return parent;
	}
	dc = kzalloc(sizeof(*dc), GFP_KERNEL);
	if (!dc) {
		if (parent)
			dmem_cg_put(&parent->cg);
		return ERR_PTR(-ENOMEM);
	}
	/* the initial reference belongs to the hash table */
	dmem_cg_init(&dc->cg, parent ? &parent->cg : NULL, dmem_cgroup_free);
	if (parent)
		dmem_cg_put(&parent->cg);	/* the child holds its own */
	dc->cgrp = cgrp;
	INIT_WORK(&dc->offline_work, dmem_cgroup_offline_fn);
	INIT_RCU_WORK(&dc->release_work, dmem_cgroup_release_fn);
	dmem_cg_get(&dc->cg);			/* the caller's */
	spin_lock(&dmem_cgroups_lock);
	hash_add_rcu(dmem_cgroups, &dc->node, (unsigned long)cgrp);
	spin_unlock(&dmem_cgroups_lock);
	return dc;
}

/* Referenced state of @cgrp, created if missing.  May sleep. */
static struct dmem_cgroup *dmem_cgroup_get(struct cgroup *cgrp)
{
	struct dmem_cgroup *dc = dmem_cgroup_find(cgrp);

	if (dc)
		return dc;
	mutex_lock(&dmem_cgroups_create_lock);
	dc = dmem_cgroup_create(cgrp);
	mutex_unlock(&dmem_cgroups_create_lock);
	return dc;
}

struct dmem_cg *dmem_cg_of_current(void)
{
	struct cgroup_subsys_state *css;
	struct dmem_cgroup *dc;

	if (!dmem_host)
		return ERR_PTR(-ENODEV);
	/* the effective css: own cgroup, or nearest ancestor with the host */
	css = task_get_css(current, dmem_host->id);
	dc = dmem_cgroup_get(css->cgroup);
	css_put(css);
	if (IS_ERR(dc))
		return ERR_CAST(dc);
	return &dc->cg;
}

/**
 * dmem_pool_of_current_fast() - the current task's existing pool in @region.
 * @region: the region
 *
 * The hot path of every charge: no reference is taken on the css or on our
 * per-cgroup state.  Under rcu_read_lock() the task's css (and so its
 * cgroup) cannot be freed, our state of that cgroup is freed only an RCU
 * grace period after it left the hash table, and the core's pool lookup is
 * RCU-safe itself; only the pool found gets a reference.
 *
 * Return: a referenced pool, or NULL if the cgroup has no state or no pool
 * for @region yet (or is going away): the caller takes the slow path.
 */
static struct dmem_pool *dmem_pool_of_current_fast(struct dmem_region *region)
{
	struct dmem_pool *pool = NULL;
	struct dmem_cgroup *dc;

	rcu_read_lock();
	dc = dmem_cgroup_lookup(task_css(current, dmem_host->id)->cgroup);
	if (dc)
		pool = dmem_pool_find(&dc->cg, region);
	rcu_read_unlock();
	return pool;
}

struct dmem_pool *dmem_pool_of_current(struct dmem_region *region)
{
	struct dmem_pool *pool;
	struct dmem_cg *cg;

	if (!dmem_host)
		return ERR_PTR(-ENODEV);
	pool = dmem_pool_of_current_fast(region);
	if (pool)
		return pool;
	cg = dmem_cg_of_current();
	if (IS_ERR(cg))
		return ERR_CAST(cg);
	pool = dmem_pool_get(cg, region);
	dmem_cg_put(cg);
	return pool;
}

void dmem_cg_pin(struct dmem_cg *cg)
{
	cgroup_get(to_dmem_cgroup(cg)->cgrp);
}

void dmem_cg_unpin(struct dmem_cg *cg)
{
	cgroup_put(to_dmem_cgroup(cg)->cgrp);
}

/* cgroup_rmdir tracepoint: atomic context. */
static void dmem_probe_cgroup_rmdir(void *data, struct cgroup *cgrp,
				    const char *path)
{
	struct dmem_cgroup *dc = dmem_cgroup_find(cgrp);

	if (dc && !queue_work(dmem_wq, &dc->offline_work))
		dmem_cg_put(&dc->cg);	/* already queued with a reference */
}

/* cgroup_release tracepoint: the struct cgroup is about to be freed. */
static void dmem_probe_cgroup_release(void *data, struct cgroup *cgrp,
				      const char *path)
{
	struct dmem_cgroup *dc;

	spin_lock(&dmem_cgroups_lock);
	dc = dmem_cgroup_lookup(cgrp);
	if (dc)
		hash_del_rcu(&dc->node);
	spin_unlock(&dmem_cgroups_lock);
	/* drop the table's reference once RCU readers cannot find it */
	if (dc)
		queue_rcu_work(dmem_wq, &dc->release_work);
}

/* Module unload: nothing can look up or create state any more. */
static void dmem_cgroups_drop_all(void)
{
	struct dmem_cgroup *dc;
	struct hlist_node *tmp;
	HLIST_HEAD(dead);
	int bkt;

	spin_lock(&dmem_cgroups_lock);
	hash_for_each_safe(dmem_cgroups, bkt, tmp, dc, node) {
		hash_del_rcu(&dc->node);
		hlist_add_head(&dc->node, &dead);
	}
	spin_unlock(&dmem_cgroups_lock);
	synchronize_rcu();
	hlist_for_each_entry_safe(dc, tmp, &dead, node)
		dmem_cg_put(&dc->cg);
}

/* ---- cgroup tracepoints ------------------------------------------------ */

struct dmem_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
};

static struct dmem_tracepoint dmem_tracepoints[] = {
	{ .name = "cgroup_rmdir", .probe = dmem_probe_cgroup_rmdir },
	{ .name = "cgroup_release", .probe = dmem_probe_cgroup_release },
};

static void dmem_tracepoint_match(struct tracepoint *tp, void *priv)
{
	struct dmem_tracepoint *dt = priv;

	if (!strcmp(tp->name, dt->name))
		dt->tp = tp;
}

static void dmem_tracepoints_unregister(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dmem_tracepoints); i++) {
		struct dmem_tracepoint *dt = &dmem_tracepoints[i];

		if (dt->registered)
			tracepoint_probe_unregister(dt->tp, dt->probe, NULL);
		dt->registered = false;
	}
	tracepoint_synchronize_unregister();
}

static int dmem_tracepoints_register(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(dmem_tracepoints); i++) {
		struct dmem_tracepoint *dt = &dmem_tracepoints[i];

		dt->tp = NULL;
		for_each_kernel_tracepoint(dmem_tracepoint_match, dt);
		if (!dt->tp) {
			pr_err("tracepoint %s not found\n", dt->name);
			err = -ENOENT;
			goto fail;
		}
		err = tracepoint_probe_register(dt->tp, dt->probe, NULL);
		if (err) {
			pr_err("cannot attach to tracepoint %s (%d)\n",
			       dt->name, err);
			goto fail;
		}
		dt->registered = true;
	}
	return 0;

fail:
	dmem_tracepoints_unregister();
	return err;
}

/* ---- dmem.* files ------------------------------------------------------ */

struct dmem_seq_printer {
	struct dmem_printer p;
	struct seq_file *sf;
};

static void dmem_seq_puts(struct dmem_printer *p, const char *s)
{
	seq_puts(container_of(p, struct dmem_seq_printer, p)->sf, s);
}

static int dmem_file_show(struct seq_file *sf, void *v)
{
	struct dmem_seq_printer printer = {
		.p.puts = dmem_seq_puts,
		.sf = sf,
	};
	struct dmem_cgroup *dc = dmem_cgroup_find(seq_css(sf)->cgroup);

	dmem_show(dc ? &dc->cg : &dmem_empty_cg, seq_cft(sf)->private,
		  &printer.p);
	if (dc)
		dmem_cg_put(&dc->cg);
	return 0;
}

static ssize_t dmem_file_write(struct kernfs_open_file *of, char *buf,
			       size_t nbytes, loff_t off)
{
	struct dmem_cgroup *dc = dmem_cgroup_get(of_css(of)->cgroup);
	int err;

	if (IS_ERR(dc))
		return PTR_ERR(dc);
	err = dmem_write_limits(&dc->cg, of_cft(of)->private, buf, nbytes);
	dmem_cg_put(&dc->cg);
	return err ?: nbytes;
}

#define DMEM_FILE_FLAGS		CFTYPE_NO_PREFIX

static struct cftype dmem_files[] = {
	{
		.name = "dmem.capacity",
		.flags = DMEM_FILE_FLAGS | CFTYPE_ONLY_ON_ROOT,
		.private = DMEM_FILE_CAPACITY,
		.seq_show = dmem_file_show,
	},
	{
		.name = "dmem.current",
		.flags = DMEM_FILE_FLAGS,
		.private = DMEM_FILE_CURRENT,
		.seq_show = dmem_file_show,
	},
	{
		.name = "dmem.min",
		.flags = DMEM_FILE_FLAGS | CFTYPE_NOT_ON_ROOT,
		.private = DMEM_FILE_MIN,
		.seq_show = dmem_file_show,
		.write = dmem_file_write,
	},
	{
		.name = "dmem.low",
		.flags = DMEM_FILE_FLAGS | CFTYPE_NOT_ON_ROOT,
		.private = DMEM_FILE_LOW,
		.seq_show = dmem_file_show,
		.write = dmem_file_write,
	},
	{
		.name = "dmem.max",
		.flags = DMEM_FILE_FLAGS | CFTYPE_NOT_ON_ROOT,
		.private = DMEM_FILE_MAX,
		.seq_show = dmem_file_show,
		.write = dmem_file_write,
	},
	{
		.name = "dmem.peak",
		.flags = DMEM_FILE_FLAGS | CFTYPE_NOT_ON_ROOT,
		.private = DMEM_FILE_PEAK,
		.seq_show = dmem_file_show,
	},
	{ }	/* terminator */
};

/* ---- hooks: cgroup core functions -------------------------------------- */

/*
 * Stubs redirected into the kernel's functions.  Their bodies only run if
 * the redirection is missing, and then fail safely.
 */
static DMEM_HOOK_STUB int
dmem_orig_add_dfl_cftypes(struct cgroup_subsys *ss, struct cftype *cfts)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB int dmem_orig_rm_cftypes(struct cftype *cfts)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB int dmem_orig_controllers_show(struct seq_file *seq,
						     void *v)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB int dmem_orig_subtree_control_show(struct seq_file *seq,
							 void *v)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB ssize_t
dmem_orig_subtree_control_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off)
{
	return -EOPNOTSUPP;
}

static struct dmem_hook dmem_add_cftypes_hook = {
	.name = "cgroup_add_dfl_cftypes",
	DMEM_HOOK_ORIG(dmem_orig_add_dfl_cftypes),
};

static struct dmem_hook dmem_rm_cftypes_hook = {
	.name = "cgroup_rm_cftypes",
	DMEM_HOOK_ORIG(dmem_orig_rm_cftypes),
};

static struct dmem_hook dmem_controllers_hook;
static struct dmem_hook dmem_subtree_show_hook;
static struct dmem_hook dmem_subtree_write_hook;

static bool dmem_word_in(const char *s, size_t len, const char *word)
{
	size_t wlen = strlen(word), i = 0;

	while (i < len) {
		size_t start = i;

		while (i < len && s[i] != ' ' && s[i] != '\n')
			i++;
		if (i - start == wlen && !memcmp(s + start, word, wlen))
			return true;
		i++;
	}
	return false;
}

/*
 * The controller list just printed from @start: add "dmem" if the host is
 * in it.  cgroup core prints "name name ...\n", or nothing for none; dmem
 * goes last, where upstream's subsystem order puts it.
 */
static void dmem_seq_add_dmem(struct seq_file *seq, size_t start)
{
	size_t len;

	if (seq_has_overflowed(seq) || seq->count <= start)
		return;
	len = seq->count - start;
	if (seq->buf[seq->count - 1] != '\n' ||
	    !dmem_word_in(seq->buf + start, len, dmem_host->name) ||
	    dmem_word_in(seq->buf + start, len, "dmem"))
		return;
	seq->count--;
	seq_puts(seq, " dmem\n");
}

static int dmem_controllers_show(struct seq_file *seq, void *v)
{
	size_t start = seq->count;
	int ret = dmem_orig_controllers_show(seq, v);

	if (!ret)
		dmem_seq_add_dmem(seq, start);
	dmem_hook_exit(&dmem_controllers_hook);
	return ret;
}

static int dmem_subtree_control_show(struct seq_file *seq, void *v)
{
	size_t start = seq->count;
	int ret = dmem_orig_subtree_control_show(seq, v);

	if (!ret)
		dmem_seq_add_dmem(seq, start);
	dmem_hook_exit(&dmem_subtree_show_hook);
	return ret;
}

/**
 * dmem_subtree_control_rewrite() - map dmem tokens to the host controller.
 * @buf: the NUL-terminated write to cgroup.subtree_control (modified).
 *
 * "+dmem" becomes "+<host>", "-dmem" is dropped (disabling dmem must not
 * disable the host), every other token is kept in order so that cgroup core
 * validates it as usual.
 *
 * Return: NULL if @buf has no dmem token, a new string (kfree() it), or
 * ERR_PTR(-ENOMEM).
 */
static char *dmem_subtree_control_rewrite(char *buf)
{
	size_t hostlen = strlen(dmem_host->name);
	char *s = strstrip(buf), *tok, *out;
	size_t n = 0;

	if (!dmem_word_in(s, strlen(s), "+dmem") &&
	    !dmem_word_in(s, strlen(s), "-dmem"))
		return NULL;
	out = kmalloc(2 * strlen(s) + hostlen + 2, GFP_KERNEL);
	if (!out)
		return ERR_PTR(-ENOMEM);
	while ((tok = strsep(&s, " "))) {
		if (!strcmp(tok, "-dmem") || !*tok)
			continue;
		if (n)
			out[n++] = ' ';
		if (!strcmp(tok, "+dmem")) {
			out[n++] = '+';
			memcpy(out + n, dmem_host->name, hostlen);
			n += hostlen;
		} else {
			memcpy(out + n, tok, strlen(tok));
			n += strlen(tok);
		}
	}
	out[n] = '\0';
	return out;
}

static ssize_t dmem_subtree_control_write(struct kernfs_open_file *of,
					  char *buf, size_t nbytes, loff_t off)
{
	char *mapped = dmem_subtree_control_rewrite(buf);
	ssize_t ret;

	if (IS_ERR(mapped)) {
		ret = PTR_ERR(mapped);
	} else {
		ret = dmem_orig_subtree_control_write(of, mapped ?: buf,
						      nbytes, off);
		kfree(mapped);
	}
	dmem_hook_exit(&dmem_subtree_write_hook);
	return ret;
}

static struct dmem_hook dmem_controllers_hook = {
	.name = "cgroup_controllers_show",
	DMEM_HOOK_REPLACE(dmem_controllers_show),
	DMEM_HOOK_ORIG(dmem_orig_controllers_show),
};

static struct dmem_hook dmem_subtree_show_hook = {
	.name = "cgroup_subtree_control_show",
	DMEM_HOOK_REPLACE(dmem_subtree_control_show),
	DMEM_HOOK_ORIG(dmem_orig_subtree_control_show),
};

static struct dmem_hook dmem_subtree_write_hook = {
	.name = "cgroup_subtree_control_write",
	DMEM_HOOK_REPLACE(dmem_subtree_control_write),
	DMEM_HOOK_ORIG(dmem_orig_subtree_control_write),
};

static struct dmem_hook *dmem_cftype_hooks[] = {
	&dmem_add_cftypes_hook,
	&dmem_rm_cftypes_hook,
};

static struct dmem_hook *dmem_protocol_hooks[] = {
	&dmem_controllers_hook,
	&dmem_subtree_show_hook,
	&dmem_subtree_write_hook,
};

/* ---- init / exit ------------------------------------------------------- */

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
	dmem_cg_init(&dmem_empty_cg, NULL, NULL);

	dmem_wq = alloc_workqueue("dmem_cgroup", 0, 0);
	if (!dmem_wq)
		return -ENOMEM;
	err = dmem_hook_install_all(dmem_cftype_hooks,
				    ARRAY_SIZE(dmem_cftype_hooks));
	if (err)
		goto fail_wq;
	err = dmem_tracepoints_register();
	if (err)
		goto fail_cftype_hooks;
	err = dmem_orig_add_dfl_cftypes(dmem_host, dmem_files);
	if (err) {
		pr_err("cannot add dmem.* files to the %s controller (%d)\n",
		       dmem_host->name, err);
		goto fail_tracepoints;
	}
	err = dmem_hook_install_all(dmem_protocol_hooks,
				    ARRAY_SIZE(dmem_protocol_hooks));
	if (err)
		goto fail_files;
	return 0;

fail_files:
	dmem_orig_rm_cftypes(dmem_files);
fail_tracepoints:
	dmem_tracepoints_unregister();
fail_cftype_hooks:
	dmem_hook_remove_all(dmem_cftype_hooks, ARRAY_SIZE(dmem_cftype_hooks));
fail_wq:
	rcu_barrier();
	destroy_workqueue(dmem_wq);
	dmem_cgroups_drop_all();
	dmem_host = NULL;
	return err;
}

void dmem_cgroupfs_exit(void)
{
	dmem_hook_remove_all(dmem_protocol_hooks,
			     ARRAY_SIZE(dmem_protocol_hooks));
	/* removes the files and waits for their readers and writers */
	dmem_orig_rm_cftypes(dmem_files);
	dmem_tracepoints_unregister();
	dmem_hook_remove_all(dmem_cftype_hooks, ARRAY_SIZE(dmem_cftype_hooks));
	/* pending release works are queued after a grace period */
	rcu_barrier();
	destroy_workqueue(dmem_wq);
	dmem_cgroups_drop_all();
	dmem_host = NULL;
}
