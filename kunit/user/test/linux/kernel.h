/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: tests/user/port_user.h provides it. */
