// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: guest memory access for devices without DMA
 * of their own. Each call is validated and then handed to the container's
 * backend without any core lock: the backend of an open device cannot
 * change, and a driver's dma_unmap callback, which runs under the container
 * lock taken for the unmap ioctl, must be free to call vfio_unpin_pages().
 */
#include <linux/module.h>
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

/**
 * vfio_pin_pages - pin guest pages for a device that does no DMA itself
 * @device: an open device registered with vfio_register_emulated_iommu_dev()
 * @iova: IOVA of the first page, in bytes; page aligned
 * @npage: number of pages, 1 to VFIO_PIN_PAGES_MAX_ENTRIES
 * @prot: IOMMU_READ and/or IOMMU_WRITE access the driver needs
 * @pages: array of @npage entries receiving the pinned pages
 *
 * The driver must unpin with vfio_unpin_pages() before its close_device
 * returns, and from its dma_unmap callback for pages in the unmapped range.
 *
 * Context: may sleep; no core lock is taken.
 * Return: the number of pages pinned (@npage) on success; -EINVAL if the
 * device is not open, its container has no backend, the driver has no
 * dma_unmap callback, @pages is NULL or @npage is not positive; -E2BIG if
 * @npage exceeds VFIO_PIN_PAGES_MAX_ENTRIES; -ENOTTY if the backend cannot
 * pin; otherwise the backend's errno (-EINVAL for an unmapped IOVA, -EPERM
 * for a protection mismatch, -ENOMEM over RLIMIT_MEMLOCK).
 */
int vfio_pin_pages(struct vfio_device *device, dma_addr_t iova,
		   int npage, int prot, struct page **pages)
{
	struct vfio_container *container = vfio_device_dma_container(device);
	const struct vfio_iommu_driver_ops *ops;

	if (!container || !pages || npage <= 0)
		return -EINVAL;
	if (npage > VFIO_PIN_PAGES_MAX_ENTRIES)
		return -E2BIG;
	/* Without dma_unmap the pins would outlive the user's mapping. */
	if (!device->ops->dma_unmap)
		return -EINVAL;

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
 * @iova: IOVA of the first page, in bytes; page aligned
 * @npage: number of pages, 1 to VFIO_PIN_PAGES_MAX_ENTRIES
 *
 * Bad arguments are a driver bug; they are logged and ignored.
 *
 * Context: may sleep; no core lock is taken, so this may be called from
 * &vfio_device_ops.dma_unmap.
 */
void vfio_unpin_pages(struct vfio_device *device, dma_addr_t iova, int npage)
{
	struct vfio_container *container = vfio_device_dma_container(device);
	const struct vfio_iommu_driver_ops *ops;

	if (!container || npage <= 0 || npage > VFIO_PIN_PAGES_MAX_ENTRIES) {
		dev_err_ratelimited(device->dev,
				    "%s: bad arguments (iova %pad, npage %d)\n",
				    __func__, &iova, npage);
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
 * The CPU does the copy on the device's behalf; nothing stays pinned.
 *
 * Context: may sleep; no core lock is taken.
 * Return: 0 on success; -EINVAL if the device is not open, its container has
 * no backend, @data is NULL or @len is 0; -ENOTTY if the backend cannot do
 * it; otherwise the backend's errno (-EINVAL for an unmapped IOVA, -EPERM
 * for a protection mismatch, -EFAULT).
 */
int vfio_dma_rw(struct vfio_device *device, dma_addr_t iova,
		void *data, size_t len, bool write)
{
	struct vfio_container *container = vfio_device_dma_container(device);
	const struct vfio_iommu_driver_ops *ops;

	if (!container || !data || !len)
		return -EINVAL;

	ops = container->iommu_driver->ops;
	if (!ops->dma_rw)
		return -ENOTTY;
	return ops->dma_rw(container->iommu_data, iova, data, len, write);
}
EXPORT_SYMBOL_GPL(vfio_dma_rw);
