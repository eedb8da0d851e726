// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: the container node /dev/vfio/vfio and the
 * registry of IOMMU backends behind VFIO_SET_IOMMU.
 *
 * A container is unprivileged until a group joins it; only then may the user
 * pick a backend, and the backend goes away again with the last group.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "vfio_core.h"

static LIST_HEAD(vfio_backends);
static DEFINE_MUTEX(vfio_backends_lock);

/**
 * vfio_register_iommu_driver - make a backend available to VFIO_SET_IOMMU
 * @ops: the backend; must stay valid until vfio_unregister_iommu_driver()
 *
 * Context: may sleep; takes the backend registry lock.
 * Return: 0 on success, -EINVAL if @ops is already registered or has only
 * one of register_device/unregister_device, -ENOMEM on allocation failure.
 */
int vfio_register_iommu_driver(const struct vfio_iommu_driver_ops *ops)
{
	struct vfio_iommu_driver *driver, *it;

	if (!ops->open || !ops->release || !ops->ioctl ||
	    !ops->attach_group || !ops->detach_group ||
	    !ops->register_device != !ops->unregister_device)
		return -EINVAL;

	driver = kzalloc(sizeof(*driver), GFP_KERNEL);
	if (!driver)
		return -ENOMEM;
	driver->ops = ops;

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(it, &vfio_backends, next) {
		if (it->ops == ops) {
			mutex_unlock(&vfio_backends_lock);
			kfree(driver);
			return -EINVAL;
		}
	}
	list_add_tail(&driver->next, &vfio_backends);
	mutex_unlock(&vfio_backends_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_register_iommu_driver);

/**
 * vfio_unregister_iommu_driver - withdraw a backend
 * @ops: the backend passed to vfio_register_iommu_driver()
 *
 * Containers already using the backend are unaffected: they hold a reference
 * on &vfio_iommu_driver_ops.owner, so this is normally called from the
 * backend's module exit, when no container can use it any more.
 *
 * Context: may sleep; takes the backend registry lock.
 */
void vfio_unregister_iommu_driver(const struct vfio_iommu_driver_ops *ops)
{
	struct vfio_iommu_driver *driver;

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(driver, &vfio_backends, next) {
		if (driver->ops == ops) {
			list_del(&driver->next);
			mutex_unlock(&vfio_backends_lock);
			kfree(driver);
			return;
		}
	}
	mutex_unlock(&vfio_backends_lock);
}
EXPORT_SYMBOL_GPL(vfio_unregister_iommu_driver);

static void vfio_container_release(struct kref *kref)
{
	struct vfio_container *container =
		container_of(kref, struct vfio_container, kref);

	kfree(container);
}

static void vfio_container_put(struct vfio_container *container)
{
	kref_put(&container->kref, vfio_container_release);
}

/*
 * Ask every registered backend, since the user may probe extensions before
 * any group joined; a backend whose module is on its way out is skipped.
 */
static long vfio_backends_check_extension(unsigned long arg)
{
	struct vfio_iommu_driver *driver;
	long ret = 0;

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(driver, &vfio_backends, next) {
		if (!try_module_get(driver->ops->owner))
			continue;
		ret = driver->ops->ioctl(NULL, VFIO_CHECK_EXTENSION, arg);
		module_put(driver->ops->owner);
		if (ret > 0)
			break;
	}
	mutex_unlock(&vfio_backends_lock);
	return ret > 0;
}

/**
 * vfio_container_check_extension - answer VFIO_CHECK_EXTENSION
 * @container: the container
 * @arg: the extension (VFIO_TYPE1_IOMMU, VFIO_DMA_CC_IOMMU, ...)
 *
 * Before VFIO_SET_IOMMU every registered backend is asked, afterwards only
 * the container's own.
 *
 * Context: may sleep; takes the container lock for reading.
 * Return: 1 if supported, 0 if not.
 */
long vfio_container_check_extension(struct vfio_container *container,
				    unsigned long arg)
{
	struct vfio_iommu_driver *driver;
	long ret;

	down_read(&container->group_lock);
	driver = container->iommu_driver;
	if (driver)
		ret = driver->ops->ioctl(container->iommu_data,
					 VFIO_CHECK_EXTENSION, arg) > 0;
	else
		ret = vfio_backends_check_extension(arg);
	up_read(&container->group_lock);
	return ret;
}

/*
 * Attach every group of @container to a freshly opened backend instance;
 * on failure the groups attached so far are detached again.
 */
static int __vfio_container_attach_groups(struct vfio_container *container,
					  struct vfio_iommu_driver *driver,
					  void *data)
{
	struct vfio_group *group;
	int ret;

	lockdep_assert_held_write(&container->group_lock);

	list_for_each_entry(group, &container->group_list, container_next) {
		ret = driver->ops->attach_group(data, group->iommu_group,
						group->type);
		if (ret)
			goto err_detach_groups;
	}
	return 0;

err_detach_groups:
	list_for_each_entry_continue_reverse(group, &container->group_list,
					     container_next)
		driver->ops->detach_group(data, group->iommu_group);
	return ret;
}

/*
 * Open @driver for @arg and attach the container's groups to it. Returns
 * -EINVAL when the backend does not implement @arg, so the caller tries the
 * next one.
 */
static int __vfio_container_try_backend(struct vfio_container *container,
					struct vfio_iommu_driver *driver,
					unsigned long arg)
{
	void *data;
	int ret;

	lockdep_assert_held_write(&container->group_lock);
	lockdep_assert_held(&vfio_backends_lock);

	if (!try_module_get(driver->ops->owner))
		return -EINVAL;

	/* The SET_IOMMU magic doubles as the CHECK_EXTENSION one. */
	if (driver->ops->ioctl(NULL, VFIO_CHECK_EXTENSION, arg) <= 0) {
		ret = -EINVAL;
		goto err_put_module;
	}

	data = driver->ops->open(arg);
	if (IS_ERR(data)) {
		ret = PTR_ERR(data);
		goto err_put_module;
	}

	ret = __vfio_container_attach_groups(container, driver, data);
	if (ret)
		goto err_release_backend;

	/* The module reference is dropped when the last group detaches. */
	container->iommu_driver = driver;
	container->iommu_data = data;
	return 0;

err_release_backend:
	driver->ops->release(data);
err_put_module:
	module_put(driver->ops->owner);
	return ret;
}

static long vfio_container_ioctl_set_iommu(struct vfio_container *container,
					   unsigned long arg)
{
	struct vfio_iommu_driver *driver;
	long ret = -ENODEV;

	down_write(&container->group_lock);

	/* Only a group grants the privilege to allocate backend resources. */
	if (list_empty(&container->group_list) || container->iommu_driver) {
		ret = -EINVAL;
		goto out_unlock_container;
	}

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(driver, &vfio_backends, next) {
		int err = __vfio_container_try_backend(container, driver, arg);

		if (!err) {
			ret = 0;
			break;
		}
		/* Remember a real failure over "not my type". */
		if (err != -EINVAL)
			ret = err;
	}
	mutex_unlock(&vfio_backends_lock);

out_unlock_container:
	up_write(&container->group_lock);
	return ret;
}

static long vfio_container_fops_unl_ioctl(struct file *filep,
					  unsigned int cmd, unsigned long arg)
{
	struct vfio_container *container = filep->private_data;
	struct vfio_iommu_driver *driver;
	long ret;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return vfio_container_check_extension(container, arg);
	case VFIO_SET_IOMMU:
		return vfio_container_ioctl_set_iommu(container, arg);
	}

	/*
	 * Everything else (MAP_DMA, UNMAP_DMA, IOMMU_GET_INFO) is the
	 * backend's. Without one the container is in the wrong state for
	 * it, so -EINVAL, as upstream answers: users such as QEMU probe
	 * with these ioctls and tell the two errnos apart.
	 */
	down_read(&container->group_lock);
	driver = container->iommu_driver;
	if (driver)
		ret = driver->ops->ioctl(container->iommu_data, cmd, arg);
	else
		ret = -EINVAL;
	up_read(&container->group_lock);
	return ret;
}

static int vfio_container_fops_open(struct inode *inode, struct file *filep)
{
	struct vfio_container *container;

	container = kzalloc(sizeof(*container), GFP_KERNEL_ACCOUNT);
	if (!container)
		return -ENOMEM;

	kref_init(&container->kref);
	init_rwsem(&container->group_lock);
	INIT_LIST_HEAD(&container->group_list);
	filep->private_data = container;
	return 0;
}

static int vfio_container_fops_release(struct inode *inode, struct file *filep)
{
	/* Pairs with kref_init() in vfio_container_fops_open(). */
	vfio_container_put(filep->private_data);
	return 0;
}

static const struct file_operations vfio_container_fops = {
	.owner		= THIS_MODULE,
	.open		= vfio_container_fops_open,
	.release	= vfio_container_fops_release,
	.unlocked_ioctl	= vfio_container_fops_unl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/**
 * vfio_container_from_file - the container behind an open /dev/vfio/vfio
 * @file: any file; the caller holds a reference on it
 *
 * Context: any.
 * Return: the container, or NULL if @file is not a container fd. The
 * container lives at least as long as the caller's reference on @file.
 */
struct vfio_container *vfio_container_from_file(struct file *file)
{
	if (file->f_op != &vfio_container_fops)
		return NULL;
	return file->private_data;
}

/**
 * vfio_container_attach_group - VFIO_GROUP_SET_CONTAINER
 * @container: the container to join
 * @group: the group, not yet in a container
 *
 * A real IOMMU group is claimed for user DMA first, so that no kernel driver
 * can DMA through it meanwhile. If the container already has a backend, the
 * group is attached to it too.
 *
 * Context: may sleep; @group->group_lock held; takes the container lock.
 * Return: 0 on success; the errno of iommu_group_claim_dma_owner() (-EPERM
 * when a kernel driver owns the group's DMA) or of the backend's
 * attach_group.
 */
int vfio_container_attach_group(struct vfio_container *container,
				struct vfio_group *group)
{
	struct vfio_iommu_driver *driver;
	int ret;

	lockdep_assert_held(&group->group_lock);

	down_write(&container->group_lock);

	if (group->type == VFIO_IOMMU) {
		ret = iommu_group_claim_dma_owner(group->iommu_group, group);
		if (ret)
			goto out_unlock_container;
	}

	driver = container->iommu_driver;
	if (driver) {
		ret = driver->ops->attach_group(container->iommu_data,
						group->iommu_group,
						group->type);
		if (ret)
			goto err_release_dma_owner;
	}

	/* Put in vfio_group_detach_container(). */
	kref_get(&container->kref);
	group->container = container;
	group->container_users = 1;
	list_add_tail(&group->container_next, &container->group_list);
	up_write(&container->group_lock);
	return 0;

err_release_dma_owner:
	if (group->type == VFIO_IOMMU)
		iommu_group_release_dma_owner(group->iommu_group);
out_unlock_container:
	up_write(&container->group_lock);
	return ret;
}

/**
 * vfio_group_detach_container - take a group out of its container
 * @group: a group with a container and no open device fds
 *
 * Detaching the last group releases the backend, which turns the container
 * back into an unprivileged one.
 *
 * Context: may sleep; @group->group_lock held; takes the container lock.
 */
void vfio_group_detach_container(struct vfio_group *group)
{
	struct vfio_container *container = group->container;
	struct vfio_iommu_driver *driver;

	lockdep_assert_held(&group->group_lock);

	down_write(&container->group_lock);

	driver = container->iommu_driver;
	if (driver)
		driver->ops->detach_group(container->iommu_data,
					  group->iommu_group);
	if (group->type == VFIO_IOMMU)
		iommu_group_release_dma_owner(group->iommu_group);

	list_del(&group->container_next);
	group->container = NULL;
	group->container_users = 0;

	if (driver && list_empty(&container->group_list)) {
		driver->ops->release(container->iommu_data);
		/* Pairs with try_module_get() in __vfio_container_try_backend(). */
		module_put(driver->ops->owner);
		container->iommu_driver = NULL;
		container->iommu_data = NULL;
	}

	up_write(&container->group_lock);

	/* Pairs with the get in vfio_container_attach_group(). */
	vfio_container_put(container);
}

/**
 * vfio_device_container_register - tell the backend a device is opening
 * @device: the device, about to call its open_device
 *
 * From now on the backend calls @device's dma_unmap on unmaps.
 *
 * Context: may sleep; &vfio_device_set.lock held. The container and its
 * backend are pinned by the device's use of the group's container.
 */
void vfio_device_container_register(struct vfio_device *device)
{
	struct vfio_container *container = device->group->container;
	const struct vfio_iommu_driver_ops *ops =
		container->iommu_driver->ops;

	lockdep_assert_held(&device->dev_set->lock);

	if (ops->register_device) {
		ops->register_device(container->iommu_data, device);
		device->iommu_registered = true;
	}
}

/**
 * vfio_device_container_unregister - undo vfio_device_container_register()
 * @device: the device, after its close_device (or failed open_device)
 *
 * Context: may sleep; &vfio_device_set.lock held.
 */
void vfio_device_container_unregister(struct vfio_device *device)
{
	struct vfio_container *container = device->group->container;

	lockdep_assert_held(&device->dev_set->lock);

	if (!device->iommu_registered)
		return;
	container->iommu_driver->ops->unregister_device(container->iommu_data,
							device);
	device->iommu_registered = false;
}

static struct miscdevice vfio_container_miscdev = {
	.minor		= VFIO_MINOR,
	.name		= "vfio",
	.fops		= &vfio_container_fops,
	.nodename	= "vfio/vfio",
	.mode		= 0666,
};

/**
 * vfio_container_init - register /dev/vfio/vfio
 *
 * Context: module init.
 * Return: 0, or the errno of misc_register(); -EBUSY means the in-tree vfio
 * module holds the minor.
 */
int vfio_container_init(void)
{
	int ret;

	ret = misc_register(&vfio_container_miscdev);
	if (ret == -EBUSY)
		pr_err("misc minor %d (/dev/vfio/vfio) is taken: the in-tree vfio module appears to be loaded; unload it (modprobe -r vfio_pci vfio_iommu_type1 vfio) before loading mdev-sdk\n",
		       VFIO_MINOR);
	else if (ret)
		pr_err("cannot register /dev/vfio/vfio: %d\n", ret);
	return ret;
}

/**
 * vfio_container_exit - unregister /dev/vfio/vfio
 *
 * Context: module exit; no container fd can be open (they pin the module).
 */
void vfio_container_exit(void)
{
	misc_deregister(&vfio_container_miscdev);
}
