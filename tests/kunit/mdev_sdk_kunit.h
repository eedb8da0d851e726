/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk KUnit helpers shared by the suites in tests/kunit/: files of the
 * test kernel reached without a mounted root, racing kernel threads, mdev
 * parents driven through their real sysfs files and the suites' drivers
 * behind them, vfio_devices with a test's callbacks, and a kernel thread
 * that plays a user process (address space, file table, ioctls) in front
 * of the VFIO uAPI.
 *
 * Only the KUnit build links these (see Kbuild); they reach into the
 * framework's private headers, which is why the suites are built in.
 */
#ifndef MDEV_SDK_KUNIT_H
#define MDEV_SDK_KUNIT_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/mdev.h>
#include <linux/uuid.h>
#include <linux/vfio.h>

struct file;
struct mm_struct;
struct task_struct;

/* How long a helper waits for a thread before it calls the test failed. */
#define MDEV_SDK_KUNIT_WAIT	(60 * HZ)

/**
 * MDEV_SDK_KUNIT_ARRAY_PARAM() - parameters from an array, named by @desc
 * @name: prefix of the generator, @name##_gen_params()
 * @array: the parameters, structures with a string member @desc
 *
 * KUNIT_ARRAY_PARAM() with a get_desc function that copies @desc: each
 * suite would write the same one (upstream has KUNIT_ARRAY_PARAM_DESC()
 * for it from 6.6 on).
 */
#define MDEV_SDK_KUNIT_ARRAY_PARAM(name, array)				\
static void name##_desc(typeof(array[0]) *param, char *desc)		\
{									\
	strscpy(desc, param->desc, KUNIT_PARAM_DESC_SIZE);		\
}									\
KUNIT_ARRAY_PARAM(name, array, name##_desc)

struct file *mdev_sdk_kunit_sysfs_open(const char *path, int flags);
struct file *mdev_sdk_kunit_dev_open(const char *path, int flags);
ssize_t mdev_sdk_kunit_write_str(struct file *file, const char *str);
int mdev_sdk_kunit_sysfs_write(const char *path, const char *str);
bool mdev_sdk_kunit_sysfs_exists(const char *path);
void mdev_sdk_kunit_close(struct file *file);

/**
 * typedef mdev_sdk_kunit_thread_fn - body of one racing thread
 * @data: the caller's context
 * @idx: index of the thread, 0 to n - 1
 *
 * Runs in a kernel thread: report through KUNIT_EXPECT_*(), never
 * KUNIT_ASSERT_*(), which would end the wrong thread.
 *
 * Return: a value the caller collects.
 */
typedef int (*mdev_sdk_kunit_thread_fn)(void *data, unsigned int idx);

int mdev_sdk_kunit_run_parallel(struct kunit *test, unsigned int n,
				mdev_sdk_kunit_thread_fn fn, void *data,
				int *results);

struct device *mdev_sdk_kunit_device_create(void);
void mdev_sdk_kunit_device_destroy(struct device *dev);

/**
 * struct mdev_sdk_kunit_parent - a parent device with one mdev type
 * @dev: the parent device, from mdev_sdk_kunit_device_create()
 * @mparent: handed to the mdev core
 * @mtype: the single type, named after the test
 * @mtypes: @mtype as the array mdev_register_parent() takes
 * @create_path: sysfs path of @mtype's "create" file, set on first
 *	registration
 * @registered: @mparent is registered
 *
 * Allocate it with kzalloc() rather than kunit_kzalloc() where a test
 * wants KASAN to see the core touch it after mdev_unregister_parent().
 */
struct mdev_sdk_kunit_parent {
	struct device *dev;
	struct mdev_parent mparent;
	struct mdev_type mtype;
	struct mdev_type *mtypes[1];
	char create_path[160];
	bool registered;
};

int mdev_sdk_kunit_parent_register(struct kunit *test,
				   struct mdev_sdk_kunit_parent *p,
				   struct mdev_driver *drv);
void mdev_sdk_kunit_parent_unregister(struct mdev_sdk_kunit_parent *p);
void mdev_sdk_kunit_parent_destroy(struct mdev_sdk_kunit_parent *p);

struct file *mdev_sdk_kunit_create_file(struct mdev_sdk_kunit_parent *p);
struct file *mdev_sdk_kunit_remove_file(const guid_t *uuid);
int mdev_sdk_kunit_create(struct mdev_sdk_kunit_parent *p, const guid_t *uuid);
int mdev_sdk_kunit_create_with(struct file *create, const guid_t *uuid);
int mdev_sdk_kunit_remove(const guid_t *uuid);
int mdev_sdk_kunit_remove_with(struct file *remove);
void mdev_sdk_kunit_uuid(guid_t *uuid, u32 tag, u32 n);
struct mdev_device *mdev_sdk_kunit_find(const guid_t *uuid);
unsigned int mdev_sdk_kunit_children(struct device *parent);
unsigned int mdev_sdk_kunit_listed(struct mdev_parent *parent);

/**
 * struct mdev_sdk_kunit_count - what a suite's mdev driver counts
 * @vfio: probe registers a vfio_device per mdev, as mtty does
 * @probed: probes that succeeded
 * @removed: remove calls
 * @vdevs: vfio_devices not yet released
 */
struct mdev_sdk_kunit_count {
	bool vfio;
	atomic_t probed;
	atomic_t removed;
	atomic_t vdevs;
};

int mdev_sdk_kunit_count_probe(struct mdev_sdk_kunit_count *cnt,
			       struct mdev_device *mdev);
void mdev_sdk_kunit_count_remove(struct mdev_sdk_kunit_count *cnt,
				 struct mdev_device *mdev);

/**
 * DEFINE_MDEV_SDK_KUNIT_DRIVER() - a suite's mdev driver and suite hooks
 * @__name: prefix; @__name##_probe() and @__name##_remove() must exist
 * @__max_instances: the driver's max_instances, which the core accounts
 *
 * Defines @__name##_driver, a vfio-pci flavoured mdev driver named
 * "mdev_sdk_kunit_" #@__name, and the suite hooks @__name##_suite_init()
 * and @__name##_suite_exit(), which keep it registered while the suite
 * runs: the parents of every case bind to it. The driver is the suite's
 * own, so that its callbacks and max_instances are too.
 */
#define DEFINE_MDEV_SDK_KUNIT_DRIVER(__name, __max_instances)		\
static struct mdev_driver __name##_driver = {				\
	.device_api	= VFIO_DEVICE_API_PCI_STRING,			\
	.max_instances	= __max_instances,				\
	.probe		= __name##_probe,				\
	.remove		= __name##_remove,				\
	.driver		= {						\
		.name	= "mdev_sdk_kunit_" #__name,			\
	},								\
};									\
									\
static int __name##_suite_init(struct kunit_suite *suite)		\
{									\
	return mdev_register_driver(&__name##_driver);			\
}									\
									\
static void __name##_suite_exit(struct kunit_suite *suite)		\
{									\
	mdev_unregister_driver(&__name##_driver);			\
}

/**
 * struct mdev_sdk_kunit_user - a kernel thread playing a user process
 * @test: the test, for KUNIT_EXPECT_*() in @fn
 * @fn: what the process does; its return value is the thread's
 * @data: second argument of @fn
 * @memlock_pages: if non-zero, run without CAP_IPC_LOCK and with this
 *	RLIMIT_MEMLOCK, in pages; otherwise with the usual root credentials
 * @mm: the process's address space, valid while @fn runs
 * @scratch: a page of user memory @mm maps for ioctl arguments
 * @done: completed when the thread has exited as a process would
 * @ret: what @fn returned, or the errno of the process setup
 *
 * The thread has a file table of its own, and @mm as its address space:
 * MAP_DMA records it as the mapping's owner, as it would QEMU. When @fn
 * returns, the thread tears down as a process exits: its address space
 * first, then its file table.
 */
struct mdev_sdk_kunit_user {
	struct kunit *test;
	int (*fn)(struct mdev_sdk_kunit_user *user, void *data);
	void *data;
	unsigned long memlock_pages;
	struct mm_struct *mm;
	unsigned long scratch;
	struct completion done;
	int ret;
};

void mdev_sdk_kunit_user_start(struct mdev_sdk_kunit_user *user);
int mdev_sdk_kunit_user_wait(struct mdev_sdk_kunit_user *user);
int mdev_sdk_kunit_user_run(struct kunit *test,
			    int (*fn)(struct mdev_sdk_kunit_user *user,
				      void *data),
			    void *data, unsigned long memlock_pages);
int mdev_sdk_kunit_user_open(const char *dev_path);
long mdev_sdk_kunit_user_ioctl(int fd, unsigned int cmd, unsigned long arg);
long mdev_sdk_kunit_user_ioctl_buf(struct mdev_sdk_kunit_user *user, int fd,
				   unsigned int cmd, void *buf, size_t size);
void mdev_sdk_kunit_user_close(int fd);
unsigned long mdev_sdk_kunit_user_mmap(size_t size);

/**
 * struct mdev_sdk_kunit_vfio_fds - what a VFIO user holds for one device
 * @container: fd of /dev/vfio/vfio, or -1
 * @group: fd of /dev/vfio/N, or -1
 * @device: the device fd, or -1
 */
struct mdev_sdk_kunit_vfio_fds {
	int container;
	int group;
	int device;
};

int mdev_sdk_kunit_user_vfio_expect_open(struct mdev_sdk_kunit_user *user,
					 struct vfio_device *vdev,
					 unsigned long iommu,
					 struct mdev_sdk_kunit_vfio_fds *fds);
int mdev_sdk_kunit_user_vfio_open_group(struct mdev_sdk_kunit_user *user,
					struct vfio_device *vdev,
					unsigned long iommu,
					struct mdev_sdk_kunit_vfio_fds *fds);
int mdev_sdk_kunit_user_vfio_open(struct mdev_sdk_kunit_user *user,
				  struct vfio_device *vdev, unsigned long iommu,
				  struct mdev_sdk_kunit_vfio_fds *fds);
int mdev_sdk_kunit_user_get_device(struct mdev_sdk_kunit_user *user,
				   struct vfio_device *vdev, int group_fd);
void mdev_sdk_kunit_user_vfio_close(struct mdev_sdk_kunit_vfio_fds *fds);

/**
 * struct mdev_sdk_kunit_vfio_dev - a test's vfio_device, without an mdev
 * @dev: the device it stands on, from mdev_sdk_kunit_device_create()
 * @vdev: from mdev_sdk_kunit_vfio_alloc(), or NULL
 * @registered: @vdev is registered as an emulated-IOMMU device
 */
struct mdev_sdk_kunit_vfio_dev {
	struct device *dev;
	struct vfio_device *vdev;
	bool registered;
};

struct vfio_device *mdev_sdk_kunit_vfio_alloc(struct device *dev,
					      const struct vfio_device_ops *ops,
					      void *priv);
void *mdev_sdk_kunit_vfio_priv(struct vfio_device *vdev);
int mdev_sdk_kunit_vfio_dev_init(struct mdev_sdk_kunit_vfio_dev *vd,
				 const struct vfio_device_ops *ops, void *priv);
void mdev_sdk_kunit_vfio_dev_unregister(struct mdev_sdk_kunit_vfio_dev *vd);
void mdev_sdk_kunit_vfio_dev_exit(struct mdev_sdk_kunit_vfio_dev *vd);

int mdev_sdk_kunit_vdev_add(struct mdev_device *mdev, atomic_t *alive);
void mdev_sdk_kunit_vdev_del(struct mdev_device *mdev);
struct vfio_device *mdev_sdk_kunit_vdev_of(struct mdev_device *mdev);
struct completion *mdev_sdk_kunit_vdev_requested(struct mdev_device *mdev);

#endif /* MDEV_SDK_KUNIT_H */
