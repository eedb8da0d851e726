/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk bundled mdev core: definitions shared by the files of the
 * mdev_sdk_mdev module and nothing else.
 */
#ifndef MDEV_SDK_MDEV_PRIVATE_H
#define MDEV_SDK_MDEV_PRIVATE_H

#include <linux/mdev.h>

/**
 * enum mdev_state - where a mediated device is in its lifecycle
 * @MDEV_STATE_CREATING: UUID reserved, device being added and probed
 * @MDEV_STATE_ACTIVE: created; the only state a removal may start from
 * @MDEV_STATE_REMOVING: a removal owns the device and will delete it
 *
 * Kept in &mdev_device.state, under mdev_list_lock.
 */
enum mdev_state {
	MDEV_STATE_CREATING,
	MDEV_STATE_ACTIVE,
	MDEV_STATE_REMOVING,
};

extern struct bus_type mdev_bus_type;
extern const struct attribute_group *mdev_device_groups[];

/* mdev_driver.c */
int mdev_bus_register(void);
void mdev_bus_unregister(void);
bool mdev_driver_registered(struct mdev_driver *drv);

/* mdev_sysfs.c */
int mdev_types_add(struct mdev_parent *parent);
void mdev_types_remove(struct mdev_parent *parent);
int mdev_device_add_links(struct mdev_device *mdev);
void mdev_device_remove_links(struct mdev_device *mdev);

/* mdev_core.c */
int mdev_device_create(struct mdev_type *type, const guid_t *uuid);
int mdev_device_remove(struct mdev_device *mdev,
		       const struct device_attribute *self);

#endif /* MDEV_SDK_MDEV_PRIVATE_H */
