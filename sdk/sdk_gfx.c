// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: display planes, VFIO_DEVICE_QUERY_GFX_PLANE.
 *
 * The SDK validates the request and answers the PROBE form from the plane
 * types the driver declared, so a display driver only describes what the
 * guest currently shows.
 */
#include <linux/bitops.h>
#include <linux/uaccess.h>

#include "sdk_private.h"

#define MDEV_SDK_PLANE_TYPES \
	(VFIO_GFX_PLANE_TYPE_DMABUF | VFIO_GFX_PLANE_TYPE_REGION)

/**
 * mdev_sdk_ioctl_query_plane - VFIO_DEVICE_QUERY_GFX_PLANE
 * @sdev: the device
 * @arg: the user's struct vfio_device_gfx_plane_info
 *
 * The flags must name exactly one plane type, optionally with PROBE. A
 * probe succeeds when the driver offers that type; a query returns the
 * driver's description with every output field it did not set zeroed.
 *
 * Context: process context, may sleep; takes the device lock.
 * Return: 0; -ENOTTY if the device has no display; -EFAULT; -EINVAL for a
 * short argsz, bad flags or a plane type the device does not offer; or the
 * driver's errno.
 */
long mdev_sdk_ioctl_query_plane(struct mdev_sdk_device *sdev,
				void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_gfx_plane_info,
					  region_index);
	const struct mdev_sdk_driver *drv = sdev->parent->drv;
	struct vfio_device_gfx_plane_info plane;
	u32 type;
	int ret;

	if (!drv->plane_types || !sdev->ops->query_plane)
		return -ENOTTY;
	if (copy_from_user(&plane, arg, minsz))
		return -EFAULT;
	if (plane.argsz < minsz)
		return -EINVAL;

	type = plane.flags & ~VFIO_GFX_PLANE_TYPE_PROBE;
	if (type & ~MDEV_SDK_PLANE_TYPES || hweight32(type) != 1 ||
	    !(type & drv->plane_types))
		return -EINVAL;
	if (plane.flags & VFIO_GFX_PLANE_TYPE_PROBE)
		return 0;

	/* Only the inputs survive: the driver starts from the disabled plane. */
	plane = (struct vfio_device_gfx_plane_info){
		.argsz = plane.argsz,
		.flags = plane.flags,
		.drm_plane_type = plane.drm_plane_type,
	};
	mutex_lock(&sdev->lock);
	ret = sdev->ops->query_plane(sdev, &plane);
	mutex_unlock(&sdev->lock);
	if (ret)
		return ret;
	/* The driver answers for the type asked about, nothing else. */
	plane.flags = type;

	return copy_to_user(arg, &plane, minsz) ? -EFAULT : 0;
}

/**
 * mdev_sdk_ioctl_get_dmabuf - VFIO_DEVICE_GET_GFX_DMABUF
 * @sdev: the device
 * @arg: the user's __u32 dmabuf_id, from VFIO_DEVICE_QUERY_GFX_PLANE
 *
 * Context: process context, may sleep; takes the device lock.
 * Return: a new dma-buf file descriptor; -ENOTTY if the device exports no
 * dma-bufs; -EFAULT; or the driver's errno.
 */
long mdev_sdk_ioctl_get_dmabuf(struct mdev_sdk_device *sdev,
			       void __user *arg)
{
	const struct mdev_sdk_driver *drv = sdev->parent->drv;
	u32 id;
	int ret;

	if (!(drv->plane_types & VFIO_GFX_PLANE_TYPE_DMABUF) ||
	    !sdev->ops->get_dmabuf)
		return -ENOTTY;
	if (get_user(id, (u32 __user *)arg))
		return -EFAULT;

	mutex_lock(&sdev->lock);
	ret = sdev->ops->get_dmabuf(sdev, id);
	mutex_unlock(&sdev->lock);
	return ret;
}
