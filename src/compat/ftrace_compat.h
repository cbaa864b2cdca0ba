/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: ftrace differences between the supported kernels.
 *
 * Only src/compat/ knows about kernel versions.  Facts (x86_64), checked in
 * the ftrace_64.S, ftrace.h and kernel/livepatch/patch.c of Debian 6.1
 * (6.1.192) and 6.12 (6.12.117):
 *  - Every supported kernel has CONFIG_DYNAMIC_FTRACE_WITH_ARGS (x86 since
 *    5.11).  An ftrace_ops without FTRACE_OPS_FL_SAVE_REGS is then called
 *    from ftrace_caller, which saves the argument registers, the frame
 *    pointer, the stack pointer and the traced call's IP in a struct
 *    ftrace_regs (a pt_regs of which only those are valid, cs = 0), and
 *    after the handlers reloads the IP from there ("Handlers can change
 *    the RIP", in both 6.1 and 6.12).  This is how livepatch redirects on
 *    x86 since 5.11: FTRACE_OPS_FL_IPMODIFY without SAVE_REGS, the IP set
 *    with ftrace_instruction_pointer_set() (6.1; renamed
 *    ftrace_regs_set_instruction_pointer() in 6.6), which only writes
 *    regs.ip.  ftrace_regs_caller (SAVE_REGS) saves and restores every
 *    register and the flags on top of that: we do not need them.
 *  - ftrace_get_regs() returns NULL for such a handler (cs = 0): the
 *    partial pt_regs are reached directly, see dmem_ftrace_regs().
 *  - Up to 6.12.74 (6.1, 6.6, 6.8, 6.11) struct ftrace_regs is
 *    { struct pt_regs regs; }; from 6.13 (backported to 6.12.75) it is
 *    opaque and arch_ftrace_regs() (a macro of linux/ftrace_regs.h) reaches
 *    the same pt_regs.
 *  - With CONFIG_X86_KERNEL_IBT (Debian 6.12) functions start with ENDBR64
 *    (or, once sealed, its 4-byte poison) and the ftrace site follows it;
 *    a kprobe on the symbol reports the address past the ENDBR.  Without
 *    IBT (Debian 6.1) the ftrace site is the symbol itself.
 */
#ifndef DMEM_COMPAT_FTRACE_COMPAT_H
#define DMEM_COMPAT_FTRACE_COMPAT_H

#include <linux/ftrace.h>
#include <linux/ptrace.h>
#include <linux/version.h>

/* the redirection needs ftrace_caller's ftrace_regs (see above) */
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#error "dmem-backport needs CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS (x86_64, 5.11+)"
#endif

/*
 * No FTRACE_OPS_FL_RECURSION (the flag exists since 5.11, all supported
 * kernels): with it, the trampoline calls the handler through
 * ftrace_ops_assist_func(), a recursion and preemption guard that costs
 * about as much as the trampoline itself (~50 instructions per call,
 * measured on 6.12).  Without it, as livepatch registers its handler, the
 * trampoline of an ops that is alone on its site calls the handler
 * directly; where several ops share a site, ftrace's list function guards
 * them all anyway.  Our handlers need no guard: they call no function we
 * hook (nothing of TTM or of cgroup core's hooked entry points), so they
 * cannot recurse, touch no per-CPU data and never sleep, so they may run
 * preemptible.  Their module text and trampolines outlive every caller:
 * ftrace_shutdown() of a module's (FTRACE_OPS_FL_DYNAMIC) ops waits for
 * tasks preempted in a trampoline with synchronize_rcu_tasks() (6.1 and
 * 6.12 alike), and dmem_hook_sync() waits again before unload.  (An
 * earlier attempt without the flag met unhandled int3 traps at patched
 * sites; that was QEMU's multi-threaded TCG executing a stale INT3 of
 * ftrace's text patching, seen with the flag as well, which is why the
 * test bed runs TCG single-threaded: tests/vm/lib/qemu.sh.)
 *
 * FTRACE_OPS_FL_PERMANENT (since 5.5; checked in Debian 6.1 and 6.12, as
 * livepatch uses it): while such an ops is registered, writing 0 to
 * kernel.ftrace_enabled fails with -EBUSY, and registering one while
 * ftrace_enabled is 0 fails with -EBUSY.  Without it, ftrace_enabled=0
 * silently turns every hook off and every stub runs its dummy body.
 *
 * FTRACE_OPS_FL_IPMODIFY only where the handler really changes the IP
 * (a redirection or a stub): an IPMODIFY ops owns its function, and a
 * livepatch of that function then fails with -EBUSY.  Observing handlers
 * do without it.
 */
#define DMEM_FTRACE_OBSERVE_FLAGS	FTRACE_OPS_FL_PERMANENT
#define DMEM_FTRACE_REDIRECT_FLAGS	(DMEM_FTRACE_OBSERVE_FLAGS | \
					 FTRACE_OPS_FL_IPMODIFY)

/**
 * dmem_ftrace_regs() - the registers saved at the traced call's entry.
 * @fregs: the handler's ftrace_regs (ops registered without SAVE_REGS)
 *
 * Valid members: the argument registers (read them with dmem_ftrace_arg()),
 * ip, sp and bp; the others are not saved.  Writing ip redirects the call
 * (see dmem_ftrace_set_ip()).
 *
 * Return: the partial pt_regs inside @fregs.
 */
static __always_inline struct pt_regs *dmem_ftrace_regs(struct ftrace_regs *fregs)
{
#ifdef arch_ftrace_regs
	/* 6.13, backported to 6.12.75: struct ftrace_regs is opaque */
	return &arch_ftrace_regs(fregs)->regs;
#else
	/* up to 6.12.74: struct ftrace_regs { struct pt_regs regs; } */
	return &fregs->regs;
#endif
}

/**
 * dmem_ftrace_set_ip() - make the ftrace trampoline return to @ip.
 * @fregs: the handler's ftrace_regs
 * @ip: where the traced call continues
 *
 * What ftrace_instruction_pointer_set() (6.1) and
 * ftrace_regs_set_instruction_pointer() (6.6+) do on x86.  Only for an ops
 * registered with FTRACE_OPS_FL_IPMODIFY.
 */
static __always_inline void dmem_ftrace_set_ip(struct ftrace_regs *fregs,
					       unsigned long ip)
{
	instruction_pointer_set(dmem_ftrace_regs(fregs), ip);
}

/**
 * dmem_ftrace_arg() - argument @n (from 0) of a traced call, at entry.
 * @regs: the handler's registers (dmem_ftrace_regs())
 * @n: argument number; only register arguments (n < 6 on x86_64)
 *
 * regs_get_kernel_argument() exists on x86 on every supported kernel and
 * reads only the argument registers, which ftrace_caller saves.
 *
 * Return: the argument's register value.
 */
static __always_inline unsigned long dmem_ftrace_arg(struct pt_regs *regs,
						     unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}

/* Size of the call at an ftrace site (MCOUNT_INSN_SIZE on x86). */
#define DMEM_FTRACE_SITE_SIZE	MCOUNT_INSN_SIZE

#endif /* DMEM_COMPAT_FTRACE_COMPAT_H */
