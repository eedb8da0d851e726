/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk bundled VFIO core: interface between the core and its IOMMU
 * backends (type1). Private to the framework; drivers never include it.
 */
#ifndef MDEV_SDK_VFIO_PRIVATE_H
#define MDEV_SDK_VFIO_PRIVATE_H

#include <linux/vfio.h>
#include <linux/module.h>

/**
 * enum vfio_group_type - how a group's DMA is translated
 * @VFIO_IOMMU: a real IOMMU group; the backend programs a domain
 * @VFIO_EMULATED_IOMMU: the device does no DMA of its own; the driver pins
 *	pages through vfio_pin_pages() and the backend only tracks mappings
 * @VFIO_NO_IOMMU: unsafe no-IOMMU mode (not supported by mdev-sdk)
 */
enum vfio_group_type {
	VFIO_IOMMU,
	VFIO_EMULATED_IOMMU,
	VFIO_NO_IOMMU,
};

/**
 * struct vfio_iommu_driver_ops - an IOMMU backend behind VFIO_SET_IOMMU
 * @name: backend name for log messages
 * @owner: module implementing the backend; the core holds a reference while
 *	a container uses it
 * @open: create backend state for a container; @arg is the VFIO_SET_IOMMU
 *	argument (VFIO_TYPE1_IOMMU, ...). Return state or ERR_PTR(), and
 *	ERR_PTR(-EINVAL) for an @arg this backend does not implement
 * @release: free what @open returned; called once the container has no
 *	groups
 * @ioctl: container ioctls not handled by the core; also asked for
 *	VFIO_CHECK_EXTENSION, returning 0 or 1
 * @attach_group: a group joins the container; may sleep
 * @detach_group: a group leaves the container; may sleep
 * @pin_pages: pin @npage pages from @user_iova for an emulated-IOMMU device
 *	(see vfio_pin_pages() for errnos)
 * @unpin_pages: drop pins taken by @pin_pages
 * @register_device: @vdev was opened in this container; from now on its
 *	&vfio_device_ops.dma_unmap is called on unmaps
 * @unregister_device: @vdev was closed; no further dma_unmap calls
 * @dma_rw: copy @count bytes between @data and @user_iova
 *
 * Context: every callback may sleep. The core holds the container's
 * group_lock for writing around @attach_group, @detach_group and @release,
 * and for reading around @ioctl. It takes no container lock around
 * @pin_pages, @unpin_pages and @dma_rw: they are only called for an open
 * device, and a container's backend cannot change while one of its devices
 * is open. A &vfio_device_ops.dma_unmap callback may therefore call
 * vfio_unpin_pages(). The backend calls dma_unmap callbacks with its own
 * locks dropped.
 */
struct vfio_iommu_driver_ops {
	char *name;
	struct module *owner;
	void *(*open)(unsigned long arg);
	void (*release)(void *iommu_data);
	long (*ioctl)(void *iommu_data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *iommu_data, struct iommu_group *group,
			    enum vfio_group_type type);
	void (*detach_group)(void *iommu_data, struct iommu_group *group);
	int (*pin_pages)(void *iommu_data, struct iommu_group *group,
			 dma_addr_t user_iova, int npage, int prot,
			 struct page **pages);
	void (*unpin_pages)(void *iommu_data, dma_addr_t user_iova, int npage);
	void (*register_device)(void *iommu_data, struct vfio_device *vdev);
	void (*unregister_device)(void *iommu_data, struct vfio_device *vdev);
	int (*dma_rw)(void *iommu_data, dma_addr_t user_iova, void *data,
		      size_t count, bool write);
};

int vfio_register_iommu_driver(const struct vfio_iommu_driver_ops *ops);
void vfio_unregister_iommu_driver(const struct vfio_iommu_driver_ops *ops);

#endif /* MDEV_SDK_VFIO_PRIVATE_H */
