// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: device file descriptors. One set of file
 * operations serves both kinds: the anonymous files VFIO_GROUP_GET_DEVICE_FD
 * returns, whose first open calls the driver's open_device and registers
 * the device with the container's backend, and the files of
 * /dev/vfio/devices/vfioN, which reach the driver only once
 * VFIO_DEVICE_BIND_IOMMUFD succeeded (device_cdev.c). The last close undoes
 * the open in the reverse order.
 */
#include <kunit/visibility.h>
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/mdev_sdk/vfio_cdev.h>
#include "vfio_core.h"

#if IS_ENABLED(CONFIG_KUNIT)
struct vfio_device_test_hooks vfio_device_test_hooks;
EXPORT_SYMBOL_IF_KUNIT(vfio_device_test_hooks);

static void vfio_device_open_kvm_window(struct vfio_device *device)
{
	void (*hook)(struct vfio_device *device) =
		READ_ONCE(vfio_device_test_hooks.open_kvm);

	if (hook)
		hook(device);
}
#else
static inline void vfio_device_open_kvm_window(struct vfio_device *device)
{
}
#endif

/*
 * Count one more open; the first one hands the group's KVM to the driver,
 * lets the backend deliver dma_unmap and calls open_device. As upstream,
 * delivery starts before open_device, so that whatever the driver pins
 * from open_device on can be asked back: dma_unmap must tolerate a device
 * that is not open yet.
 *
 * The group lock is held from reading the KVM pointer until open_device
 * returns: vfio_file_set_kvm() takes it to withdraw the pointer, and KVM
 * may free the VM as soon as that returns, so a driver taking its own
 * reference in open_device never finds a freed VM.
 */
static int vfio_device_first_open(struct vfio_device *device)
{
	struct vfio_group *group = device->group;
	int ret = 0;

	mutex_lock(&device->dev_set->lock);
	WRITE_ONCE(device->open_count, device->open_count + 1);
	if (device->open_count == 1) {
		mutex_lock(&group->group_lock);
		device->kvm = vfio_group_kvm(group);
		vfio_device_open_kvm_window(device);
		vfio_device_container_register(device);
		if (device->ops->open_device) {
			ret = device->ops->open_device(device);
			if (ret)
				goto err_unregister;
		}
		mutex_unlock(&group->group_lock);
	}
	mutex_unlock(&device->dev_set->lock);
	return 0;

err_unregister:
	vfio_device_container_unregister(device);
	mutex_unlock(&group->group_lock);
	device->kvm = NULL;
	WRITE_ONCE(device->open_count, device->open_count - 1);
	mutex_unlock(&device->dev_set->lock);
	return ret;
}

/*
 * Count one open less; the last one calls close_device and only then stops
 * dma_unmap delivery: an unmap racing with the close still reaches the
 * driver, which is dropping its pins, instead of finding pins no open
 * device answers for.
 */
static void vfio_device_last_close(struct vfio_device *device)
{
	mutex_lock(&device->dev_set->lock);
	if (device->open_count == 1) {
		if (device->ops->close_device)
			device->ops->close_device(device);
		vfio_device_container_unregister(device);
		device->kvm = NULL;
	}
	WRITE_ONCE(device->open_count, device->open_count - 1);
	mutex_unlock(&device->dev_set->lock);
}

/**
 * vfio_device_file_alloc - allocate the private data of a device fd
 * @device: the device, with a registration reference the file will own
 * @group: true for the group path, whose fds reach the driver at once
 *
 * Context: may sleep.
 * Return: the new state, or NULL when out of memory.
 */
struct vfio_device_file *vfio_device_file_alloc(struct vfio_device *device,
						bool group)
{
	struct vfio_device_file *df;

	df = kzalloc(sizeof(*df), GFP_KERNEL_ACCOUNT);
	if (!df)
		return NULL;
	df->device = device;
	df->group = group;
	df->access_granted = group;
	mutex_init(&df->kvm_lock);
	return df;
}

/**
 * vfio_device_file_free - free what vfio_device_file_alloc() returned
 * @df: the state; its file is gone or was never created
 *
 * Context: may sleep.
 */
void vfio_device_file_free(struct vfio_device_file *df)
{
	mutex_destroy(&df->kvm_lock);
	kfree(df);
}

/* Whether @df may reach the driver. */
static bool vfio_device_file_granted(struct vfio_device_file *df)
{
	/*
	 * Pairs with the smp_store_release() in vfio_device_cdev_ioctl_bind():
	 * a file that sees the bind also sees the device opened.
	 */
	return smp_load_acquire(&df->access_granted);
}

/**
 * vfio_device_open_file - open a device fd
 * @device: the device, with a registration reference held by the caller
 *
 * Context: may sleep; takes the device set lock and the group lock.
 * Return: an O_RDWR file supporting pread and pwrite, which owns the
 * caller's registration reference; or an ERR_PTR(): -ENOMEM, -EINVAL if the
 * group has no container or the container no backend, -ENODEV if the
 * driver's module is going away or the group is dead, or the errno of
 * open_device.
 */
struct file *vfio_device_open_file(struct vfio_device *device)
{
	struct vfio_device_file *df;
	struct file *filep;
	int ret;

	df = vfio_device_file_alloc(device, true);
	if (!df)
		return ERR_PTR(-ENOMEM);

	ret = vfio_group_use_container(device->group);
	if (ret)
		goto err_free_df;

	if (!try_module_get(vfio_device_driver_owner(device))) {
		ret = -ENODEV;
		goto err_unuse_container;
	}

	ret = vfio_device_first_open(device);
	if (ret)
		goto err_put_module;

	filep = anon_inode_getfile("[vfio-device]", &vfio_device_fops, df,
				   O_RDWR);
	if (IS_ERR(filep)) {
		ret = PTR_ERR(filep);
		goto err_close_device;
	}
	/* Region offsets are absolute; QEMU uses pread/pwrite. */
	filep->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	return filep;

err_close_device:
	vfio_device_last_close(device);
err_put_module:
	module_put(vfio_device_driver_owner(device));
err_unuse_container:
	vfio_group_unuse_container(device->group);
err_free_df:
	vfio_device_file_free(df);
	return ERR_PTR(ret);
}

static int vfio_device_fops_release(struct inode *inode, struct file *filep)
{
	struct vfio_device_file *df = filep->private_data;
	struct vfio_device *device = df->device;

	if (df->group) {
		vfio_device_last_close(device);
		/* Pairs with try_module_get() in vfio_device_open_file(). */
		module_put(vfio_device_driver_owner(device));
		/* Pairs with vfio_group_use_container() in the same. */
		vfio_group_unuse_container(device->group);
	} else {
		vfio_device_cdev_unbind(df);
	}
	/*
	 * Pairs with the get in vfio_group_ioctl_get_device_fd() or in
	 * vfio_device_fops_cdev_open().
	 */
	vfio_device_put_registration(device);
	vfio_device_file_free(df);
	return 0;
}

static ssize_t vfio_device_fops_read(struct file *filep, char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct vfio_device_file *df = filep->private_data;
	struct vfio_device *device = df->device;

	if (!vfio_device_file_granted(df) || !device->ops->read)
		return -EINVAL;
	return device->ops->read(device, buf, count, ppos);
}

static ssize_t vfio_device_fops_write(struct file *filep,
				      const char __user *buf, size_t count,
				      loff_t *ppos)
{
	struct vfio_device_file *df = filep->private_data;
	struct vfio_device *device = df->device;

	if (!vfio_device_file_granted(df) || !device->ops->write)
		return -EINVAL;
	return device->ops->write(device, buf, count, ppos);
}

static int vfio_device_fops_mmap(struct file *filep, struct vm_area_struct *vma)
{
	struct vfio_device_file *df = filep->private_data;
	struct vfio_device *device = df->device;

	if (!vfio_device_file_granted(df) || !device->ops->mmap)
		return -EINVAL;
	return device->ops->mmap(device, vma);
}

static int vfio_device_ioctl_feature(struct vfio_device *device,
				     struct vfio_device_feature __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_feature, flags);
	u32 dirs = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET;
	struct vfio_device_feature feature;
	size_t argsz;

	if (copy_from_user(&feature, arg, minsz))
		return -EFAULT;
	if (feature.argsz < minsz)
		return -EINVAL;
	if (feature.flags & ~(VFIO_DEVICE_FEATURE_MASK | dirs |
			      VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	/* Only a probe may ask about both directions at once. */
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & dirs) == dirs)
		return -EINVAL;

	argsz = feature.argsz - minsz;
	switch (feature.flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_MIGRATION:
		return vfio_device_feature_migration(device, feature.flags,
						     arg->data, argsz);
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
		return vfio_device_feature_mig_state(device, feature.flags,
						     arg->data, argsz);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
		/* Owned by the core upstream; not implemented here. */
		return -ENOTTY;
	default:
		if (!device->ops->device_feature)
			return -ENOTTY;
		return device->ops->device_feature(device, feature.flags,
						   arg->data, argsz);
	}
}

static long vfio_device_fops_unl_ioctl(struct file *filep, unsigned int cmd,
				       unsigned long arg)
{
	struct vfio_device_file *df = filep->private_data;
	struct vfio_device *device = df->device;
	void __user *uarg = (void __user *)arg;
	struct device *dev = device->dev;
	bool pm = dev->driver && dev->driver->pm;
	long ret;

	/* The one ioctl an unbound cdev file answers; EINVAL on the group path. */
	if (cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return vfio_device_cdev_ioctl_bind(df, uarg);
	if (!vfio_device_file_granted(df))
		return -EINVAL;

	/* A runtime-suspended parent must be awake for any device ioctl. */
	if (pm) {
		ret = pm_runtime_resume_and_get(dev);
		if (ret) {
			dev_info_ratelimited(dev, "runtime resume failed: %ld\n",
					     ret);
			return -EIO;
		}
	}

	/* The group path leaves these to the driver, as upstream does. */
	if (!df->group && cmd == VFIO_DEVICE_ATTACH_IOMMUFD_PT)
		ret = vfio_device_cdev_ioctl_attach_pt(df, uarg);
	else if (!df->group && cmd == VFIO_DEVICE_DETACH_IOMMUFD_PT)
		ret = vfio_device_cdev_ioctl_detach_pt(df, uarg);
	else if (cmd == VFIO_DEVICE_FEATURE)
		ret = vfio_device_ioctl_feature(device, uarg);
	else if (device->ops->ioctl)
		ret = device->ops->ioctl(device, cmd, arg);
	else
		ret = -ENOTTY;

	if (pm)
		pm_runtime_put(dev);
	return ret;
}

/* .open only runs for /dev/vfio/devices/vfioN: anonymous files skip it. */
const struct file_operations vfio_device_fops = {
	.owner		= THIS_MODULE,
	.open		= vfio_device_fops_cdev_open,
	.release	= vfio_device_fops_release,
	.read		= vfio_device_fops_read,
	.write		= vfio_device_fops_write,
	.unlocked_ioctl	= vfio_device_fops_unl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= vfio_device_fops_mmap,
};
