// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled mdev core: the sysfs ABI of parents and devices.
 *
 *   <parent>/mdev_supported_types/<driver>-<type>/
 *	create, name, available_instances, device_api, [description],
 *	devices/<uuid> -> the device
 *   /sys/bus/mdev/devices/<uuid>/
 *	remove, mdev_type -> the type directory
 *
 * A type directory is a kobject the core allocates, not one embedded in the
 * driver's &struct mdev_type: the driver may free its types as soon as
 * mdev_unregister_parent() returns, whoever still holds a kobject reference.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uuid.h>

#include "mdev_private.h"

/**
 * struct mdev_type_dir - sysfs directory of one type of one parent
 * @kobj: the directory <driver>-<type>
 * @devices_kobj: its "devices" subdirectory
 * @type: the driver's type; only followed while @kobj is in sysfs, which
 *	mdev_unregister_parent() ends before returning
 */
struct mdev_type_dir {
	struct kobject kobj;
	struct kobject *devices_kobj;
	struct mdev_type *type;
};

/**
 * struct mdev_type_attribute - a file of a type directory
 * @attr: the sysfs attribute
 * @show: read handler, or NULL for a write-only file
 * @store: write handler, or NULL for a read-only file
 */
struct mdev_type_attribute {
	struct attribute attr;
	ssize_t (*show)(struct mdev_type *type, char *buf);
	ssize_t (*store)(struct mdev_type *type, const char *buf,
			 size_t count);
};

#define MDEV_TYPE_ATTR_RO(_name) \
	static struct mdev_type_attribute mdev_type_attr_##_name = \
		__ATTR_RO(_name)
#define MDEV_TYPE_ATTR_WO(_name) \
	static struct mdev_type_attribute mdev_type_attr_##_name = \
		__ATTR_WO(_name)

static struct mdev_type_dir *to_mdev_type_dir(struct kobject *kobj)
{
	return container_of(kobj, struct mdev_type_dir, kobj);
}

static struct mdev_type_attribute *to_mdev_type_attr(struct attribute *attr)
{
	return container_of(attr, struct mdev_type_attribute, attr);
}

static ssize_t mdev_type_sysfs_show(struct kobject *kobj,
				    struct attribute *attr, char *buf)
{
	struct mdev_type_attribute *tattr = to_mdev_type_attr(attr);

	if (!tattr->show)
		return -EIO;
	return tattr->show(to_mdev_type_dir(kobj)->type, buf);
}

static ssize_t mdev_type_sysfs_store(struct kobject *kobj,
				     struct attribute *attr, const char *buf,
				     size_t count)
{
	struct mdev_type_attribute *tattr = to_mdev_type_attr(attr);

	if (!tattr->store)
		return -EIO;
	return tattr->store(to_mdev_type_dir(kobj)->type, buf, count);
}

static const struct sysfs_ops mdev_type_sysfs_ops = {
	.show = mdev_type_sysfs_show,
	.store = mdev_type_sysfs_store,
};

/*
 * Accepts what upstream's guid_parse() accepts, either hex case, with at
 * most one trailing newline (echo adds one), and nothing else.
 */
static ssize_t create_store(struct mdev_type *type, const char *buf,
			    size_t count)
{
	char str[UUID_STRING_LEN + 1];
	size_t len = count;
	guid_t uuid;
	int ret;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len != UUID_STRING_LEN)
		return -EINVAL;

	memcpy(str, buf, len);
	str[len] = '\0';
	if (guid_parse(str, &uuid))
		return -EINVAL;

	ret = mdev_device_create(type, &uuid);
	return ret ? ret : count;
}
MDEV_TYPE_ATTR_WO(create);

static ssize_t name_show(struct mdev_type *type, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  type->pretty_name ? type->pretty_name :
					      type->sysfs_name);
}
MDEV_TYPE_ATTR_RO(name);

static ssize_t available_instances_show(struct mdev_type *type, char *buf)
{
	struct mdev_parent *parent = type->parent;
	struct mdev_driver *drv = parent->mdev_driver;

	if (drv->get_available)
		return sysfs_emit(buf, "%u\n", drv->get_available(type));
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&parent->available_instances));
}
MDEV_TYPE_ATTR_RO(available_instances);

static ssize_t device_api_show(struct mdev_type *type, char *buf)
{
	return sysfs_emit(buf, "%s\n", type->parent->mdev_driver->device_api);
}
MDEV_TYPE_ATTR_RO(device_api);

static ssize_t description_show(struct mdev_type *type, char *buf)
{
	return type->parent->mdev_driver->show_description(type, buf);
}
MDEV_TYPE_ATTR_RO(description);

static struct attribute *mdev_type_attrs[] = {
	&mdev_type_attr_create.attr,
	&mdev_type_attr_name.attr,
	&mdev_type_attr_available_instances.attr,
	&mdev_type_attr_device_api.attr,
	&mdev_type_attr_description.attr,
	NULL
};

static umode_t mdev_type_attr_is_visible(struct kobject *kobj,
					 struct attribute *attr, int n)
{
	struct mdev_type *type = to_mdev_type_dir(kobj)->type;

	if (attr == &mdev_type_attr_description.attr &&
	    !type->parent->mdev_driver->show_description)
		return 0;
	return attr->mode;
}

static const struct attribute_group mdev_type_group = {
	.attrs = mdev_type_attrs,
	.is_visible = mdev_type_attr_is_visible,
};

static const struct attribute_group *mdev_type_groups[] = {
	&mdev_type_group,
	NULL
};

static void mdev_type_dir_release(struct kobject *kobj)
{
	kfree(to_mdev_type_dir(kobj));
}

static struct kobj_type mdev_type_ktype = {
	.sysfs_ops = &mdev_type_sysfs_ops,
	.release = mdev_type_dir_release,
	.default_groups = mdev_type_groups,
};

static int mdev_type_add(struct mdev_parent *parent, struct mdev_type *type)
{
	struct mdev_type_dir *dir;
	int ret;

	dir = kzalloc(sizeof(*dir), GFP_KERNEL);
	if (!dir)
		return -ENOMEM;

	/* is_visible() looks at the driver through these during the add. */
	dir->type = type;
	type->parent = parent;
	dir->kobj.kset = parent->mdev_types_kset;
	ret = kobject_init_and_add(&dir->kobj, &mdev_type_ktype, NULL, "%s-%s",
				   dev_driver_string(parent->dev),
				   type->sysfs_name);
	if (ret)
		goto out_put_dir;

	dir->devices_kobj = kobject_create_and_add("devices", &dir->kobj);
	if (!dir->devices_kobj) {
		ret = -ENOMEM;
		goto out_del_dir;
	}

	type->dir = dir;
	return 0;

out_del_dir:
	kobject_del(&dir->kobj);
out_put_dir:
	kobject_put(&dir->kobj);
	return ret;
}

/*
 * Deleting the directory waits for its readers and writers to leave, so
 * no handler can follow dir->type once this returns.
 */
static void mdev_type_remove(struct mdev_type *type)
{
	struct mdev_type_dir *dir = type->dir;

	type->dir = NULL;
	kobject_del(dir->devices_kobj);
	kobject_put(dir->devices_kobj);
	kobject_del(&dir->kobj);
	kobject_put(&dir->kobj);
}

/**
 * mdev_types_add - create a parent's mdev_supported_types directory
 * @parent: the parent, with dev, mdev_driver, types and nr_types set
 *
 * Context: process context, may sleep. The type files go live as they are
 * created, so the caller keeps @parent from accepting devices until this
 * returns.
 * Return: 0 on success, -ENOMEM, or the errno of a failed kobject add;
 * nothing is left behind on failure.
 */
int mdev_types_add(struct mdev_parent *parent)
{
	unsigned int i;
	int ret;

	parent->mdev_types_kset = kset_create_and_add("mdev_supported_types",
						      NULL, &parent->dev->kobj);
	if (!parent->mdev_types_kset)
		return -ENOMEM;

	for (i = 0; i < parent->nr_types; i++) {
		ret = mdev_type_add(parent, parent->types[i]);
		if (ret)
			goto out_remove_types;
	}
	return 0;

out_remove_types:
	while (i--)
		mdev_type_remove(parent->types[i]);
	kset_unregister(parent->mdev_types_kset);
	parent->mdev_types_kset = NULL;
	return ret;
}

/**
 * mdev_types_remove - delete a parent's mdev_supported_types directory
 * @parent: a parent whose mdev_types_add() succeeded and that has no
 *	devices left
 *
 * Context: process context, may sleep; waits for every reader and writer of
 * the type files to leave them.
 */
void mdev_types_remove(struct mdev_parent *parent)
{
	unsigned int i;

	for (i = 0; i < parent->nr_types; i++)
		mdev_type_remove(parent->types[i]);
	kset_unregister(parent->mdev_types_kset);
	parent->mdev_types_kset = NULL;
}

/**
 * mdev_device_add_links - link a device and its type directory both ways
 * @mdev: a device that device_add() has put in sysfs
 *
 * Context: process context, may sleep.
 * Return: 0 on success or the errno of sysfs_create_link(); nothing is left
 * behind on failure.
 */
int mdev_device_add_links(struct mdev_device *mdev)
{
	struct mdev_type_dir *dir = mdev->type->dir;
	int ret;

	ret = sysfs_create_link(dir->devices_kobj, &mdev->dev.kobj,
				dev_name(&mdev->dev));
	if (ret)
		return ret;

	ret = sysfs_create_link(&mdev->dev.kobj, &dir->kobj, "mdev_type");
	if (ret)
		goto out_remove_devices_link;
	return 0;

out_remove_devices_link:
	sysfs_remove_link(dir->devices_kobj, dev_name(&mdev->dev));
	return ret;
}

/**
 * mdev_device_remove_links - undo mdev_device_add_links()
 * @mdev: the device
 *
 * Context: process context, may sleep.
 */
void mdev_device_remove_links(struct mdev_device *mdev)
{
	struct mdev_type_dir *dir = mdev->type->dir;

	sysfs_remove_link(&mdev->dev.kobj, "mdev_type");
	sysfs_remove_link(dir->devices_kobj, dev_name(&mdev->dev));
}

/*
 * Any value kstrtoul() reads as non-zero removes the device, as upstream;
 * zero is accepted and does nothing.
 */
static ssize_t remove_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	unsigned long val;
	int ret;

	if (kstrtoul(buf, 0, &val))
		return -EINVAL;
	if (!val)
		return count;

	ret = mdev_device_remove(to_mdev_device(dev), attr);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(remove);

static struct attribute *mdev_device_attrs[] = {
	&dev_attr_remove.attr,
	NULL
};

static const struct attribute_group mdev_device_group = {
	.attrs = mdev_device_attrs,
};

const struct attribute_group *mdev_device_groups[] = {
	&mdev_device_group,
	NULL
};
