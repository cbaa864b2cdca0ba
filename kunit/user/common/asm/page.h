/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: 4 KiB pages as on x86-64. */
#define PAGE_SHIFT 12
#define PAGE_SIZE 4096UL
