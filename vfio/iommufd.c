// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: the iommufd ops of emulated-IOMMU devices.
 * Such a device does no DMA; on the cdev path it becomes an iommufd access
 * object, through which vfio_pin_pages() and vfio_dma_rw() reach the
 * attached IOAS, and whose unmap callback is the driver's dma_unmap.
 */
#include <linux/iommufd.h>
#include <linux/module.h>
#include "vfio_core.h"

/*
 * The access's unmap: iommufd calls it with none of its locks held. The
 * driver hears of unmaps only while the device is open, as on the group
 * path; the one iommufd sends when unbind destroys the access comes after
 * close_device, which dropped every pin, and iommufd releases whatever a
 * driver kept.
 */
static void vfio_iommufd_emulated_unmap(void *data, unsigned long iova,
					unsigned long length)
{
	struct vfio_device *vdev = data;

	if (vdev->ops->dma_unmap && vfio_device_is_open(vdev))
		vdev->ops->dma_unmap(vdev, iova, length);
}

static const struct iommufd_access_ops vfio_iommufd_emulated_access_ops = {
	.needs_pin_pages = 1,
	.unmap = vfio_iommufd_emulated_unmap,
};

/**
 * vfio_iommufd_emulated_bind - &vfio_device_ops.bind_iommufd of mdev drivers
 * @vdev: the device being bound through its cdev
 * @ictx: the iommufd the user passed to VFIO_DEVICE_BIND_IOMMUFD
 * @out_device_id: receives the id of the new access object in @ictx
 *
 * Creates the device's iommufd access, which pins pages (so an IOAS it
 * attaches to accepts only page-aligned IOVAs) and forwards unmaps to
 * &vfio_device_ops.dma_unmap. Mirrors upstream's helper of the same name
 * (Linux 6.2).
 *
 * Context: process context, may sleep; the device set lock held.
 * Return: 0, or the errno of iommufd_access_create() (-ENOMEM).
 */
int vfio_iommufd_emulated_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, u32 *out_device_id)
{
	struct iommufd_access *access;

	lockdep_assert_held(&vdev->dev_set->lock);

	access = iommufd_access_create(ictx, &vfio_iommufd_emulated_access_ops,
				       vdev, out_device_id);
	if (IS_ERR(access))
		return PTR_ERR(access);
	vdev->iommufd_access = access;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_bind);

/**
 * vfio_iommufd_emulated_unbind - &vfio_device_ops.unbind_iommufd of mdev
 *	drivers
 * @vdev: the device, after its close_device
 *
 * Destroys the access, which detaches it from its IOAS first. Mirrors
 * upstream's helper of the same name.
 *
 * Context: process context, may sleep; the device set lock held.
 */
void vfio_iommufd_emulated_unbind(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	/* close_device has dropped every pin: no dma_unmap after it. */
	if (!vdev->iommufd_access)
		return;
	iommufd_access_destroy(vdev->iommufd_access);
	vdev->iommufd_access = NULL;
	vdev->iommufd_attached = false;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_unbind);

/**
 * vfio_iommufd_emulated_attach_ioas - &vfio_device_ops.attach_ioas of mdev
 *	drivers
 * @vdev: a bound device
 * @pt_id: in: the id of an IOAS of the bound iommufd; left unchanged, the
 *	IOAS being what is attached
 *
 * The first call attaches the access, later ones replace its IOAS. A
 * successful replace by another IOAS first has iommufd call the access's
 * unmap for the whole IOVA space, so the driver drops its pins in the old
 * one through dma_unmap; a failed one changes nothing. Mirrors upstream's
 * helper of the same name.
 *
 * Context: process context, may sleep; the device set lock held.
 * Return: 0; -EINVAL if @vdev is not bound; otherwise the errno of
 * iommufd_access_attach() or iommufd_access_replace(): -ENOENT for an id
 * that is no IOAS.
 */
int vfio_iommufd_emulated_attach_ioas(struct vfio_device *vdev, u32 *pt_id)
{
	int ret;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (!vdev->iommufd_access)
		return -EINVAL;

	if (vdev->iommufd_attached)
		ret = iommufd_access_replace(vdev->iommufd_access, *pt_id);
	else
		ret = iommufd_access_attach(vdev->iommufd_access, *pt_id);
	if (ret)
		return ret;
	vdev->iommufd_attached = true;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_attach_ioas);

/**
 * vfio_iommufd_emulated_detach_ioas - &vfio_device_ops.detach_ioas of mdev
 *	drivers
 * @vdev: a bound device
 *
 * iommufd calls the access's unmap for the whole IOVA space, so the driver
 * drops its pins through dma_unmap, then the access leaves its IOAS; later
 * pins fail with -ENOENT until the next attach. A no-op when not attached.
 * Mirrors upstream's helper of the same name, without its WARN on an
 * unbound device: that is no bug of the user's.
 *
 * Context: process context, may sleep; the device set lock held.
 */
void vfio_iommufd_emulated_detach_ioas(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	if (!vdev->iommufd_access || !vdev->iommufd_attached)
		return;
	iommufd_access_detach(vdev->iommufd_access);
	vdev->iommufd_attached = false;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_detach_ioas);
