// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: device file descriptors, as returned by
 * VFIO_GROUP_GET_DEVICE_FD. The first open of a device calls the driver's
 * open_device and registers the device with the container's backend; the
 * last close undoes both in the reverse order.
 */
#include <kunit/visibility.h>
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pm_runtime.h>
#include <linux/uaccess.h>
#include "vfio_core.h"

static const struct file_operations vfio_device_fops;

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

/* The module of the driver bound to @device->dev, pinned while open. */
static struct module *vfio_device_driver_owner(struct vfio_device *device)
{
	return device->dev->driver ? device->dev->driver->owner : NULL;
}

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
 * vfio_device_open_file - open a device fd
 * @device: the device, with a registration reference held by the caller
 *
 * Context: may sleep; takes the device set lock and the group lock.
 * Return: an O_RDWR file supporting pread and pwrite, which owns the
 * caller's registration reference; or an ERR_PTR(): -EINVAL if the group has
 * no container or the container no backend, -ENODEV if the driver's module
 * is going away or the group is dead, or the errno of open_device.
 */
struct file *vfio_device_open_file(struct vfio_device *device)
{
	struct file *filep;
	int ret;

	ret = vfio_group_use_container(device->group);
	if (ret)
		return ERR_PTR(ret);

	if (!try_module_get(vfio_device_driver_owner(device))) {
		ret = -ENODEV;
		goto err_unuse_container;
	}

	ret = vfio_device_first_open(device);
	if (ret)
		goto err_put_module;

	filep = anon_inode_getfile("[vfio-device]", &vfio_device_fops, device,
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
	return ERR_PTR(ret);
}

static int vfio_device_fops_release(struct inode *inode, struct file *filep)
{
	struct vfio_device *device = filep->private_data;

	vfio_device_last_close(device);
	/* Pairs with try_module_get() in vfio_device_open_file(). */
	module_put(vfio_device_driver_owner(device));
	/* Pairs with vfio_group_use_container() in vfio_device_open_file(). */
	vfio_group_unuse_container(device->group);
	/* Pairs with the get in vfio_group_ioctl_get_device_fd(). */
	vfio_device_put_registration(device);
	return 0;
}

static ssize_t vfio_device_fops_read(struct file *filep, char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct vfio_device *device = filep->private_data;

	if (!device->ops->read)
		return -EINVAL;
	return device->ops->read(device, buf, count, ppos);
}

static ssize_t vfio_device_fops_write(struct file *filep,
				      const char __user *buf, size_t count,
				      loff_t *ppos)
{
	struct vfio_device *device = filep->private_data;

	if (!device->ops->write)
		return -EINVAL;
	return device->ops->write(device, buf, count, ppos);
}

static int vfio_device_fops_mmap(struct file *filep, struct vm_area_struct *vma)
{
	struct vfio_device *device = filep->private_data;

	if (!device->ops->mmap)
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
	struct vfio_device *device = filep->private_data;
	struct device *dev = device->dev;
	bool pm = dev->driver && dev->driver->pm;
	long ret;

	/* A runtime-suspended parent must be awake for any device ioctl. */
	if (pm) {
		ret = pm_runtime_resume_and_get(dev);
		if (ret) {
			dev_info_ratelimited(dev, "runtime resume failed: %ld\n",
					     ret);
			return -EIO;
		}
	}

	if (cmd == VFIO_DEVICE_FEATURE)
		ret = vfio_device_ioctl_feature(device, (void __user *)arg);
	else if (device->ops->ioctl)
		ret = device->ops->ioctl(device, cmd, arg);
	else
		ret = -ENOTTY;

	if (pm)
		pm_runtime_put(dev);
	return ret;
}

static const struct file_operations vfio_device_fops = {
	.owner		= THIS_MODULE,
	.release	= vfio_device_fops_release,
	.read		= vfio_device_fops_read,
	.write		= vfio_device_fops_write,
	.unlocked_ioctl	= vfio_device_fops_unl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= vfio_device_fops_mmap,
};
