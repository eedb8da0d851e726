/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk: VFIO regions.
 *
 * The device fd's file offset carries the region index in its top bits and
 * the offset within the region below them. Regions 0 to 8 are the PCI ones
 * of <linux/vfio.h> (BAR0-5, ROM, config, VGA); drivers may add
 * device-specific regions after them.
 */
#ifndef MDEV_SDK_REGION_H
#define MDEV_SDK_REGION_H

#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/types.h>
#include <uapi/linux/vfio.h>

struct mdev_sdk_device;
struct vm_area_struct;

/* Bit position of the region index in a device fd offset. */
#define MDEV_SDK_REGION_SHIFT		40
#define MDEV_SDK_REGION_OFFSET_MASK	GENMASK_ULL(MDEV_SDK_REGION_SHIFT - 1, 0)
/* Device-specific regions a device may add after the PCI ones. */
#define MDEV_SDK_MAX_EXTRA_REGIONS	8
#define MDEV_SDK_MAX_REGIONS \
	(VFIO_PCI_NUM_REGIONS + MDEV_SDK_MAX_EXTRA_REGIONS)

/**
 * mdev_sdk_region_to_offset - device fd offset where a region starts
 * @index: region index
 *
 * Return: the offset, in bytes, of byte 0 of region @index.
 */
static inline u64 mdev_sdk_region_to_offset(unsigned int index)
{
	return (u64)index << MDEV_SDK_REGION_SHIFT;
}

/**
 * mdev_sdk_offset_to_region - region index of a device fd offset
 * @pos: file offset in bytes, as passed to read(2) or from vm_pgoff
 *
 * Return: the region index; huge for offsets no region can have.
 */
static inline u64 mdev_sdk_offset_to_region(u64 pos)
{
	return pos >> MDEV_SDK_REGION_SHIFT;
}

/**
 * mdev_sdk_offset_in_region - offset within its region of a device fd offset
 * @pos: file offset in bytes
 *
 * Return: the byte offset inside the region.
 */
static inline u64 mdev_sdk_offset_in_region(u64 pos)
{
	return pos & MDEV_SDK_REGION_OFFSET_MASK;
}

/**
 * mdev_sdk_region_chunk - width of the next access of a split user access
 * @offset: byte offset of the access in its region
 * @count: bytes left to transfer, at least 1
 * @max_width: widest access the region takes: 1, 2, 4 or 8; 0 means 8
 *
 * Inline: it runs for every register access a user makes.
 *
 * Return: the largest of 8, 4, 2 and 1 that is at most @max_width and
 * @count and divides @offset.
 */
static inline unsigned int mdev_sdk_region_chunk(u64 offset, u64 count,
						 unsigned int max_width)
{
	unsigned int width = 8;

	if (max_width && max_width < width)
		width = rounddown_pow_of_two(max_width);
	while (width > 1 && (width > count || (offset & (width - 1))))
		width >>= 1;
	return width;
}

/**
 * struct mdev_sdk_region_ops - callbacks of one region
 * @read: read @size bytes (1, 2, 4 or 8, naturally aligned) at @offset
 *	into *@val, as the host-endian value of the little-endian bytes.
 *	Return 0 or a negative errno, which fails the user's read(2)
 * @write: write @val, @size bytes at @offset; as for @read
 * @mmap: map the region into a user's address space; @vma->vm_pgoff has
 *	already been reduced to the page offset inside the region. Optional;
 *	backed BARs get a default
 *
 * @read and @write run with the device lock held and may sleep; they may
 * call mdev_sdk_irq_raise(). @offset is in bytes from the region's start
 * and has been bounds-checked against the region's size.
 */
struct mdev_sdk_region_ops {
	int (*read)(struct mdev_sdk_device *sdev, unsigned int index,
		    u64 offset, unsigned int size, u64 *val);
	int (*write)(struct mdev_sdk_device *sdev, unsigned int index,
		     u64 offset, unsigned int size, u64 val);
	int (*mmap)(struct mdev_sdk_device *sdev, unsigned int index,
		    struct vm_area_struct *vma);
};

/**
 * struct mdev_sdk_bar - a base address register of a type
 * @size: size in bytes, a power of two; 0 for no BAR
 * @flags: MDEV_SDK_BAR_* flags
 * @width: widest access, in bytes, @ops see: 1, 2, 4 or 8 (0 means 8).
 *	Wider user accesses are split, e.g. 1 for byte-wide registers
 * @ops: access callbacks; may be NULL for a backed BAR, whose memory is
 *	then read and written directly
 * @sparse: areas of the BAR that may be mmap()ed, or NULL for all of it
 *	when it is mappable
 * @nr_sparse: entries in @sparse
 */
struct mdev_sdk_bar {
	u64 size;
	unsigned int flags;
	unsigned int width;
	const struct mdev_sdk_region_ops *ops;
	const struct vfio_region_sparse_mmap_area *sparse;
	unsigned int nr_sparse;
};

/**
 * struct mdev_sdk_region_desc - a device-specific region
 * @size: size in bytes
 * @flags: VFIO_REGION_INFO_FLAG_READ, _WRITE and/or _MMAP
 * @type: region type for the VFIO_REGION_INFO_CAP_TYPE capability
 * @subtype: region subtype for that capability
 * @width: widest access @ops see, as for &mdev_sdk_bar.width
 * @ops: access callbacks
 * @sparse: mmap()able areas, or NULL
 * @nr_sparse: entries in @sparse
 */
struct mdev_sdk_region_desc {
	u64 size;
	u32 flags;
	u32 type;
	u32 subtype;
	unsigned int width;
	const struct mdev_sdk_region_ops *ops;
	const struct vfio_region_sparse_mmap_area *sparse;
	unsigned int nr_sparse;
};

int mdev_sdk_add_region(struct mdev_sdk_device *sdev,
			const struct mdev_sdk_region_desc *desc);
void *mdev_sdk_bar_memory(struct mdev_sdk_device *sdev, unsigned int bar);

#endif /* MDEV_SDK_REGION_H */
