// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled mdev core: module setup, parent registration and the
 * lifecycle of mediated devices.
 *
 * Locking:
 *  - mdev_list_lock guards the list of parents, each parent's list of
 *    devices, &mdev_parent.live and &mdev_device.state. It is only ever held
 *    briefly and never across a driver callback or a sysfs removal.
 *  - &mdev_parent.unreg_sem is held shared for a whole creation or removal
 *    and exclusively by unregistration. Sysfs writers only ever try it:
 *    unregistration deletes the very files they are writing and waits for
 *    them to leave, so a writer sleeping on the semaphore would deadlock.
 *
 * UUIDs form a single namespace across all parents. A UUID stays taken from
 * the moment a creation reserves it until its device has left sysfs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mdev_private.h"

static struct class_compat *mdev_bus_compat_class;

static LIST_HEAD(mdev_parents);
static DEFINE_MUTEX(mdev_list_lock);

/* Parent change uevents; udev rules (mdevctl's autostart) key on them. */
static char *mdev_env_registered[] = { "MDEV_STATE=registered", NULL };
static char *mdev_env_unregistered[] = { "MDEV_STATE=unregistered", NULL };

static bool mdev_parent_listed(const struct mdev_parent *parent,
			       const struct device *dev)
{
	struct mdev_parent *p;

	lockdep_assert_held(&mdev_list_lock);

	list_for_each_entry(p, &mdev_parents, next)
		if (p == parent || (dev && p->dev == dev))
			return true;
	return false;
}

/* A type's directory belongs to one parent only, so it is used only once. */
static bool mdev_type_listed(const struct mdev_type *type)
{
	struct mdev_parent *p;
	unsigned int i;

	lockdep_assert_held(&mdev_list_lock);

	list_for_each_entry(p, &mdev_parents, next)
		for (i = 0; i < p->nr_types; i++)
			if (p->types[i] == type)
				return true;
	return false;
}

static bool mdev_uuid_taken(const guid_t *uuid)
{
	struct mdev_parent *p;
	struct mdev_device *mdev;

	lockdep_assert_held(&mdev_list_lock);

	list_for_each_entry(p, &mdev_parents, next)
		list_for_each_entry(mdev, &p->mdevs, next)
			if (guid_equal(&mdev->uuid, uuid))
				return true;
	return false;
}

/*
 * Two types of one parent with the same sysfs_name would collide in sysfs,
 * which the kobject core reports with a stack dump; refuse them up front.
 */
static int mdev_types_check(struct mdev_type **types, unsigned int nr_types)
{
	unsigned int i, j;

	if (nr_types && !types)
		return -EINVAL;

	for (i = 0; i < nr_types; i++) {
		if (!types[i] || !types[i]->sysfs_name ||
		    !types[i]->sysfs_name[0])
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (types[j] == types[i] ||
			    !strcmp(types[j]->sysfs_name, types[i]->sysfs_name))
				return -EINVAL;
	}
	return 0;
}

/**
 * mdev_register_parent - make a device a parent of mediated devices
 * @parent: state of the parent, embedded in the driver's own; the core
 *	initialises every field of it
 * @dev: the parent device; the caller holds a reference on it until
 *	mdev_unregister_parent() returns
 * @mdev_driver: the driver, registered with mdev_register_driver(), that
 *	binds every device created under @dev
 * @types: the types @dev offers; each one may belong to one parent only
 * @nr_types: entries in @types
 *
 * Creates <dev>/mdev_supported_types/ with a directory per type and the
 * link /sys/class/mdev_bus/<dev>, then sends a change uevent with
 * MDEV_STATE=registered on @dev. Devices can be created from then on.
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EINVAL if an argument is missing, @mdev_driver is
 * not registered, or two types share a pointer or sysfs_name; -EEXIST if
 * @parent or @dev is already a parent (or still being unregistered) or a
 * type already belongs to another parent; -ENOMEM or another negative
 * errno if sysfs setup fails. On failure @parent is left unregistered.
 */
int mdev_register_parent(struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *mdev_driver,
			 struct mdev_type **types, unsigned int nr_types)
{
	unsigned int i;
	int ret;

	if (!parent || !dev || !mdev_driver)
		return -EINVAL;
	ret = mdev_types_check(types, nr_types);
	if (ret)
		return ret;
	if (!mdev_driver_registered(mdev_driver))
		return -EINVAL;

	mutex_lock(&mdev_list_lock);
	if (mdev_parent_listed(parent, dev)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	for (i = 0; i < nr_types; i++) {
		if (mdev_type_listed(types[i])) {
			ret = -EEXIST;
			goto out_unlock;
		}
	}

	/*
	 * Listed but not live: duplicates are refused from here on, while
	 * the type files about to appear still refuse to create devices.
	 */
	memset(parent, 0, sizeof(*parent));
	init_rwsem(&parent->unreg_sem);
	parent->dev = dev;
	parent->mdev_driver = mdev_driver;
	parent->types = types;
	parent->nr_types = nr_types;
	atomic_set(&parent->available_instances, mdev_driver->max_instances);
	INIT_LIST_HEAD(&parent->mdevs);
	list_add_tail(&parent->next, &mdev_parents);
	mutex_unlock(&mdev_list_lock);

	ret = mdev_types_add(parent);
	if (ret)
		goto out_unlist;

	/* mdevctl finds parents only through this link. */
	ret = class_compat_create_link(mdev_bus_compat_class, dev, NULL);
	if (ret)
		goto out_remove_types;

	mutex_lock(&mdev_list_lock);
	parent->live = true;
	mutex_unlock(&mdev_list_lock);

	dev_info(dev, "mdev parent registered\n");
	kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, mdev_env_registered);
	return 0;

out_remove_types:
	mdev_types_remove(parent);
out_unlist:
	mutex_lock(&mdev_list_lock);
	list_del(&parent->next);
out_unlock:
	mutex_unlock(&mdev_list_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mdev_register_parent);

/* Returns the instance a max_instances driver's device was holding. */
static void mdev_device_unlist(struct mdev_device *mdev)
{
	struct mdev_parent *parent = mdev->parent;

	mutex_lock(&mdev_list_lock);
	list_del_init(&mdev->next);
	if (!parent->mdev_driver->get_available)
		atomic_inc(&parent->available_instances);
	mutex_unlock(&mdev_list_lock);
}

/*
 * Tear down a created device. Everything that involves the parent or the
 * type happens here, under unreg_sem, and not in the release callback: a
 * late put_device() may run after the parent is gone.
 */
static void mdev_device_destroy(struct mdev_device *mdev)
{
	lockdep_assert_held(&mdev->parent->unreg_sem);

	mdev_device_remove_links(mdev);
	device_del(&mdev->dev);
	mdev_device_unlist(mdev);
	dev_dbg(mdev->parent->dev, "mdev %pUl removed\n", &mdev->uuid);
	/* Pairs with device_initialize() in mdev_device_create(). */
	put_device(&mdev->dev);
}

static void mdev_parent_remove_devices(struct mdev_parent *parent)
{
	struct mdev_device *mdev;

	lockdep_assert_held_write(&parent->unreg_sem);

	/*
	 * With unreg_sem held exclusively no creation or removal is in flight,
	 * so every device still listed is ours to delete, whatever its state.
	 */
	for (;;) {
		mutex_lock(&mdev_list_lock);
		mdev = list_first_entry_or_null(&parent->mdevs,
						struct mdev_device, next);
		if (mdev) {
			mdev->state = MDEV_STATE_REMOVING;
			mdev->active = false;
		}
		mutex_unlock(&mdev_list_lock);
		if (!mdev)
			break;
		mdev_device_destroy(mdev);
	}
}

/**
 * mdev_unregister_parent - stop a device being a parent of mediated devices
 * @parent: a parent registered with mdev_register_parent()
 *
 * New creations and removals fail with -ENODEV from the start. Waits for
 * those in flight, removes every device of @parent (calling the driver's
 * remove for each bound one), then the sysfs directories and the class
 * link, and sends a change uevent with MDEV_STATE=unregistered. Once this
 * returns the core no longer touches @parent, its types or its device, and
 * @parent may be registered again.
 *
 * Calling this for a parent that is not registered, or a second time, only
 * logs a warning.
 *
 * Context: process context, may sleep; waits for the driver to release
 * every device, e.g. for userspace to close its VFIO file descriptors. Must
 * not be called from a sysfs file of one of @parent's devices or types.
 */
void mdev_unregister_parent(struct mdev_parent *parent)
{
	struct device *dev;
	bool live = false;

	mutex_lock(&mdev_list_lock);
	if (parent && mdev_parent_listed(parent, NULL)) {
		live = parent->live;
		parent->live = false;
	}
	mutex_unlock(&mdev_list_lock);
	if (!live) {
		pr_warn("%pS: unregistering a parent that is not registered\n",
			__builtin_return_address(0));
		return;
	}

	dev = parent->dev;
	dev_info(dev, "mdev parent unregistering\n");

	down_write(&parent->unreg_sem);
	class_compat_remove_link(mdev_bus_compat_class, dev, NULL);
	mdev_parent_remove_devices(parent);
	mdev_types_remove(parent);
	up_write(&parent->unreg_sem);

	mutex_lock(&mdev_list_lock);
	list_del(&parent->next);
	mutex_unlock(&mdev_list_lock);

	kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, mdev_env_unregistered);
}
EXPORT_SYMBOL_GPL(mdev_unregister_parent);

/* Only memory is left to free by now; see mdev_device_destroy(). */
static void mdev_device_release(struct device *dev)
{
	kfree(to_mdev_device(dev));
}

/* Take the UUID and, for a max_instances driver, one instance. */
static int mdev_device_reserve(struct mdev_device *mdev)
{
	struct mdev_parent *parent = mdev->parent;
	int ret = 0;

	mutex_lock(&mdev_list_lock);
	if (!parent->live) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (mdev_uuid_taken(&mdev->uuid)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	if (!parent->mdev_driver->get_available) {
		/* Every change of the counter is made under mdev_list_lock. */
		if (atomic_read(&parent->available_instances) <= 0) {
			ret = -EUSERS;
			goto out_unlock;
		}
		atomic_dec(&parent->available_instances);
	}
	mdev->state = MDEV_STATE_CREATING;
	list_add_tail(&mdev->next, &parent->mdevs);
out_unlock:
	mutex_unlock(&mdev_list_lock);
	return ret;
}

/**
 * mdev_device_create - create a mediated device and bind it to its driver
 * @type: the type whose "create" file was written
 * @uuid: the new device's UUID
 *
 * Context: process context, may sleep; called from a sysfs store handler
 * of @type, which therefore stays registered throughout.
 * Return: 0 on success; -ENODEV if the parent is not live or its driver is
 * no longer registered; -EEXIST if @uuid is in use under any parent;
 * -EUSERS if no instance is left; -ENOMEM; or the error of device_add() or
 * of the driver's probe (-EAGAIN for a deferral). On failure nothing is
 * left behind.
 */
int mdev_device_create(struct mdev_type *type, const guid_t *uuid)
{
	struct mdev_parent *parent = type->parent;
	struct mdev_driver *drv = parent->mdev_driver;
	struct mdev_device *mdev;
	int ret;

	if (!down_read_trylock(&parent->unreg_sem))
		return -ENODEV;

	if (!mdev_driver_registered(drv)) {
		ret = -ENODEV;
		goto out_unlock_parent;
	}

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev) {
		ret = -ENOMEM;
		goto out_unlock_parent;
	}
	device_initialize(&mdev->dev);
	mdev->dev.parent = parent->dev;
	mdev->dev.bus = &mdev_bus_type;
	mdev->dev.groups = mdev_device_groups;
	mdev->dev.release = mdev_device_release;
	guid_copy(&mdev->uuid, uuid);
	INIT_LIST_HEAD(&mdev->next);
	mdev->type = type;
	mdev->parent = parent;

	ret = dev_set_name(&mdev->dev, "%pUl", uuid);
	if (ret)
		goto out_put_device;

	ret = mdev_device_reserve(mdev);
	if (ret)
		goto out_put_device;

	/*
	 * Only a hint: the driver's probe must still refuse a device it has
	 * no room for, since a creation on another type may race with us.
	 */
	if (drv->get_available && !drv->get_available(type)) {
		ret = -EUSERS;
		goto out_unlist;
	}

	ret = device_add(&mdev->dev);
	if (ret)
		goto out_unlist;

	/* Before probe, so udev and the driver already see mdev_type. */
	ret = mdev_device_add_links(mdev);
	if (ret)
		goto out_del_device;

	ret = device_driver_attach(&drv->driver, &mdev->dev);
	if (ret)
		goto out_remove_links;

	mutex_lock(&mdev_list_lock);
	mdev->state = MDEV_STATE_ACTIVE;
	mdev->active = true;
	mutex_unlock(&mdev_list_lock);
	up_read(&parent->unreg_sem);

	dev_dbg(&mdev->dev, "created\n");
	return 0;

out_remove_links:
	mdev_device_remove_links(mdev);
out_del_device:
	device_del(&mdev->dev);
out_unlist:
	mdev_device_unlist(mdev);
out_put_device:
	/* Pairs with device_initialize() above. */
	put_device(&mdev->dev);
out_unlock_parent:
	up_read(&parent->unreg_sem);
	return ret;
}

/**
 * mdev_device_remove - remove a mediated device on the user's request
 * @mdev: the device
 * @self: the device's "remove" attribute, whose store handler is calling
 *
 * @self is deleted first and with device_remove_file_self(), because
 * deleting the device waits for every writer of its files to leave, the
 * calling one included.
 *
 * Context: process context, may sleep; called from a store handler of
 * @mdev, which keeps @mdev and its parent alive until unreg_sem is taken.
 * Return: 0 on success; -ENODEV if the parent is unregistering; -EAGAIN if
 * @mdev is still being created or another removal already owns it.
 */
int mdev_device_remove(struct mdev_device *mdev,
		       const struct device_attribute *self)
{
	struct mdev_parent *parent = mdev->parent;
	int ret = 0;

	if (!down_read_trylock(&parent->unreg_sem))
		return -ENODEV;

	mutex_lock(&mdev_list_lock);
	if (!parent->live) {
		ret = -ENODEV;
	} else if (mdev->state != MDEV_STATE_ACTIVE) {
		ret = -EAGAIN;
	} else {
		mdev->state = MDEV_STATE_REMOVING;
		mdev->active = false;
	}
	mutex_unlock(&mdev_list_lock);
	if (ret)
		goto out_unlock_parent;

	/*
	 * The REMOVING state makes us the only one to delete the device, so
	 * go on even if the file turns out to be gone already.
	 */
	device_remove_file_self(&mdev->dev, self);
	mdev_device_destroy(mdev);

out_unlock_parent:
	up_read(&parent->unreg_sem);
	return ret;
}

static int __init mdev_init(void)
{
	int ret;

	ret = mdev_bus_register();
	if (ret) {
		pr_err("cannot register the \"mdev\" bus (%d); unload the in-tree mdev and vfio modules first\n",
		       ret);
		return ret;
	}

	mdev_bus_compat_class = class_compat_register("mdev_bus");
	if (!mdev_bus_compat_class) {
		pr_err("cannot register the \"mdev_bus\" class; unload the in-tree mdev and vfio modules first\n");
		ret = -EBUSY;
		goto out_unregister_bus;
	}
	return 0;

out_unregister_bus:
	mdev_bus_unregister();
	return ret;
}

static void __exit mdev_exit(void)
{
	class_compat_unregister(mdev_bus_compat_class);
	mdev_bus_unregister();
}

module_init(mdev_init);
module_exit(mdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdev-sdk bundled mediated device core");
