// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: module entry points.
 *
 * This module stands in for the distro's vfio.ko and speaks its user ABI,
 * so it deliberately carries no char-major-10-196 or devname aliases:
 * udev and modprobe must keep loading the in-tree module unless it is
 * blacklisted. Loading next to it fails cleanly on the misc minor.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include "vfio_core.h"

static int __init vfio_core_init(void)
{
	int ret;

	/* First: a busy minor is the one clean sign of the in-tree module. */
	ret = vfio_container_init();
	if (ret)
		return ret;

	ret = vfio_group_init();
	if (ret)
		goto err_exit_container;

	ret = vfio_device_init_class();
	if (ret)
		goto err_exit_group;

	ret = vfio_virqfd_init();
	if (ret)
		goto err_exit_device_class;

	pr_info("mdev-sdk VFIO core, API version %d\n", VFIO_API_VERSION);
	return 0;

err_exit_device_class:
	vfio_device_exit_class();
err_exit_group:
	vfio_group_exit();
err_exit_container:
	vfio_container_exit();
	return ret;
}

static void __exit vfio_core_exit(void)
{
	vfio_virqfd_exit();
	vfio_device_exit_class();
	vfio_group_exit();
	vfio_container_exit();
}

module_init(vfio_core_init);
module_exit(vfio_core_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdev-sdk bundled VFIO core (container, groups, device fds)");
MODULE_SOFTDEP("post: mdev_sdk_vfio_iommu_type1");
