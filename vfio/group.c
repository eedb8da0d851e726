// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: groups, the /dev/vfio/N character devices and
 * the group-file queries KVM makes through symbol_get().
 *
 * A group exists while at least one registered device belongs to its IOMMU
 * group. Its file may outlive it: such a dead group (iommu_group == NULL)
 * answers every ioctl with -ENODEV.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include "vfio_core.h"

/* Guards vfio_groups and every &vfio_group.drivers. */
static DEFINE_MUTEX(vfio_groups_lock);
/* Live groups, keyed by IOMMU group id. */
static DEFINE_XARRAY(vfio_groups);
static DEFINE_IDA(vfio_group_minors);
static dev_t vfio_group_devt;
static struct class *vfio_group_class;

static const struct file_operations vfio_group_fops;

static void vfio_group_release(struct device *dev)
{
	struct vfio_group *group = container_of(dev, struct vfio_group, dev);

	mutex_destroy(&group->device_lock);
	mutex_destroy(&group->group_lock);
	ida_free(&vfio_group_minors, MINOR(group->dev.devt));
	kfree(group);
}

/*
 * Create the group of @iommu_group and publish /dev/vfio/<id>. The group
 * takes its own reference on @iommu_group.
 */
static struct vfio_group *__vfio_group_create(struct iommu_group *iommu_group,
					      enum vfio_group_type type)
{
	struct vfio_group *group;
	int minor, ret;

	lockdep_assert_held(&vfio_groups_lock);

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		return ERR_PTR(-ENOMEM);

	minor = ida_alloc_max(&vfio_group_minors, MINORMASK, GFP_KERNEL);
	if (minor < 0) {
		kfree(group);
		return ERR_PTR(minor);
	}

	mutex_init(&group->group_lock);
	mutex_init(&group->device_lock);
	INIT_LIST_HEAD(&group->device_list);
	group->type = type;
	group->drivers = 1;

	/* From here on vfio_group_release() frees the group and the minor. */
	device_initialize(&group->dev);
	group->dev.devt = MKDEV(MAJOR(vfio_group_devt), minor);
	group->dev.class = vfio_group_class;
	group->dev.release = vfio_group_release;
	cdev_init(&group->cdev, &vfio_group_fops);
	group->cdev.owner = THIS_MODULE;

	ret = dev_set_name(&group->dev, "%d", iommu_group_id(iommu_group));
	if (ret)
		goto err_put_group;

	ret = xa_insert(&vfio_groups, iommu_group_id(iommu_group), group,
			GFP_KERNEL);
	if (ret)
		goto err_put_group;

	/* Set before the node appears: open treats NULL as a dead group. */
	group->iommu_group = iommu_group;
	/* Put in vfio_group_put_driver(). */
	iommu_group_ref_get(iommu_group);

	ret = cdev_device_add(&group->cdev, &group->dev);
	if (ret)
		goto err_put_iommu_group;
	return group;

err_put_iommu_group:
	group->iommu_group = NULL;
	iommu_group_put(iommu_group);
	xa_erase(&vfio_groups, iommu_group_id(iommu_group));
err_put_group:
	put_device(&group->dev);
	return ERR_PTR(ret);
}

/* Take a driver reference on the group of @iommu_group, creating it. */
static struct vfio_group *vfio_group_get(struct iommu_group *iommu_group,
					 enum vfio_group_type type)
{
	struct vfio_group *group;

	mutex_lock(&vfio_groups_lock);
	group = xa_load(&vfio_groups, iommu_group_id(iommu_group));
	if (group) {
		if (group->type == type)
			group->drivers++;
		else
			group = ERR_PTR(-EINVAL);
	} else {
		group = __vfio_group_create(iommu_group, type);
	}
	mutex_unlock(&vfio_groups_lock);
	return group;
}

/* A fresh IOMMU group holding only @dev, for a device that does no DMA. */
static struct vfio_group *vfio_group_get_emulated(struct device *dev)
{
	struct iommu_group *iommu_group;
	struct vfio_group *group;
	int ret;

	iommu_group = iommu_group_alloc();
	if (IS_ERR(iommu_group))
		return ERR_CAST(iommu_group);

	/* The name upstream gives such groups, for tools that look at it. */
	ret = iommu_group_set_name(iommu_group, "vfio-noiommu");
	if (ret)
		goto out_put_iommu_group;

	ret = iommu_group_add_device(iommu_group, dev);
	if (ret)
		goto out_put_iommu_group;

	group = vfio_group_get(iommu_group, VFIO_EMULATED_IOMMU);
	if (IS_ERR(group)) {
		ret = PTR_ERR(group);
		goto err_remove_device;
	}
	iommu_group_put(iommu_group);
	return group;

err_remove_device:
	iommu_group_remove_device(dev);
out_put_iommu_group:
	iommu_group_put(iommu_group);
	return ERR_PTR(ret);
}

/**
 * vfio_group_get_for_dev - find or create the group a device registers in
 * @dev: the device being registered (&vfio_device.dev)
 * @type: VFIO_IOMMU to use @dev's IOMMU group, VFIO_EMULATED_IOMMU to give
 *	@dev a new IOMMU group of its own
 *
 * Context: may sleep.
 * Return: the group, with a driver reference for vfio_group_put_driver(), or
 * an ERR_PTR(): -EINVAL if @dev has no IOMMU group, its IOMMU cannot enforce
 * cache coherency or the group already has the other type; -ENOMEM, or an
 * errno of the IOMMU core or the character device layer.
 */
struct vfio_group *vfio_group_get_for_dev(struct device *dev,
					  enum vfio_group_type type)
{
	struct iommu_group *iommu_group;
	struct vfio_group *group;

	if (type == VFIO_EMULATED_IOMMU)
		return vfio_group_get_emulated(dev);
	if (type != VFIO_IOMMU)
		return ERR_PTR(-EINVAL);

	iommu_group = iommu_group_get(dev);
	if (!iommu_group)
		return ERR_PTR(-EINVAL);

	/* Userspace has no way to flush caches, so DMA must snoop. */
	if (!device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
		group = ERR_PTR(-EINVAL);
	else
		group = vfio_group_get(iommu_group, VFIO_IOMMU);

	iommu_group_put(iommu_group);
	return group;
}

/**
 * vfio_group_put_driver - drop the reference of vfio_group_get_for_dev()
 * @group: the group
 * @dev: the device that was registered in it
 *
 * @dev leaves an emulated IOMMU group at once. When the last device leaves,
 * /dev/vfio/N disappears, the group leaves its container and releases its
 * IOMMU group; an open group fd keeps the dead structure alive.
 *
 * Context: may sleep; no device of @group may be open.
 */
void vfio_group_put_driver(struct vfio_group *group, struct device *dev)
{
	struct iommu_group *iommu_group;

	if (group->type == VFIO_EMULATED_IOMMU)
		iommu_group_remove_device(dev);

	mutex_lock(&vfio_groups_lock);
	if (--group->drivers) {
		mutex_unlock(&vfio_groups_lock);
		return;
	}

	/*
	 * Unpublish under the global lock, so that a device registering in the
	 * same IOMMU group meanwhile creates a new group without colliding
	 * with our sysfs name.
	 */
	xa_erase(&vfio_groups, iommu_group_id(group->iommu_group));
	cdev_device_del(&group->cdev, &group->dev);

	mutex_lock(&group->group_lock);
	if (group->container)
		vfio_group_detach_container(group);
	iommu_group = group->iommu_group;
	group->iommu_group = NULL;
	mutex_unlock(&group->group_lock);
	mutex_unlock(&vfio_groups_lock);

	/* Pairs with iommu_group_ref_get() in __vfio_group_create(). */
	iommu_group_put(iommu_group);
	/* Pairs with device_initialize() in __vfio_group_create(). */
	put_device(&group->dev);
}

/**
 * vfio_group_add_device - list a registered device in its group
 * @group: the group
 * @device: the device
 *
 * Context: may sleep; takes @group->device_lock.
 * Return: 0, or -EBUSY if @device->dev is already in @group.
 */
int vfio_group_add_device(struct vfio_group *group, struct vfio_device *device)
{
	struct vfio_device *it;

	mutex_lock(&group->device_lock);
	list_for_each_entry(it, &group->device_list, group_next) {
		if (it->dev == device->dev) {
			mutex_unlock(&group->device_lock);
			dev_err(device->dev, "already registered with VFIO\n");
			return -EBUSY;
		}
	}
	list_add_tail(&device->group_next, &group->device_list);
	mutex_unlock(&group->device_lock);
	return 0;
}

/**
 * vfio_group_del_device - undo vfio_group_add_device()
 * @group: the group
 * @device: the device
 *
 * Context: may sleep; takes @group->device_lock.
 */
void vfio_group_del_device(struct vfio_group *group, struct vfio_device *device)
{
	mutex_lock(&group->device_lock);
	list_del(&device->group_next);
	mutex_unlock(&group->device_lock);
}

/**
 * vfio_group_use_container - pin the group's container for a device fd
 * @group: the group of the device being opened
 *
 * The device fd also holds the group file, so that the group cannot leave
 * its container while the device is open.
 *
 * Context: may sleep; takes @group->group_lock.
 * Return: 0 on success, -ENODEV for a dead group, -EINVAL if the group has no
 * container or the container has no backend yet.
 */
int vfio_group_use_container(struct vfio_group *group)
{
	struct vfio_container *container;
	int ret = 0;

	mutex_lock(&group->group_lock);
	container = group->container;
	if (!group->iommu_group) {
		ret = -ENODEV;
	} else if (!container || !group->opened_file) {
		ret = -EINVAL;
	} else {
		down_read(&container->group_lock);
		if (!container->iommu_driver)
			ret = -EINVAL;
		up_read(&container->group_lock);
	}
	if (!ret) {
		group->container_users++;
		/* Put in vfio_group_unuse_container(). */
		get_file(group->opened_file);
	}
	mutex_unlock(&group->group_lock);
	return ret;
}

/**
 * vfio_group_block_for_cdev - keep the group closed for a cdev bind
 * @group: the group of the device being bound
 *
 * The group path and the cdev path must not both reach a device: the
 * group's file would hand out device fds and set its own container.
 *
 * Context: may sleep; takes @group->group_lock.
 * Return: 0, or -EBUSY while /dev/vfio/N is open.
 */
int vfio_group_block_for_cdev(struct vfio_group *group)
{
	int ret = 0;

	mutex_lock(&group->group_lock);
	if (group->opened_file)
		ret = -EBUSY;
	else
		group->cdev_device_open_cnt++;
	mutex_unlock(&group->group_lock);
	return ret;
}

/**
 * vfio_group_unblock_for_cdev - undo vfio_group_block_for_cdev()
 * @group: the group
 *
 * Context: may sleep; takes @group->group_lock.
 */
void vfio_group_unblock_for_cdev(struct vfio_group *group)
{
	mutex_lock(&group->group_lock);
	group->cdev_device_open_cnt--;
	mutex_unlock(&group->group_lock);
}

/**
 * vfio_group_kvm - the KVM instance set on the group's file
 * @group: the group of a device being opened
 *
 * No reference is taken. The instance stays valid while @group->group_lock
 * is held, because vfio_file_set_kvm() takes that lock to withdraw it and
 * its caller may free the VM once it has; a driver that keeps it past
 * open_device() takes its own reference there.
 *
 * Context: @group->group_lock held.
 * Return: the instance, or NULL if none is set.
 */
struct kvm *vfio_group_kvm(struct vfio_group *group)
{
	lockdep_assert_held(&group->group_lock);

	return group->kvm;
}

/**
 * vfio_group_unuse_container - undo vfio_group_use_container()
 * @group: the group of the device being closed
 *
 * Context: may sleep; takes @group->group_lock.
 */
void vfio_group_unuse_container(struct vfio_group *group)
{
	struct file *file;

	mutex_lock(&group->group_lock);
	group->container_users--;
	file = group->opened_file;
	mutex_unlock(&group->group_lock);
	/* Pairs with get_file() in vfio_group_use_container(). */
	fput(file);
}

static int vfio_group_ioctl_get_status(struct vfio_group *group,
				       struct vfio_group_status __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_group_status, flags);
	struct vfio_group_status status;

	if (copy_from_user(&status, arg, minsz))
		return -EFAULT;
	if (status.argsz < minsz)
		return -EINVAL;

	status.flags = 0;
	mutex_lock(&group->group_lock);
	if (!group->iommu_group) {
		mutex_unlock(&group->group_lock);
		return -ENODEV;
	}
	if (group->container)
		status.flags |= VFIO_GROUP_FLAGS_CONTAINER_SET |
				VFIO_GROUP_FLAGS_VIABLE;
	else if (group->type == VFIO_EMULATED_IOMMU ||
		 !iommu_group_dma_owner_claimed(group->iommu_group))
		status.flags |= VFIO_GROUP_FLAGS_VIABLE;
	mutex_unlock(&group->group_lock);

	if (copy_to_user(arg, &status, minsz))
		return -EFAULT;
	return 0;
}

static int vfio_group_ioctl_set_container(struct vfio_group *group,
					  int __user *arg)
{
	struct vfio_container *container;
	struct fd f;
	int ret;
	int fd;

	if (get_user(fd, arg))
		return -EFAULT;

	f = fdget(fd);
	if (!f.file)
		return -EBADF;

	mutex_lock(&group->group_lock);
	container = vfio_container_from_file(f.file);
	/* A group in a container is in the wrong state: -EINVAL, as upstream. */
	if (group->container)
		ret = -EINVAL;
	else if (!group->iommu_group)
		ret = -ENODEV;
	else if (!container)
		ret = -EINVAL;
	else
		ret = vfio_container_attach_group(container, group);
	mutex_unlock(&group->group_lock);

	fdput(f);
	return ret;
}

static int vfio_group_ioctl_unset_container(struct vfio_group *group)
{
	int ret = 0;

	mutex_lock(&group->group_lock);
	if (!group->iommu_group)
		ret = -ENODEV;
	else if (!group->container)
		ret = -EINVAL;
	else if (group->container_users != 1)
		ret = -EBUSY;
	else
		vfio_group_detach_container(group);
	mutex_unlock(&group->group_lock);
	return ret;
}

/* Find the device named @buf and take a registration reference on it. */
static struct vfio_device *vfio_group_find_device(struct vfio_group *group,
						  char *buf)
{
	struct vfio_device *it, *device = ERR_PTR(-ENODEV);

	mutex_lock(&group->device_lock);
	list_for_each_entry(it, &group->device_list, group_next) {
		int match;

		if (it->ops->match) {
			match = it->ops->match(it, buf);
			if (match < 0) {
				device = ERR_PTR(match);
				break;
			}
		} else {
			match = !strcmp(dev_name(it->dev), buf);
		}

		/* A device being unregistered no longer counts. */
		if (match && vfio_device_try_get_registration(it)) {
			device = it;
			break;
		}
	}
	mutex_unlock(&group->device_lock);
	return device;
}

static int vfio_group_ioctl_get_device_fd(struct vfio_group *group,
					  char __user *arg)
{
	struct vfio_device *device;
	struct file *filep;
	char *buf;
	int fd;
	int ret;

	buf = strndup_user(arg, PAGE_SIZE);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	device = vfio_group_find_device(group, buf);
	kfree(buf);
	if (IS_ERR(device))
		return PTR_ERR(device);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_put_registration;
	}

	filep = vfio_device_open_file(device);
	if (IS_ERR(filep)) {
		ret = PTR_ERR(filep);
		goto err_put_fd;
	}

	/* The registration reference now belongs to the file. */
	fd_install(fd, filep);
	return fd;

err_put_fd:
	put_unused_fd(fd);
err_put_registration:
	vfio_device_put_registration(device);
	return ret;
}

static long vfio_group_fops_unl_ioctl(struct file *filep, unsigned int cmd,
				      unsigned long arg)
{
	struct vfio_group *group = filep->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_GROUP_GET_STATUS:
		return vfio_group_ioctl_get_status(group, uarg);
	case VFIO_GROUP_SET_CONTAINER:
		return vfio_group_ioctl_set_container(group, uarg);
	case VFIO_GROUP_UNSET_CONTAINER:
		return vfio_group_ioctl_unset_container(group);
	case VFIO_GROUP_GET_DEVICE_FD:
		return vfio_group_ioctl_get_device_fd(group, uarg);
	default:
		return -ENOTTY;
	}
}

static int vfio_group_fops_open(struct inode *inode, struct file *filep)
{
	struct vfio_group *group =
		container_of(inode->i_cdev, struct vfio_group, cdev);
	int ret = 0;

	mutex_lock(&group->group_lock);
	if (!group->iommu_group) {
		/* Raced with the removal of the last device. */
		ret = -ENODEV;
	} else if (group->cdev_device_open_cnt) {
		/* A device of the group is bound through its cdev. */
		ret = -EBUSY;
	} else if (group->opened_file) {
		/* One user owns a group; a second open would share it. */
		ret = -EBUSY;
	} else {
		group->opened_file = filep;
		filep->private_data = group;
		/* Put in vfio_group_fops_release(). */
		get_device(&group->dev);
	}
	mutex_unlock(&group->group_lock);
	return ret;
}

static int vfio_group_fops_release(struct inode *inode, struct file *filep)
{
	struct vfio_group *group = filep->private_data;

	/* Device fds hold this file, so none is open any more. */
	mutex_lock(&group->group_lock);
	if (group->container)
		vfio_group_detach_container(group);
	group->opened_file = NULL;
	group->kvm = NULL;
	mutex_unlock(&group->group_lock);

	/* Pairs with get_device() in vfio_group_fops_open(). */
	put_device(&group->dev);
	return 0;
}

static const struct file_operations vfio_group_fops = {
	.owner		= THIS_MODULE,
	.open		= vfio_group_fops_open,
	.release	= vfio_group_fops_release,
	.unlocked_ioctl	= vfio_group_fops_unl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/**
 * vfio_file_is_group - whether a file is a VFIO group fd
 * @file: any file
 *
 * Context: any.
 * Return: true if @file is an open /dev/vfio/N of this module.
 */
bool vfio_file_is_group(struct file *file)
{
	return file->f_op == &vfio_group_fops;
}
EXPORT_SYMBOL_GPL(vfio_file_is_group);

/**
 * vfio_file_iommu_group - the IOMMU group behind a VFIO group fd
 * @file: a VFIO group file, held by the caller
 *
 * Context: may sleep.
 * Return: the IOMMU group with a reference the caller drops with
 * iommu_group_put(), or NULL if @file is not a group fd or its group is dead.
 */
struct iommu_group *vfio_file_iommu_group(struct file *file)
{
	struct iommu_group *iommu_group = NULL;
	struct vfio_group *group;

	if (!vfio_file_is_group(file))
		return NULL;

	group = file->private_data;
	mutex_lock(&group->group_lock);
	if (group->iommu_group) {
		iommu_group = group->iommu_group;
		iommu_group_ref_get(iommu_group);
	}
	mutex_unlock(&group->group_lock);
	return iommu_group;
}
EXPORT_SYMBOL_GPL(vfio_file_iommu_group);

/* Whether every device of a real IOMMU group sits behind a snooping IOMMU. */
static bool vfio_group_iommu_coherent(struct vfio_group *group)
{
	struct vfio_device *device;
	bool coherent = true;

	mutex_lock(&group->device_lock);
	list_for_each_entry(device, &group->device_list, group_next)
		coherent &= device_iommu_capable(device->dev,
						 IOMMU_CAP_CACHE_COHERENCY);
	mutex_unlock(&group->device_lock);
	return coherent;
}

/**
 * vfio_file_is_valid - whether a file is a VFIO group or device fd
 * @file: any file
 *
 * KVM of Linux 6.6 and later accepts a file that passes this; device fds
 * of either path pass, as upstream.
 *
 * Context: any.
 * Return: true for /dev/vfio/N, /dev/vfio/devices/vfioN and device fds
 * from VFIO_GROUP_GET_DEVICE_FD of this module.
 */
bool vfio_file_is_valid(struct file *file)
{
	return vfio_file_is_group(file) || vfio_device_file_of(file);
}
EXPORT_SYMBOL_GPL(vfio_file_is_valid);

/**
 * vfio_file_enforced_coherent - whether the file's DMA always snoops caches
 * @file: a VFIO group or device file, held by the caller
 *
 * KVM uses the answer to decide whether the guest needs wbinvd. Devices of
 * an emulated IOMMU group do no DMA of their own and are coherent. For a
 * real IOMMU group in a container the backend (or before VFIO_SET_IOMMU,
 * any backend) is asked, otherwise the IOMMU driver of each device; for a
 * device fd, the IOMMU driver of its device, as upstream.
 *
 * Context: may sleep.
 * Return: true if coherency is enforced or @file is no VFIO file.
 */
bool vfio_file_enforced_coherent(struct file *file)
{
	struct vfio_device_file *df = vfio_device_file_of(file);
	struct vfio_group *group;
	bool coherent;

	if (df)
		return df->device->group->type == VFIO_EMULATED_IOMMU ||
		       device_iommu_capable(df->device->dev,
					    IOMMU_CAP_CACHE_COHERENCY);
	if (!vfio_file_is_group(file))
		return true;

	group = file->private_data;
	if (group->type == VFIO_EMULATED_IOMMU)
		return true;

	mutex_lock(&group->group_lock);
	if (group->container)
		coherent = vfio_container_check_extension(group->container,
							  VFIO_DMA_CC_IOMMU);
	else
		coherent = vfio_group_iommu_coherent(group);
	mutex_unlock(&group->group_lock);
	return coherent;
}
EXPORT_SYMBOL_GPL(vfio_file_enforced_coherent);

/**
 * vfio_file_set_kvm - associate a KVM instance with a VFIO group or cdev fd
 * @file: a VFIO group file or device file, held by the caller
 * @kvm: the KVM instance, or NULL to clear it
 *
 * Devices of the group opened afterwards find @kvm in &vfio_device.kvm
 * between open_device() and close_device(); so does the device of a
 * /dev/vfio/devices/vfioN file bound afterwards, as upstream. The caller
 * keeps @kvm alive until it clears it again.
 *
 * Context: may sleep.
 */
void vfio_file_set_kvm(struct file *file, struct kvm *kvm)
{
	struct vfio_device_file *df = vfio_device_file_of(file);
	struct vfio_group *group;

	if (df) {
		vfio_device_file_set_kvm(df, kvm);
		return;
	}
	if (!vfio_file_is_group(file))
		return;

	group = file->private_data;
	mutex_lock(&group->group_lock);
	group->kvm = kvm;
	mutex_unlock(&group->group_lock);
}
EXPORT_SYMBOL_GPL(vfio_file_set_kvm);

/**
 * vfio_file_has_dev - whether a VFIO file grants access to a device
 * @file: any file, held by the caller
 * @device: a registered device
 *
 * Context: any.
 * Return: true if @file is the group fd of @device's group.
 */
bool vfio_file_has_dev(struct file *file, struct vfio_device *device)
{
	return vfio_file_is_group(file) &&
	       file->private_data == device->group;
}
EXPORT_SYMBOL_GPL(vfio_file_has_dev);

static char *vfio_group_devnode(struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vfio/%s", dev_name(dev));
}

/**
 * vfio_group_init - create class "vfio" and the group device numbers
 *
 * Context: module init, after vfio_container_init().
 * Return: 0 or a negative errno.
 */
int vfio_group_init(void)
{
	int ret;

	vfio_group_class = class_create(THIS_MODULE, "vfio");
	if (IS_ERR(vfio_group_class)) {
		ret = PTR_ERR(vfio_group_class);
		pr_err("cannot create class \"vfio\" (%d); is the in-tree vfio module loaded? Unload it first\n",
		       ret);
		return ret;
	}
	vfio_group_class->devnode = vfio_group_devnode;

	ret = alloc_chrdev_region(&vfio_group_devt, 0, MINORMASK + 1, "vfio");
	if (ret)
		goto err_destroy_class;
	return 0;

err_destroy_class:
	class_destroy(vfio_group_class);
	return ret;
}

/**
 * vfio_group_exit - undo vfio_group_init()
 *
 * Context: module exit; every group is gone with its devices' drivers.
 */
void vfio_group_exit(void)
{
	unregister_chrdev_region(vfio_group_devt, MINORMASK + 1);
	class_destroy(vfio_group_class);
	ida_destroy(&vfio_group_minors);
	xa_destroy(&vfio_groups);
}
