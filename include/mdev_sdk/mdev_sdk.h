/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk helper layer: the API a mediated-device driver is written to.
 *
 * A driver declares, in static tables, its types (with what an instance
 * costs from a parent-wide pool), the PCI identity, the BARs of each type
 * with one set of callbacks per BAR, and its capabilities. The SDK turns
 * that into an mdev parent and VFIO devices: it owns the mdev probe/remove
 * path, configuration space, the VFIO ioctls, the read/write chunking loop,
 * interrupts and eventfds, reset, REQ signalling and dma_unmap. The driver
 * writes device logic only.
 *
 * Minimal driver:
 *
 *	static struct mdev_sdk_driver my_driver = {
 *		.name = "mine", .owner = THIS_MODULE,
 *		.types = my_types, .nr_types = ARRAY_SIZE(my_types),
 *		.pool = 8, .ident = &my_ident, .ops = &my_device_ops,
 *		.priv_size = sizeof(struct my_state),
 *	};
 *	module_mdev_sdk_driver(my_driver);
 */
#ifndef MDEV_SDK_MDEV_SDK_H
#define MDEV_SDK_MDEV_SDK_H

#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/module.h>

#include <mdev_sdk/irq.h>
#include <mdev_sdk/pci_config.h>
#include <mdev_sdk/pin.h>
#include <mdev_sdk/region.h>

struct mdev_sdk_device;
struct mdev_sdk_parent;

/**
 * struct mdev_sdk_type - one mediated device type
 * @sysfs_name: directory name suffix; the directory is
 *	"<parent driver or class name>-<sysfs_name>", e.g. "mtty-2"
 * @pretty_name: value of the type's "name" attribute
 * @description: value of the type's "description" attribute
 * @cost: units of the parent's pool one instance takes, at least 1
 * @bars: the BARs of devices of this type
 * @driver_data: free for the driver
 */
struct mdev_sdk_type {
	const char *sysfs_name;
	const char *pretty_name;
	const char *description;
	unsigned int cost;
	struct mdev_sdk_bar bars[PCI_STD_NUM_BARS];
	unsigned long driver_data;
};

/**
 * struct mdev_sdk_device_ops - device logic callbacks, all optional
 * @create: set up the driver's state (mdev_sdk_priv()) of a new device;
 *	configuration space and regions exist already, and the device may
 *	still add regions or capabilities. Process context, may sleep, runs
 *	under the parent's registration lock, so never concurrently with the
 *	parent unregistering. Return 0 or a negative errno that fails the
 *	creation
 * @remove: undo @create. Called exactly once per successful @create, when
 *	the device is released; never concurrently with the parent's
 *	unregistration returning. Process context, may sleep
 * @open: first open of the device fd; device lock held. Return 0 or a
 *	negative errno
 * @close: last close of the device fd; device lock held. Interrupt eventfds
 *	are gone already, pins are dropped right after
 * @reset: put the device logic in its power-on state; device lock held.
 *	Called for VFIO_DEVICE_RESET and on open, after configuration space
 *	got its reset values
 * @invalidate: the user unmapped [@iova, @iova + @length) bytes of IOVA;
 *	stop using pages pinned there (mdev_sdk_unpin() them, or let the SDK
 *	unpin them on return). Process context, may sleep, no SDK lock held,
 *	may run concurrently with region callbacks and before @open
 * @query_plane: describe the displayed plane for VFIO_DEVICE_QUERY_GFX_PLANE
 *	in @plane, whose output fields are zeroed and whose flags hold the
 *	one plane type (of &mdev_sdk_driver.plane_types) asked about; leave
 *	them zeroed while the guest shows nothing, as the uAPI defines.
 *	The SDK checked argsz and flags and answers the PROBE form itself.
 *	Device lock held. Return 0 or a negative errno
 * @get_dmabuf: VFIO_DEVICE_GET_GFX_DMABUF: export the plane that
 *	@query_plane named @dmabuf_id as a new dma-buf and install a file
 *	descriptor for it. The SDK fetched @dmabuf_id and checked that the
 *	driver offers VFIO_GFX_PLANE_TYPE_DMABUF. Device lock held. Return
 *	the file descriptor or a negative errno
 */
struct mdev_sdk_device_ops {
	int	(*create)(struct mdev_sdk_device *sdev);
	void	(*remove)(struct mdev_sdk_device *sdev);
	int	(*open)(struct mdev_sdk_device *sdev);
	void	(*close)(struct mdev_sdk_device *sdev);
	void	(*reset)(struct mdev_sdk_device *sdev);
	void	(*invalidate)(struct mdev_sdk_device *sdev, u64 iova,
			      u64 length);
	int	(*query_plane)(struct mdev_sdk_device *sdev,
			       struct vfio_device_gfx_plane_info *plane);
	int	(*get_dmabuf)(struct mdev_sdk_device *sdev, u32 dmabuf_id);
};

/**
 * struct mdev_sdk_driver - a mediated-device driver built on the SDK
 * @name: driver name on the mdev bus, and the class and device name of a
 *	virtual parent (module_mdev_sdk_driver())
 * @owner: THIS_MODULE
 * @types: the types, in one static table
 * @nr_types: entries in @types
 * @pool: units every parent has for instances to take (&mdev_sdk_type.cost)
 * @ident: PCI identity of every device
 * @caps: capabilities every device gets, in list order
 * @nr_caps: entries in @caps
 * @ops: device logic callbacks
 * @priv_size: bytes of per-device driver state, see mdev_sdk_priv()
 * @plane_types: VFIO_GFX_PLANE_TYPE_REGION and/or _DMABUF, the plane
 *	types &mdev_sdk_device_ops.query_plane describes; 0 for a device
 *	without a display
 *
 * Declared static by the driver; the SDK fills the private part.
 */
struct mdev_sdk_driver {
	const char *name;
	struct module *owner;
	const struct mdev_sdk_type *types;
	unsigned int nr_types;
	unsigned int pool;
	const struct mdev_sdk_pci_ident *ident;
	const struct mdev_sdk_pci_cap *caps;
	unsigned int nr_caps;
	const struct mdev_sdk_device_ops *ops;
	size_t priv_size;
	u32 plane_types;
	/* private: owned by the SDK */
	struct mdev_driver mdrv;
	struct class *class;
	struct device *vparent_dev;
	struct mdev_sdk_parent *vparent;
};

int mdev_sdk_register_driver(struct mdev_sdk_driver *drv);
void mdev_sdk_unregister_driver(struct mdev_sdk_driver *drv);
struct mdev_sdk_parent *mdev_sdk_add_parent(struct mdev_sdk_driver *drv,
					    struct device *dev);
void mdev_sdk_remove_parent(struct mdev_sdk_parent *parent);
int mdev_sdk_register_virtual(struct mdev_sdk_driver *drv);
void mdev_sdk_unregister_virtual(struct mdev_sdk_driver *drv);

void *mdev_sdk_priv(struct mdev_sdk_device *sdev);
const struct mdev_sdk_type *mdev_sdk_get_type(struct mdev_sdk_device *sdev);
struct device *mdev_sdk_dev(struct mdev_sdk_device *sdev);
struct mdev_sdk_pci_config *mdev_sdk_config(struct mdev_sdk_device *sdev);

/**
 * module_mdev_sdk_driver - module init/exit for a driver with a virtual parent
 * @__drv: the &struct mdev_sdk_driver variable
 *
 * For drivers of purely emulated devices: loading the module registers
 * @__drv and a parent device named after it (class and device
 * "<&mdev_sdk_driver.name>"); unloading removes both.
 */
#define module_mdev_sdk_driver(__drv) \
	module_driver(__drv, mdev_sdk_register_virtual, \
		      mdev_sdk_unregister_virtual)

#endif /* MDEV_SDK_MDEV_SDK_H */
