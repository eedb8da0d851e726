/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk bundled VFIO core: declarations shared by the files of
 * mdev_sdk_vfio.ko only. Backends use vfio.h, drivers <linux/vfio.h>.
 *
 * Lock order, outermost first:
 *
 *   vfio_device_set.lock
 *     vfio_groups_lock (global, group lookup and teardown)
 *       vfio_group.group_lock
 *         vfio_container.group_lock (rwsem)
 *           vfio_backends_lock (global, backend registry)
 *     vfio_device_file.kvm_lock (cdev files only)
 *       iommufd's own locks (bind_iommufd, attach_ioas and friends)
 *
 * vfio_group.device_lock is a leaf: it only guards the group's device list
 * and is held around &vfio_device_ops.match.
 *
 * A device fd comes from VFIO_GROUP_GET_DEVICE_FD (the group path) or from
 * opening /dev/vfio/devices/vfioN and VFIO_DEVICE_BIND_IOMMUFD (the cdev
 * path). The two exclude each other through the group: binding fails while
 * /dev/vfio/N is open, and opening /dev/vfio/N fails while a cdev file is
 * bound. vfio_device_cdev_ioctl_bind() counts itself in the group under
 * group_lock before it takes vfio_device_set.lock, so the group lock is
 * never taken inside the device set lock on that path.
 *
 * A first open holds vfio_device_set.lock and vfio_group.group_lock around
 * reading the group's KVM pointer, registering with the backend and
 * open_device, so that vfio_file_set_kvm() cannot withdraw the pointer in
 * between; open_device must therefore not call vfio_file_*() on its own
 * group's file.
 *
 * Backend callbacks that may reach a driver's dma_unmap (the container
 * ioctls) run with the container rwsem held for reading; the driver then
 * calls vfio_unpin_pages(), which takes no core lock at all. On the cdev
 * path iommufd calls dma_unmap (through the access's unmap) with none of
 * its locks held, and vfio_unpin_pages() goes straight to iommufd.
 *
 * A first open on the cdev path holds vfio_device_file.kvm_lock from
 * reading the file's KVM pointer until open_device returns, for the same
 * reason the group path holds group_lock.
 */
#ifndef MDEV_SDK_VFIO_CORE_H
#define MDEV_SDK_VFIO_CORE_H

#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include "vfio.h"

struct vfio_container;

/**
 * struct vfio_group - the /dev/vfio/N node of one IOMMU group
 * @dev: class "vfio" device, named after the IOMMU group id; its release
 *	frees the structure
 * @cdev: the character device behind /dev/vfio/N
 * @iommu_group: the IOMMU group, referenced; NULL once the last device left
 *	and the group is dead (its fd may still be open)
 * @type: real or emulated IOMMU
 * @drivers: registered devices in the group; guarded by vfio_groups_lock
 * @group_lock: guards @iommu_group, @container, @container_users,
 *	@opened_file, @cdev_device_open_cnt and @kvm
 * @container: container set with VFIO_GROUP_SET_CONTAINER, or NULL
 * @container_next: entry in &vfio_container.group_list
 * @container_users: 1 for the group fd's own use of @container, plus one
 *	per open device fd; UNSET_CONTAINER needs exactly 1
 * @opened_file: the group's single open file, or NULL
 * @cdev_device_open_cnt: cdev files of the group's devices that are bound
 *	or binding; the group cannot be opened while it is not 0
 * @kvm: KVM instance set through vfio_file_set_kvm()
 * @device_lock: guards @device_list
 * @device_list: registered devices, linked by &vfio_device.group_next
 */
struct vfio_group {
	struct device dev;
	struct cdev cdev;
	struct iommu_group *iommu_group;
	enum vfio_group_type type;
	unsigned int drivers;
	struct mutex group_lock; /* container state, see above */
	struct vfio_container *container;
	struct list_head container_next;
	unsigned int container_users;
	struct file *opened_file;
	unsigned int cdev_device_open_cnt;
	struct kvm *kvm;
	struct mutex device_lock; /* device list, see above */
	struct list_head device_list;
};

/**
 * struct vfio_iommu_driver - a registered backend
 * @ops: the backend's callbacks
 * @next: entry in the backend registry
 */
struct vfio_iommu_driver {
	const struct vfio_iommu_driver_ops *ops;
	struct list_head next;
};

/**
 * struct vfio_container - the state behind one open of /dev/vfio/vfio
 * @kref: one reference for the container fd plus one per attached group
 * @group_lock: write-held while groups or the backend change, read-held
 *	around forwarded backend ioctls
 * @group_list: attached groups, linked by &vfio_group.container_next
 * @iommu_driver: backend chosen by VFIO_SET_IOMMU, or NULL; its module
 *	is referenced while set
 * @iommu_data: what the backend's open() returned
 */
struct vfio_container {
	struct kref kref;
	struct rw_semaphore group_lock;
	struct list_head group_list;
	struct vfio_iommu_driver *iommu_driver;
	void *iommu_data;
};

/**
 * struct vfio_device_file - the private data of every device fd
 * @device: the device; the file owns a registration reference on it
 * @group: the fd came from VFIO_GROUP_GET_DEVICE_FD
 * @access_granted: the fd may reach the driver: set at once on the group
 *	path, by a successful VFIO_DEVICE_BIND_IOMMUFD on the cdev path.
 *	Written once under the device set lock with smp_store_release()
 * @iommufd: the iommufd the cdev file is bound to, referenced; NULL
 *	before the bind and on the group path
 * @kvm_lock: guards @kvm
 * @kvm: KVM instance KVM handed to this cdev file through
 *	vfio_file_set_kvm(); unused on the group path, where the group's
 *	counts
 */
struct vfio_device_file {
	struct vfio_device *device;
	bool group;
	bool access_granted;
	struct iommufd_ctx *iommufd;
	struct mutex kvm_lock; /* @kvm, see above */
	struct kvm *kvm;
};

/* container.c */
int vfio_container_init(void);
void vfio_container_exit(void);
struct vfio_container *vfio_container_from_file(struct file *file);
int vfio_container_attach_group(struct vfio_container *container,
				struct vfio_group *group);
void vfio_group_detach_container(struct vfio_group *group);
long vfio_container_check_extension(struct vfio_container *container,
				    unsigned long arg);
void vfio_device_container_register(struct vfio_device *device);
void vfio_device_container_unregister(struct vfio_device *device);

/* group.c */
int vfio_group_init(void);
void vfio_group_exit(void);
struct vfio_group *vfio_group_get_for_dev(struct device *dev,
					  enum vfio_group_type type);
void vfio_group_put_driver(struct vfio_group *group, struct device *dev);
int vfio_group_add_device(struct vfio_group *group,
			  struct vfio_device *device);
void vfio_group_del_device(struct vfio_group *group,
			   struct vfio_device *device);
int vfio_group_use_container(struct vfio_group *group);
int vfio_group_block_for_cdev(struct vfio_group *group);
void vfio_group_unblock_for_cdev(struct vfio_group *group);
struct kvm *vfio_group_kvm(struct vfio_group *group);
void vfio_group_unuse_container(struct vfio_group *group);

/* device.c */
int vfio_device_init_class(void);
void vfio_device_exit_class(void);
bool vfio_device_try_get_registration(struct vfio_device *device);
void vfio_device_put_registration(struct vfio_device *device);

/* device_fops.c */
extern const struct file_operations vfio_device_fops;
struct file *vfio_device_open_file(struct vfio_device *device);
struct vfio_device_file *vfio_device_file_alloc(struct vfio_device *device,
						bool group);
void vfio_device_file_free(struct vfio_device_file *df);

/* device_cdev.c */
int vfio_device_cdev_init(struct class *class);
void vfio_device_cdev_exit(void);
void vfio_device_cdev_setup(struct vfio_device *device);
int vfio_device_fops_cdev_open(struct inode *inode, struct file *filep);
long vfio_device_cdev_ioctl_bind(struct vfio_device_file *df,
				 void __user *arg);
void vfio_device_cdev_unbind(struct vfio_device_file *df);
long vfio_device_cdev_ioctl_attach_pt(struct vfio_device_file *df,
				      void __user *arg);
long vfio_device_cdev_ioctl_detach_pt(struct vfio_device_file *df,
				      void __user *arg);
void vfio_device_file_set_kvm(struct vfio_device_file *df, struct kvm *kvm);
#if IS_ENABLED(CONFIG_KUNIT)
/**
 * struct vfio_device_test_hooks - where KUnit cases step into device opens
 * @open_kvm: called by a first open between reading the group's KVM
 *	pointer and open_device, so that a case can race vfio_file_set_kvm()
 *	against exactly that window. NULL outside tests.
 */
struct vfio_device_test_hooks {
	void (*open_kvm)(struct vfio_device *device);
};

extern struct vfio_device_test_hooks vfio_device_test_hooks;
#endif

/* migration.c */
int vfio_device_feature_migration(struct vfio_device *device, u32 flags,
				  void __user *arg, size_t argsz);
int vfio_device_feature_mig_state(struct vfio_device *device, u32 flags,
				  void __user *arg, size_t argsz);

/* virqfd.c */
int vfio_virqfd_init(void);
void vfio_virqfd_exit(void);

/**
 * vfio_device_driver_owner - the module of the driver bound to a device
 * @device: the device
 *
 * Both paths pin it while the device is open.
 *
 * Context: any.
 * Return: the module, or NULL for a built-in driver or none.
 */
static inline struct module *vfio_device_driver_owner(struct vfio_device *device)
{
	return device->dev->driver ? device->dev->driver->owner : NULL;
}

/**
 * vfio_device_file_of - the device fd state behind a file
 * @file: any file
 *
 * Context: any.
 * Return: the state if @file is a device fd of either path, else NULL.
 */
static inline struct vfio_device_file *vfio_device_file_of(struct file *file)
{
	return file->f_op == &vfio_device_fops ? file->private_data : NULL;
}

/**
 * vfio_device_is_open - whether @device has an open file descriptor
 * @device: the device
 *
 * Context: any; the answer is only stable under &vfio_device_set.lock or
 * from a driver callback that runs while the device is open.
 * Return: true between open_device() and close_device().
 */
static inline bool vfio_device_is_open(struct vfio_device *device)
{
	return READ_ONCE(device->open_count) != 0;
}

#endif /* MDEV_SDK_VFIO_CORE_H */
