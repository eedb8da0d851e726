// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: pinning through VFIO, and the SDK's dma_unmap.
 *
 * type1 refuses to finish an unmap while a device still holds pins in the
 * range, and a driver that forgets one of its pins leaves the user's unmap
 * looping. Every pin goes through the tracker (sdk_pin_tracker.c), so the
 * SDK can drop whatever the driver did not drop itself; the tracker refuses
 * pins into a range being unmapped, so what it drops is only ever what the
 * driver held when it was told of the unmap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sysfs.h>

#include "sdk_private.h"

static int mdev_sdk_vfio_pin(void *ctx, dma_addr_t iova, int npage, int prot,
			     struct page **pages)
{
	struct mdev_sdk_device *sdev = ctx;

	return vfio_pin_pages(&sdev->vdev, iova, npage, prot, pages);
}

static void mdev_sdk_vfio_unpin(void *ctx, dma_addr_t iova, int npage)
{
	struct mdev_sdk_device *sdev = ctx;

	vfio_unpin_pages(&sdev->vdev, iova, npage);
}

/* The driver hears of an unmap first, then the tracker drops the rest. */
static void mdev_sdk_vfio_invalidate(void *ctx, u64 iova, u64 length)
{
	struct mdev_sdk_device *sdev = ctx;

	if (sdev->ops->invalidate)
		sdev->ops->invalidate(sdev, iova, length);
}

static const struct mdev_sdk_pin_tracker_ops mdev_sdk_vfio_pin_ops = {
	.pin		= mdev_sdk_vfio_pin,
	.unpin		= mdev_sdk_vfio_unpin,
	.invalidate	= mdev_sdk_vfio_invalidate,
};

/**
 * mdev_sdk_pins_init - set up a new device's tracker over VFIO
 * @sdev: the device
 *
 * Context: any.
 */
void mdev_sdk_pins_init(struct mdev_sdk_device *sdev)
{
	mdev_sdk_pin_tracker_init(&sdev->pins, &mdev_sdk_vfio_pin_ops, sdev);
}

/**
 * mdev_sdk_pin - pin guest pages for the device, recording the pins
 * @sdev: the device, open
 * @iova: IOVA of the first page, page aligned
 * @npage: number of pages, 1 to VFIO_PIN_PAGES_MAX_ENTRIES
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @pages: receives @npage page pointers
 *
 * The SDK unpins whatever is still pinned when the user unmaps the range
 * (after calling &mdev_sdk_device_ops.invalidate) or closes the device.
 * From the moment an unmap of the range begins until the SDK has dropped
 * those pins, the range takes no new pin: this fails with -EINVAL, as it
 * will once the unmap is done, rather than hand out pages the SDK would
 * unpin behind the driver's back. It fails at once rather than wait, so
 * an invalidate callback may wait for a thread that is pinning. A driver
 * treats it as a DMA fault, as it does a bad guest address.
 *
 * Context: process context, may sleep.
 * Return: @npage; -EINVAL for a bad range, a device that is not open, an
 * IOVA that is not mapped or one whose unmap is under way; -E2BIG for too
 * many pages; -ENOMEM; or the errno of vfio_pin_pages().
 */
int mdev_sdk_pin(struct mdev_sdk_device *sdev, dma_addr_t iova, int npage,
		 int prot, struct page **pages)
{
	if (npage > VFIO_PIN_PAGES_MAX_ENTRIES)
		return -E2BIG;
	return mdev_sdk_pin_tracker_pin(&sdev->pins, iova, npage, prot, pages);
}
EXPORT_SYMBOL_GPL(mdev_sdk_pin);

/**
 * mdev_sdk_unpin - unpin pages pinned with mdev_sdk_pin()
 * @sdev: the device
 * @iova: IOVA of the first page, page aligned
 * @npage: number of pages
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL if the range holds a page the device did not pin
 * (nothing is unpinned then).
 */
int mdev_sdk_unpin(struct mdev_sdk_device *sdev, dma_addr_t iova, int npage)
{
	return mdev_sdk_pin_tracker_unpin(&sdev->pins, iova, npage);
}
EXPORT_SYMBOL_GPL(mdev_sdk_unpin);

/**
 * mdev_sdk_dma_rw - copy to or from guest memory by IOVA
 * @sdev: the device, open
 * @iova: IOVA to start at
 * @data: kernel buffer
 * @len: bytes to copy
 * @write: true to copy @data to the guest
 *
 * Needs no pin; for short accesses such as descriptors.
 *
 * Context: process context, may sleep.
 * Return: 0 or the errno of vfio_dma_rw().
 */
int mdev_sdk_dma_rw(struct mdev_sdk_device *sdev, dma_addr_t iova,
		    void *data, size_t len, bool write)
{
	return vfio_dma_rw(&sdev->vdev, iova, data, len, write);
}
EXPORT_SYMBOL_GPL(mdev_sdk_dma_rw);

/**
 * mdev_sdk_pinned_pages - pins a device currently holds
 * @sdev: the device
 *
 * Context: process context, may sleep.
 * Return: the number of pins recorded.
 */
unsigned long mdev_sdk_pinned_pages(struct mdev_sdk_device *sdev)
{
	return mdev_sdk_pin_tracker_count(&sdev->pins);
}
EXPORT_SYMBOL_GPL(mdev_sdk_pinned_pages);

/**
 * mdev_sdk_vfio_dma_unmap - &vfio_device_ops.dma_unmap of every SDK device
 * @vdev: the device
 * @iova: start of the unmapped range, in bytes of IOVA
 * @length: bytes unmapped
 *
 * The range is closed to new pins, the driver hears of it, then every pin
 * left in the range goes: all of them pins the driver held when its
 * invalidate callback was called. Upstream's type1 would ask again until
 * the driver let go; ours asks a few times (see vfio/type1/dma.c), so the
 * SDK lets go for a driver that forgets. Tolerates being called before
 * open_device(): the tracker is then empty.
 *
 * Context: process context, may sleep; no SDK lock held.
 */
void mdev_sdk_vfio_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct mdev_sdk_device *sdev = to_sdk_device(vdev);
	unsigned long dropped;

	dropped = mdev_sdk_pin_tracker_unmap(&sdev->pins, iova, length);
	if (dropped)
		dev_dbg(mdev_sdk_dev(sdev),
			"unmap of %#llx+%#llx dropped %lu pins the driver kept\n",
			iova, length, dropped);
}

/**
 * mdev_sdk_pins_release_all - unpin everything, on close
 * @sdev: the device
 *
 * Context: process context, may sleep; no SDK lock held.
 */
void mdev_sdk_pins_release_all(struct mdev_sdk_device *sdev)
{
	mdev_sdk_vfio_dma_unmap(&sdev->vdev, 0, U64_MAX);
}

/*
 * "pinned_pages" of every mediated device: the tracker's count, readable
 * whether or not the device is open, so that a test can tell that a client
 * which died left no pin behind.
 */
static ssize_t pinned_pages_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct mdev_sdk_device *sdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lu\n", mdev_sdk_pinned_pages(sdev));
}
static DEVICE_ATTR_RO(pinned_pages);

static struct attribute *mdev_sdk_pin_attrs[] = {
	&dev_attr_pinned_pages.attr,
	NULL,
};

static const struct attribute_group mdev_sdk_pin_group = {
	.attrs = mdev_sdk_pin_attrs,
};

/* &device_driver.dev_groups of every SDK driver. */
const struct attribute_group *mdev_sdk_pin_groups[] = {
	&mdev_sdk_pin_group,
	NULL,
};
