/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hexdigit.h: the one hex-digit parser of the guest programs (cgwrite's
 * \xHH escapes, dmemfuzz's reference number parser).  Header only: each
 * guest program is one static binary built from one .c file.
 */
#ifndef DMEM_GUEST_HEXDIGIT_H
#define DMEM_GUEST_HEXDIGIT_H

/*
 * hexdigit() - value of the hex digit @c ('0'-'9', 'a'-'f', 'A'-'F'),
 * or 16 if @c is not one (so "< base" tests any base up to 16).
 */
static inline int hexdigit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 16;
}

#endif /* DMEM_GUEST_HEXDIGIT_H */
