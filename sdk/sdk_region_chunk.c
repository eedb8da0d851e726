// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: splitting a user access into device accesses.
 *
 * Kept free of VFIO and device state so that KUnit can test it directly.
 */
#include <linux/export.h>
#include <linux/log2.h>

#include <mdev_sdk/region.h>

/**
 * mdev_sdk_region_chunk - width of the next access of a split user access
 * @offset: byte offset of the access in its region
 * @count: bytes left to transfer, at least 1
 * @max_width: widest access the region takes: 1, 2, 4 or 8; 0 means 8
 *
 * Context: any.
 * Return: the largest of 8, 4, 2 and 1 that is at most @max_width and
 * @count and divides @offset.
 */
unsigned int mdev_sdk_region_chunk(u64 offset, u64 count,
				   unsigned int max_width)
{
	unsigned int width = 8;

	if (max_width && max_width < width)
		width = rounddown_pow_of_two(max_width);
	while (width > 1 && (width > count || (offset & (width - 1))))
		width >>= 1;
	return width;
}
EXPORT_SYMBOL_GPL(mdev_sdk_region_chunk);
