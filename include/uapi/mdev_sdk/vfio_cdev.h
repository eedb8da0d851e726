/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk: the vfio_device cdev's user ABI (upstream since Linux 6.6),
 * for kernels whose <linux/vfio.h> predates it (Debian's 6.1). Numbers and
 * layouts are upstream's; each definition steps aside when the system's
 * header already has it, so this builds against 6.12's headers as well.
 */
#ifndef _UAPI_MDEV_SDK_VFIO_CDEV_H
#define _UAPI_MDEV_SDK_VFIO_CDEV_H

#include <linux/types.h>
#include <linux/vfio.h>

#ifndef VFIO_DEVICE_BIND_IOMMUFD
/*
 * Bind a /dev/vfio/devices/vfioX fd to the iommufd @iommufd; @flags must be
 * 0. @out_devid is the device's object id in that iommufd.
 */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

/* Attach the bound device to the IOAS (or HWPT) @pt_id; @flags must be 0. */
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

/* Detach the bound device from its IOAS; @flags must be 0. */
struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};

#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

#endif /* _UAPI_MDEV_SDK_VFIO_CDEV_H */
