/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: symbol lookup and IBT-safe function hooks.
 *
 * Every part of the module that needs a kernel function which is not
 * exported, or needs to run its own code in place of a kernel function,
 * goes through this layer.  The rules (DESIGN-NOTES section 5):
 *
 *  - addresses are looked up with register_kprobe(symbol_name), never with
 *    kallsyms_lookup_name() (not exported);
 *  - a kernel function address is never stored in a pointer that is called:
 *    with CONFIG_X86_KERNEL_IBT the ENDBR of non-exported functions is
 *    sealed and an indirect call into them is fatal;
 *  - a hooked function is redirected into our replacement (same prototype)
 *    by an IPMODIFY ftrace handler that rewrites the saved instruction
 *    pointer: the trampoline reaches the replacement with ``ret``.  As
 *    livepatch does on x86, the handlers run without
 *    FTRACE_OPS_FL_SAVE_REGS (src/compat/ftrace_compat.h);
 *  - the original is called through a stub of our own (same prototype)
 *    whose ftrace site is redirected to the original's body just past its
 *    own ftrace site, again with ``ret`` (this is how livepatch reaches
 *    functions), and without re-entering our redirection;
 *  - every ftrace handler is FTRACE_OPS_FL_PERMANENT (root cannot switch
 *    the hooks off with kernel.ftrace_enabled=0 while they are installed),
 *    and only the ones that change the IP claim FTRACE_OPS_FL_IPMODIFY
 *    (observing a function leaves it livepatchable).
 *
 * Declaring a hook (one line; see DMEM_HOOK_DEFINE() and the variants
 * below): the macro emits the stub that runs the original, the struct
 * dmem_hook record, the hook's ftrace handler and an exit-guarded wrapper
 * around the replacement body, so that a body can return from anywhere
 * without leaving a caller counted inside the hook (which would make
 * unload wait forever)::
 *
 *	DMEM_HOOK_DEFINE_ORIG(foo, "mod:foo", NULL, int, -EOPNOTSUPP,
 *			      (bar, a), struct bar *bar, int a);
 *
 *	static int dmem_foo(struct bar *bar, int a)	// the body
 *	{
 *		if (!a)
 *			return 0;	// no dmem_hook_exit() anywhere
 *		return orig_foo(bar, a);	// runs the kernel's foo()
 *	}
 *
 * then one row in the table of every hook, src/hook/hook_table.h, which also
 * says when it is installed (its group), and that is all: the group's
 * owner installs it with dmem_hooks_install() and removes it with
 * dmem_hooks_remove(); the module calls dmem_hook_sync() once before its
 * code can go away.
 */
#ifndef DMEM_HOOK_HOOK_H
#define DMEM_HOOK_HOOK_H

#include <linux/types.h>
#include <linux/percpu.h>
#include <linux/compiler.h>
#include <linux/ftrace.h>
#include <linux/module.h>

#include "compat/ftrace_compat.h"

/*
 * DMEM_HOOK_STUB - attributes of a stub that is redirected into an original.
 *
 * noipa (GCC >= 8; implies noinline) keeps a real call and stops the
 * compiler from propagating the stub's dummy return value into callers,
 * cloning it or dropping unused arguments, any of which would break the
 * redirection.  The stub body must return a safe error: it only runs if the
 * redirection is not installed.
 */
#if __has_attribute(__noipa__)
#define DMEM_HOOK_STUB	__attribute__((__noipa__))
#else
#define DMEM_HOOK_STUB	noinline
#endif

struct pt_regs;

/**
 * typedef dmem_hook_entry_t - runs at every entry of a hooked function.
 * @regs: the traced call's registers at the function entry, as ftrace
 *	saved them without FTRACE_OPS_FL_SAVE_REGS: only the argument
 *	registers (read them with dmem_ftrace_arg()), ip, sp and bp.
 *
 * Runs inside the ftrace handler, possibly preemptible (no
 * FTRACE_OPS_FL_RECURSION: src/compat/ftrace_compat.h): it must not
 * sleep, call a function this module hooks or use per-CPU data, and it is
 * not counted in @inflight (the ftrace unregistration waits for
 * handlers).  Only our own functions are called through it.
 *
 * Return: true to run the hook's replacement instead of the function,
 * false to let the function run unchanged.
 */
typedef bool (*dmem_hook_entry_t)(struct pt_regs *regs);

/**
 * struct dmem_hook - one hooked kernel function.
 * @name: symbol of the kernel function ("func", or "module:func" for a
 *	function in a module; the lookup also finds module symbols without
 *	the prefix, the prefix makes it unambiguous).
 * @orig_stub: address of our DMEM_HOOK_STUB function (same prototype) that
 *	is made to run @name's body, or 0 if the original is never called.
 * @handler: the ftrace handler of @name's site, or NULL when calls of
 *	@name are neither redirected nor observed (only the original is
 *	called, through @orig_stub).  Generated for each hook by
 *	DMEM_HOOK_DEFINE*(): dmem_hook_handle() with the hook's filter and
 *	replacement as compile-time constants.  Calls made by this module
 *	are never passed to the filter.
 * @ipmodify: @handler redirects calls (into the replacement): its ftrace
 *	ops claims FTRACE_OPS_FL_IPMODIFY.  A hook that only observes does
 *	not (the cheapest hook: one ftrace handler run, no redirection, and
 *	a livepatch of @name still works).
 * @optional: if true, a missing symbol makes dmem_hook_install() return
 *	-ENOENT without printing an error (the caller decides).
 *
 * The remaining members are private to hook.c.  A struct dmem_hook must
 * stay at a fixed address (static storage) while installed.
 */
struct dmem_hook {
	const char *name;
	unsigned long orig_stub;
	ftrace_func_t handler;
	bool ipmodify;
	bool optional;

	/* private: */
	unsigned long target;		/* ftrace site of @name */
	unsigned long stub_site;	/* ftrace site of @orig_stub */
	struct ftrace_ops ops;		/* @name -> @handler */
	struct ftrace_ops stub_ops;	/* @orig_stub -> body of @name */
	unsigned int __percpu *inflight; /* callers inside the replacement */
	bool installed;
	bool ops_registered;
	bool stub_registered;
};

/*
 * Declaring hooks.  Each DMEM_HOOK_DEFINE*() is used once per hook, at file
 * scope and followed by a semicolon, where the replacement lives; the hook
 * is then listed in src/hook/hook_table.h.  Common arguments:
 * @id:     the hook's identifier: the record is dmem_hook_<id>, the stub
 *          that runs the original orig_<id>(), the hand-written body of
 *          the replacement dmem_<id>() (it may come after the macro);
 * @sym:    the kernel symbol ("func" or "module:func");
 * @filter: a dmem_hook_entry_t deciding per call whether to redirect, or
 *          NULL (every call not made by this module);
 * @type:   the function's return type;
 * @fail:   what orig_<id>() returns if its redirection is missing (a safe
 *          error);
 * @args:   the parameter names in order, in parentheses: (a, b);
 * ...:     the parameter list: int a, long b.
 *
 * The replacement that calls are redirected to is generated:
 * dmem_hook_<id>_replacement() runs dmem_<id>() and then leaves the hook
 * (dmem_hook_exit()), so the body can return from anywhere.
 */

/* Our module's core text (set by dmem_hooks_init()): see dmem_hook_handle(). */
extern unsigned long dmem_hook_text_base;
extern unsigned long dmem_hook_text_size;

/**
 * dmem_hook_handle() - the body of every hook's ftrace handler.
 * @hook: the hook
 * @parent_ip: the traced call's return address
 * @fregs: the traced call's registers
 * @entry: the hook's filter, a compile-time constant (NULL: every call)
 * @replacement: the replacement, a compile-time constant (0: observe)
 *
 * Calls of the hooked function go to @replacement (if @entry, when there
 * is one, asks for it), except calls made by this module itself (they
 * want the original).  Inlined into the handler that DMEM_HOOK_DEFINE*()
 * generates for each hook, so that @entry is called directly (usually
 * inlined too) instead of through a pointer: this runs at every call of
 * the hooked function.  Called straight from the ftrace trampoline,
 * possibly preemptible (see dmem_hook_entry_t).
 */
static __always_inline void dmem_hook_handle(struct dmem_hook *hook,
					     unsigned long parent_ip,
					     struct ftrace_regs *fregs,
					     dmem_hook_entry_t entry,
					     unsigned long replacement)
{
	/* one compare instead of within_module()'s walk over the sections */
	if (parent_ip - dmem_hook_text_base < dmem_hook_text_size)
		return;
	if (entry && !entry(dmem_ftrace_regs(fregs)))
		return;
	if (!replacement)
		return;
	/* one instruction on x86, safe while preemptible (not __this_cpu) */
	this_cpu_inc(*hook->inflight);
	dmem_ftrace_set_ip(fregs, replacement);
}

/*
 * Internal parts of the DMEM_HOOK_DEFINE*() macros below (not for direct
 * use).  __DMEM_HOOK_RECORD(): the struct dmem_hook record of a hook with
 * a handler, and the handler (@repl: the replacement or 0; @redirects:
 * true if there is one).  __DMEM_HOOK_WRAP(): the record of a hook that
 * replaces a function returning @type, and its generated replacement,
 * which runs the body dmem_<id>() and then leaves the hook; @stub is
 * orig_<id> or 0.
 */
#define __DMEM_HOOK_RECORD(id, sym, filter, repl, redirects, stub) \
	extern struct dmem_hook dmem_hook_##id;				\
	static void notrace						\
	dmem_hook_##id##_handler(unsigned long ip, unsigned long parent_ip, \
				 struct ftrace_ops *op,			\
				 struct ftrace_regs *fregs)		\
	{								\
		dmem_hook_handle(&dmem_hook_##id, parent_ip, fregs,	\
				 filter, (unsigned long)(repl));	\
	}								\
	struct dmem_hook dmem_hook_##id = {				\
		.name = sym,						\
		.orig_stub = (unsigned long)(stub),			\
		.handler = dmem_hook_##id##_handler,			\
		.ipmodify = redirects,					\
	}

#define __DMEM_HOOK_WRAP(id, sym, filter, stub, type, args, ...)	\
	extern struct dmem_hook dmem_hook_##id;				\
	static type dmem_##id(__VA_ARGS__);				\
	static type dmem_hook_##id##_replacement(__VA_ARGS__)		\
	{								\
		type dmem_hook_ret = dmem_##id args;			\
									\
		dmem_hook_exit(&dmem_hook_##id);			\
		return dmem_hook_ret;					\
	}								\
	__DMEM_HOOK_RECORD(id, sym, filter,				\
			   dmem_hook_##id##_replacement, true, stub)

/**
 * DMEM_HOOK_DEFINE() - a hook that replaces a kernel function.
 * @id: see above
 * @sym: see above
 * @filter: see above
 * @type: see above
 * @args: see above
 *
 * The body may call the exported original directly: calls made by this
 * module are never redirected.
 */
#define DMEM_HOOK_DEFINE(id, sym, filter, type, args, ...)		\
	__DMEM_HOOK_WRAP(id, sym, filter, 0, type, args, __VA_ARGS__)

/**
 * DMEM_HOOK_DEFINE_VOID() - DMEM_HOOK_DEFINE() for a function returning
 * void.
 * @id: see above
 * @sym: see above
 * @filter: see above
 * @args: see above
 */
#define DMEM_HOOK_DEFINE_VOID(id, sym, filter, args, ...)		\
	extern struct dmem_hook dmem_hook_##id;				\
	static void dmem_##id(__VA_ARGS__);				\
	static void dmem_hook_##id##_replacement(__VA_ARGS__)		\
	{								\
		dmem_##id args;						\
		dmem_hook_exit(&dmem_hook_##id);			\
	}								\
	__DMEM_HOOK_RECORD(id, sym, filter,				\
			   dmem_hook_##id##_replacement, true, 0)

/**
 * DMEM_HOOK_DEFINE_ORIG() - DMEM_HOOK_DEFINE() for a function that is not
 * exported: the body runs the original by calling orig_<id>().
 * @id: see above
 * @sym: see above
 * @filter: see above
 * @type: see above
 * @fail: see above
 * @args: see above
 */
#define DMEM_HOOK_DEFINE_ORIG(id, sym, filter, type, fail, args, ...)	\
	extern struct dmem_hook dmem_hook_##id;				\
	static DMEM_HOOK_STUB type orig_##id(__VA_ARGS__)		\
	{								\
		return fail;						\
	}								\
	__DMEM_HOOK_WRAP(id, sym, filter, orig_##id, type, args,	\
			 __VA_ARGS__)

/**
 * DMEM_HOOK_DEFINE_STUB() - a way to call a kernel function that is not
 * exported, without redirecting its calls: orig_<id>() runs it.
 * @id: see above
 * @sym: see above
 * @type: see above
 * @fail: see above
 */
#define DMEM_HOOK_DEFINE_STUB(id, sym, type, fail, ...)			\
	extern struct dmem_hook dmem_hook_##id;				\
	static DMEM_HOOK_STUB type orig_##id(__VA_ARGS__)		\
	{								\
		return fail;						\
	}								\
	struct dmem_hook dmem_hook_##id = {				\
		.name = sym,						\
		.orig_stub = (unsigned long)orig_##id,			\
	}

/**
 * DMEM_HOOK_DEFINE_OBSERVER() - a hook that only observes the calls of a
 * kernel function: nothing is redirected (the function stays
 * livepatchable).
 * @id: see above
 * @sym: see above
 * @filter: run at every call; must return false
 */
#define DMEM_HOOK_DEFINE_OBSERVER(id, sym, filter)			\
	__DMEM_HOOK_RECORD(id, sym, filter, 0, false, 0)

/**
 * dmem_hook_lookup() - address of a kernel symbol.
 * @name: symbol name ("func" or "module:func").
 *
 * Uses a temporarily registered kprobe.  The result is the kprobe's
 * address (past an ENDBR) and must never be called.
 *
 * Return: the address, or 0 if the symbol does not exist or cannot be
 * probed.
 */
unsigned long dmem_hook_lookup(const char *name);

/**
 * dmem_hook_install() - look up and install one hook.
 * @hook: the hook; @hook->name and at least one of @hook->handler and
 *	@hook->orig_stub must be set.
 *
 * After success, calls of @hook->name that do not come from this module
 * pass through @hook->handler (which may redirect them into the hook's
 * replacement), and calls of @hook->orig_stub run the original.  On
 * failure prints one pr_err naming the missing piece (unless
 * @hook->optional and the symbol is absent), undoes everything and
 * returns a negative errno.  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int dmem_hook_install(struct dmem_hook *hook);

/**
 * dmem_hook_remove() - uninstall a hook installed by dmem_hook_install().
 * @hook: the hook (no-op if not installed).
 *
 * Stops redirecting new calls, then waits until every caller that was
 * redirected has left the replacement (dmem_hook_exit()).  The wait has
 * no time limit (returning early would free code that callers are still
 * running) but reports itself every few seconds with a pr_warn naming the
 * hook and the number of callers inside.  May sleep.
 */
void dmem_hook_remove(struct dmem_hook *hook);

/**
 * dmem_hook_exit() - a redirected caller leaves @hook's replacement.
 * @hook: the hook whose replacement is returning.
 *
 * Every replacement function must call this exactly once, as the last
 * thing before returning (after calling the original if it does).
 * dmem_hook_remove() waits for these.  Called by the replacements that
 * DMEM_HOOK_DEFINE*() generates (no hook of the module calls it by hand).
 */
void dmem_hook_exit(struct dmem_hook *hook);

/**
 * dmem_hook_sync() - wait until no CPU can still be executing the last
 * instructions of a replacement or stub.  Call once after removing hooks,
 * before the module's code can go away.  May sleep (an RCU-tasks grace
 * period).
 */
void dmem_hook_sync(void);

/**
 * dmem_hooks_init() - set up this layer before the first hook is installed.
 *
 * Finds our own text (calls from it are never redirected) and checks that
 * permanent ftrace handlers can be registered: with kernel.ftrace_enabled
 * at 0 they cannot, and the module refuses to load (one pr_err).
 *
 * Return: 0 or a negative errno.
 */
int dmem_hooks_init(void);

/**
 * dmem_init_step() - one step of module init, for fault injection.
 * @what: what the step does (for the message).
 *
 * Test facility: with the module parameter fail_init_step=N (root only,
 * at load), the Nth call during module init fails with -EIO after one
 * pr_err naming @what; the caller must then undo everything, as for a real
 * failure of that step, without printing anything else.  Steps counted
 * after dmem_init_steps_done() never fail.
 *
 * Return: 0, or -EIO for the injected failure.
 */
int dmem_init_step(const char *what);

/**
 * dmem_init_steps_done() - module init is over (or failed): stop counting
 * steps for fault injection.
 */
void dmem_init_steps_done(void);

#endif /* DMEM_HOOK_HOOK_H */
