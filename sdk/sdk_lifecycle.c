// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: lifecycle of a device, from mdev probe to the last reference.
 *
 * The per-device state lives in the allocation vfio_alloc_device() makes,
 * followed by the driver's private area. Everything set up in the init
 * callback is undone in the release callback, which runs exactly once,
 * after the last reference is gone; the pool units and the parent's users
 * count taken in init are returned there too, so the parent cannot finish
 * unregistering while a device still exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/overflow.h>

#include "sdk_private.h"

static struct mdev_sdk_mtype *mdev_to_sdk_mtype(struct mdev_device *mdev)
{
	return container_of(mdev->type, struct mdev_sdk_mtype, mtype);
}

static const struct mdev_sdk_device_ops mdev_sdk_no_ops;

static int mdev_sdk_apply_caps(struct mdev_sdk_device *sdev)
{
	const struct mdev_sdk_driver *drv = sdev->parent->drv;
	unsigned int i;
	int ret;

	for (i = 0; i < drv->nr_caps; i++) {
		ret = mdev_sdk_pci_config_apply_cap(&sdev->config,
						    &drv->caps[i]);
		if (ret < 0) {
			dev_err(mdev_sdk_dev(sdev),
				"capability %u (id %#x) rejected: %d\n", i,
				drv->caps[i].id, ret);
			return ret;
		}
	}
	return 0;
}

/* &vfio_device_ops.init: runs inside vfio_alloc_device() from probe. */
static int mdev_sdk_vfio_init(struct vfio_device *vdev)
{
	struct mdev_sdk_device *sdev = to_sdk_device(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	struct mdev_sdk_mtype *t = mdev_to_sdk_mtype(mdev);
	struct mdev_sdk_parent *parent = t->parent;
	int ret;

	ret = mdev_sdk_pool_take(parent, t->desc->cost);
	if (ret)
		return ret;
	/* Pairs with the put in mdev_sdk_vfio_release(). */
	refcount_inc(&parent->users);

	sdev->mdev = mdev;
	sdev->parent = parent;
	sdev->type = t->desc;
	sdev->ops = parent->drv->ops ?: &mdev_sdk_no_ops;
	mutex_init(&sdev->lock);
	mdev_sdk_irqs_init(sdev);
	mdev_sdk_pins_init(sdev);

	mdev_sdk_pci_config_init(&sdev->config, parent->drv->ident);
	ret = mdev_sdk_apply_caps(sdev);
	if (ret)
		goto err_put_parent;
	ret = mdev_sdk_regions_init(sdev);
	if (ret)
		goto err_put_parent;

	if (sdev->ops->create) {
		ret = sdev->ops->create(sdev);
		if (ret)
			goto err_free_regions;
	}
	sdev->created = true;
	return 0;

err_free_regions:
	mdev_sdk_regions_free(sdev);
err_put_parent:
	mutex_destroy(&sdev->lock);
	mdev_sdk_pool_return(parent, t->desc->cost);
	mdev_sdk_parent_put(parent);
	return ret;
}

/* &vfio_device_ops.release: the last reference is gone. */
static void mdev_sdk_vfio_release(struct vfio_device *vdev)
{
	struct mdev_sdk_device *sdev = to_sdk_device(vdev);
	struct mdev_sdk_parent *parent = sdev->parent;

	if (sdev->created && sdev->ops->remove)
		sdev->ops->remove(sdev);
	mdev_sdk_pin_tracker_destroy(&sdev->pins);
	mdev_sdk_regions_free(sdev);
	mutex_destroy(&sdev->lock);
	mdev_sdk_pool_return(parent, sdev->type->cost);
	/* Pairs with the refcount_inc() in mdev_sdk_vfio_init(). */
	mdev_sdk_parent_put(parent);
}

/**
 * mdev_sdk_reset_locked - put a device in its power-on state
 * @sdev: the device
 *
 * Configuration space gets its reset values, pending INTx is forgotten,
 * then the driver's reset runs.
 *
 * Context: device lock held.
 */
static void mdev_sdk_reset_locked(struct mdev_sdk_device *sdev)
{
	lockdep_assert_held(&sdev->lock);

	mdev_sdk_pci_config_reset(&sdev->config);
	mdev_sdk_irqs_reset(sdev);
	if (sdev->ops->reset)
		sdev->ops->reset(sdev);
}

static int mdev_sdk_vfio_open(struct vfio_device *vdev)
{
	struct mdev_sdk_device *sdev = to_sdk_device(vdev);
	int ret = 0;

	mutex_lock(&sdev->lock);
	/* Every user starts from a device fresh out of reset. */
	mdev_sdk_reset_locked(sdev);
	if (sdev->ops->open)
		ret = sdev->ops->open(sdev);
	mutex_unlock(&sdev->lock);
	return ret;
}

static void mdev_sdk_vfio_close(struct vfio_device *vdev)
{
	struct mdev_sdk_device *sdev = to_sdk_device(vdev);

	mutex_lock(&sdev->lock);
	mdev_sdk_irqs_teardown(sdev);
	if (sdev->ops->close)
		sdev->ops->close(sdev);
	mutex_unlock(&sdev->lock);

	/* The user's container goes away with it; no pin may outlive that. */
	mdev_sdk_pins_release_all(sdev);
}

static long mdev_sdk_ioctl_device_info(struct mdev_sdk_device *sdev,
				       void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = sdev->nr_regions;
	info.num_irqs = VFIO_PCI_NUM_IRQS;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long mdev_sdk_vfio_ioctl(struct vfio_device *vdev, unsigned int cmd,
				unsigned long arg)
{
	struct mdev_sdk_device *sdev = to_sdk_device(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return mdev_sdk_ioctl_device_info(sdev, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return mdev_sdk_ioctl_region_info(sdev, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return mdev_sdk_ioctl_irq_info(sdev, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return mdev_sdk_ioctl_set_irqs(sdev, uarg);
	case VFIO_DEVICE_RESET:
		mutex_lock(&sdev->lock);
		mdev_sdk_reset_locked(sdev);
		mutex_unlock(&sdev->lock);
		return 0;
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		return mdev_sdk_ioctl_query_plane(sdev, uarg);
	case VFIO_DEVICE_GET_GFX_DMABUF:
		return mdev_sdk_ioctl_get_dmabuf(sdev, uarg);
	default:
		return -ENOTTY;
	}
}

const struct vfio_device_ops mdev_sdk_vfio_ops = {
	.name		= "mdev-sdk",
	.init		= mdev_sdk_vfio_init,
	.release	= mdev_sdk_vfio_release,
	.bind_iommufd	= vfio_iommufd_emulated_bind,
	.unbind_iommufd	= vfio_iommufd_emulated_unbind,
	.attach_ioas	= vfio_iommufd_emulated_attach_ioas,
	.detach_ioas	= vfio_iommufd_emulated_detach_ioas,
	.open_device	= mdev_sdk_vfio_open,
	.close_device	= mdev_sdk_vfio_close,
	.read		= mdev_sdk_vfio_read,
	.write		= mdev_sdk_vfio_write,
	.ioctl		= mdev_sdk_vfio_ioctl,
	.mmap		= mdev_sdk_vfio_mmap,
	.request	= mdev_sdk_vfio_request,
	.dma_unmap	= mdev_sdk_vfio_dma_unmap,
};

/**
 * mdev_sdk_mdev_probe - &mdev_driver.probe of every SDK driver
 * @mdev: the device the user created
 *
 * Context: process context, may sleep; the mdev core holds the parent's
 * registration lock shared.
 * Return: 0; -EUSERS if the pool cannot cover the type's cost; or the
 * errno of allocation, configuration, the driver's create callback or
 * VFIO registration.
 */
int mdev_sdk_mdev_probe(struct mdev_device *mdev)
{
	struct mdev_sdk_parent *parent = mdev_to_sdk_mtype(mdev)->parent;
	struct mdev_sdk_device *sdev;
	struct vfio_device *vdev;
	int ret;

	vdev = _vfio_alloc_device(struct_size(sdev, priv,
					      parent->drv->priv_size),
				  &mdev->dev, &mdev_sdk_vfio_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	sdev = to_sdk_device(vdev);

	ret = vfio_register_emulated_iommu_dev(vdev);
	if (ret)
		goto err_put_device;
	dev_set_drvdata(&mdev->dev, sdev);
	return 0;

err_put_device:
	vfio_put_device(vdev);
	return ret;
}

/**
 * mdev_sdk_mdev_remove - &mdev_driver.remove of every SDK driver
 * @mdev: the device being removed
 *
 * Waits for the user to close the device, asking through REQ, then drops
 * the probe reference; the driver's remove callback runs on release.
 *
 * Context: process context, may sleep for as long as a user holds the
 * device.
 */
void mdev_sdk_mdev_remove(struct mdev_device *mdev)
{
	struct mdev_sdk_device *sdev = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&sdev->vdev);
	dev_set_drvdata(&mdev->dev, NULL);
	/* Pairs with vfio_alloc_device() in mdev_sdk_mdev_probe(). */
	vfio_put_device(&sdev->vdev);
}

/**
 * mdev_sdk_priv - the driver's per-device state
 * @sdev: the device
 *
 * &mdev_sdk_driver.priv_size bytes, zeroed at creation, freed at release.
 *
 * Context: any.
 * Return: the state.
 */
void *mdev_sdk_priv(struct mdev_sdk_device *sdev)
{
	return sdev->priv;
}
EXPORT_SYMBOL_GPL(mdev_sdk_priv);

/**
 * mdev_sdk_get_type - the type a device was created from
 * @sdev: the device
 *
 * Context: any.
 * Return: the driver's table entry.
 */
const struct mdev_sdk_type *mdev_sdk_get_type(struct mdev_sdk_device *sdev)
{
	return sdev->type;
}
EXPORT_SYMBOL_GPL(mdev_sdk_get_type);

/**
 * mdev_sdk_dev - the struct device of a device, for logging
 * @sdev: the device
 *
 * Context: any.
 * Return: the mediated device's &struct device, named by its UUID.
 */
struct device *mdev_sdk_dev(struct mdev_sdk_device *sdev)
{
	return &sdev->mdev->dev;
}
EXPORT_SYMBOL_GPL(mdev_sdk_dev);

/**
 * mdev_sdk_config - a device's emulated configuration space
 * @sdev: the device
 *
 * Context: the device lock must be held (it is in every device callback
 * but @invalidate) for as long as the result is used.
 * Return: the configuration space.
 */
struct mdev_sdk_pci_config *mdev_sdk_config(struct mdev_sdk_device *sdev)
{
	return &sdev->config;
}
EXPORT_SYMBOL_GPL(mdev_sdk_config);
