// SPDX-License-Identifier: GPL-2.0
/*
 * profmark: executes the marker instruction of the profiling plugin
 * (tests/vm/bench/tbprof.c), which then writes a snapshot of its counts.
 * Without the plugin it does nothing.  Used by tests/vm/bench/profile.sh.
 */
int main(void)
{
	__asm__ volatile("movabs $0x1337c0ded00dfeed, %%rax" : : : "rax");
	return 0;
}
