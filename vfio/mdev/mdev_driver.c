// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled mdev core: the "mdev" bus and registration of the drivers
 * that bind mediated devices.
 *
 * Nothing on this bus binds by matching. A device belongs to the driver its
 * parent named in mdev_register_parent(), and the core attaches it to that
 * driver explicitly when the user creates it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/mdev.h>

#include "mdev_private.h"

static struct mdev_driver *to_mdev_driver(struct device_driver *drv)
{
	return container_of(drv, struct mdev_driver, driver);
}

static int mdev_bus_probe(struct device *dev)
{
	struct mdev_driver *drv = to_mdev_driver(dev->driver);

	return drv->probe ? drv->probe(to_mdev_device(dev)) : 0;
}

static void mdev_bus_remove(struct device *dev)
{
	struct mdev_driver *drv = to_mdev_driver(dev->driver);

	if (drv->remove)
		drv->remove(to_mdev_device(dev));
}

/*
 * Refusing every match keeps driver registration, device_add() and the
 * bus "bind" file from pairing a device with some other mdev driver.
 */
static int mdev_bus_match(struct device *dev, struct device_driver *drv)
{
	return 0;
}

struct bus_type mdev_bus_type = {
	.name = "mdev",
	.match = mdev_bus_match,
	.probe = mdev_bus_probe,
	.remove = mdev_bus_remove,
};

int mdev_bus_register(void)
{
	return bus_register(&mdev_bus_type);
}

void mdev_bus_unregister(void)
{
	bus_unregister(&mdev_bus_type);
}

/*
 * Attaching a device to a driver that is not registered would dereference
 * the driver core's missing private data, so parents and creations check.
 */
bool mdev_driver_registered(struct mdev_driver *drv)
{
	return drv->driver.name &&
	       driver_find(drv->driver.name, &mdev_bus_type) == &drv->driver;
}

/**
 * mdev_register_driver - register a driver for mediated devices
 * @drv: the driver; &mdev_driver.device_api and &mdev_driver.driver.name
 *	must be set
 *
 * The driver only ever binds devices of parents that name it in
 * mdev_register_parent(), so register it before any such parent.
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EINVAL if @drv has no device_api or no name;
 * -EBUSY if a driver of that name is already registered on the mdev bus;
 * another negative errno from driver_register().
 */
int mdev_register_driver(struct mdev_driver *drv)
{
	if (!drv->device_api || !drv->driver.name)
		return -EINVAL;

	drv->driver.bus = &mdev_bus_type;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(mdev_register_driver);

/**
 * mdev_unregister_driver - unregister a driver for mediated devices
 * @drv: a driver registered with mdev_register_driver()
 *
 * Devices still bound to @drv are unbound first. Unregister every parent
 * using @drv before: their "create" files fail with -ENODEV afterwards.
 *
 * Context: process context, may sleep.
 */
void mdev_unregister_driver(struct mdev_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(mdev_unregister_driver);
