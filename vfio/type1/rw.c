// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk type1 IOMMU backend: vfio_dma_rw(), copying between a kernel
 * buffer and the user memory behind mapped IOVA without pinning it for
 * longer than the copy.
 */

#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "../vfio.h"
#include "type1.h"

/*
 * Copy through short-term page pins, which works from any context: a
 * kernel thread, or a process other than the mapping's owner.
 */
static int type1_rw_remote(struct mm_struct *mm, unsigned long vaddr,
			   void *data, size_t count, bool write)
{
	while (count) {
		size_t offset = offset_in_page(vaddr);
		size_t len = min_t(size_t, count, PAGE_SIZE - offset);
		struct page *page;
		long pinned;
		int ret;

		ret = mmap_read_lock_killable(mm);
		if (ret)
			return ret;
		pinned = pin_user_pages_remote(mm, vaddr, 1,
					       write ? FOLL_WRITE : 0, &page,
					       NULL, NULL);
		mmap_read_unlock(mm);
		if (pinned != 1)
			return pinned < 0 ? pinned : -EFAULT;

		if (write)
			memcpy_to_page(page, offset, data, len);
		else
			memcpy_from_page(data, page, offset, len);
		unpin_user_pages_dirty_lock(&page, 1, write);

		vaddr += len;
		data += len;
		count -= len;
	}
	return 0;
}

static int type1_rw_chunk(struct type1_dma *dma, u64 iova, void *data,
			  size_t len, bool write)
{
	unsigned long vaddr = dma->vaddr + (iova - dma->iova);
	void __user *uaddr = (void __user *)vaddr;
	struct mm_struct *mm = dma->owner->mm;
	int ret;

	if (!type1_owner_mm_get(dma->owner))
		return -ESRCH;

	/* The owner itself asking (the usual ioctl path) can copy directly. */
	if (current->mm == mm) {
		if (write)
			ret = copy_to_user(uaddr, data, len) ? -EFAULT : 0;
		else
			ret = copy_from_user(data, uaddr, len) ? -EFAULT : 0;
	} else {
		ret = type1_rw_remote(mm, vaddr, data, len, write);
	}

	type1_owner_mm_put(dma->owner);
	return ret;
}

/**
 * type1_dma_rw - copy between kernel memory and mapped IOVA
 * @iommu_data: the container (&struct type1_iommu)
 * @user_iova: first IOVA in bytes, any alignment
 * @data: kernel buffer of @count bytes
 * @count: bytes to copy; may span several adjacent mappings
 * @write: true to copy @data to the IOVA (a device write, which needs a
 *	mapping with VFIO_DMA_MAP_FLAG_WRITE), false to copy from it (needs
 *	VFIO_DMA_MAP_FLAG_READ)
 *
 * Context: process context or kernel thread; takes @iommu->lock and the
 * owner's mmap_lock, and may fault in user pages.
 * Return: 0 on success; -EINVAL if @data is NULL, part of the range is not
 * mapped, or the range wraps around; -EPERM if a mapping does not allow the
 * access; -ESRCH if a mapping's owner has exited; -EFAULT if the user
 * memory cannot be accessed; -EINTR if interrupted by a fatal signal.
 * Bytes before the failing one may already have been copied.
 */
int type1_dma_rw(void *iommu_data, dma_addr_t user_iova, void *data,
		 size_t count, bool write)
{
	struct type1_iommu *iommu = iommu_data;
	int need = write ? IOMMU_WRITE : IOMMU_READ;
	u64 iova = user_iova;
	int ret = 0;

	if (!iommu || !data)
		return -EINVAL;
	if (!count)
		return 0;
	if (iova + (count - 1) < iova)
		return -EINVAL;

	/*
	 * Held across the copies so that the memory cannot be unmapped (and
	 * reused by the owner for something else) while it is written.
	 */
	mutex_lock(&iommu->lock);
	while (count) {
		struct type1_dma *dma = type1_dma_find(iommu, iova);
		size_t len;

		if (!dma) {
			ret = -EINVAL;
			break;
		}
		if (!(dma->prot & need)) {
			ret = -EPERM;
			break;
		}

		len = min_t(u64, count, dma->last - iova + 1);
		ret = type1_rw_chunk(dma, iova, data, len, write);
		if (ret)
			break;

		iova += len;
		data += len;
		count -= len;
	}
	mutex_unlock(&iommu->lock);
	return ret;
}
