// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: the vfio_device life cycle. Allocation and the
 * final put, device sets, registration in a group and the wait for users to
 * let go on unregistration.
 *
 * Two counts govern a device. The embedded struct device counts memory
 * references (vfio_alloc_device() until vfio_put_device()). The registration
 * refcount counts the registration itself plus every open device fd, and
 * vfio_unregister_group_dev() sleeps on the completion until it drains.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "vfio_core.h"

/* How long unregistration sleeps between requests to release the device. */
#define VFIO_UNREGISTER_REQUEST_INTERVAL	(10 * HZ)

/* Device sets keyed by set_id; the mutex also guards their device_count. */
static DEFINE_XARRAY(vfio_device_sets);
static DEFINE_MUTEX(vfio_device_sets_lock);
static DEFINE_IDA(vfio_device_ida);
static struct class *vfio_device_class;

/**
 * vfio_assign_device_set - put a device in a set that shares open/close
 * @device: an allocated, not yet registered device
 * @set_id: key shared by the devices of the set, e.g. a slot or bus pointer
 *
 * Devices of one set open and close under one lock, so a driver can act on
 * the whole set (reset, say) when vfio_device_set_open_count() is zero. A
 * device registered without a set gets a set of its own.
 *
 * Context: may sleep.
 * Return: 0 on success, -EINVAL for a NULL @set_id or a device already in a
 * set, -ENOMEM on allocation failure.
 */
int vfio_assign_device_set(struct vfio_device *device, void *set_id)
{
	unsigned long key = (unsigned long)set_id;
	struct vfio_device_set *dev_set;
	int ret;

	if (!set_id || device->dev_set)
		return -EINVAL;

	mutex_lock(&vfio_device_sets_lock);
	dev_set = xa_load(&vfio_device_sets, key);
	if (!dev_set) {
		dev_set = kzalloc(sizeof(*dev_set), GFP_KERNEL);
		if (!dev_set) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		mutex_init(&dev_set->lock);
		INIT_LIST_HEAD(&dev_set->device_list);
		dev_set->set_id = set_id;
		ret = xa_insert(&vfio_device_sets, key, dev_set, GFP_KERNEL);
		if (ret) {
			mutex_destroy(&dev_set->lock);
			kfree(dev_set);
			goto out_unlock;
		}
	}
	/* Dropped in vfio_device_leave_set(). */
	dev_set->device_count++;
	mutex_unlock(&vfio_device_sets_lock);

	mutex_lock(&dev_set->lock);
	device->dev_set = dev_set;
	list_add_tail(&device->dev_set_list, &dev_set->device_list);
	mutex_unlock(&dev_set->lock);
	return 0;

out_unlock:
	mutex_unlock(&vfio_device_sets_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_assign_device_set);

static void vfio_device_leave_set(struct vfio_device *device)
{
	struct vfio_device_set *dev_set = device->dev_set;

	if (!dev_set)
		return;

	mutex_lock(&dev_set->lock);
	list_del(&device->dev_set_list);
	mutex_unlock(&dev_set->lock);
	device->dev_set = NULL;

	mutex_lock(&vfio_device_sets_lock);
	if (!--dev_set->device_count) {
		xa_erase(&vfio_device_sets, (unsigned long)dev_set->set_id);
		mutex_destroy(&dev_set->lock);
		kfree(dev_set);
	}
	mutex_unlock(&vfio_device_sets_lock);
}

/**
 * vfio_device_set_open_count - how many device fds of a set are open
 * @dev_set: the set
 *
 * Context: @dev_set->lock held, as it is in open_device() and
 * close_device().
 * Return: the sum of the open counts of the set's devices; the device being
 * opened or closed counts as open.
 */
unsigned int vfio_device_set_open_count(struct vfio_device_set *dev_set)
{
	struct vfio_device *device;
	unsigned int count = 0;

	lockdep_assert_held(&dev_set->lock);

	list_for_each_entry(device, &dev_set->device_list, dev_set_list)
		count += device->open_count;
	return count;
}
EXPORT_SYMBOL_GPL(vfio_device_set_open_count);

/* Release of the embedded struct device: the last vfio_put_device(). */
static void vfio_device_release(struct device *dev)
{
	struct vfio_device *device =
		container_of(dev, struct vfio_device, device);

	vfio_device_leave_set(device);
	ida_free(&vfio_device_ida, device->index);
	if (device->ops->release)
		device->ops->release(device);
	kvfree(device);
}

/**
 * vfio_init_device - initialise a vfio_device the caller allocated
 * @device: zeroed memory from kzalloc() or kvzalloc(), with the &struct
 *	vfio_device at offset 0 of the allocation
 * @dev: the underlying device
 * @ops: driver callbacks; @ops->init runs at the end
 *
 * Prefer vfio_alloc_device(). After success the memory belongs to the core:
 * drop it with vfio_put_device(), which calls @ops->release and then frees
 * it with kvfree().
 *
 * Context: may sleep.
 * Return: 0 on success, -EINVAL for a NULL @dev or @ops, -ENOSPC when the
 * vfioN index space is exhausted, -ENOMEM, or the errno of @ops->init. On
 * failure the caller still owns and frees @device.
 */
int vfio_init_device(struct vfio_device *device, struct device *dev,
		     const struct vfio_device_ops *ops)
{
	int ret;

	if (!dev || !ops)
		return -EINVAL;

	ret = ida_alloc_max(&vfio_device_ida, MINORMASK, GFP_KERNEL);
	if (ret < 0)
		return ret;

	device->index = ret;
	device->dev = dev;
	device->ops = ops;
	init_completion(&device->comp);

	if (ops->init) {
		ret = ops->init(device);
		if (ret)
			goto err_free_index;
	}

	/* From here on vfio_device_release() undoes everything above. */
	device_initialize(&device->device);
	device->device.release = vfio_device_release;
	device->device.class = vfio_device_class;
	device->device.parent = dev;
	vfio_device_cdev_setup(device);
	return 0;

err_free_index:
	/* @ops->init may have put the device in a set. */
	vfio_device_leave_set(device);
	ida_free(&vfio_device_ida, device->index);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_init_device);

/**
 * _vfio_alloc_device - allocate and initialise a driver structure
 * @size: bytes to allocate, at least sizeof(struct vfio_device), which must
 *	sit at offset 0
 * @dev: the underlying device
 * @ops: driver callbacks; @ops->init runs before this returns
 *
 * Use the vfio_alloc_device() wrapper rather than calling this directly.
 *
 * Context: may sleep.
 * Return: the zeroed, initialised device, or an ERR_PTR(): -EINVAL for a
 * short @size, -ENOMEM, or an errno of vfio_init_device().
 */
struct vfio_device *_vfio_alloc_device(size_t size, struct device *dev,
				       const struct vfio_device_ops *ops)
{
	struct vfio_device *device;
	int ret;

	if (size < sizeof(*device))
		return ERR_PTR(-EINVAL);

	device = kvzalloc(size, GFP_KERNEL);
	if (!device)
		return ERR_PTR(-ENOMEM);

	ret = vfio_init_device(device, dev, ops);
	if (ret) {
		kvfree(device);
		return ERR_PTR(ret);
	}
	return device;
}
EXPORT_SYMBOL_GPL(_vfio_alloc_device);

/**
 * vfio_free_device - compatibility no-op for upstream release callbacks
 * @device: the device being released
 *
 * Upstream 6.1 drivers end their &vfio_device_ops.release by calling this.
 * In mdev-sdk the core frees the memory itself once release returns, so
 * this does nothing; it exists so that such drivers build unchanged.
 *
 * Context: any; only meaningful from &vfio_device_ops.release.
 */
void vfio_free_device(struct vfio_device *device)
{
}
EXPORT_SYMBOL_GPL(vfio_free_device);

/**
 * vfio_device_try_get_registration - take a registration reference
 * @device: a device found in its group's device list
 *
 * Context: any.
 * Return: false once unregistration dropped the initial reference.
 */
bool vfio_device_try_get_registration(struct vfio_device *device)
{
	return refcount_inc_not_zero(&device->refcount);
}

/**
 * vfio_device_put_registration - drop a registration reference
 * @device: the device
 *
 * The last put wakes vfio_unregister_group_dev().
 *
 * Context: any.
 */
void vfio_device_put_registration(struct vfio_device *device)
{
	if (refcount_dec_and_test(&device->refcount))
		complete(&device->comp);
}

static int vfio_device_check_ops(struct vfio_device *device)
{
	const struct vfio_migration_ops *mig_ops = device->mig_ops;
	const struct vfio_device_ops *ops = device->ops;

	if (device->device.release != vfio_device_release || device->group)
		return -EINVAL;

	/*
	 * Upstream refuses a device without all four; 6.1 drivers have none,
	 * so only a partial set is refused here. Such devices answer
	 * VFIO_DEVICE_BIND_IOMMUFD with -ENODEV.
	 */
	if ((ops->bind_iommufd || ops->unbind_iommufd || ops->attach_ioas ||
	     ops->detach_ioas) &&
	    (!ops->bind_iommufd || !ops->unbind_iommufd || !ops->attach_ioas ||
	     !ops->detach_ioas)) {
		dev_err(device->dev, "%s: incomplete iommufd support\n",
			ops->name ?: "vfio");
		return -EINVAL;
	}

	if (mig_ops && (!mig_ops->migration_set_state ||
			!mig_ops->migration_get_state ||
			!(device->migration_flags & VFIO_MIGRATION_STOP_COPY))) {
		dev_err(device->dev, "%s: incomplete migration support\n",
			device->ops->name ?: "vfio");
		return -EINVAL;
	}

	/* Dirty tracking needs iova_bitmap, which 6.1 keeps inside vfio.ko. */
	if (device->log_ops)
		dev_info(device->dev,
			 "%s: DMA dirty logging is not supported; ignoring log_ops\n",
			 device->ops->name ?: "vfio");
	return 0;
}

static int __vfio_register_dev(struct vfio_device *device,
			       enum vfio_group_type type)
{
	struct vfio_group *group;
	int ret;

	ret = vfio_device_check_ops(device);
	if (ret)
		return ret;

	group = vfio_group_get_for_dev(device->dev, type);
	if (IS_ERR(group))
		return PTR_ERR(group);

	if (!device->dev_set) {
		ret = vfio_assign_device_set(device, device);
		if (ret)
			goto err_put_group;
	}

	ret = dev_set_name(&device->device, "vfio%u", device->index);
	if (ret)
		goto err_put_group;

	/* A bind through the cdev needs the group. */
	device->group = group;
	reinit_completion(&device->comp);

	/*
	 * Until the refcount_set() below, opens of the node and
	 * VFIO_GROUP_GET_DEVICE_FD find a device with no registration
	 * reference to take, and fail with -ENODEV.
	 */
	ret = cdev_device_add(&device->cdev, &device->device);
	if (ret)
		goto err_clear_group;

	ret = vfio_group_add_device(group, device);
	if (ret)
		goto err_del_device;

	/* Last: put in vfio_unregister_group_dev(). */
	refcount_set(&device->refcount, 1);
	return 0;

err_del_device:
	cdev_device_del(&device->cdev, &device->device);
err_clear_group:
	device->group = NULL;
err_put_group:
	vfio_group_put_driver(group, device->dev);
	return ret;
}

/**
 * vfio_register_group_dev - expose a device behind a real IOMMU
 * @device: a device from vfio_alloc_device()
 *
 * The device joins the VFIO group of its IOMMU group, so /dev/vfio/N,
 * /sys/class/vfio-dev/vfioM and /dev/vfio/devices/vfioM appear.
 *
 * Context: may sleep.
 * Return: 0 on success; -EINVAL if the device has no IOMMU group, its IOMMU
 * cannot enforce cache coherency, the device is already registered, or its
 * migration ops or iommufd ops are incomplete; -EBUSY if the underlying device already has
 * a vfio_device; -ENOMEM or another errno of the driver core.
 */
int vfio_register_group_dev(struct vfio_device *device)
{
	return __vfio_register_dev(device, VFIO_IOMMU);
}
EXPORT_SYMBOL_GPL(vfio_register_group_dev);

/**
 * vfio_register_emulated_iommu_dev - expose a device that does no DMA itself
 * @device: a device from vfio_alloc_device()
 *
 * For mediated devices: the core gives @device->dev a new IOMMU group of its
 * own (visible as its "iommu_group" link), and the driver reaches guest
 * memory only through vfio_pin_pages() and vfio_dma_rw(). Such a group is
 * always viable.
 *
 * Context: may sleep.
 * Return: 0 on success; -EINVAL if the device is already registered or its
 * migration ops or iommufd ops are incomplete; -ENOMEM or another errno of the IOMMU or
 * driver core.
 */
int vfio_register_emulated_iommu_dev(struct vfio_device *device)
{
	return __vfio_register_dev(device, VFIO_EMULATED_IOMMU);
}
EXPORT_SYMBOL_GPL(vfio_register_emulated_iommu_dev);

/*
 * Sleep until every device fd is closed. The sleep is cut into intervals so
 * the task never looks hung; after each the driver may ask the user again.
 */
static void vfio_device_wait_unused(struct vfio_device *device)
{
	const char *name = device->ops->name ?: "vfio";
	unsigned int count = 0;

	if (try_wait_for_completion(&device->comp))
		return;

	if (!device->ops->request)
		dev_warn(device->dev,
			 "%s: no request callback; waiting for userspace to release the device\n",
			 name);

	do {
		if (device->ops->request)
			device->ops->request(device, count++);
		if (count == 2)
			dev_info(device->dev,
				 "%s: still in use; waiting for userspace to release the device\n",
				 name);
	} while (!wait_for_completion_timeout(&device->comp,
					      VFIO_UNREGISTER_REQUEST_INTERVAL));
}

/**
 * vfio_unregister_group_dev - withdraw a device registered with VFIO
 * @device: a registered device
 *
 * Blocks until every fd of the device is closed. While it waits the driver's
 * &vfio_device_ops.request is called, at once and then every 10 seconds,
 * with a rising count, so the driver can ask the user (for instance through
 * a request eventfd) to let go. Afterwards the device is gone from its group
 * and from sysfs; the caller still owns its reference and drops it with
 * vfio_put_device().
 *
 * Context: may sleep, possibly for long; must not hold locks that closing a
 * device fd takes.
 */
void vfio_unregister_group_dev(struct vfio_device *device)
{
	struct vfio_group *group = device->group;

	/* Pairs with refcount_set() in __vfio_register_dev(). */
	vfio_device_put_registration(device);
	vfio_device_wait_unused(device);

	vfio_group_del_device(group, device);
	/* Pairs with cdev_device_add() in __vfio_register_dev(). */
	cdev_device_del(&device->cdev, &device->device);
	device->group = NULL;
	/* Pairs with vfio_group_get_for_dev() in __vfio_register_dev(). */
	vfio_group_put_driver(group, device->dev);
}
EXPORT_SYMBOL_GPL(vfio_unregister_group_dev);

/**
 * vfio_device_init_class - create class "vfio-dev" and its device numbers
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int vfio_device_init_class(void)
{
	int ret;

	vfio_device_class = class_create(THIS_MODULE, "vfio-dev");
	if (IS_ERR(vfio_device_class)) {
		pr_err("cannot create class \"vfio-dev\" (%ld); is the in-tree vfio module loaded? Unload it first\n",
		       PTR_ERR(vfio_device_class));
		return PTR_ERR(vfio_device_class);
	}

	ret = vfio_device_cdev_init(vfio_device_class);
	if (ret) {
		class_destroy(vfio_device_class);
		return ret;
	}
	return 0;
}

/**
 * vfio_device_exit_class - undo vfio_device_init_class()
 *
 * Context: module exit; every device is unregistered.
 */
void vfio_device_exit_class(void)
{
	vfio_device_cdev_exit();
	class_destroy(vfio_device_class);
	ida_destroy(&vfio_device_ida);
	xa_destroy(&vfio_device_sets);
}
