// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: /dev/vfio/devices/vfioN, the per-device
 * character device that reaches a device without its group or a container
 * (upstream's ABI since Linux 6.6). Opening the node yields a file that
 * answers nothing but VFIO_DEVICE_BIND_IOMMUFD; the bind opens the device
 * against an iommufd, after which the file is an ordinary device fd plus
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT and VFIO_DEVICE_DETACH_IOMMUFD_PT. Closing
 * the file unbinds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/mdev_sdk/vfio_cdev.h>
#include "vfio_core.h"

static dev_t vfio_device_devt;

/**
 * vfio_device_cdev_setup - give a device its device number and cdev
 * @device: a device being initialised, before device_initialize()'s users
 *	can see it
 *
 * The minor is the device's index, so vfioN is always minor N.
 *
 * Context: may sleep.
 */
void vfio_device_cdev_setup(struct vfio_device *device)
{
	device->device.devt = MKDEV(MAJOR(vfio_device_devt), device->index);
	cdev_init(&device->cdev, &vfio_device_fops);
	device->cdev.owner = THIS_MODULE;
}

/**
 * vfio_device_fops_cdev_open - &file_operations.open of vfioN
 * @inode: the node's inode
 * @filep: the new file
 *
 * The file holds a registration reference, so unregistration waits for
 * it (and asks the user through &vfio_device_ops.request) even before the
 * bind, but it reaches the driver only after the bind.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENODEV if the device is being unregistered, -ENOMEM.
 */
int vfio_device_fops_cdev_open(struct inode *inode, struct file *filep)
{
	struct vfio_device *device =
		container_of(inode->i_cdev, struct vfio_device, cdev);
	struct vfio_device_file *df;

	/* Pairs with the put in vfio_device_fops_release(). */
	if (!vfio_device_try_get_registration(device))
		return -ENODEV;

	df = vfio_device_file_alloc(device, false);
	if (!df) {
		vfio_device_put_registration(device);
		return -ENOMEM;
	}
	filep->private_data = df;
	return 0;
}

/*
 * The cdev path's first open: the driver binds to @ictx, then opens with
 * the KVM instance of the file. Only one file may have the device open on
 * this path; unlike group fds, cdev files of one device share nothing that
 * would let a second one join safely.
 */
static int vfio_device_cdev_first_open(struct vfio_device_file *df,
				       struct iommufd_ctx *ictx, u32 *devid)
{
	struct vfio_device *device = df->device;
	struct module *owner = vfio_device_driver_owner(device);
	int ret;

	lockdep_assert_held(&device->dev_set->lock);

	if (device->open_count)
		return -EINVAL;
	/*
	 * Drivers written for 6.1 know no iommufd; they stay reachable
	 * through their group.
	 */
	if (!device->ops->bind_iommufd)
		return -ENODEV;
	if (!try_module_get(owner))
		return -ENODEV;

	/* Counted first, so that open_device sees itself in the set count. */
	WRITE_ONCE(device->open_count, 1);
	ret = device->ops->bind_iommufd(device, ictx, devid);
	if (ret)
		goto err_put_module;

	/* Held until open_device returns; see the lock order in vfio_core.h. */
	mutex_lock(&df->kvm_lock);
	device->kvm = df->kvm;
	if (device->ops->open_device) {
		ret = device->ops->open_device(device);
		if (ret)
			goto err_unbind;
	}
	mutex_unlock(&df->kvm_lock);
	return 0;

err_unbind:
	device->kvm = NULL;
	mutex_unlock(&df->kvm_lock);
	/* As in the last close: the unbind's unmap must not reach the driver. */
	WRITE_ONCE(device->open_count, 0);
	if (device->ops->unbind_iommufd)
		device->ops->unbind_iommufd(device);
err_put_module:
	WRITE_ONCE(device->open_count, 0);
	module_put(owner);
	return ret;
}

/* Undo vfio_device_cdev_first_open(), in the reverse order. */
static void vfio_device_cdev_last_close(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;

	lockdep_assert_held(&device->dev_set->lock);

	if (device->ops->close_device)
		device->ops->close_device(device);
	/* Closed before the unbind: its final unmap must not reach the driver. */
	WRITE_ONCE(device->open_count, 0);
	if (device->ops->unbind_iommufd)
		device->ops->unbind_iommufd(device);
	device->kvm = NULL;
	module_put(vfio_device_driver_owner(device));
}

/**
 * vfio_device_cdev_ioctl_bind - VFIO_DEVICE_BIND_IOMMUFD
 * @df: the file
 * @arg: user pointer to &struct vfio_device_bind_iommufd
 *
 * Opens the device for @df: the driver's bind_iommufd and then, the
 * device being closed, its open_device. From then on the group cannot be
 * opened, and @df answers every device fd request. Mirrors upstream's
 * vfio_df_ioctl_bind_iommufd() (Linux 6.6), errnos included.
 *
 * Context: process context, may sleep; takes the group lock, then the
 * device set lock and the file's KVM lock.
 * Return: 0 with out_devid written, the device's object id in the iommufd;
 * -EFAULT; -EINVAL for argsz below 16, flags other than 0, a negative fd, a
 * group-obtained @df, a @df already bound or a device already open; -EBUSY
 * while the device's group is open through /dev/vfio/N; -EBADF for a
 * closed fd, -EBADFD for an fd that is not an iommufd; -ENODEV if the
 * driver has no bind_iommufd or is going away; or the errno of
 * bind_iommufd or open_device.
 */
long vfio_device_cdev_ioctl_bind(struct vfio_device_file *df,
				 void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_bind_iommufd, out_devid);
	struct vfio_device_bind_iommufd __user *uarg = arg;
	struct vfio_device *device = df->device;
	struct vfio_device_bind_iommufd bind;
	struct iommufd_ctx *ictx;
	u32 devid;
	int ret;

	if (copy_from_user(&bind, uarg, minsz))
		return -EFAULT;
	if (bind.argsz < minsz || bind.flags || bind.iommufd < 0)
		return -EINVAL;
	if (df->group)
		return -EINVAL;

	/* Undone by vfio_group_unblock_for_cdev() in vfio_device_cdev_unbind(). */
	ret = vfio_group_block_for_cdev(device->group);
	if (ret)
		return ret;

	mutex_lock(&device->dev_set->lock);
	if (df->access_granted) {
		ret = -EINVAL;
		goto err_unlock;
	}

	ictx = iommufd_ctx_from_fd(bind.iommufd);
	if (IS_ERR(ictx)) {
		ret = PTR_ERR(ictx);
		goto err_unlock;
	}

	ret = vfio_device_cdev_first_open(df, ictx, &devid);
	if (ret)
		goto err_put_ictx;

	if (put_user(devid, &uarg->out_devid)) {
		ret = -EFAULT;
		goto err_close;
	}

	df->iommufd = ictx;
	device->iommufd_ictx = ictx;
	/* Pairs with smp_load_acquire() in vfio_device_file_granted(). */
	smp_store_release(&df->access_granted, true);
	mutex_unlock(&device->dev_set->lock);
	return 0;

err_close:
	vfio_device_cdev_last_close(df);
err_put_ictx:
	iommufd_ctx_put(ictx);
err_unlock:
	mutex_unlock(&device->dev_set->lock);
	vfio_group_unblock_for_cdev(device->group);
	return ret;
}

/**
 * vfio_device_cdev_unbind - undo a successful bind, on the file's release
 * @df: a cdev file, bound or not
 *
 * Calls close_device and then unbind_iommufd, which withdraws the access
 * from its IOAS, drops the iommufd and lets the group be opened again.
 *
 * Context: process context, may sleep; the file is being released, so no
 * bind can race.
 */
void vfio_device_cdev_unbind(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;

	if (!df->access_granted)
		return;

	mutex_lock(&device->dev_set->lock);
	vfio_device_cdev_last_close(df);
	device->iommufd_ictx = NULL;
	mutex_unlock(&device->dev_set->lock);

	/* Pairs with iommufd_ctx_from_fd() in vfio_device_cdev_ioctl_bind(). */
	iommufd_ctx_put(df->iommufd);
	df->iommufd = NULL;
	/* Pairs with vfio_group_block_for_cdev() in vfio_device_cdev_ioctl_bind(). */
	vfio_group_unblock_for_cdev(device->group);
}

/**
 * vfio_device_cdev_ioctl_attach_pt - VFIO_DEVICE_ATTACH_IOMMUFD_PT
 * @df: a bound cdev file
 * @arg: user pointer to &struct vfio_device_attach_iommufd_pt
 *
 * Attaches the device to an IOAS of the bound iommufd; attaching again
 * replaces the earlier IOAS. Mirrors upstream's vfio_df_ioctl_attach_pt().
 *
 * Context: process context, may sleep; takes the device set lock.
 * Return: 0 with pt_id written back; -EFAULT; -EINVAL for argsz below 12
 * or flags other than 0; -ENOENT for an id that is no IOAS of the iommufd;
 * or another errno of &vfio_device_ops.attach_ioas.
 */
long vfio_device_cdev_ioctl_attach_pt(struct vfio_device_file *df,
				      void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_attach_iommufd_pt, pt_id);
	struct vfio_device_attach_iommufd_pt __user *uarg = arg;
	struct vfio_device *device = df->device;
	struct vfio_device_attach_iommufd_pt attach;
	int ret;

	if (copy_from_user(&attach, uarg, minsz))
		return -EFAULT;
	if (attach.argsz < minsz || attach.flags)
		return -EINVAL;

	mutex_lock(&device->dev_set->lock);
	ret = device->ops->attach_ioas(device, &attach.pt_id);
	if (!ret && put_user(attach.pt_id, &uarg->pt_id)) {
		device->ops->detach_ioas(device);
		ret = -EFAULT;
	}
	mutex_unlock(&device->dev_set->lock);
	return ret;
}

/**
 * vfio_device_cdev_ioctl_detach_pt - VFIO_DEVICE_DETACH_IOMMUFD_PT
 * @df: a bound cdev file
 * @arg: user pointer to &struct vfio_device_detach_iommufd_pt
 *
 * Detaching a device that is not attached succeeds. Mirrors upstream's
 * vfio_df_ioctl_detach_pt().
 *
 * Context: process context, may sleep; takes the device set lock.
 * Return: 0; -EFAULT; -EINVAL for argsz below 8 or flags other than 0.
 */
long vfio_device_cdev_ioctl_detach_pt(struct vfio_device_file *df,
				      void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_detach_iommufd_pt, flags);
	struct vfio_device *device = df->device;
	struct vfio_device_detach_iommufd_pt detach;

	if (copy_from_user(&detach, arg, minsz))
		return -EFAULT;
	if (detach.argsz < minsz || detach.flags)
		return -EINVAL;

	mutex_lock(&device->dev_set->lock);
	device->ops->detach_ioas(device);
	mutex_unlock(&device->dev_set->lock);
	return 0;
}

/**
 * vfio_device_file_set_kvm - record KVM on a device fd
 * @df: the file's state
 * @kvm: the instance, or NULL
 *
 * Only a cdev file's instance is used, by the bind; a group-obtained fd's
 * device took its group's at its first open.
 *
 * Context: may sleep; takes the file's KVM lock, which a bind holds around
 * open_device.
 */
void vfio_device_file_set_kvm(struct vfio_device_file *df, struct kvm *kvm)
{
	mutex_lock(&df->kvm_lock);
	df->kvm = kvm;
	mutex_unlock(&df->kvm_lock);
}

static char *vfio_device_devnode(struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vfio/devices/%s", dev_name(dev));
}

/**
 * vfio_device_cdev_init - device numbers and node names of the vfioN cdevs
 * @class: class "vfio-dev"
 *
 * Context: module init.
 * Return: 0 or the errno of alloc_chrdev_region().
 */
int vfio_device_cdev_init(struct class *class)
{
	class->devnode = vfio_device_devnode;
	return alloc_chrdev_region(&vfio_device_devt, 0, MINORMASK + 1,
				   "vfio-dev");
}

/**
 * vfio_device_cdev_exit - undo vfio_device_cdev_init()
 *
 * Context: module exit; every device is unregistered.
 */
void vfio_device_cdev_exit(void)
{
	unregister_chrdev_region(vfio_device_devt, MINORMASK + 1);
}
