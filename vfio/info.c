// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: helpers drivers use to answer INFO and
 * SET_IRQS ioctls, namely capability chains and VFIO_DEVICE_SET_IRQS
 * header validation.
 */
#include <linux/bitops.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "vfio_core.h"

/* Drop the whole chain, so that an error needs no cleanup by the caller. */
static void vfio_info_cap_free(struct vfio_info_cap *caps)
{
	kfree(caps->buf);
	caps->buf = NULL;
	caps->size = 0;
}

/**
 * vfio_info_cap_add - append a zeroed capability to a chain
 * @caps: the chain; start with a zeroed structure
 * @size: bytes of the capability, header included
 * @id: capability id (VFIO_REGION_INFO_CAP_*, ...)
 * @version: capability version
 *
 * The chain's next offsets are relative to the start of @caps->buf until
 * vfio_info_cap_shift() rebases them onto the user's structure. The buffer
 * may move, so earlier returned pointers become stale.
 *
 * Context: may sleep (GFP_KERNEL).
 * Return: the new capability, or an ERR_PTR(): -EINVAL if @size is smaller
 * than the header or the chain would outgrow 32-bit offsets, -ENOMEM. On
 * error the chain is freed and @caps reset.
 */
struct vfio_info_cap_header *vfio_info_cap_add(struct vfio_info_cap *caps,
					       size_t size, u16 id,
					       u16 version)
{
	struct vfio_info_cap_header *cap, *last;
	size_t offset = caps->size;
	void *buf;

	if (size < sizeof(*cap) || size > U32_MAX - offset) {
		vfio_info_cap_free(caps);
		return ERR_PTR(-EINVAL);
	}

	buf = krealloc(caps->buf, offset + size, GFP_KERNEL);
	if (!buf) {
		vfio_info_cap_free(caps);
		return ERR_PTR(-ENOMEM);
	}
	caps->buf = buf;
	caps->size = offset + size;

	/* The chain is copied to userspace: no stale kernel bytes. */
	cap = buf + offset;
	memset(cap, 0, size);
	cap->id = id;
	cap->version = version;

	if (offset) {
		for (last = buf; last->next; last = buf + last->next)
			;
		last->next = offset;
	}
	return cap;
}
EXPORT_SYMBOL_GPL(vfio_info_cap_add);

/**
 * vfio_info_cap_shift - rebase a chain's offsets before copying it out
 * @caps: the chain
 * @offset: bytes between the start of the user's info structure and where
 *	the chain will be copied, i.e. the new value of cap_offset
 *
 * Context: any.
 */
void vfio_info_cap_shift(struct vfio_info_cap *caps, size_t offset)
{
	struct vfio_info_cap_header *cap = caps->buf;
	void *buf = caps->buf;
	u32 next;

	if (!buf)
		return;

	while ((next = cap->next)) {
		cap->next = next + offset;
		cap = buf + next;
	}
}
EXPORT_SYMBOL_GPL(vfio_info_cap_shift);

/**
 * vfio_info_add_capability - append a copy of a filled-in capability
 * @caps: the chain
 * @cap: the capability; its id and version are used, its next is ignored
 * @size: bytes of @cap, header included
 *
 * Context: may sleep (GFP_KERNEL).
 * Return: 0 on success, or an errno of vfio_info_cap_add(), which then
 * freed the chain.
 */
int vfio_info_add_capability(struct vfio_info_cap *caps,
			     struct vfio_info_cap_header *cap, size_t size)
{
	struct vfio_info_cap_header *copy;

	copy = vfio_info_cap_add(caps, size, cap->id, cap->version);
	if (IS_ERR(copy))
		return PTR_ERR(copy);

	memcpy(copy + 1, cap + 1, size - sizeof(*copy));
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_info_add_capability);

/**
 * vfio_set_irqs_validate_and_prepare - check a VFIO_DEVICE_SET_IRQS header
 * @hdr: the header, copied from userspace
 * @num_irqs: number of vectors of @hdr->index
 * @max_irq_type: number of IRQ indexes the device has
 * @data_size: set to the bytes of payload following the header (0 for
 *	VFIO_IRQ_SET_DATA_NONE); may be NULL only if no payload is allowed
 *
 * Checks that argsz covers the header, that exactly one data type and one
 * action are given and nothing else, that [start, start + count) lies within
 * @num_irqs, and that argsz also covers count booleans or eventfds.
 *
 * Context: any.
 * Return: 0 if the driver may read *@data_size bytes of payload and act on
 * it, -EINVAL otherwise.
 */
int vfio_set_irqs_validate_and_prepare(struct vfio_irq_set *hdr,
				       int num_irqs, int max_irq_type,
				       size_t *data_size)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count);
	u32 data = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	size_t elem, size;

	if (data_size)
		*data_size = 0;

	if (hdr->argsz < minsz)
		return -EINVAL;
	if (hdr->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			   VFIO_IRQ_SET_ACTION_TYPE_MASK))
		return -EINVAL;
	if (hweight32(action) != 1)
		return -EINVAL;
	if (max_irq_type < 0 || hdr->index >= (u32)max_irq_type)
		return -EINVAL;
	/* 64-bit sums: start + count must not wrap. */
	if (num_irqs < 0 || hdr->start >= (u32)num_irqs ||
	    (u64)hdr->start + hdr->count > (u32)num_irqs)
		return -EINVAL;

	switch (data) {
	case VFIO_IRQ_SET_DATA_NONE:
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		elem = sizeof(u8);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		elem = sizeof(s32);
		break;
	default:
		return -EINVAL;
	}

	size = (size_t)hdr->count * elem;
	if (!data_size || hdr->argsz - minsz < size)
		return -EINVAL;
	*data_size = size;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_set_irqs_validate_and_prepare);
