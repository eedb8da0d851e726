/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk bundled mdev core: parent-driver API.
 *
 * Names and signatures follow upstream Linux 6.1 so that an upstream parent
 * driver compiles against this header unchanged.
 */
#ifndef MDEV_SDK_LINUX_MDEV_H
#define MDEV_SDK_LINUX_MDEV_H

#include <linux/device.h>
#include <linux/uuid.h>
#include <linux/rwsem.h>

struct mdev_type;
struct mdev_type_dir;
struct mdev_driver;

/**
 * struct mdev_device - one mediated device on the "mdev" bus
 * @dev: the device, named by its UUID
 * @uuid: the UUID the user wrote to the type's "create" file
 * @next: entry in the parent's list of children
 * @type: the type this device was created from
 * @active: true once the mdev core finished creating the device
 */
struct mdev_device {
	struct device dev;
	guid_t uuid;
	struct list_head next;
	struct mdev_type *type;
	bool active;
	/* private: owned by the mdev core */
	struct mdev_parent *parent;
	unsigned int state;
};

/**
 * struct mdev_type - one mediated device type of a parent
 * @sysfs_name: directory name under mdev_supported_types, set by the driver
 *	without the parent prefix (the core prepends "<driver>-")
 * @pretty_name: value of the "name" attribute, set by the driver; may be
 *	NULL, in which case @sysfs_name is shown
 * @parent: set by mdev_register_parent()
 */
struct mdev_type {
	const char *sysfs_name;
	const char *pretty_name;
	struct mdev_parent *parent;
	/* private: owned by the mdev core */
	struct mdev_type_dir *dir;
};

/**
 * struct mdev_parent - a device that mediated devices hang off
 * @dev: the parent device
 * @mdev_driver: the driver that binds children of this parent
 * @mdev_types_kset: the mdev_supported_types directory
 * @unreg_sem: taken shared by create and remove, exclusive by unregister, so
 *	neither runs into a parent that is going away
 * @types: the driver's types
 * @nr_types: entries in @types
 * @available_instances: parent-wide count for drivers with
 *	&mdev_driver.max_instances
 *
 * Embed this in the driver's parent state; it must stay allocated until
 * mdev_unregister_parent() returns.
 */
struct mdev_parent {
	struct device *dev;
	struct mdev_driver *mdev_driver;
	struct kset *mdev_types_kset;
	struct rw_semaphore unreg_sem;
	struct mdev_type **types;
	unsigned int nr_types;
	atomic_t available_instances;
	/* private: owned by the mdev core */
	struct list_head next;
	struct list_head mdevs;
	bool live;
};

/**
 * to_mdev_device - the &struct mdev_device embedding @dev
 * @dev: a device on the mdev bus
 *
 * Return: the mediated device.
 */
static inline struct mdev_device *to_mdev_device(struct device *dev)
{
	return container_of(dev, struct mdev_device, dev);
}

/**
 * struct mdev_driver - driver of mediated devices
 * @device_api: value of the types' "device_api" attribute, e.g.
 *	VFIO_DEVICE_API_PCI_STRING
 * @max_instances: the parent-wide instance limit the core enforces and
 *	reports when @get_available is NULL; with neither set, as upstream,
 *	every create is refused with -EUSERS
 * @probe: bind a freshly created device; may sleep
 * @remove: unbind a device being removed; may sleep
 * @get_available: instances of @mtype that can still be created
 * @show_description: fill the type's "description" attribute (PAGE_SIZE)
 * @driver: the embedded driver core structure
 */
struct mdev_driver {
	const char *device_api;
	unsigned int max_instances;
	int (*probe)(struct mdev_device *dev);
	void (*remove)(struct mdev_device *dev);
	unsigned int (*get_available)(struct mdev_type *mtype);
	ssize_t (*show_description)(struct mdev_type *mtype, char *buf);
	struct device_driver driver;
};

int mdev_register_parent(struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *mdev_driver,
			 struct mdev_type **types, unsigned int nr_types);
void mdev_unregister_parent(struct mdev_parent *parent);

int mdev_register_driver(struct mdev_driver *drv);
void mdev_unregister_driver(struct mdev_driver *drv);

/**
 * mdev_dev - the &struct device of a mediated device
 * @mdev: the mediated device
 *
 * Return: &mdev->dev.
 */
static inline struct device *mdev_dev(struct mdev_device *mdev)
{
	return &mdev->dev;
}

#endif /* MDEV_SDK_LINUX_MDEV_H */
