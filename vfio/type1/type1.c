// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk type1 IOMMU backend: the module, container lifetime and the
 * VFIO_IOMMU_* container ioctls.
 *
 * Only emulated-IOMMU groups (mediated devices) are supported. Their
 * devices cannot DMA on their own, so the backend programs no IOMMU: it
 * tracks the user's mappings, pins pages on the driver's request and
 * copies data for it. Groups backed by a hardware IOMMU are refused; the
 * guests this project is tested in have none, and mdev-sdk is an mdev
 * framework, so the domain management upstream type1 does for them is left
 * out.
 */

#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "../vfio.h"
#include "type1.h"

static unsigned int dma_entry_limit __read_mostly = U16_MAX;
module_param(dma_entry_limit, uint, 0644);
MODULE_PARM_DESC(dma_entry_limit,
		 "Maximum number of DMA mappings per container, read when the container is set up (default 65535)");

/* Every power-of-two multiple of the CPU page size can be mapped. */
#define TYPE1_PGSIZES	((u64)PAGE_MASK)

static void *type1_open(unsigned long arg)
{
	struct type1_iommu *iommu;
	bool v2;

	switch (arg) {
	case VFIO_TYPE1_IOMMU:
		v2 = false;
		break;
	case VFIO_TYPE1_NESTING_IOMMU:
		/*
		 * Nesting asks for a nested stage in hardware domains, and an
		 * emulated-IOMMU container has none: it is a v2 container, as
		 * upstream opens one for mdev-only containers.
		 */
	case VFIO_TYPE1v2_IOMMU:
		v2 = true;
		break;
	default:
		return ERR_PTR(-EINVAL);
	}

	iommu = kzalloc(sizeof(*iommu), GFP_KERNEL_ACCOUNT);
	if (!iommu)
		return ERR_PTR(-ENOMEM);

	mutex_init(&iommu->lock);
	iommu->dmas = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&iommu->groups);
	iommu->dma_avail = READ_ONCE(dma_entry_limit);
	iommu->v2 = v2;
	init_rwsem(&iommu->devices_rwsem);
	INIT_LIST_HEAD(&iommu->devices);
	return iommu;
}

static void type1_release(void *iommu_data)
{
	struct type1_iommu *iommu = iommu_data;
	struct type1_group *group, *tmp;

	mutex_lock(&iommu->lock);
	/* The core unregisters every device before it drops the container. */
	WARN_ON_ONCE(!list_empty(&iommu->devices));
	type1_dma_remove_all(iommu);
	if (iommu->owner)
		type1_owner_put(iommu->owner);
	list_for_each_entry_safe(group, tmp, &iommu->groups, next) {
		list_del(&group->next);
		kfree(group);
	}
	mutex_unlock(&iommu->lock);

	mutex_destroy(&iommu->lock);
	kfree(iommu);
}

static struct type1_group *type1_find_group(struct type1_iommu *iommu,
					    struct iommu_group *iommu_group)
{
	struct type1_group *group;

	lockdep_assert_held(&iommu->lock);

	list_for_each_entry(group, &iommu->groups, next) {
		if (group->iommu_group == iommu_group)
			return group;
	}
	return NULL;
}

static int type1_attach_group(void *iommu_data,
			      struct iommu_group *iommu_group,
			      enum vfio_group_type type)
{
	struct type1_iommu *iommu = iommu_data;
	struct type1_group *group;
	int ret = 0;

	if (type != VFIO_EMULATED_IOMMU) {
		/* See the comment at the top of this file. */
		pr_warn("mdev_sdk_vfio_iommu_type1: group %d is not an emulated-IOMMU (mdev) group; only those are supported\n",
			iommu_group_id(iommu_group));
		return -EOPNOTSUPP;
	}

	group = kzalloc(sizeof(*group), GFP_KERNEL_ACCOUNT);
	if (!group)
		return -ENOMEM;
	group->iommu_group = iommu_group;

	mutex_lock(&iommu->lock);
	if (type1_find_group(iommu, iommu_group))
		ret = -EINVAL;
	else
		list_add_tail(&group->next, &iommu->groups);
	mutex_unlock(&iommu->lock);

	if (ret)
		kfree(group);
	return ret;
}

static void type1_detach_group(void *iommu_data,
			       struct iommu_group *iommu_group)
{
	struct type1_iommu *iommu = iommu_data;
	struct type1_group *group;

	/*
	 * Mappings stay: the core releases the container when its last group
	 * leaves, and type1_release() drops them then.
	 */
	mutex_lock(&iommu->lock);
	group = type1_find_group(iommu, iommu_group);
	if (group)
		list_del(&group->next);
	mutex_unlock(&iommu->lock);
	kfree(group);
}

static void type1_register_device(void *iommu_data, struct vfio_device *vdev)
{
	struct type1_iommu *iommu = iommu_data;

	/* Waits for unmaps that are calling dma_unmap callbacks. */
	down_write(&iommu->devices_rwsem);
	list_add_tail(&vdev->iommu_entry, &iommu->devices);
	if (vdev->ops->dma_unmap)
		WRITE_ONCE(iommu->nnotify, iommu->nnotify + 1);
	up_write(&iommu->devices_rwsem);
}

static void type1_unregister_device(void *iommu_data,
				    struct vfio_device *vdev)
{
	struct type1_iommu *iommu = iommu_data;

	/*
	 * Once this returns no unmap calls into @vdev any more: the write
	 * lock waits for those in flight, which hold it for reading.
	 */
	down_write(&iommu->devices_rwsem);
	list_del(&vdev->iommu_entry);
	if (vdev->ops->dma_unmap)
		WRITE_ONCE(iommu->nnotify, iommu->nnotify - 1);
	up_write(&iommu->devices_rwsem);
}

/*
 * The answers of upstream 6.1's vfio_iommu_type1_check_extension() for a
 * container whose groups are all emulated. @iommu is NULL when the core
 * asks before VFIO_SET_IOMMU.
 */
static long type1_check_extension(struct type1_iommu *iommu,
				  unsigned long ext)
{
	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_TYPE1_NESTING_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		/*
		 * Coherent when every hardware domain enforces snooping; an
		 * emulated-IOMMU device does no DMA of its own, so a set-up
		 * container has no domain that could fail to.
		 */
		return iommu ? 1 : 0;
	default:
		/*
		 * Not VFIO_UPDATE_VADDR: a device could pin or copy through a
		 * stale vaddr while it is being replaced, which is why
		 * upstream withdraws it whenever an mdev is present. Nor
		 * dirty tracking, which is not implemented.
		 */
		return 0;
	}
}

static int type1_info_add_caps(struct type1_iommu *iommu,
			       struct vfio_info_cap *caps)
{
	struct vfio_iommu_type1_info_cap_iova_range *range;
	struct vfio_iommu_type1_info_dma_avail avail = {
		.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
		.header.version = 1,
	};
	struct vfio_info_cap_header *header;

	mutex_lock(&iommu->lock);
	avail.avail = iommu->dma_avail;
	mutex_unlock(&iommu->lock);

	/* With no IOMMU translating, every IOVA is usable. */
	header = vfio_info_cap_add(caps, struct_size(range, iova_ranges, 1),
				   VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1);
	if (IS_ERR(header))
		return PTR_ERR(header);
	range = container_of(header,
			     struct vfio_iommu_type1_info_cap_iova_range,
			     header);
	range->nr_iovas = 1;
	range->reserved = 0;
	range->iova_ranges[0].start = 0;
	range->iova_ranges[0].end = U64_MAX;

	return vfio_info_add_capability(caps, &avail.header, sizeof(avail));
}

static long type1_ioctl_get_info(struct type1_iommu *iommu,
				 void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	size_t capsz = offsetofend(struct vfio_iommu_type1_info, cap_offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_iommu_type1_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	/* Users older than the capability chain have no cap_offset. */
	if (info.argsz >= capsz) {
		minsz = capsz;
		info.cap_offset = 0;
	}

	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = TYPE1_PGSIZES;

	ret = type1_info_add_caps(iommu, &caps);
	if (ret) {
		kfree(caps.buf);
		return ret;
	}

	if (info.argsz < sizeof(info) + caps.size) {
		/* Too small for the chain: say how much is needed. */
		info.argsz = sizeof(info) + caps.size;
	} else {
		vfio_info_cap_shift(&caps, sizeof(info));
		if (copy_to_user(arg + sizeof(info), caps.buf, caps.size)) {
			kfree(caps.buf);
			return -EFAULT;
		}
		info.cap_offset = sizeof(info);
	}
	kfree(caps.buf);

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long type1_ioctl_map_dma(struct type1_iommu *iommu, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	u32 known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
		    VFIO_DMA_MAP_FLAG_VADDR;
	struct vfio_iommu_type1_dma_map map;
	int prot = 0;

	if (copy_from_user(&map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || map.flags & ~known)
		return -EINVAL;

	if (map.flags & VFIO_DMA_MAP_FLAG_VADDR) {
		/* A new vaddr for an existing mapping carries no access. */
		if (map.flags & ~VFIO_DMA_MAP_FLAG_VADDR)
			return -EINVAL;
		return type1_dma_map(iommu, map.iova, map.vaddr, map.size, 0);
	}

	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (!prot)
		return -EINVAL;

	return type1_dma_map(iommu, map.iova, map.vaddr, map.size, prot);
}

static long type1_ioctl_unmap_dma(struct type1_iommu *iommu,
				  void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	u32 known = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
		    VFIO_DMA_UNMAP_FLAG_VADDR | VFIO_DMA_UNMAP_FLAG_ALL;
	struct vfio_iommu_type1_dma_unmap unmap;
	u64 unmapped;
	int ret;

	if (copy_from_user(&unmap, arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || unmap.flags & ~known)
		return -EINVAL;

	/* Dirty tracking is never started, as upstream answers then. */
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)
		return -EINVAL;
	/* As for VFIO_DMA_MAP_FLAG_VADDR. */
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_VADDR)
		return -EBUSY;

	ret = type1_dma_unmap(iommu, unmap.iova, unmap.size,
			      unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL,
			      &unmapped);
	if (ret)
		return ret;

	unmap.size = unmapped;
	return copy_to_user(arg, &unmap, minsz) ? -EFAULT : 0;
}

static long type1_ioctl(void *iommu_data, unsigned int cmd,
			unsigned long arg)
{
	struct type1_iommu *iommu = iommu_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_CHECK_EXTENSION:
		/* Also asked before VFIO_SET_IOMMU, with no @iommu_data. */
		return type1_check_extension(iommu, arg);
	case VFIO_IOMMU_GET_INFO:
		return iommu ? type1_ioctl_get_info(iommu, uarg) : -EINVAL;
	case VFIO_IOMMU_MAP_DMA:
		return iommu ? type1_ioctl_map_dma(iommu, uarg) : -EINVAL;
	case VFIO_IOMMU_UNMAP_DMA:
		return iommu ? type1_ioctl_unmap_dma(iommu, uarg) : -EINVAL;
	default:
		/*
		 * Including VFIO_IOMMU_DIRTY_PAGES: dirty tracking is not
		 * implemented, as with upstream backends that lack it.
		 */
		return -ENOTTY;
	}
}

/*
 * type1_ops - the backend behind VFIO_SET_IOMMU(VFIO_TYPE1{,v2}_IOMMU).
 * The name matches upstream's, which user space may print.
 */
static const struct vfio_iommu_driver_ops type1_ops = {
	.name			= "vfio-iommu-type1",
	.owner			= THIS_MODULE,
	.open			= type1_open,
	.release		= type1_release,
	.ioctl			= type1_ioctl,
	.attach_group		= type1_attach_group,
	.detach_group		= type1_detach_group,
	.pin_pages		= type1_pin_pages,
	.unpin_pages		= type1_unpin_pages,
	.register_device	= type1_register_device,
	.unregister_device	= type1_unregister_device,
	.dma_rw			= type1_dma_rw,
};

static int __init vfio_iommu_type1_init(void)
{
	int ret;

	ret = type1_dma_cache_create();
	if (ret)
		return ret;
	ret = vfio_register_iommu_driver(&type1_ops);
	if (ret)
		type1_dma_cache_destroy();
	return ret;
}

static void __exit vfio_iommu_type1_exit(void)
{
	vfio_unregister_iommu_driver(&type1_ops);
	type1_dma_cache_destroy();
}

module_init(vfio_iommu_type1_init);
module_exit(vfio_iommu_type1_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdev-sdk type1 IOMMU backend for emulated-IOMMU (mdev) devices");
