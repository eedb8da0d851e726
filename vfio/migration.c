// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: the v2 migration protocol features of
 * VFIO_DEVICE_FEATURE and the state machine helper drivers step through.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include "vfio_core.h"

/* The VFIO_MIGRATION_* flags a device needs to support @state. */
static bool vfio_mig_state_supported(struct vfio_device *device,
				     enum vfio_device_mig_state state)
{
	u32 flags = device->migration_flags;

	if (!(flags & VFIO_MIGRATION_STOP_COPY))
		return false;

	switch (state) {
	case VFIO_DEVICE_STATE_STOP:
	case VFIO_DEVICE_STATE_RUNNING:
	case VFIO_DEVICE_STATE_STOP_COPY:
	case VFIO_DEVICE_STATE_RESUMING:
		return true;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		return flags & VFIO_MIGRATION_P2P;
	default:
		return false;
	}
}

/*
 * One step from @cur towards @new. The only arcs a driver implements are
 * STOP <-> STOP_COPY, STOP <-> RESUMING and the way between STOP and
 * RUNNING, which leads through RUNNING_P2P when the device supports it.
 */
static enum vfio_device_mig_state
vfio_mig_step(bool p2p, enum vfio_device_mig_state cur,
	      enum vfio_device_mig_state new)
{
	if (cur == new)
		return new;

	switch (cur) {
	case VFIO_DEVICE_STATE_RUNNING:
		return p2p ? VFIO_DEVICE_STATE_RUNNING_P2P :
			     VFIO_DEVICE_STATE_STOP;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		return new == VFIO_DEVICE_STATE_RUNNING ?
			VFIO_DEVICE_STATE_RUNNING : VFIO_DEVICE_STATE_STOP;
	case VFIO_DEVICE_STATE_STOP:
		if (new == VFIO_DEVICE_STATE_RUNNING ||
		    new == VFIO_DEVICE_STATE_RUNNING_P2P)
			return p2p ? VFIO_DEVICE_STATE_RUNNING_P2P :
				     VFIO_DEVICE_STATE_RUNNING;
		return new;
	case VFIO_DEVICE_STATE_STOP_COPY:
	case VFIO_DEVICE_STATE_RESUMING:
		return VFIO_DEVICE_STATE_STOP;
	default:
		return VFIO_DEVICE_STATE_ERROR;
	}
}

/**
 * vfio_mig_get_next_state - the next single arc towards a migration state
 * @device: a device with &vfio_device.mig_ops
 * @cur_fsm: the state the device is in
 * @new_fsm: the state the user asked for
 * @next_fsm: set to the state to move to next
 *
 * A driver's migration_set_state calls this in a loop until it reaches
 * @new_fsm, implementing one arc per iteration. Arcs through states the
 * device does not support (RUNNING_P2P without VFIO_MIGRATION_P2P) are
 * skipped.
 *
 * Context: any.
 * Return: 0 with @next_fsm set, or -EINVAL if either state is unknown,
 * unsupported by the device, or the ERROR state.
 */
int vfio_mig_get_next_state(struct vfio_device *device,
			    enum vfio_device_mig_state cur_fsm,
			    enum vfio_device_mig_state new_fsm,
			    enum vfio_device_mig_state *next_fsm)
{
	bool p2p = device->migration_flags & VFIO_MIGRATION_P2P;

	if (!vfio_mig_state_supported(device, cur_fsm) ||
	    !vfio_mig_state_supported(device, new_fsm))
		return -EINVAL;

	*next_fsm = vfio_mig_step(p2p, cur_fsm, new_fsm);
	return *next_fsm == VFIO_DEVICE_STATE_ERROR ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(vfio_mig_get_next_state);

/**
 * vfio_device_feature_migration - VFIO_DEVICE_FEATURE_MIGRATION
 * @device: the device
 * @flags: the user's feature flags
 * @arg: the user's payload, struct vfio_device_feature_migration
 * @argsz: bytes of payload
 *
 * Context: may sleep.
 * Return: 0 on success, -ENOTTY without migration support, -EINVAL for a
 * SET or a short payload, -EFAULT.
 */
int vfio_device_feature_migration(struct vfio_device *device, u32 flags,
				  void __user *arg, size_t argsz)
{
	struct vfio_device_feature_migration mig = {
		.flags = device->migration_flags,
	};
	int ret;

	if (!device->mig_ops)
		return -ENOTTY;

	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
				 sizeof(mig));
	if (ret != 1)
		return ret;

	if (copy_to_user(arg, &mig, sizeof(mig)))
		return -EFAULT;
	return 0;
}

/* Hand the driver's data transfer file to the user as a new fd. */
static int vfio_mig_install_data_fd(struct file *filp,
				    struct vfio_device_feature_mig_state *mig,
				    void __user *arg)
{
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(filp);
		return fd;
	}

	mig->data_fd = fd;
	if (copy_to_user(arg, mig, sizeof(*mig))) {
		put_unused_fd(fd);
		fput(filp);
		return -EFAULT;
	}
	fd_install(fd, filp);
	return 0;
}

/**
 * vfio_device_feature_mig_state - VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE
 * @device: the device
 * @flags: the user's feature flags
 * @arg: the user's payload, struct vfio_device_feature_mig_state
 * @argsz: bytes of payload
 *
 * GET reports the current state. SET moves the device; if the driver
 * returns a data transfer file it is installed as data_fd, else data_fd
 * reads -1.
 *
 * Context: may sleep.
 * Return: 0 on success, -ENOTTY without migration support, -EINVAL for a
 * short payload or a state the device does not support, -EFAULT, or the
 * driver's errno.
 */
int vfio_device_feature_mig_state(struct vfio_device *device, u32 flags,
				  void __user *arg, size_t argsz)
{
	size_t minsz = offsetofend(struct vfio_device_feature_mig_state,
				   data_fd);
	const struct vfio_migration_ops *ops = device->mig_ops;
	struct vfio_device_feature_mig_state mig;
	enum vfio_device_mig_state state;
	struct file *filp = NULL;
	int ret;

	if (!ops)
		return -ENOTTY;

	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET |
				 VFIO_DEVICE_FEATURE_SET, sizeof(mig));
	if (ret != 1)
		return ret;

	if (copy_from_user(&mig, arg, minsz))
		return -EFAULT;

	if (flags & VFIO_DEVICE_FEATURE_GET) {
		ret = ops->migration_get_state(device, &state);
		if (ret)
			return ret;
		mig.device_state = state;
	} else {
		/* Never hand the driver a state it did not sign up for. */
		if (!vfio_mig_state_supported(device, mig.device_state))
			return -EINVAL;
		filp = ops->migration_set_state(device, mig.device_state);
		if (filp && !IS_ERR(filp))
			return vfio_mig_install_data_fd(filp, &mig, arg);
	}

	mig.data_fd = -1;
	if (copy_to_user(arg, &mig, sizeof(mig)))
		return -EFAULT;
	return PTR_ERR_OR_ZERO(filp);
}
