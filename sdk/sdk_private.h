/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk helper layer: declarations shared by the files of mdev_sdk.ko.
 *
 * Lock order, outermost first:
 *
 *   &mdev_sdk_device.lock       emulation state, the driver's callbacks
 *     &mdev_sdk_irqs.lock       (spinlock) eventfds and INTx mask state
 *   &mdev_sdk_pin_tracker.lock  taken on its own, never with the above
 *                               held by dma_unmap
 */
#ifndef MDEV_SDK_SDK_PRIVATE_H
#define MDEV_SDK_SDK_PRIVATE_H

#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>

#include <mdev_sdk/mdev_sdk.h>

struct eventfd_ctx;
struct virqfd;

/**
 * struct mdev_sdk_mtype - the mdev core's type plus the SDK's view of it
 * @mtype: handed to the mdev core
 * @desc: the driver's table entry
 * @parent: the parent offering the type
 */
struct mdev_sdk_mtype {
	struct mdev_type mtype;
	const struct mdev_sdk_type *desc;
	struct mdev_sdk_parent *parent;
};

/**
 * struct mdev_sdk_parent - one registered parent
 * @mparent: handed to the mdev core
 * @drv: the driver
 * @dev: the parent device, referenced
 * @pool_free: units of the pool not taken by a device
 * @mtypes: one per &mdev_sdk_driver.types entry
 * @type_ptrs: @mtypes as the pointer array mdev_register_parent() takes
 * @users: 1 for the registration plus 1 per device not yet released
 * @released: completed when @users drops to 0
 */
struct mdev_sdk_parent {
	struct mdev_parent mparent;
	struct mdev_sdk_driver *drv;
	struct device *dev;
	atomic_t pool_free;
	struct mdev_sdk_mtype *mtypes;
	struct mdev_type **type_ptrs;
	refcount_t users;
	struct completion released;
};

/**
 * struct mdev_sdk_region - one VFIO region of a device
 * @size: size in bytes, 0 for an absent region
 * @flags: VFIO_REGION_INFO_FLAG_*
 * @type: VFIO_REGION_INFO_CAP_TYPE type, 0 for the PCI regions
 * @subtype: VFIO_REGION_INFO_CAP_TYPE subtype
 * @width: widest access the callbacks see, in bytes
 * @ops: the driver's callbacks, or NULL
 * @backing: vmalloc_user() memory of a backed BAR, or NULL
 * @sparse: mmap()able areas for the sparse mmap capability, or NULL
 * @nr_sparse: entries in @sparse
 */
struct mdev_sdk_region {
	u64 size;
	u32 flags;
	u32 type;
	u32 subtype;
	unsigned int width;
	const struct mdev_sdk_region_ops *ops;
	void *backing;
	const struct vfio_region_sparse_mmap_area *sparse;
	unsigned int nr_sparse;
};

/* No interrupt index enabled; shares the numbering of VFIO_PCI_*_IRQ_INDEX. */
#define MDEV_SDK_IRQ_NONE	(-1)
/* The most vectors an MSI capability can offer. */
#define MDEV_SDK_MAX_MSI	32

/**
 * struct mdev_sdk_irqs - interrupt state of a device
 * @lock: guards every member but @intx_unmask; taken from any context,
 *	never from an eventfd wakeup, and held while signalling
 * @mode: VFIO_PCI_INTX_IRQ_INDEX, _MSI_ or _MSIX_, or MDEV_SDK_IRQ_NONE
 * @intx_masked: INTx is masked (by the user or automatically on delivery)
 * @intx_pending: INTx was raised while masked or disabled
 * @intx_disabled: the guest set INTx Disable in the command register
 * @intx_trigger: INTx eventfd
 * @intx_unmask: virqfd unmasking INTx when its eventfd is signalled;
 *	changed only under the device lock, since that may sleep
 * @msi_trigger: one eventfd per MSI or MSI-X vector, per @mode
 * @nr_msi: entries of @msi_trigger enabled
 * @err_trigger: ERR eventfd
 * @req_trigger: REQ eventfd
 */
struct mdev_sdk_irqs {
	spinlock_t lock;	/* see the kernel-doc above */
	int mode;
	bool intx_masked;
	bool intx_pending;
	bool intx_disabled;
	struct eventfd_ctx *intx_trigger;
	struct virqfd *intx_unmask;
	struct eventfd_ctx *msi_trigger[MDEV_SDK_MAX_MSI];
	unsigned int nr_msi;
	struct eventfd_ctx *err_trigger;
	struct eventfd_ctx *req_trigger;
};

/**
 * struct mdev_sdk_device - a mediated device built by the SDK
 * @vdev: the VFIO device; first, as vfio_alloc_device() requires
 * @mdev: the mediated device
 * @parent: its parent
 * @type: its type's table entry
 * @ops: the driver's callbacks
 * @lock: serialises emulation: configuration space, region callbacks,
 *	reset, open/close and SET_IRQS
 * @config: emulated configuration space
 * @regions: the VFIO regions
 * @nr_regions: entries of @regions in use, at least VFIO_PCI_NUM_REGIONS
 * @irqs: interrupt state
 * @pins: pages the driver pinned
 * @created: the driver's create succeeded, so its remove is owed
 * @priv: the driver's state, &mdev_sdk_driver.priv_size bytes
 */
struct mdev_sdk_device {
	struct vfio_device vdev;
	struct mdev_device *mdev;
	struct mdev_sdk_parent *parent;
	const struct mdev_sdk_type *type;
	const struct mdev_sdk_device_ops *ops;
	struct mutex lock;	/* see the kernel-doc above */
	struct mdev_sdk_pci_config config;
	struct mdev_sdk_region regions[MDEV_SDK_MAX_REGIONS];
	unsigned int nr_regions;
	struct mdev_sdk_irqs irqs;
	struct mdev_sdk_pin_tracker pins;
	bool created;
	u8 priv[] __aligned(ARCH_KMALLOC_MINALIGN);
};

static inline struct mdev_sdk_device *to_sdk_device(struct vfio_device *vdev)
{
	return container_of(vdev, struct mdev_sdk_device, vdev);
}

/* sdk_type.c */
void mdev_sdk_parent_put(struct mdev_sdk_parent *parent);
int mdev_sdk_pool_take(struct mdev_sdk_parent *parent, unsigned int cost);
void mdev_sdk_pool_return(struct mdev_sdk_parent *parent, unsigned int cost);

/* sdk_lifecycle.c */
extern const struct vfio_device_ops mdev_sdk_vfio_ops;
int mdev_sdk_mdev_probe(struct mdev_device *mdev);
void mdev_sdk_mdev_remove(struct mdev_device *mdev);

/* sdk_region.c */
int mdev_sdk_regions_init(struct mdev_sdk_device *sdev);
void mdev_sdk_regions_free(struct mdev_sdk_device *sdev);
ssize_t mdev_sdk_vfio_read(struct vfio_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos);
ssize_t mdev_sdk_vfio_write(struct vfio_device *vdev, const char __user *buf,
			    size_t count, loff_t *ppos);
int mdev_sdk_vfio_mmap(struct vfio_device *vdev, struct vm_area_struct *vma);
long mdev_sdk_ioctl_region_info(struct mdev_sdk_device *sdev,
				void __user *arg);

/* sdk_irq.c */
void mdev_sdk_irqs_init(struct mdev_sdk_device *sdev);
void mdev_sdk_irqs_teardown(struct mdev_sdk_device *sdev);
long mdev_sdk_ioctl_irq_info(struct mdev_sdk_device *sdev, void __user *arg);
long mdev_sdk_ioctl_set_irqs(struct mdev_sdk_device *sdev, void __user *arg);
void mdev_sdk_irq_config_written(struct mdev_sdk_device *sdev);
void mdev_sdk_irqs_reset(struct mdev_sdk_device *sdev);
void mdev_sdk_vfio_request(struct vfio_device *vdev, unsigned int count);

/* sdk_gfx.c */
long mdev_sdk_ioctl_query_plane(struct mdev_sdk_device *sdev,
				void __user *arg);
long mdev_sdk_ioctl_get_dmabuf(struct mdev_sdk_device *sdev,
			       void __user *arg);

/* sdk_pin.c */
void mdev_sdk_pins_init(struct mdev_sdk_device *sdev);
void mdev_sdk_pins_release_all(struct mdev_sdk_device *sdev);
void mdev_sdk_vfio_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length);
extern const struct attribute_group *mdev_sdk_pin_groups[];

#endif /* MDEV_SDK_SDK_PRIVATE_H */
