// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: a QEMU TCG plugin that counts the guest kernel's executed
 * instructions per translation block, for `make profile`
 * (scripts/profile.sh).  Built on the host against QEMU 7.2's plugin ABI
 * (version 1, Debian 12's qemu-system-x86), which ships no header: the few
 * calls used are declared here.
 *
 * Every block that starts in the kernel's half of the address space gets
 * an inline counter.  Whenever a block containing the marker instruction
 * (movabs $0x1337c0ded00dfeed,%rax: tests/vm/guest/profmark.c) runs, the
 * cumulative counts are written to <out>.<n> (n = 0, 1, ...), one line per
 * block: "<start address hex> <instructions> <executions>".  The guest
 * prints /proc/kallsyms; tests/vm/bench/profile.py names the blocks and
 * subtracts the snapshots.  Use with -smp 1 (the counters are not atomic).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

/* ---- the part of QEMU 7.2's plugin API that is used ---- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  vcpu_udata_cb cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb,
				    void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define KERNEL_HALF	0xffff800000000000ULL

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;
};

static GHashTable *blocks;	/* "vaddr:insns" -> struct block */
static GMutex blocks_lock;
static const char *out_prefix = "/tmp/tbprof";
static int snapshots;
static const unsigned char marker[10] = {
	0x48, 0xb8, 0xed, 0xfe, 0x0d, 0xd0, 0xde, 0xc0, 0x37, 0x13
};

static void write_block(gpointer key, gpointer value, gpointer file)
{
	struct block *b = value;

	if (b->execs)
		fprintf(file, "%llx %llu %llu\n", (unsigned long long)b->vaddr,
			(unsigned long long)b->insns,
			(unsigned long long)b->execs);
}

static void snapshot(void)
{
	char name[4096];
	FILE *f;

	snprintf(name, sizeof(name), "%s.%d", out_prefix, snapshots++);
	f = fopen(name, "w");
	if (!f) {
		perror(name);
		return;
	}
	g_mutex_lock(&blocks_lock);
	g_hash_table_foreach(blocks, write_block, f);
	g_mutex_unlock(&blocks_lock);
	fclose(f);
}

static void marker_ran(unsigned int vcpu, void *unused)
{
	snapshot();
}

static void at_exit(qemu_plugin_id_t id, void *unused)
{
	snapshot();
}

static bool has_marker(const struct qemu_plugin_tb *tb, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) == sizeof(marker) &&
		    !memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker)))
			return true;
	}
	return false;
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct block *b;
	char key[64];

	if (vaddr < KERNEL_HALF) {
		if (has_marker(tb, n))
			qemu_plugin_register_vcpu_tb_exec_cb(tb, marker_ran,
							     QEMU_PLUGIN_CB_NO_REGS,
							     NULL);
		return;
	}
	/* a block translated again (same start and length) keeps its counter */
	snprintf(key, sizeof(key), "%llx:%zu", (unsigned long long)vaddr, n);
	g_mutex_lock(&blocks_lock);
	b = g_hash_table_lookup(blocks, key);
	if (!b) {
		b = g_new0(struct block, 1);
		b->vaddr = vaddr;
		b->insns = n;
		g_hash_table_insert(blocks, g_strdup(key), b);
	}
	g_mutex_unlock(&blocks_lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->execs, 1);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_prefix = strdup(argv[i] + 4);
	blocks = g_hash_table_new(g_str_hash, g_str_equal);
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
