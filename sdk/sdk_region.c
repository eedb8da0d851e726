// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: VFIO regions: GET_REGION_INFO, the read/write path and mmap.
 *
 * A user read(2) or write(2) is cut into naturally aligned chunks no wider
 * than the region allows, and each chunk goes to the region's callback as a
 * value, so device logic never sees user pointers, odd alignments or byte
 * order. User memory is copied outside the device lock: a fault on a user
 * buffer that maps this very device then cannot deadlock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/unaligned.h>

#include "sdk_private.h"

static int mdev_sdk_region_set(struct mdev_sdk_region *r, u64 size, u32 flags,
			       unsigned int width,
			       const struct mdev_sdk_region_ops *ops,
			       const struct vfio_region_sparse_mmap_area *sparse,
			       unsigned int nr_sparse)
{
	if (width && (width > 8 || !is_power_of_2(width)))
		return -EINVAL;
	if (nr_sparse && !sparse)
		return -EINVAL;
	r->size = size;
	r->flags = flags;
	r->width = width;
	r->ops = ops;
	r->sparse = sparse;
	r->nr_sparse = nr_sparse;
	return 0;
}

/**
 * mdev_sdk_regions_init - set up a new device's PCI regions from its type
 * @sdev: the device, with configuration space initialised
 *
 * Declares each BAR in configuration space and allocates the memory of
 * backed BARs.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a BAR configuration space refuses, or -ENOMEM.
 */
int mdev_sdk_regions_init(struct mdev_sdk_device *sdev)
{
	unsigned int bar;
	int ret;

	mdev_sdk_region_set(&sdev->regions[VFIO_PCI_CONFIG_REGION_INDEX],
			    MDEV_SDK_PCI_CFG_SIZE,
			    VFIO_REGION_INFO_FLAG_READ |
			    VFIO_REGION_INFO_FLAG_WRITE, 4, NULL, NULL, 0);
	sdev->nr_regions = VFIO_PCI_NUM_REGIONS;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		const struct mdev_sdk_bar *b = &sdev->type->bars[bar];
		struct mdev_sdk_region *r = &sdev->regions[bar];
		u32 flags = VFIO_REGION_INFO_FLAG_READ |
			    VFIO_REGION_INFO_FLAG_WRITE;

		if (!b->size)
			continue;
		ret = mdev_sdk_pci_config_set_bar(&sdev->config, bar, b->size,
						  b->flags);
		if (ret) {
			dev_err(mdev_sdk_dev(sdev), "BAR%u of type %s rejected: %d\n",
				bar, sdev->type->sysfs_name, ret);
			goto err_free_backing;
		}
		if ((b->flags & MDEV_SDK_BAR_BACKED) || (b->ops && b->ops->mmap))
			flags |= VFIO_REGION_INFO_FLAG_MMAP;
		ret = mdev_sdk_region_set(r, b->size, flags, b->width, b->ops,
					  b->sparse, b->nr_sparse);
		if (ret)
			goto err_free_backing;
		if (b->flags & MDEV_SDK_BAR_BACKED) {
			r->backing = vmalloc_user(PAGE_ALIGN(b->size));
			if (!r->backing) {
				ret = -ENOMEM;
				goto err_free_backing;
			}
		}
	}
	return 0;

err_free_backing:
	mdev_sdk_regions_free(sdev);
	return ret;
}

/**
 * mdev_sdk_regions_free - free what mdev_sdk_regions_init() allocated
 * @sdev: the device
 *
 * Context: process context.
 */
void mdev_sdk_regions_free(struct mdev_sdk_device *sdev)
{
	unsigned int i;

	for (i = 0; i < MDEV_SDK_MAX_REGIONS; i++) {
		vfree(sdev->regions[i].backing);
		sdev->regions[i].backing = NULL;
	}
}

/**
 * mdev_sdk_add_region - add a device-specific region
 * @sdev: the device, from its create callback
 * @desc: the region; @desc->sparse must stay valid for the device's life
 *
 * The region gets the next index after the PCI regions and reports a
 * VFIO_REGION_INFO_CAP_TYPE capability with @desc->type and @desc->subtype.
 *
 * Context: only from &mdev_sdk_device_ops.create; may sleep.
 * Return: the region index; -EINVAL for a zero type, a bad width or
 * flags; -ENOSPC once MDEV_SDK_MAX_EXTRA_REGIONS were added.
 */
int mdev_sdk_add_region(struct mdev_sdk_device *sdev,
			const struct mdev_sdk_region_desc *desc)
{
	u32 ok_flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		       VFIO_REGION_INFO_FLAG_MMAP;
	unsigned int index = sdev->nr_regions;
	int ret;

	if (sdev->created || !desc->type || (desc->flags & ~ok_flags) ||
	    desc->size > MDEV_SDK_REGION_OFFSET_MASK)
		return -EINVAL;
	if ((desc->flags & VFIO_REGION_INFO_FLAG_MMAP) &&
	    (!desc->ops || !desc->ops->mmap))
		return -EINVAL;
	if (index >= MDEV_SDK_MAX_REGIONS)
		return -ENOSPC;

	ret = mdev_sdk_region_set(&sdev->regions[index], desc->size,
				  desc->flags, desc->width, desc->ops,
				  desc->sparse, desc->nr_sparse);
	if (ret)
		return ret;
	sdev->regions[index].type = desc->type;
	sdev->regions[index].subtype = desc->subtype;
	sdev->nr_regions++;
	return index;
}
EXPORT_SYMBOL_GPL(mdev_sdk_add_region);

/**
 * mdev_sdk_bar_memory - memory behind a backed BAR
 * @sdev: the device
 * @bar: BAR number
 *
 * Context: any.
 * Return: the vmalloc_user() memory of a BAR declared with
 * MDEV_SDK_BAR_BACKED, page-size rounded up; NULL for any other BAR.
 */
void *mdev_sdk_bar_memory(struct mdev_sdk_device *sdev, unsigned int bar)
{
	return bar < PCI_STD_NUM_BARS ? sdev->regions[bar].backing : NULL;
}
EXPORT_SYMBOL_GPL(mdev_sdk_bar_memory);

static int mdev_sdk_region_add_caps(struct mdev_sdk_region *r,
				    struct vfio_info_cap *caps)
{
	struct vfio_info_cap_header *header;

	if (r->nr_sparse && (r->flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		struct vfio_region_info_cap_sparse_mmap *sparse;

		header = vfio_info_cap_add(caps, struct_size(sparse, areas,
							     r->nr_sparse),
					   VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1);
		if (IS_ERR(header))
			return PTR_ERR(header);
		sparse = container_of(header,
				      struct vfio_region_info_cap_sparse_mmap,
				      header);
		sparse->nr_areas = r->nr_sparse;
		memcpy(sparse->areas, r->sparse,
		       r->nr_sparse * sizeof(*r->sparse));
	}

	if (r->type) {
		struct vfio_region_info_cap_type *type;

		header = vfio_info_cap_add(caps, sizeof(*type),
					   VFIO_REGION_INFO_CAP_TYPE, 1);
		if (IS_ERR(header))
			return PTR_ERR(header);
		type = container_of(header, struct vfio_region_info_cap_type,
				    header);
		type->type = r->type;
		type->subtype = r->subtype;
	}
	return 0;
}

/**
 * mdev_sdk_ioctl_region_info - VFIO_DEVICE_GET_REGION_INFO
 * @sdev: the device
 * @arg: the user's struct vfio_region_info
 *
 * Capabilities are returned when the user's argsz leaves room for them;
 * otherwise argsz is raised to the size needed, as the uAPI describes.
 *
 * Context: process context, may sleep.
 * Return: 0; -EFAULT; -EINVAL for a short argsz or unknown index; -ENOMEM.
 */
long mdev_sdk_ioctl_region_info(struct mdev_sdk_device *sdev,
				void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	struct mdev_sdk_region *r;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= sdev->nr_regions)
		return -EINVAL;

	r = &sdev->regions[info.index];
	info.offset = mdev_sdk_region_to_offset(info.index);
	info.size = r->size;
	info.flags = r->flags;
	info.cap_offset = 0;

	ret = mdev_sdk_region_add_caps(r, &caps);
	if (ret)
		goto out_free_caps;

	if (caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user(arg + sizeof(info), caps.buf,
					 caps.size)) {
				ret = -EFAULT;
				goto out_free_caps;
			}
			info.cap_offset = sizeof(info);
		}
	}

	if (copy_to_user(arg, &info, minsz))
		ret = -EFAULT;
out_free_caps:
	kfree(caps.buf);
	return ret;
}

/* One chunk, @buf little-endian; device lock held. */
static int mdev_sdk_region_access(struct mdev_sdk_device *sdev,
				  unsigned int index, u64 off, u8 *buf,
				  unsigned int n, bool write)
{
	struct mdev_sdk_region *r = &sdev->regions[index];
	u64 val = 0;
	int ret;

	lockdep_assert_held(&sdev->lock);

	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (!write)
			return mdev_sdk_pci_config_read(&sdev->config, off, buf,
							n);
		ret = mdev_sdk_pci_config_write(&sdev->config, off, buf, n);
		if (!ret)
			mdev_sdk_irq_config_written(sdev);
		return ret;
	}

	if (!r->ops) {
		if (!r->backing)
			return -EINVAL;
		if (write)
			memcpy(r->backing + off, buf, n);
		else
			memcpy(buf, r->backing + off, n);
		return 0;
	}

	if (write) {
		switch (n) {
		case 1:
			val = buf[0];
			break;
		case 2:
			val = get_unaligned_le16(buf);
			break;
		case 4:
			val = get_unaligned_le32(buf);
			break;
		default:
			val = get_unaligned_le64(buf);
			break;
		}
		return r->ops->write ? r->ops->write(sdev, index, off, n, val) :
				       0;
	}

	if (r->ops->read) {
		ret = r->ops->read(sdev, index, off, n, &val);
		if (ret)
			return ret;
	}
	switch (n) {
	case 1:
		buf[0] = val;
		break;
	case 2:
		put_unaligned_le16(val, buf);
		break;
	case 4:
		put_unaligned_le32(val, buf);
		break;
	default:
		put_unaligned_le64(val, buf);
		break;
	}
	return 0;
}

/*
 * Register accesses are small and naturally aligned in user memory too, as
 * QEMU makes them: move those with one get_user()/put_user(). A
 * copy_*_user() of a size known only at run time goes through the string
 * copy and the hardened-usercopy object check on every access.
 */
static int mdev_sdk_chunk_from_user(u8 *buf, const char __user *ubuf,
				    unsigned int n)
{
	u16 w;
	u32 l;
	u64 q;

	if (!IS_ALIGNED((unsigned long)ubuf, n))
		return copy_from_user(buf, ubuf, n) ? -EFAULT : 0;

	switch (n) {
	case 1:
		return get_user(buf[0], (const u8 __user *)ubuf);
	case 2:
		if (get_user(w, (const u16 __user *)ubuf))
			return -EFAULT;
		put_unaligned(w, (u16 *)buf);
		return 0;
	case 4:
		if (get_user(l, (const u32 __user *)ubuf))
			return -EFAULT;
		put_unaligned(l, (u32 *)buf);
		return 0;
	default:
		if (get_user(q, (const u64 __user *)ubuf))
			return -EFAULT;
		put_unaligned(q, (u64 *)buf);
		return 0;
	}
}

static int mdev_sdk_chunk_to_user(char __user *ubuf, const u8 *buf,
				  unsigned int n)
{
	if (!IS_ALIGNED((unsigned long)ubuf, n))
		return copy_to_user(ubuf, buf, n) ? -EFAULT : 0;

	switch (n) {
	case 1:
		return put_user(buf[0], (u8 __user *)ubuf);
	case 2:
		return put_user(get_unaligned((const u16 *)buf),
				(u16 __user *)ubuf);
	case 4:
		return put_user(get_unaligned((const u32 *)buf),
				(u32 __user *)ubuf);
	default:
		return put_user(get_unaligned((const u64 *)buf),
				(u64 __user *)ubuf);
	}
}

static ssize_t mdev_sdk_rw(struct mdev_sdk_device *sdev, char __user *ubuf,
			   size_t count, loff_t *ppos, bool write)
{
	u64 pos = *ppos;
	u64 index = mdev_sdk_offset_to_region(pos);
	u64 off = mdev_sdk_offset_in_region(pos);
	struct mdev_sdk_region *r;
	size_t done = 0;
	int ret = 0;

	if (*ppos < 0 || index >= sdev->nr_regions)
		return -EINVAL;
	r = &sdev->regions[index];
	if (!(r->flags & (write ? VFIO_REGION_INFO_FLAG_WRITE :
				  VFIO_REGION_INFO_FLAG_READ)))
		return -EINVAL;
	if (off >= r->size)
		return -EINVAL;
	count = min_t(u64, count, r->size - off);

	while (done < count) {
		unsigned int n = mdev_sdk_region_chunk(off, count - done,
						       r->width);
		u8 buf[8];

		if (write) {
			ret = mdev_sdk_chunk_from_user(buf, ubuf + done, n);
			if (ret)
				break;
		}
		mutex_lock(&sdev->lock);
		ret = mdev_sdk_region_access(sdev, index, off, buf, n, write);
		mutex_unlock(&sdev->lock);
		if (ret)
			break;
		if (!write) {
			ret = mdev_sdk_chunk_to_user(ubuf + done, buf, n);
			if (ret)
				break;
		}
		off += n;
		done += n;
	}

	if (!done)
		return ret;
	*ppos += done;
	return done;
}

ssize_t mdev_sdk_vfio_read(struct vfio_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos)
{
	return mdev_sdk_rw(to_sdk_device(vdev), buf, count, ppos, false);
}

ssize_t mdev_sdk_vfio_write(struct vfio_device *vdev, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	/* The shared loop only reads through the pointer when writing. */
	return mdev_sdk_rw(to_sdk_device(vdev), (char __user *)buf, count,
			   ppos, true);
}

static bool mdev_sdk_in_sparse(const struct mdev_sdk_region *r, u64 off,
			       u64 len)
{
	unsigned int i;

	if (!r->nr_sparse)
		return true;
	for (i = 0; i < r->nr_sparse; i++) {
		const struct vfio_region_sparse_mmap_area *a = &r->sparse[i];

		if (off >= a->offset && len <= a->size &&
		    off - a->offset <= a->size - len)
			return true;
	}
	return false;
}

/**
 * mdev_sdk_vfio_mmap - &vfio_device_ops.mmap
 * @vdev: the device
 * @vma: the mapping; vm_pgoff encodes region and offset
 *
 * Only shared mappings of mappable regions that stay inside the region
 * (and inside one sparse area, if any) are allowed.
 *
 * Context: process context, mmap lock held.
 * Return: 0, -EINVAL for a bad region, range or private mapping, or the
 * errno of the mapping.
 */
int mdev_sdk_vfio_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct mdev_sdk_device *sdev = to_sdk_device(vdev);
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 index = mdev_sdk_offset_to_region(pos);
	u64 off = mdev_sdk_offset_in_region(pos);
	u64 len = vma->vm_end - vma->vm_start;
	struct mdev_sdk_region *r;

	if (index >= sdev->nr_regions)
		return -EINVAL;
	r = &sdev->regions[index];
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP) ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (off >= PAGE_ALIGN(r->size) || len > PAGE_ALIGN(r->size) - off ||
	    !mdev_sdk_in_sparse(r, off, len))
		return -EINVAL;

	vma->vm_pgoff = off >> PAGE_SHIFT;
	if (r->ops && r->ops->mmap)
		return r->ops->mmap(sdev, index, vma);
	if (r->backing)
		return remap_vmalloc_range(vma, r->backing, vma->vm_pgoff);
	return -EINVAL;
}
