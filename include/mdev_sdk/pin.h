/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk: page-pin tracker.
 *
 * Every page a driver pins through mdev_sdk_pin() is recorded per device,
 * with a count, so the SDK can implement &vfio_device_ops.dma_unmap itself:
 * it closes the range to new pins, calls the driver's invalidate hook and
 * then unpins whatever the driver still holds of the pins it had when the
 * hook was called. A driver that pins therefore cannot leave a pin behind
 * an unmap, which would make type1 fail the unmap, and never loses one it
 * took after the hook (such a pin is refused instead).
 *
 * The tracker core (struct mdev_sdk_pin_tracker) knows nothing of VFIO: it
 * pins and unpins through &mdev_sdk_pin_tracker_ops, so that unit tests can
 * substitute a fake backend.
 */
#ifndef MDEV_SDK_PIN_H
#define MDEV_SDK_PIN_H

#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct mdev_sdk_device;
struct page;

/**
 * struct mdev_sdk_pin_tracker_ops - backend of a pin tracker
 * @pin: pin @npage pages from IOVA @iova (page aligned) with IOMMU_READ
 *	and/or IOMMU_WRITE @prot, filling @pages; return the number pinned
 *	(all of them) or a negative errno
 * @unpin: unpin @npage pages from IOVA @iova, once each
 * @invalidate: optional; tell the pins' user that the @length bytes of
 *	IOVA from @iova are being unmapped, so that it stops using them and
 *	unpins what it can. Called by mdev_sdk_pin_tracker_unmap() without
 *	the tracker's lock, so it may unpin through the tracker
 */
struct mdev_sdk_pin_tracker_ops {
	int (*pin)(void *ctx, dma_addr_t iova, int npage, int prot,
		   struct page **pages);
	void (*unpin)(void *ctx, dma_addr_t iova, int npage);
	void (*invalidate)(void *ctx, u64 iova, u64 length);
};

/**
 * struct mdev_sdk_pin_tracker - pins held, per IOVA page
 * @lock: serialises every operation on the tracker
 * @pins: pin count per IOVA page frame number, as xarray value entries
 * @nr_pins: sum of all counts
 * @unmapping: page ranges of the unmaps under way, an interval tree that
 *	mdev_sdk_pin_tracker_pin() refuses to pin into
 * @ops: the backend
 * @ctx: first argument of the backend's callbacks
 */
struct mdev_sdk_pin_tracker {
	struct mutex lock;	/* guards @pins, @nr_pins and @unmapping */
	struct xarray pins;
	unsigned long nr_pins;
	struct rb_root_cached unmapping;
	const struct mdev_sdk_pin_tracker_ops *ops;
	void *ctx;
};

void mdev_sdk_pin_tracker_init(struct mdev_sdk_pin_tracker *t,
			       const struct mdev_sdk_pin_tracker_ops *ops,
			       void *ctx);
void mdev_sdk_pin_tracker_destroy(struct mdev_sdk_pin_tracker *t);
int mdev_sdk_pin_tracker_pin(struct mdev_sdk_pin_tracker *t, dma_addr_t iova,
			     int npage, int prot, struct page **pages);
int mdev_sdk_pin_tracker_unpin(struct mdev_sdk_pin_tracker *t,
			       dma_addr_t iova, int npage);
unsigned long mdev_sdk_pin_tracker_unmap(struct mdev_sdk_pin_tracker *t,
					 u64 iova, u64 length);
unsigned long mdev_sdk_pin_tracker_count(struct mdev_sdk_pin_tracker *t);

int mdev_sdk_pin(struct mdev_sdk_device *sdev, dma_addr_t iova, int npage,
		 int prot, struct page **pages);
int mdev_sdk_unpin(struct mdev_sdk_device *sdev, dma_addr_t iova, int npage);
int mdev_sdk_dma_rw(struct mdev_sdk_device *sdev, dma_addr_t iova,
		    void *data, size_t len, bool write);
unsigned long mdev_sdk_pinned_pages(struct mdev_sdk_device *sdev);

#endif /* MDEV_SDK_PIN_H */
