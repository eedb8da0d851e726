// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: guest memory access for devices without DMA
 * of their own. Each call is validated and then handed, without any core
 * lock, to the container's backend for a device opened through its group,
 * or to the device's iommufd access for one bound through its cdev. Neither
 * can change while the device is open, and a driver's dma_unmap callback,
 * which runs under the container lock taken for the unmap ioctl (or under
 * no lock, from iommufd), must be free to call vfio_unpin_pages().
 */
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/sched.h>
#include "vfio_core.h"

/*
 * The container of an open device, or NULL. Only stable while the device is
 * open, which is the caller's contract.
 */
static struct vfio_container *vfio_device_dma_container(struct vfio_device *device)
{
	struct vfio_container *container;

	if (!device->group || !vfio_device_is_open(device))
		return NULL;
	container = device->group->container;
	if (!container || !container->iommu_driver)
		return NULL;
	return container;
}

/*
 * The iommufd access of an open device bound through its cdev, or NULL.
 * Set by bind_iommufd before the device counts as open and cleared by
 * unbind_iommufd after close_device, so stable under the same contract.
 */
static struct iommufd_access *vfio_device_dma_access(struct vfio_device *device)
{
	if (!vfio_device_is_open(device))
		return NULL;
	return device->iommufd_access;
}

/* Pin through iommufd: whole pages from the page holding @iova. */
static int vfio_device_access_pin(struct iommufd_access *access,
				  dma_addr_t iova, int npage, int prot,
				  struct page **pages)
{
	int ret;

	ret = iommufd_access_pin_pages(access, ALIGN_DOWN(iova, PAGE_SIZE),
				       (unsigned long)npage * PAGE_SIZE, pages,
				       (prot & IOMMU_WRITE) ?
				       IOMMUFD_ACCESS_RW_WRITE : 0);
	return ret ? ret : npage;
}

/**
 * vfio_pin_pages - pin guest pages for a device that does no DMA itself
 * @device: an open device registered with vfio_register_emulated_iommu_dev()
 * @iova: IOVA of the first page, in bytes; the offset into the page is
 *	ignored
 * @npage: number of pages, 1 to VFIO_PIN_PAGES_MAX_ENTRIES
 * @prot: IOMMU_READ and/or IOMMU_WRITE access the driver needs
 * @pages: array of @npage entries receiving the pinned pages
 *
 * A device opened through its group pins through the container's backend
 * (type1); one bound through /dev/vfio/devices/vfioN pins through its
 * iommufd access, @npage * PAGE_SIZE bytes of the attached IOAS. The driver
 * must unpin with vfio_unpin_pages() before its close_device returns, and
 * from its dma_unmap callback for pages in the unmapped range.
 *
 * Context: may sleep; no core lock is taken.
 * Return: the number of pages pinned (@npage) on success; -EINVAL if the
 * device is not open, is neither in a container with a backend nor bound to
 * an iommufd, the driver has no dma_unmap callback, @pages is NULL or
 * @npage is not positive; -E2BIG if @npage exceeds
 * VFIO_PIN_PAGES_MAX_ENTRIES. Group path: -ENOTTY if the backend cannot
 * pin, otherwise the backend's errno (-EINVAL for an unmapped IOVA, -EPERM
 * for a protection mismatch, -ENOMEM over RLIMIT_MEMLOCK). Cdev path: the
 * errno of iommufd_access_pin_pages() (-ENOENT for an IOVA outside every
 * mapping or an access attached to no IOAS, -EINVAL for a mapping being
 * unmapped, -EPERM for a protection mismatch, -ENOMEM over RLIMIT_MEMLOCK).
 */
int vfio_pin_pages(struct vfio_device *device, dma_addr_t iova,
		   int npage, int prot, struct page **pages)
{
	struct vfio_container *container = vfio_device_dma_container(device);
	struct iommufd_access *access = vfio_device_dma_access(device);
	const struct vfio_iommu_driver_ops *ops;

	if ((!container && !access) || !pages || npage <= 0)
		return -EINVAL;
	if (npage > VFIO_PIN_PAGES_MAX_ENTRIES)
		return -E2BIG;
	/* Without dma_unmap the pins would outlive the user's mapping. */
	if (!device->ops->dma_unmap)
		return -EINVAL;

	if (!container)
		return vfio_device_access_pin(access, iova, npage, prot, pages);

	ops = container->iommu_driver->ops;
	if (!ops->pin_pages)
		return -ENOTTY;
	return ops->pin_pages(container->iommu_data, device->group->iommu_group,
			      iova, npage, prot, pages);
}
EXPORT_SYMBOL_GPL(vfio_pin_pages);

/**
 * vfio_unpin_pages - drop pins taken with vfio_pin_pages()
 * @device: the open device that pinned the pages
 * @iova: IOVA of the first page, in bytes; the offset into the page is
 *	ignored
 * @npage: number of pages, 1 to VFIO_PIN_PAGES_MAX_ENTRIES
 *
 * Goes to the same place vfio_pin_pages() went: the container's backend,
 * or the iommufd access. Bad arguments are a driver bug; they are logged
 * and ignored.
 *
 * Context: may sleep; no core lock is taken, so this may be called from
 * &vfio_device_ops.dma_unmap.
 */
void vfio_unpin_pages(struct vfio_device *device, dma_addr_t iova, int npage)
{
	struct vfio_container *container = vfio_device_dma_container(device);
	struct iommufd_access *access = vfio_device_dma_access(device);
	const struct vfio_iommu_driver_ops *ops;

	if ((!container && !access) || npage <= 0 ||
	    npage > VFIO_PIN_PAGES_MAX_ENTRIES) {
		dev_err_ratelimited(device->dev,
				    "%s: bad arguments (iova %pad, npage %d)\n",
				    __func__, &iova, npage);
		return;
	}

	if (!container) {
		iommufd_access_unpin_pages(access, ALIGN_DOWN(iova, PAGE_SIZE),
					   (unsigned long)npage * PAGE_SIZE);
		return;
	}

	ops = container->iommu_driver->ops;
	if (ops->unpin_pages)
		ops->unpin_pages(container->iommu_data, iova, npage);
}
EXPORT_SYMBOL_GPL(vfio_unpin_pages);

/**
 * vfio_dma_rw - copy between a kernel buffer and guest memory by IOVA
 * @device: an open device
 * @iova: IOVA to start at, in bytes; no alignment needed
 * @data: kernel buffer
 * @len: bytes to copy
 * @write: true to copy @data to guest memory, false to fill @data from it
 *
 * The CPU does the copy on the device's behalf; nothing stays pinned. Goes
 * to the container's backend on the group path, to iommufd_access_rw() on
 * the cdev path (from a kernel thread too, which has no mm of its own).
 *
 * Context: may sleep; no core lock is taken.
 * Return: 0 on success; -EINVAL if the device is not open, is neither in a
 * container with a backend nor bound to an iommufd, @data is NULL or @len
 * is 0. Group path: -ENOTTY if the backend cannot do it, otherwise the
 * backend's errno (-EINVAL for an unmapped IOVA, -EPERM for a protection
 * mismatch, -EFAULT). Cdev path: the errno of iommufd_access_rw() (-ENOENT
 * for an unmapped IOVA or an access attached to no IOAS, -EPERM for a
 * protection mismatch, -EFAULT).
 */
int vfio_dma_rw(struct vfio_device *device, dma_addr_t iova,
		void *data, size_t len, bool write)
{
	struct vfio_container *container = vfio_device_dma_container(device);
	struct iommufd_access *access = vfio_device_dma_access(device);
	const struct vfio_iommu_driver_ops *ops;
	unsigned int flags;

	if ((!container && !access) || !data || !len)
		return -EINVAL;

	if (!container) {
		flags = write ? IOMMUFD_ACCESS_RW_WRITE : IOMMUFD_ACCESS_RW_READ;
		/* As upstream: a caller without an mm is taken for a kthread. */
		if (!current->mm)
			flags |= IOMMUFD_ACCESS_RW_KTHREAD;
		return iommufd_access_rw(access, iova, data, len, flags);
	}

	ops = container->iommu_driver->ops;
	if (!ops->dma_rw)
		return -ENOTTY;
	return ops->dma_rw(container->iommu_data, iova, data, len, write);
}
EXPORT_SYMBOL_GPL(vfio_dma_rw);
