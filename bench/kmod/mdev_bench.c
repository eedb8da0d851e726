// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_bench: the bare mdev parent bench/ measures both stacks with.
 *
 * It uses nothing but the upstream 6.1 driver API (mdev_register_parent(),
 * vfio_alloc_device(), vfio_register_emulated_iommu_dev(),
 * vfio_pin_pages()), so one source builds against the in-kernel vfio and
 * mdev modules and against ours, and any difference measured comes from the
 * stack rather than from the driver. Its one type has room for thousands of
 * instances (instance scaling), and its device fd takes MDEV_BENCH_PIN,
 * which times vfio_pin_pages() + vfio_unpin_pages() in the kernel.
 */
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "mdev_bench.h"

#define MDEV_BENCH_MAX_INSTANCES	4096
#define MDEV_BENCH_MAX_PIN		512
#define MDEV_BENCH_MAX_ITERS		1000000

struct mdev_bench_state {
	struct vfio_device vdev;
};

/*
 * The parent's class names its types: mdev prefixes each sysfs_name with
 * dev_driver_string() of the parent, which is the class name here.
 */
static struct {
	struct class *class;
	struct device dev;
	struct mdev_parent parent;
	atomic_t instances;
} mdev_bench;

static struct mdev_type mdev_bench_type = {
	.sysfs_name = "1",
	.pretty_name = "bench",
};

static struct mdev_type *mdev_bench_types[] = { &mdev_bench_type };

static long mdev_bench_pin(struct vfio_device *vdev, void __user *uarg)
{
	struct mdev_bench_pin arg;
	struct page **pages;
	u32 i;
	u64 start;
	int ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.npage || arg.npage > MDEV_BENCH_MAX_PIN ||
	    !arg.iters || arg.iters > MDEV_BENCH_MAX_ITERS)
		return -EINVAL;
	pages = kcalloc(arg.npage, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	start = ktime_get_ns();
	for (i = 0; i < arg.iters; i++) {
		ret = vfio_pin_pages(vdev, arg.iova, arg.npage,
				     IOMMU_READ | IOMMU_WRITE, pages);
		if (ret != arg.npage) {
			if (ret > 0)
				vfio_unpin_pages(vdev, arg.iova, ret);
			ret = ret < 0 ? ret : -EFAULT;
			break;
		}
		vfio_unpin_pages(vdev, arg.iova, arg.npage);
		ret = 0;
		cond_resched();
	}
	arg.ns = ktime_get_ns() - start;
	kfree(pages);
	if (ret)
		return ret;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long mdev_bench_ioctl(struct vfio_device *vdev, unsigned int cmd,
			     unsigned long arg)
{
	if (cmd == MDEV_BENCH_PIN)
		return mdev_bench_pin(vdev, (void __user *)arg);
	return -ENOTTY;
}

/*
 * Pins live only inside one MDEV_BENCH_PIN call, which the same process
 * makes synchronously, so no unmap can find one to revoke; the op exists
 * because both stacks require it of a driver that pins.
 */
static void mdev_bench_dma_unmap(struct vfio_device *vdev, u64 iova,
				 u64 length)
{
}

/* Upstream 6.1 calls release unconditionally and leaves the free to it. */
static void mdev_bench_release(struct vfio_device *vdev)
{
	vfio_free_device(vdev);
}

static const struct vfio_device_ops mdev_bench_dev_ops = {
	.name = "vfio-mdev-bench",
	.release = mdev_bench_release,
	.ioctl = mdev_bench_ioctl,
	.dma_unmap = mdev_bench_dma_unmap,
};

static int mdev_bench_probe(struct mdev_device *mdev)
{
	struct mdev_bench_state *state;
	int ret;

	if (atomic_inc_return(&mdev_bench.instances) > MDEV_BENCH_MAX_INSTANCES) {
		ret = -ENOSPC;
		goto err_count;
	}
	state = vfio_alloc_device(mdev_bench_state, vdev, &mdev->dev,
				  &mdev_bench_dev_ops);
	if (IS_ERR(state)) {
		ret = PTR_ERR(state);
		goto err_count;
	}
	ret = vfio_register_emulated_iommu_dev(&state->vdev);
	if (ret) {
		vfio_put_device(&state->vdev);
		goto err_count;
	}
	dev_set_drvdata(&mdev->dev, state);
	return 0;

err_count:
	atomic_dec(&mdev_bench.instances);
	return ret;
}

static void mdev_bench_remove(struct mdev_device *mdev)
{
	struct mdev_bench_state *state = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&state->vdev);
	vfio_put_device(&state->vdev);
	atomic_dec(&mdev_bench.instances);
}

static unsigned int mdev_bench_get_available(struct mdev_type *mtype)
{
	return MDEV_BENCH_MAX_INSTANCES - atomic_read(&mdev_bench.instances);
}

static struct mdev_driver mdev_bench_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "mdev_bench",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = mdev_bench_probe,
	.remove = mdev_bench_remove,
	.get_available = mdev_bench_get_available,
};

/* Static parent device: nothing to free when its last reference goes. */
static void mdev_bench_dev_release(struct device *dev)
{
}

static int __init mdev_bench_init(void)
{
	int ret;

	ret = mdev_register_driver(&mdev_bench_driver);
	if (ret)
		return ret;
	mdev_bench.class = class_create(THIS_MODULE, "mdev_bench");
	if (IS_ERR(mdev_bench.class)) {
		ret = PTR_ERR(mdev_bench.class);
		goto err_driver;
	}
	mdev_bench.dev.class = mdev_bench.class;
	mdev_bench.dev.release = mdev_bench_dev_release;
	dev_set_name(&mdev_bench.dev, "mdev_bench");
	ret = device_register(&mdev_bench.dev);
	if (ret) {
		put_device(&mdev_bench.dev);
		goto err_class;
	}
	ret = mdev_register_parent(&mdev_bench.parent, &mdev_bench.dev,
				   &mdev_bench_driver, mdev_bench_types,
				   ARRAY_SIZE(mdev_bench_types));
	if (ret)
		goto err_dev;
	return 0;

err_dev:
	device_unregister(&mdev_bench.dev);
err_class:
	class_destroy(mdev_bench.class);
err_driver:
	mdev_unregister_driver(&mdev_bench_driver);
	return ret;
}

static void __exit mdev_bench_exit(void)
{
	mdev_unregister_parent(&mdev_bench.parent);
	device_unregister(&mdev_bench.dev);
	class_destroy(mdev_bench.class);
	mdev_unregister_driver(&mdev_bench_driver);
}

module_init(mdev_bench_init);
module_exit(mdev_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bare mdev parent for benchmarking a VFIO/mdev stack");
