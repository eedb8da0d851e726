// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled iommufd: the commands that only make sense for a device
 * behind a hardware IOMMU. Upstream looks the dev_id up as a physical
 * device object; an emulated device's id names an access instead, so the
 * lookup fails with ENOENT. The argument checks upstream makes before that
 * lookup are kept, so every input gets the errno upstream gives it.
 */
#include <linux/errno.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved[0] || cmd->__reserved[1] ||
	    cmd->__reserved[2])
		return -EOPNOTSUPP;
	/* No object of this file is a physical device. */
	return -ENOENT;
}

int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	/* As above: dev_id never names a physical device here. */
	return -ENOENT;
}
