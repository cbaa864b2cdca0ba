// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: "dmem" in cgroup.controllers and cgroup.subtree_control.
 *
 * "dmem" behaves as its own controller, seen from userspace: a per-cgroup
 * flag of ours (struct dmem_cgstate.subtree_on) says whether "dmem" is in
 * the cgroup's cgroup.subtree_control, with upstream's rules ("+dmem" only
 * where cgroup.controllers lists dmem, else ENOENT; "-dmem" only where no
 * child enables dmem, else EBUSY; the root always lists it in
 * cgroup.controllers; a cgroup lists it where its parent enables it).
 * "-dmem" drops the state of the children (limits reset, charges stay with
 * the old pools until freed), as upstream's css teardown.  The host
 * controller is kept enabled wherever dmem is: "+dmem" enables it,
 * "-<host>" is ignored there.  "+dmem" also gives the children's dmem.*
 * files the writer as owner, as upstream does when it creates them.
 *
 * Kernel functions used that are not exported, all reached through the
 * hook engine (src/hook/; never through a function pointer):
 *  - kernfs_setattr(): called through a redirected stub;
 *  - cgroup_controllers_show(), cgroup_subtree_control_show(),
 *    cgroup_subtree_control_write() (static, reached by cgroup core through
 *    its cftype table): redirected into our wrappers, which call the
 *    originals through redirected stubs and edit their output or input.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kernfs.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cgroup/state.h"
#include "cgroup/subtree_control.h"
#include "dmem_files.h"
#include "hook/hooks.h"

/*
 * The kernel functions we call or replace (src/hook/hook.h; listed in
 * src/hook/hook_table.h, group CGROUP_PROTOCOL).  The three cgroup core
 * functions are static, reached by cgroup core through its cftype table:
 * their calls run our bodies below, which call the originals (orig_*())
 * and edit their output or input.
 */
DMEM_HOOK_DEFINE_STUB(kernfs_setattr, "kernfs_setattr", int, -EOPNOTSUPP,
		      struct kernfs_node *kn, const struct iattr *iattr);
DMEM_HOOK_DEFINE_ORIG(cgroup_controllers_show, "cgroup_controllers_show",
		      NULL, int, -EOPNOTSUPP, (seq, v),
		      struct seq_file *seq, void *v);
DMEM_HOOK_DEFINE_ORIG(cgroup_subtree_control_show,
		      "cgroup_subtree_control_show", NULL, int, -EOPNOTSUPP,
		      (seq, v), struct seq_file *seq, void *v);
DMEM_HOOK_DEFINE_ORIG(cgroup_subtree_control_write,
		      "cgroup_subtree_control_write", NULL, ssize_t,
		      -EOPNOTSUPP, (of, buf, nbytes, off),
		      struct kernfs_open_file *of, char *buf, size_t nbytes,
		      loff_t off);

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
 * Append "dmem" to the controller list just printed from @start.  cgroup
 * core prints "name name ...\n", or nothing for none; dmem goes last, where
 * upstream's subsystem order puts it.
 */
static void dmem_seq_add_dmem(struct seq_file *seq, size_t start)
{
	if (seq_has_overflowed(seq))
		return;
	if (seq->count > start) {
		if (seq->buf[seq->count - 1] != '\n' ||
		    dmem_word_in(seq->buf + start, seq->count - start, "dmem"))
			return;
		seq->count--;
		seq_putc(seq, ' ');
	}
	seq_puts(seq, "dmem\n");
}

static bool dmem_seq_lists_host(struct seq_file *seq, size_t start)
{
	return !seq_has_overflowed(seq) && seq->count > start &&
	       dmem_word_in(seq->buf + start, seq->count - start,
			    dmem_host->name);
}

/*
 * cgroup.controllers lists dmem at the root and where the parent enables
 * it, unless the cgroup cannot have the host controller (a threaded
 * cgroup: dmem, like memory and io, is a domain controller).
 */
static int dmem_cgroup_controllers_show(struct seq_file *seq, void *v)
{
	struct cgroup *cgrp = seq_css(seq)->cgroup;
	size_t start = seq->count;
	int ret = orig_cgroup_controllers_show(seq, v);
	bool add;

	if (!ret) {
		rcu_read_lock();
		add = !cgroup_parent(cgrp) ||
		      (dmem_has_css(cgrp) && dmem_seq_lists_host(seq, start));
		rcu_read_unlock();
		if (add)
			dmem_seq_add_dmem(seq, start);
	}
	return ret;
}

static int dmem_cgroup_subtree_control_show(struct seq_file *seq, void *v)
{
	struct cgroup *cgrp = seq_css(seq)->cgroup;
	size_t start = seq->count;
	int ret = orig_cgroup_subtree_control_show(seq, v);
	bool add;

	if (!ret) {
		rcu_read_lock();
		add = dmem_subtree_enabled(cgrp);
		rcu_read_unlock();
		if (add)
			dmem_seq_add_dmem(seq, start);
	}
	return ret;
}

/**
 * struct dmem_ctl_write - a write to cgroup.subtree_control, split up.
 * @dmem: the last dmem token: '+', '-' or 0 for none.
 * @host: the last token of the host controller: '+', '-' or 0.
 * @rest: every other token, in order, space-separated (for cgroup core).
 * @len: length of @rest.
 */
struct dmem_ctl_write {
	char dmem;
	char host;
	char *rest;
	size_t len;
};

static void dmem_ctl_append(struct dmem_ctl_write *w, char sign,
			    const char *name)
{
	size_t n = strlen(name);

	if (w->len)
		w->rest[w->len++] = ' ';
	if (sign)
		w->rest[w->len++] = sign;
	memcpy(w->rest + w->len, name, n);
	w->len += n;
	w->rest[w->len] = '\0';
}

/*
 * Split @buf (NUL-terminated, modified) like cgroup core's parser: tokens
 * separated by single spaces after stripping, empty tokens skipped, a
 * later token for the same controller overrides an earlier one.  A dmem
 * token needs its '+' or '-' (else -EINVAL, as upstream); other tokens are
 * left to cgroup core.  Return: 0, -EINVAL or -ENOMEM.
 */
static int dmem_ctl_parse(char *buf, struct dmem_ctl_write *w)
{
	size_t hostlen = strlen(dmem_host->name);
	char *s = strstrip(buf), *tok;

	w->dmem = 0;
	w->host = 0;
	w->len = 0;
	w->rest = kmalloc(strlen(s) + hostlen + 3, GFP_KERNEL);
	if (!w->rest)
		return -ENOMEM;
	w->rest[0] = '\0';
	while ((tok = strsep(&s, " "))) {
		bool signed_tok = tok[0] == '+' || tok[0] == '-';

		if (!tok[0])
			continue;
		if (!strcmp(tok + 1, "dmem")) {
			if (!signed_tok)
				goto inval;
			w->dmem = tok[0];
		} else if (signed_tok && !strcmp(tok + 1, dmem_host->name)) {
			w->host = tok[0];
		} else {
			dmem_ctl_append(w, 0, tok);
		}
	}
	return 0;

inval:
	kfree(w->rest);
	w->rest = NULL;
	return -EINVAL;
}

/*
 * Upstream's checks for the dmem part of a write to @cgrp's
 * cgroup.subtree_control, before anything is applied; "+dmem" also makes
 * sure @cgrp has state to keep the flag in.  Turns a no-op into 0.
 */
static int dmem_ctl_check(struct cgroup *cgrp, struct dmem_ctl_write *w)
{
	struct dmem_cgstate *dc;
	bool on, has_css, busy = false;

	spin_lock(&dmem_cgstate_lock);
	dc = dmem_cgstate_lookup(cgrp);
	on = dc && dc->subtree_on;
	has_css = dmem_has_css(cgrp);
	if (dc && on && w->dmem == '-')
		busy = dmem_cgstate_child_enables_dmem(dc);
	spin_unlock(&dmem_cgstate_lock);

	if (!dmem_cgroup_online(cgrp))
		return -ENODEV;
	if ((w->dmem == '+' && on) || (w->dmem == '-' && !on))
		w->dmem = 0;
	if (w->dmem == '+' && !has_css)
		return -ENOENT;
	if (busy)
		return -EBUSY;
	/* the host stays enabled wherever dmem is */
	if (w->host == '-' && (w->dmem == '+' || (on && w->dmem != '-')))
		w->host = 0;
	if (w->dmem == '+' &&
	    !(READ_ONCE(cgrp->subtree_control) & BIT(dmem_host->id)))
		w->host = '+';
	if (w->dmem == '+') {
		dc = dmem_cgstate_get(cgrp);
		if (IS_ERR(dc))
			return PTR_ERR(dc);
		dmem_cg_put(&dc->cg);
	}
	return 0;
}

/*
 * Upstream creates the dmem.* files of the children when "+dmem" creates
 * their css, owned by the writer (cgroup_kn_set_ugid(): root's files keep
 * the default, root).  Ours exist already, created with the host's files
 * (at module load, by root, for cgroups that existed then): give the
 * children's files that owner, so that a delegated user who enables dmem
 * can write the limits of its children as upstream.
 */
static void dmem_chown_files(struct cgroup *cgrp)
{
	struct iattr iattr = {
		.ia_valid = ATTR_UID | ATTR_GID,
		.ia_uid = current_fsuid(),
		.ia_gid = current_fsgid(),
	};
	unsigned int i;

	for (i = 0; i < DMEM_FILE_COUNT; i++) {
		const struct dmem_file_type *ft = &dmem_file_types[i];
		struct kernfs_node *kn;

		if (ft->where == DMEM_FILE_ROOT_ONLY)
			continue;	/* children never have it */
		kn = kernfs_find_and_get(cgrp->kn, ft->name);
		if (kn) {
			orig_kernfs_setattr(kn, &iattr);
			kernfs_put(kn);
		}
	}
}

/* Collect up to @max referenced online child host csses of @parent. */
static unsigned int dmem_host_children(struct cgroup_subsys_state *parent,
				       struct cgroup_subsys_state **kids,
				       unsigned int max)
{
	struct cgroup_subsys_state *pos;
	unsigned int n = 0;

	rcu_read_lock();
	css_for_each_descendant_pre(pos, parent) {
		if (pos->parent != parent)
			continue;
		if (kids && n < max && css_tryget_online(pos))
			kids[n++] = pos;
		else if (!kids)
			n++;
	}
	rcu_read_unlock();
	return n;
}

/* "+dmem" in @cgrp took effect: the children's dmem.* files get its owner. */
static void dmem_chown_children_files(struct cgroup *cgrp)
{
	struct cgroup_subsys_state *parent, **kids;
	unsigned int n, i;

	rcu_read_lock();
	parent = rcu_dereference(cgrp->subsys[dmem_host->id]);
	if (parent && !css_tryget(parent))
		parent = NULL;
	rcu_read_unlock();
	if (!parent)
		return;
	n = dmem_host_children(parent, NULL, 0);
	kids = n ? kvcalloc(n, sizeof(*kids), GFP_KERNEL) : NULL;
	if (kids) {
		n = dmem_host_children(parent, kids, n);
		for (i = 0; i < n; i++) {
			dmem_chown_files(kids[i]->cgroup);
			css_put(kids[i]);
		}
		kvfree(kids);
	}
	css_put(parent);
}

/* Apply a checked dmem token after cgroup core applied the rest. */
static int dmem_ctl_apply(struct cgroup *cgrp, char op)
{
	struct dmem_cgstate *dc;
	int err = 0;

	if (!op)
		return 0;
	dc = dmem_cgstate_find(cgrp);
	if (!dc)	/* removed, or dmem disabled above meanwhile */
		return op == '+' ? -ENOENT : 0;
	if (op == '+') {
		spin_lock(&dmem_cgstate_lock);
		if (!dmem_cgroup_online(cgrp))
			err = -ENODEV;
		else if (!dmem_has_css(cgrp))
			err = -ENOENT;
		else
			WRITE_ONCE(dc->subtree_on, true);
		spin_unlock(&dmem_cgstate_lock);
	} else if (!dmem_cgstate_disable_subtree(dc)) {
		err = -EBUSY;
	}
	dmem_cg_put(&dc->cg);
	if (!err && op == '+')
		dmem_chown_children_files(cgrp);
	return err;
}

/*
 * cgroup.subtree_control writes: dmem is enabled and disabled in our own
 * per-cgroup flag with upstream's rules (checked before anything is
 * applied), and the host controller is managed underneath: "+dmem"
 * enables the host where it is off, "-dmem" leaves it alone, and "-<host>"
 * is dropped where dmem stays enabled (the dmem.* files live in the
 * host's directories).  The other tokens go to cgroup core unchanged.
 *
 * Not under one lock with cgroup core (its cgroup_mutex drains the files
 * of removed cgroups, whose writers may wait for us): a write racing with
 * a conflicting one on a parent or child can fail after cgroup core
 * applied its own part.
 */
static ssize_t dmem_cgroup_subtree_control_write(struct kernfs_open_file *of,
						 char *buf, size_t nbytes,
						 loff_t off)
{
	struct cgroup *cgrp = of_css(of)->cgroup;
	struct dmem_ctl_write w;
	ssize_t ret;

	ret = dmem_ctl_parse(buf, &w);
	if (ret)
		return ret;
	ret = dmem_ctl_check(cgrp, &w);
	if (ret)
		goto out_free;
	if (w.host)
		dmem_ctl_append(&w, w.host, dmem_host->name);
	if (w.len) {
		ret = orig_cgroup_subtree_control_write(of, w.rest, nbytes, off);
		if (ret < 0)
			goto out_free;
	}
	ret = dmem_ctl_apply(cgrp, w.dmem) ?: nbytes;
out_free:
	kfree(w.rest);
	return ret;
}

int dmem_subtree_control_init(void)
{
	return dmem_hooks_install(DMEM_HOOKS_CGROUP_PROTOCOL);
}

void dmem_subtree_control_exit(void)
{
	dmem_hooks_remove(DMEM_HOOKS_CGROUP_PROTOCOL);
}
