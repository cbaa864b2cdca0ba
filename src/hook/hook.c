// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: symbol lookup and IBT-safe function hooks (see hook.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/rcupdate_wait.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/ibt.h>

#include "compat/ftrace_compat.h"
#include "compat/module_compat.h"
#include "hook/hook.h"

/* Our module's core text: calls made from there are never redirected. */
unsigned long dmem_hook_text_base __read_mostly;
unsigned long dmem_hook_text_size __read_mostly;

/*
 * Only core text calls hooked functions (the module's init function calls
 * none directly).
 */
static void dmem_hook_find_text(void)
{
	dmem_compat_module_text(&dmem_hook_text_base, &dmem_hook_text_size);
}

/*
 * Fault injection of module init (test facility, see dmem_init_step()):
 * only settable at load (no sysfs file), and only by whoever may load
 * modules at all.
 */
static unsigned int fail_init_step;
module_param(fail_init_step, uint, 0);
MODULE_PARM_DESC(fail_init_step,
		 "Test facility: make init step N (1, 2, ...) fail; 0 = off");

static unsigned int dmem_init_steps;
static bool dmem_init_over;

int dmem_init_step(const char *what)
{
	if (dmem_init_over || !fail_init_step)
		return 0;
	if (++dmem_init_steps != fail_init_step)
		return 0;
	pr_err("init step %u (%s) failed: fault injected by fail_init_step\n",
	       dmem_init_steps, what);
	return -EIO;
}

void dmem_init_steps_done(void)
{
	dmem_init_over = true;
}

unsigned long dmem_hook_lookup(const char *name)
{
	/*
	 * Registered disabled: the address is resolved and checked, but the
	 * probe is never armed, so the target's text is not patched at all.
	 */
	struct kprobe kp = {
		.symbol_name = name,
		.flags = KPROBE_FLAG_DISABLED,
	};
	unsigned long addr;

	if (register_kprobe(&kp) < 0)
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

static bool dmem_is_ftrace_insn(const u8 *insn)
{
	static const u8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

	/* a patched-out site (NOP5) or one in use by a tracer (CALL rel32) */
	return !memcmp(insn, nop5, sizeof(nop5)) || insn[0] == 0xe8;
}

/**
 * dmem_ftrace_site() - the ftrace call site of the function at @addr.
 * @addr: function entry, or the address a kprobe reported for it.
 *
 * The site is @addr itself, or follows a 4-byte ENDBR64 (or its sealed
 * poison) with CONFIG_X86_KERNEL_IBT.  ftrace_location() would know, but is
 * not exported; ftrace_set_filter_ip() verifies the result afterwards.
 *
 * Return: the site, or 0 if the bytes at @addr are not an ftrace site.
 */
static unsigned long dmem_ftrace_site(unsigned long addr)
{
	u8 insn[4 + DMEM_FTRACE_SITE_SIZE];
	u32 first;

	if (copy_from_kernel_nofault(insn, (void *)addr, sizeof(insn)))
		return 0;
	if (dmem_is_ftrace_insn(insn))
		return addr;
	memcpy(&first, insn, sizeof(first));
	if (is_endbr(first) && dmem_is_ftrace_insn(insn + 4))
		return addr + 4;
	return 0;
}

/*
 * Calls of our stub continue in the original's body, just after its ftrace
 * site: as if the original had been called and its fentry call returned.
 * The original's own ftrace site (and so the hook's handler) is skipped.
 */
static void notrace dmem_hook_call_orig(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *op,
					struct ftrace_regs *fregs)
{
	struct dmem_hook *hook = container_of(op, struct dmem_hook, stub_ops);

	dmem_ftrace_set_ip(fregs, hook->target + DMEM_FTRACE_SITE_SIZE);
}

void dmem_hook_exit(struct dmem_hook *hook)
{
	/*
	 * The count is per CPU so that no caller writes a line shared with
	 * other CPUs: a caller may leave on another CPU than it entered on,
	 * only the sum over all CPUs means something (modulo 2^32, exact).
	 * Everything the caller did in the replacement is ordered before
	 * the decrement; the remover polls the sum (no wake-up to send).
	 */
	smp_mb();
	this_cpu_dec(*hook->inflight);
}

static int dmem_hook_register_ops(struct dmem_hook *hook,
				  struct ftrace_ops *ops, ftrace_func_t func,
				  unsigned long site, bool ipmodify,
				  const char *what)
{
	char step[96];
	int err;

	ops->func = func;
	ops->flags = ipmodify ? DMEM_FTRACE_REDIRECT_FLAGS :
				DMEM_FTRACE_OBSERVE_FLAGS;
	snprintf(step, sizeof(step), "hook %s, %s", hook->name, what);
	err = dmem_init_step(step);
	if (err)
		return err;
	err = ftrace_set_filter_ip(ops, site, 0, 0);
	if (err) {
		pr_err("hook %s: %s is not traceable by ftrace (%d)\n",
		       hook->name, what, err);
		goto free_filter;
	}
	err = register_ftrace_function(ops);
	if (err) {
		pr_err("hook %s: cannot register ftrace handler for %s (%d)%s\n",
		       hook->name, what, err,
		       err == -EBUSY ? ", another IPMODIFY user (livepatch?) owns it" : "");
		goto free_filter;
	}
	return 0;

free_filter:
	/* the filter hash was allocated by the first ftrace_set_filter_ip() */
	ftrace_free_filter(ops);
	return err;
}

static void dmem_hook_unregister_ops(struct ftrace_ops *ops)
{
	unregister_ftrace_function(ops);
	ftrace_free_filter(ops);
}

/*
 * Check @hook's description and reset its private state.
 * Return: 0 or -EINVAL (printed).
 */
static int dmem_hook_prepare(struct dmem_hook *hook)
{
	if (!hook->name || (!hook->handler && !hook->orig_stub) ||
	    (hook->ipmodify && !hook->handler)) {
		pr_err("hook %s: incomplete description\n",
		       hook->name ?: "(null)");
		return -EINVAL;
	}
	memset(&hook->ops, 0, sizeof(hook->ops));
	memset(&hook->stub_ops, 0, sizeof(hook->stub_ops));
	hook->inflight = NULL;
	hook->ops_registered = false;
	hook->stub_registered = false;
	return 0;
}

/*
 * Find the ftrace sites of @hook's kernel function and of its stub.
 * Return: 0 or -ENOENT (printed, unless an optional symbol is missing).
 */
static int dmem_hook_find_sites(struct dmem_hook *hook)
{
	unsigned long addr = dmem_hook_lookup(hook->name);

	if (!addr) {
		if (!hook->optional)
			pr_err("kernel function %s not found (kprobe lookup failed)\n",
			       hook->name);
		return -ENOENT;
	}
	hook->target = dmem_ftrace_site(addr);
	if (!hook->target) {
		pr_err("hook %s: no ftrace site at %pS\n", hook->name,
		       (void *)addr);
		return -ENOENT;
	}
	if (!hook->orig_stub)
		return 0;
	hook->stub_site = dmem_ftrace_site(hook->orig_stub);
	if (!hook->stub_site) {
		pr_err("hook %s: stub %pS has no ftrace site (built without CONFIG_DYNAMIC_FTRACE?)\n",
		       hook->name, (void *)hook->orig_stub);
		return -ENOENT;
	}
	return 0;
}

/*
 * The per-CPU count of callers inside @hook's replacement, if it has one.
 * Return: 0 or -ENOMEM (printed).
 */
static int dmem_hook_alloc_inflight(struct dmem_hook *hook)
{
	char step[96];
	int err;

	if (!hook->ipmodify)
		return 0;
	snprintf(step, sizeof(step), "hook %s, caller count", hook->name);
	err = dmem_init_step(step);
	if (err)
		return err;
	hook->inflight = alloc_percpu(unsigned int);
	if (!hook->inflight) {
		pr_err("hook %s: no memory for its per-CPU caller count\n",
		       hook->name);
		return -ENOMEM;
	}
	return 0;
}

static void dmem_hook_free_inflight(struct dmem_hook *hook)
{
	free_percpu(hook->inflight);
	hook->inflight = NULL;
}

int dmem_hook_install(struct dmem_hook *hook)
{
	int err;

	if (hook->installed)
		return 0;
	err = dmem_hook_prepare(hook) ?: dmem_hook_find_sites(hook) ?:
	      dmem_hook_alloc_inflight(hook);
	if (err)
		return err;

	if (hook->orig_stub) {
		err = dmem_hook_register_ops(hook, &hook->stub_ops,
					     dmem_hook_call_orig,
					     hook->stub_site, true, "our stub");
		if (err)
			goto free_inflight;
		hook->stub_registered = true;
	}

	if (hook->handler) {
		err = dmem_hook_register_ops(hook, &hook->ops,
					     hook->handler, hook->target,
					     hook->ipmodify,
					     "the kernel function");
		if (err)
			goto undo_stub;
		hook->ops_registered = true;
	}
	hook->installed = true;
	return 0;

undo_stub:
	if (hook->stub_registered)
		dmem_hook_unregister_ops(&hook->stub_ops);
	hook->stub_registered = false;
free_inflight:
	dmem_hook_free_inflight(hook);
	return err;
}

/* How long dmem_hook_wait_callers() waits silently, in seconds. */
#define DMEM_HOOK_WAIT_REPORT_SECS	10
/* How often it looks at the count, in milliseconds. */
#define DMEM_HOOK_WAIT_POLL_MS		10

/*
 * How many callers are inside @hook's replacement.  Called once no new
 * caller can enter (the redirection is unregistered, and the
 * unregistration waited for the handlers that counted their callers in):
 * the per-CPU counts only go down then, so a sum read CPU by CPU is never
 * below the true count at its end, and a sum of 0 means every caller
 * left.
 */
static unsigned int dmem_hook_callers_inside(struct dmem_hook *hook)
{
	unsigned int sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(hook->inflight, cpu));
	return sum;
}

/**
 * dmem_hook_wait_callers() - wait until every caller left @hook's
 * replacement.
 * @hook: a hook whose redirection is already unregistered
 *
 * There is no upper bound on the wait and there cannot be one: a caller
 * still inside runs our code (and may sleep there, e.g. a TTM eviction
 * waiting for a fence); returning would let the module's text be freed
 * under it.  What is bounded is the silence: every
 * DMEM_HOOK_WAIT_REPORT_SECS seconds one pr_warn says which hook is
 * waited for, how many callers are inside and why.  The count is polled
 * (callers leave without a wake-up: see dmem_hook_exit()); the sleeps
 * between polls also keep the hung-task detector quiet.
 */
static void dmem_hook_wait_callers(struct dmem_hook *hook)
{
	unsigned long start = jiffies, report = DMEM_HOOK_WAIT_REPORT_SECS;
	unsigned int inside;

	while ((inside = dmem_hook_callers_inside(hook))) {
		msleep(DMEM_HOOK_WAIT_POLL_MS);
		if (time_before(jiffies, start + report * HZ))
			continue;
		pr_warn("hook %s: %u caller(s) still inside our replacement after %lu s; waiting for them, as returning would free code they are running\n",
			hook->name, inside, report);
		report += DMEM_HOOK_WAIT_REPORT_SECS;
	}
	smp_mb();	/* their last accesses, then our teardown */
}

void dmem_hook_remove(struct dmem_hook *hook)
{
	if (!hook->installed)
		return;
	if (hook->ops_registered) {
		/* no new callers enter the replacement after this */
		dmem_hook_unregister_ops(&hook->ops);
		hook->ops_registered = false;
	}
	/* callers already inside may still need the original */
	if (hook->inflight) {
		dmem_hook_wait_callers(hook);
		dmem_hook_free_inflight(hook);
	}
	if (hook->stub_registered) {
		dmem_hook_unregister_ops(&hook->stub_ops);
		hook->stub_registered = false;
	}
	hook->installed = false;
}

void dmem_hook_sync(void)
{
	/*
	 * A caller that did its dmem_hook_exit() may still be on the final
	 * instructions of a replacement.  A tasks-RCU grace period waits for
	 * every task to pass a voluntary context switch, which it cannot do
	 * there; it also covers ftrace trampolines still being left.
	 */
	synchronize_rcu_tasks();
	synchronize_rcu();
}

/* ---- layer set-up ------------------------------------------------------ */

/* Target of the probe below: never called with the probe in place. */
static noinline void dmem_hook_probe_target(void)
{
	barrier();
}

static void notrace dmem_hook_probe_func(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *op,
					 struct ftrace_regs *fregs)
{
}

/*
 * A permanent observing ops on a function of ours: fails with -EBUSY
 * exactly when kernel.ftrace_enabled is 0 (the sysctl is not exported),
 * before any real hook is touched.
 */
static struct ftrace_ops dmem_hook_probe_ops;

static int dmem_hook_check_ftrace(void)
{
	struct ftrace_ops *probe = &dmem_hook_probe_ops;
	unsigned long site = dmem_ftrace_site((unsigned long)dmem_hook_probe_target);
	int err;

	memset(probe, 0, sizeof(*probe));
	probe->func = dmem_hook_probe_func;
	probe->flags = DMEM_FTRACE_OBSERVE_FLAGS;

	if (!site) {
		pr_err("our own functions have no ftrace site (module built without CONFIG_DYNAMIC_FTRACE?)\n");
		return -ENOENT;
	}
	err = ftrace_set_filter_ip(probe, site, 0, 0);
	if (!err) {
		err = register_ftrace_function(probe);
		if (!err)
			unregister_ftrace_function(probe);
	}
	ftrace_free_filter(probe);
	if (err == -EBUSY)
		pr_err("ftrace is disabled (kernel.ftrace_enabled=0): refusing to load; set it to 1 first\n");
	else if (err)
		pr_err("cannot register an ftrace handler (%d)\n", err);
	return err;
}

int dmem_hooks_init(void)
{
	dmem_hook_find_text();
	return dmem_init_step("ftrace check") ?: dmem_hook_check_ftrace();
}
