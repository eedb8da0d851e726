/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk bundled VFIO core: driver-facing API.
 *
 * The names and signatures follow the upstream Linux >= 6.1 driver API so a
 * driver written against upstream compiles against this header unchanged.
 * Layouts differ from upstream: members after the private marker belong to
 * the core and may change at any time.
 */
#ifndef MDEV_SDK_LINUX_VFIO_H
#define MDEV_SDK_LINUX_VFIO_H

#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/workqueue.h>
#include <linux/poll.h>
#include <linux/device.h>
#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/refcount.h>
#include <uapi/linux/vfio.h>

struct kvm;
struct vfio_group;
struct vfio_device_ops;
struct vfio_migration_ops;
struct vfio_log_ops;
struct iova_bitmap;
struct eventfd_ctx;
struct iommufd_ctx;
struct iommufd_access;

/**
 * struct vfio_device_set - devices sharing one open/close lock
 * @set_id: key the devices were grouped by (vfio_assign_device_set())
 * @lock: held around open_device()/close_device() of every member
 * @device_list: members, linked through &vfio_device.dev_set_list
 * @device_count: number of members
 */
struct vfio_device_set {
	void *set_id;
	struct mutex lock; /* open/close of every member */
	struct list_head device_list;
	unsigned int device_count;
};

/**
 * struct vfio_device - one device exposed through the VFIO uAPI
 * @dev: the underlying (parent-facing) device, e.g. &mdev_device.dev
 * @ops: driver callbacks
 * @mig_ops: migration callbacks, set before registration or NULL
 * @log_ops: dirty logging callbacks, set before registration or NULL
 * @group: the VFIO group this device belongs to once registered
 * @dev_set: device set whose lock serialises open/close
 * @dev_set_list: entry in @dev_set's device list
 * @migration_flags: VFIO_MIGRATION_* flags, set before registration
 * @kvm: KVM instance of the group file, or of the cdev file on the iommufd
 *	path; valid only between open_device() and close_device()
 *
 * Embed this structure in the driver's per-device state and allocate it with
 * vfio_alloc_device(); the embedding structure is freed when the last
 * reference is dropped with vfio_put_device().
 */
struct vfio_device {
	struct device *dev;
	const struct vfio_device_ops *ops;
	const struct vfio_migration_ops *mig_ops;
	const struct vfio_log_ops *log_ops;
	struct vfio_group *group;
	struct vfio_device_set *dev_set;
	struct list_head dev_set_list;
	unsigned int migration_flags;
	struct kvm *kvm;
	/* private: owned by the VFIO core */
	unsigned int index;
	struct device device;
	refcount_t refcount;
	struct completion comp;
	unsigned int open_count;
	struct list_head group_next;
	bool iommu_registered;
	/* entry in the IOMMU backend's device list while registered there */
	struct list_head iommu_entry;
	/* /dev/vfio/devices/vfioN, on &device */
	struct cdev cdev;
	/* the iommufd a cdev file bound the device to, referenced by it */
	struct iommufd_ctx *iommufd_ictx;
	/* vfio_iommufd_emulated_bind() to _unbind() */
	struct iommufd_access *iommufd_access;
	/* the access is attached to an IOAS */
	bool iommufd_attached;
};

/**
 * struct vfio_device_ops - driver callbacks of a &struct vfio_device
 * @name: driver name, used in log messages
 * @init: initialise driver fields after allocation; may sleep. Return 0 or
 *	a negative errno, which fails vfio_alloc_device()
 * @release: free what @init allocated; called once, when the last reference
 *	is dropped. The core frees the structure itself afterwards
 * @bind_iommufd: a /dev/vfio/devices/vfioN file is binding the device to
 *	the iommufd @ictx (VFIO_DEVICE_BIND_IOMMUFD); called before
 *	@open_device, with the device set lock held. Store the device's object
 *	id in that iommufd in @out_device_id. Return 0 or a negative errno,
 *	which fails the bind. Emulated-IOMMU drivers set
 *	vfio_iommufd_emulated_bind(). Without it the device cannot be bound
 * @unbind_iommufd: undo @bind_iommufd, after @close_device; also undoes an
 *	@attach_ioas that @detach_ioas did not. Device set lock held
 * @attach_ioas: attach the bound device to the IOAS *@pt_id of its iommufd
 *	(VFIO_DEVICE_ATTACH_IOMMUFD_PT), replacing any earlier attachment;
 *	write back the id actually attached. Device set lock held. Return 0 or
 *	a negative errno (-ENOENT for an unknown id)
 * @detach_ioas: undo @attach_ioas (VFIO_DEVICE_DETACH_IOMMUFD_PT); a no-op
 *	when not attached. Device set lock held
 * @open_device: first file descriptor for the device is being opened;
 *	called with the device set lock held
 * @close_device: last file descriptor closed; pairs with @open_device
 * @read: read(2) on the device fd; offset is the VFIO region encoding
 * @write: write(2) on the device fd
 * @ioctl: VFIO_DEVICE_* ioctls the core does not handle itself
 * @mmap: mmap(2) on a region of the device fd
 * @request: ask the user to release the device; @count rises on every call
 *	while vfio_unregister_group_dev() waits for the last fd to close
 * @match: optional VFIO_GROUP_GET_DEVICE_FD name matcher: return > 0 on a
 *	match, 0 for no match, or a negative errno to abort the lookup
 * @dma_unmap: the user unmapped [@iova, @iova + @length) bytes of IOVA,
 *	in the container or in the IOAS the device is attached to; the
 *	driver must unpin every page it pinned in that range before
 *	returning. Mandatory for drivers that call vfio_pin_pages(). Called
 *	from the start of the first open_device to the end of the last
 *	close_device, so also while either runs, on both paths. On the iommufd
 *	path it is also called for the whole IOVA space (@iova 0, @length
 *	ULONG_MAX), with the device set lock held, before the device leaves
 *	an IOAS (detach, or attach of another IOAS)
 * @device_feature: VFIO_DEVICE_FEATURE handler for everything but PROBE
 *	dispatch, see vfio_check_feature()
 */
struct vfio_device_ops {
	char	*name;
	int	(*init)(struct vfio_device *vdev);
	void	(*release)(struct vfio_device *vdev);
	int	(*bind_iommufd)(struct vfio_device *vdev,
				struct iommufd_ctx *ictx, u32 *out_device_id);
	void	(*unbind_iommufd)(struct vfio_device *vdev);
	int	(*attach_ioas)(struct vfio_device *vdev, u32 *pt_id);
	void	(*detach_ioas)(struct vfio_device *vdev);
	int	(*open_device)(struct vfio_device *vdev);
	void	(*close_device)(struct vfio_device *vdev);
	ssize_t	(*read)(struct vfio_device *vdev, char __user *buf,
			size_t count, loff_t *ppos);
	ssize_t	(*write)(struct vfio_device *vdev, const char __user *buf,
			 size_t count, loff_t *ppos);
	long	(*ioctl)(struct vfio_device *vdev, unsigned int cmd,
			 unsigned long arg);
	int	(*mmap)(struct vfio_device *vdev, struct vm_area_struct *vma);
	void	(*request)(struct vfio_device *vdev, unsigned int count);
	int	(*match)(struct vfio_device *vdev, char *buf);
	void	(*dma_unmap)(struct vfio_device *vdev, u64 iova, u64 length);
	int	(*device_feature)(struct vfio_device *device, u32 flags,
				  void __user *arg, size_t argsz);
};

/**
 * struct vfio_migration_ops - migration callbacks (v2 protocol)
 * @migration_set_state: move the device to @new_state; may return a data
 *	transfer file
 * @migration_get_state: report the current state
 */
struct vfio_migration_ops {
	struct file *(*migration_set_state)(struct vfio_device *device,
					    enum vfio_device_mig_state new_state);
	int (*migration_get_state)(struct vfio_device *device,
				   enum vfio_device_mig_state *curr_state);
};

/**
 * struct vfio_log_ops - dirty page tracking callbacks
 * @log_start: start tracking the given ranges
 * @log_stop: stop tracking
 * @log_read_and_clear: report and clear dirty bits of [@iova, @iova+@length)
 */
struct vfio_log_ops {
	int (*log_start)(struct vfio_device *device,
			 struct rb_root_cached *ranges, u32 nnodes, u64 *page_size);
	int (*log_stop)(struct vfio_device *device);
	int (*log_read_and_clear)(struct vfio_device *device,
				  unsigned long iova, unsigned long length,
				  struct iova_bitmap *dirty);
};

/**
 * vfio_check_feature - validate a VFIO_DEVICE_FEATURE request for a driver
 * @flags: the user's feature flags
 * @argsz: the user's argsz, in bytes
 * @supported_ops: VFIO_DEVICE_FEATURE_GET and/or _SET the feature supports
 * @minsz: bytes of payload the feature needs
 *
 * Context: any.
 * Return: 1 if the driver should perform the GET or SET, 0 for a successful
 * PROBE, -EINVAL for unsupported flags or a short @argsz.
 */
static inline int vfio_check_feature(u32 flags, size_t argsz,
				     u32 supported_ops, size_t minsz)
{
	u32 dir = flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET);

	if (dir & ~supported_ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!dir || argsz < minsz)
		return -EINVAL;
	return 1;
}

struct vfio_device *_vfio_alloc_device(size_t size, struct device *dev,
				       const struct vfio_device_ops *ops);

/**
 * vfio_alloc_device - allocate a driver structure embedding a vfio_device
 * @dev_struct: type of the driver structure
 * @member: name of the &struct vfio_device member, which must come first
 * @dev: the underlying device
 * @ops: driver callbacks
 *
 * Return: the driver structure or an ERR_PTR() (see _vfio_alloc_device()).
 */
#define vfio_alloc_device(dev_struct, member, dev, ops)			\
	__vfio_alloc_device(struct dev_struct, member, dev, ops)

/* The vfio_device must come first: the core frees from its address. */
#define __vfio_alloc_device(type, member, dev, ops)			\
	((type *)_vfio_alloc_device(sizeof(type) +			\
				    BUILD_BUG_ON_ZERO(offsetof(type, member)), \
				    dev, ops))

int vfio_init_device(struct vfio_device *device, struct device *dev,
		     const struct vfio_device_ops *ops);
void vfio_free_device(struct vfio_device *device);

/**
 * vfio_put_device - drop a reference taken by vfio_alloc_device()
 * @device: the device
 *
 * The last put calls &vfio_device_ops.release and frees the structure.
 *
 * Context: may sleep.
 */
static inline void vfio_put_device(struct vfio_device *device)
{
	put_device(&device->device);
}

int vfio_register_group_dev(struct vfio_device *device);
int vfio_register_emulated_iommu_dev(struct vfio_device *device);
void vfio_unregister_group_dev(struct vfio_device *device);

int vfio_assign_device_set(struct vfio_device *device, void *set_id);
unsigned int vfio_device_set_open_count(struct vfio_device_set *dev_set);

int vfio_mig_get_next_state(struct vfio_device *device,
			    enum vfio_device_mig_state cur_fsm,
			    enum vfio_device_mig_state new_fsm,
			    enum vfio_device_mig_state *next_fsm);

/* External users (KVM) find these with symbol_get(). */
struct iommu_group *vfio_file_iommu_group(struct file *file);
bool vfio_file_is_group(struct file *file);
bool vfio_file_enforced_coherent(struct file *file);
void vfio_file_set_kvm(struct file *file, struct kvm *kvm);
bool vfio_file_has_dev(struct file *file, struct vfio_device *device);
bool vfio_file_is_valid(struct file *file);

/* The iommufd ops of emulated-IOMMU drivers (mdev), see vfio/iommufd.c. */
int vfio_iommufd_emulated_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, u32 *out_device_id);
void vfio_iommufd_emulated_unbind(struct vfio_device *vdev);
int vfio_iommufd_emulated_attach_ioas(struct vfio_device *vdev, u32 *pt_id);
void vfio_iommufd_emulated_detach_ioas(struct vfio_device *vdev);

#define VFIO_PIN_PAGES_MAX_ENTRIES	(PAGE_SIZE / sizeof(unsigned long))

int vfio_pin_pages(struct vfio_device *device, dma_addr_t iova,
		   int npage, int prot, struct page **pages);
void vfio_unpin_pages(struct vfio_device *device, dma_addr_t iova, int npage);
int vfio_dma_rw(struct vfio_device *device, dma_addr_t iova,
		void *data, size_t len, bool write);

/**
 * struct vfio_info_cap - capability chain being built for an INFO ioctl
 * @buf: the chain, reallocated as capabilities are added
 * @size: bytes in @buf
 */
struct vfio_info_cap {
	struct vfio_info_cap_header *buf;
	size_t size;
};

struct vfio_info_cap_header *vfio_info_cap_add(struct vfio_info_cap *caps,
					       size_t size, u16 id,
					       u16 version);
void vfio_info_cap_shift(struct vfio_info_cap *caps, size_t offset);
int vfio_info_add_capability(struct vfio_info_cap *caps,
			     struct vfio_info_cap_header *cap, size_t size);

int vfio_set_irqs_validate_and_prepare(struct vfio_irq_set *hdr,
				       int num_irqs, int max_irq_type,
				       size_t *data_size);

/**
 * struct virqfd - an eventfd the user hands in to mask/unmask an interrupt
 * @opaque: driver cookie passed to @handler and @thread
 * @eventfd: the user's eventfd context
 * @handler: called in atomic context when the eventfd is signalled;
 *	return non-zero to have @thread run
 * @thread: optional, runs in process context after @handler
 * @data: second argument of @handler and @thread
 * @pvirqfd: the driver's pointer to this object, cleared on teardown
 *
 * Members after the private marker belong to the core.
 */
struct virqfd {
	void			*opaque;
	struct eventfd_ctx	*eventfd;
	int			(*handler)(void *opaque, void *data);
	void			(*thread)(void *opaque, void *data);
	void			*data;
	struct virqfd		**pvirqfd;
	/* private: owned by the VFIO core */
	struct work_struct	inject;
	wait_queue_entry_t	wait;
	poll_table		pt;
	struct work_struct	shutdown;
};

int vfio_virqfd_enable(void *opaque, int (*handler)(void *, void *),
		       void (*thread)(void *, void *), void *data,
		       struct virqfd **pvirqfd, int fd);
void vfio_virqfd_disable(struct virqfd **pvirqfd);

#endif /* MDEV_SDK_LINUX_VFIO_H */
