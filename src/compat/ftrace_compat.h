/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: ftrace differences between the supported kernels.
 *
 * Only src/compat/ knows about kernel versions.  Facts (x86_64):
 *  - 6.1 names the IP setter ftrace_instruction_pointer_set(); 6.6 renamed
 *    it ftrace_regs_set_instruction_pointer().
 *  - From 6.12.75 (and 6.13) struct ftrace_regs is opaque; its pt_regs are
 *    reached with arch_ftrace_regs().
 *  - On every one of them an ftrace_ops with FTRACE_OPS_FL_SAVE_REGS gets a
 *    full pt_regs from ftrace_get_regs(), and the trampoline
 *    (ftrace_regs_caller) returns to regs->ip.  We therefore set regs->ip,
 *    which needs no version test at all.
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

/*
 * FTRACE_OPS_FL_RECURSION exists since 5.11 (all supported kernels): the
 * trampoline calls our handler through ftrace_ops_assist_func(), with
 * preemption disabled.  (Calling the handler straight from the trampoline
 * was measured to save a little, but the load/unload smoke test then hit
 * unhandled int3 traps at the patched site under QEMU/TCG with 2 vCPUs;
 * not understood, so not done.)
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
#define DMEM_FTRACE_OBSERVE_FLAGS	(FTRACE_OPS_FL_SAVE_REGS | \
					 FTRACE_OPS_FL_RECURSION | \
					 FTRACE_OPS_FL_PERMANENT)
#define DMEM_FTRACE_REDIRECT_FLAGS	(DMEM_FTRACE_OBSERVE_FLAGS | \
					 FTRACE_OPS_FL_IPMODIFY)

/**
 * dmem_ftrace_set_ip() - make the ftrace trampoline return to @ip.
 * @fregs: the handler's ftrace_regs (ops registered with SAVE_REGS).
 * @ip: where the traced call continues.
 *
 * Return: false if no pt_regs are available (then nothing changes).
 */
static __always_inline bool dmem_ftrace_set_ip(struct ftrace_regs *fregs,
					       unsigned long ip)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (!regs)
		return false;
	instruction_pointer_set(regs, ip);
	return true;
}

/**
 * dmem_ftrace_arg() - argument @n (from 0) of a traced call, at entry.
 * @regs: the handler's pt_regs (ftrace_get_regs(), ops with SAVE_REGS)
 * @n: argument number; only register arguments (n < 6 on x86_64)
 *
 * regs_get_kernel_argument() exists on x86 on every supported kernel.
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
