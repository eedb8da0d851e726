// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: type groups, parents and the instance pool.
 *
 * A driver's types share one pool per parent. Creating an instance takes
 * its type's cost from the pool in probe, and releasing the device gives it
 * back, so available_instances of every type follows from one counter and
 * a creation racing on another type can never overdraw it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "sdk_private.h"

static struct mdev_sdk_mtype *to_sdk_mtype(struct mdev_type *mtype)
{
	return container_of(mtype, struct mdev_sdk_mtype, mtype);
}

/**
 * mdev_sdk_pool_take - take units from a parent's pool
 * @parent: the parent
 * @cost: units, at least 1
 *
 * Context: any.
 * Return: 0, or -EUSERS if fewer than @cost units are left.
 */
int mdev_sdk_pool_take(struct mdev_sdk_parent *parent, unsigned int cost)
{
	int free = atomic_read(&parent->pool_free);

	do {
		if (free < (int)cost)
			return -EUSERS;
	} while (!atomic_try_cmpxchg(&parent->pool_free, &free, free - cost));
	return 0;
}

/**
 * mdev_sdk_pool_return - give units back to a parent's pool
 * @parent: the parent
 * @cost: units taken with mdev_sdk_pool_take()
 *
 * Context: any.
 */
void mdev_sdk_pool_return(struct mdev_sdk_parent *parent, unsigned int cost)
{
	atomic_add(cost, &parent->pool_free);
}

static unsigned int mdev_sdk_get_available(struct mdev_type *mtype)
{
	struct mdev_sdk_mtype *t = to_sdk_mtype(mtype);

	return atomic_read(&t->parent->pool_free) / t->desc->cost;
}

static ssize_t mdev_sdk_show_description(struct mdev_type *mtype, char *buf)
{
	const struct mdev_sdk_type *desc = to_sdk_mtype(mtype)->desc;

	return sysfs_emit(buf, "%s\n", desc->description ?: "");
}

/**
 * mdev_sdk_parent_put - drop a reference on a parent's users count
 * @parent: the parent
 *
 * Pairs with the refcount_inc() in the device init path and with the
 * initial count set by mdev_sdk_add_parent().
 *
 * Context: any.
 */
void mdev_sdk_parent_put(struct mdev_sdk_parent *parent)
{
	if (refcount_dec_and_test(&parent->users))
		complete(&parent->released);
}

static int mdev_sdk_check_driver(const struct mdev_sdk_driver *drv)
{
	unsigned int i;

	if (!drv->name || !drv->types || !drv->nr_types || !drv->ident ||
	    (drv->nr_caps && !drv->caps) || !drv->pool ||
	    drv->pool > INT_MAX)
		return -EINVAL;
	for (i = 0; i < drv->nr_types; i++) {
		const struct mdev_sdk_type *t = &drv->types[i];

		if (!t->sysfs_name || !t->cost || t->cost > drv->pool)
			return -EINVAL;
	}
	return 0;
}

/**
 * mdev_sdk_register_driver - register a driver with the mdev bus
 * @drv: the driver; its public members must be filled in
 *
 * Register before adding parents.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a driver without name, types, identity or pool,
 * or a type with zero cost or a cost above the pool; or the errno of
 * mdev_register_driver().
 */
int mdev_sdk_register_driver(struct mdev_sdk_driver *drv)
{
	int ret;

	ret = mdev_sdk_check_driver(drv);
	if (ret)
		return ret;

	memset(&drv->mdrv, 0, sizeof(drv->mdrv));
	drv->mdrv.device_api = VFIO_DEVICE_API_PCI_STRING;
	drv->mdrv.probe = mdev_sdk_mdev_probe;
	drv->mdrv.remove = mdev_sdk_mdev_remove;
	drv->mdrv.get_available = mdev_sdk_get_available;
	drv->mdrv.show_description = mdev_sdk_show_description;
	drv->mdrv.driver.name = drv->name;
	drv->mdrv.driver.owner = drv->owner;
	drv->mdrv.driver.mod_name = drv->owner ? drv->owner->name : NULL;
	drv->mdrv.driver.dev_groups = mdev_sdk_pin_groups;
	return mdev_register_driver(&drv->mdrv);
}
EXPORT_SYMBOL_GPL(mdev_sdk_register_driver);

/**
 * mdev_sdk_unregister_driver - undo mdev_sdk_register_driver()
 * @drv: the driver; every parent of it must be removed already
 *
 * Context: process context, may sleep.
 */
void mdev_sdk_unregister_driver(struct mdev_sdk_driver *drv)
{
	mdev_unregister_driver(&drv->mdrv);
}
EXPORT_SYMBOL_GPL(mdev_sdk_unregister_driver);

/**
 * mdev_sdk_add_parent - offer a driver's types under a device
 * @drv: a registered driver
 * @dev: the parent device, e.g. the vendor's PCI function; referenced
 *	until mdev_sdk_remove_parent()
 *
 * Creates @dev's mdev_supported_types directory with one directory per
 * type, each answering available_instances from a fresh pool of
 * &mdev_sdk_driver.pool units.
 *
 * Context: process context, may sleep.
 * Return: the parent, or an ERR_PTR(): -ENOMEM, or the errno of
 * mdev_register_parent() (-EEXIST if @dev already is a parent).
 */
struct mdev_sdk_parent *mdev_sdk_add_parent(struct mdev_sdk_driver *drv,
					    struct device *dev)
{
	struct mdev_sdk_parent *parent;
	unsigned int i;
	int ret;

	parent = kzalloc(sizeof(*parent), GFP_KERNEL);
	if (!parent)
		return ERR_PTR(-ENOMEM);
	parent->mtypes = kcalloc(drv->nr_types, sizeof(*parent->mtypes),
				 GFP_KERNEL);
	parent->type_ptrs = kcalloc(drv->nr_types, sizeof(*parent->type_ptrs),
				    GFP_KERNEL);
	if (!parent->mtypes || !parent->type_ptrs) {
		ret = -ENOMEM;
		goto err_free_parent;
	}

	parent->drv = drv;
	parent->dev = get_device(dev);
	atomic_set(&parent->pool_free, drv->pool);
	/* Put in mdev_sdk_remove_parent(). */
	refcount_set(&parent->users, 1);
	init_completion(&parent->released);
	for (i = 0; i < drv->nr_types; i++) {
		struct mdev_sdk_mtype *t = &parent->mtypes[i];

		t->desc = &drv->types[i];
		t->parent = parent;
		t->mtype.sysfs_name = t->desc->sysfs_name;
		t->mtype.pretty_name = t->desc->pretty_name;
		parent->type_ptrs[i] = &t->mtype;
	}

	ret = mdev_register_parent(&parent->mparent, dev, &drv->mdrv,
				   parent->type_ptrs, drv->nr_types);
	if (ret)
		goto err_put_dev;
	return parent;

err_put_dev:
	put_device(parent->dev);
err_free_parent:
	kfree(parent->type_ptrs);
	kfree(parent->mtypes);
	kfree(parent);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mdev_sdk_add_parent);

/**
 * mdev_sdk_remove_parent - withdraw a parent and all its devices
 * @parent: from mdev_sdk_add_parent()
 *
 * Removes every device of @parent, asking each user to let go through the
 * REQ interrupt, and returns once every device is released and the
 * driver's remove callback ran for it.
 *
 * Context: process context, may sleep for as long as users hold devices.
 */
void mdev_sdk_remove_parent(struct mdev_sdk_parent *parent)
{
	mdev_unregister_parent(&parent->mparent);
	/* Pairs with refcount_set() in mdev_sdk_add_parent(). */
	mdev_sdk_parent_put(parent);
	wait_for_completion(&parent->released);

	put_device(parent->dev);
	kfree(parent->type_ptrs);
	kfree(parent->mtypes);
	kfree(parent);
}
EXPORT_SYMBOL_GPL(mdev_sdk_remove_parent);

static void mdev_sdk_vparent_release(struct device *dev)
{
	kfree(dev);
}

/**
 * mdev_sdk_register_virtual - register a driver with a virtual parent
 * @drv: the driver
 *
 * For purely emulated devices: registers @drv, creates class
 * &mdev_sdk_driver.name with one device of that name, and makes the device
 * a parent, so the types appear as /sys/class/<name>/<name>/
 * mdev_supported_types/<name>-<sysfs_name>. module_mdev_sdk_driver() calls
 * this from module init.
 *
 * Context: process context, may sleep.
 * Return: 0, or the errno of mdev_sdk_register_driver(), class or device
 * creation, or mdev_sdk_add_parent().
 */
int mdev_sdk_register_virtual(struct mdev_sdk_driver *drv)
{
	struct mdev_sdk_parent *parent;
	struct device *dev;
	int ret;

	ret = mdev_sdk_register_driver(drv);
	if (ret)
		return ret;

	drv->class = class_create(drv->owner, drv->name);
	if (IS_ERR(drv->class)) {
		ret = PTR_ERR(drv->class);
		goto err_unregister_driver;
	}

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		ret = -ENOMEM;
		goto err_destroy_class;
	}
	device_initialize(dev);
	dev->class = drv->class;
	dev->release = mdev_sdk_vparent_release;
	ret = dev_set_name(dev, "%s", drv->name);
	if (ret)
		goto err_put_dev;
	ret = device_add(dev);
	if (ret)
		goto err_put_dev;

	parent = mdev_sdk_add_parent(drv, dev);
	if (IS_ERR(parent)) {
		ret = PTR_ERR(parent);
		goto err_del_dev;
	}
	drv->vparent_dev = dev;
	drv->vparent = parent;
	return 0;

err_del_dev:
	device_del(dev);
err_put_dev:
	put_device(dev);
err_destroy_class:
	class_destroy(drv->class);
err_unregister_driver:
	mdev_sdk_unregister_driver(drv);
	return ret;
}
EXPORT_SYMBOL_GPL(mdev_sdk_register_virtual);

/**
 * mdev_sdk_unregister_virtual - undo mdev_sdk_register_virtual()
 * @drv: the driver
 *
 * Context: process context, may sleep until users release the devices.
 */
void mdev_sdk_unregister_virtual(struct mdev_sdk_driver *drv)
{
	mdev_sdk_remove_parent(drv->vparent);
	device_unregister(drv->vparent_dev);
	class_destroy(drv->class);
	mdev_sdk_unregister_driver(drv);
	drv->vparent = NULL;
	drv->vparent_dev = NULL;
	drv->class = NULL;
}
EXPORT_SYMBOL_GPL(mdev_sdk_unregister_virtual);
