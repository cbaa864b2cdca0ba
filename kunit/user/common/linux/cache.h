/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: no padding needed here. */
#define CACHELINE_PADDING(name) struct { } name
#define ____cacheline_internodealigned_in_smp
