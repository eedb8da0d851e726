// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: the page-pin tracker core.
 *
 * Counts pins per IOVA page in an xarray and talks to the real pinning
 * backend only through &mdev_sdk_pin_tracker_ops, so that KUnit can run it
 * against a fake backend.
 */
#include <linux/export.h>
#include <linux/interval_tree_generic.h>
#include <linux/mm.h>
#include <linux/overflow.h>

#include <mdev_sdk/pin.h>

/*
 * An unmap under way, on its caller's stack: pages @first to @last (page
 * frame numbers of IOVA) take no new pin until it is done.
 */
struct mdev_sdk_pin_unmap {
	struct rb_node rb;
	unsigned long first;
	unsigned long last;
	unsigned long subtree_last;
};

#define MDEV_SDK_UNMAP_FIRST(u)	((u)->first)
#define MDEV_SDK_UNMAP_LAST(u)	((u)->last)

INTERVAL_TREE_DEFINE(struct mdev_sdk_pin_unmap, rb, unsigned long,
		     subtree_last, MDEV_SDK_UNMAP_FIRST, MDEV_SDK_UNMAP_LAST,
		     static inline, mdev_sdk_unmap_tree)

/**
 * mdev_sdk_pin_tracker_init - initialise an empty tracker
 * @t: the tracker
 * @ops: the backend that really pins and unpins
 * @ctx: first argument of @ops' callbacks
 *
 * Context: any.
 */
void mdev_sdk_pin_tracker_init(struct mdev_sdk_pin_tracker *t,
			       const struct mdev_sdk_pin_tracker_ops *ops,
			       void *ctx)
{
	mutex_init(&t->lock);
	xa_init(&t->pins);
	t->nr_pins = 0;
	t->unmapping = RB_ROOT_CACHED;
	t->ops = ops;
	t->ctx = ctx;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pin_tracker_init);

/**
 * mdev_sdk_pin_tracker_destroy - free a tracker's bookkeeping
 * @t: the tracker
 *
 * Pins still recorded are forgotten without being unpinned: by the time a
 * tracker is destroyed its backend is gone. Unpin first with
 * mdev_sdk_pin_tracker_unmap() over the whole range.
 *
 * Context: process context.
 */
void mdev_sdk_pin_tracker_destroy(struct mdev_sdk_pin_tracker *t)
{
	xa_destroy(&t->pins);
	mutex_destroy(&t->lock);
}
EXPORT_SYMBOL_GPL(mdev_sdk_pin_tracker_destroy);

static bool mdev_sdk_pin_range_ok(dma_addr_t iova, int npage)
{
	u64 last_pfn;

	if (npage <= 0 || !PAGE_ALIGNED(iova))
		return false;
	/* The last page's IOVA must not wrap. */
	return !check_add_overflow((u64)iova >> PAGE_SHIFT, (u64)npage - 1,
				   &last_pfn) &&
	       last_pfn <= (U64_MAX >> PAGE_SHIFT);
}

/* Undo the count increments of pages [0, n) of a pin; lock held. */
static void mdev_sdk_pin_uncount(struct mdev_sdk_pin_tracker *t,
				 unsigned long pfn, int n)
{
	int i;

	lockdep_assert_held(&t->lock);

	for (i = 0; i < n; i++) {
		unsigned long cnt = xa_to_value(xa_load(&t->pins, pfn + i));

		if (cnt > 1)
			xa_store(&t->pins, pfn + i, xa_mk_value(cnt - 1),
				 GFP_KERNEL);
		else
			xa_erase(&t->pins, pfn + i);
	}
}

/**
 * mdev_sdk_pin_tracker_pin - pin pages and record the pins
 * @t: the tracker
 * @iova: IOVA of the first page, page aligned
 * @npage: number of pages, at least 1
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @pages: receives @npage page pointers
 *
 * A page may be pinned several times; each pin is counted. A page inside
 * the range of an mdev_sdk_pin_tracker_unmap() under way is treated as
 * unmapped already: its unmap dropped, or is about to drop, every pin in
 * the range, and would otherwise drop this one too without telling the
 * caller. Refusing at once, rather than waiting for the unmap, also keeps
 * an invalidate callback free to wait for a thread that is pinning.
 *
 * Context: process context, may sleep.
 * Return: @npage; -EINVAL for a bad range, or if a page of it is being
 * unmapped (the errno type1 gives for an unmapped IOVA); -ENOMEM; or the
 * backend's errno. On failure nothing stays pinned.
 */
int mdev_sdk_pin_tracker_pin(struct mdev_sdk_pin_tracker *t, dma_addr_t iova,
			     int npage, int prot, struct page **pages)
{
	unsigned long pfn = iova >> PAGE_SHIFT;
	int ret, i;

	if (!mdev_sdk_pin_range_ok(iova, npage))
		return -EINVAL;

	mutex_lock(&t->lock);
	if (mdev_sdk_unmap_tree_iter_first(&t->unmapping, pfn,
					   pfn + npage - 1)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	ret = t->ops->pin(t->ctx, iova, npage, prot, pages);
	if (ret < 0)
		goto out_unlock;
	if (ret != npage) {
		/* A backend must pin all or nothing; take back a partial pin. */
		if (ret > 0)
			t->ops->unpin(t->ctx, iova, ret);
		ret = -EFAULT;
		goto out_unlock;
	}

	for (i = 0; i < npage; i++) {
		unsigned long cnt = xa_to_value(xa_load(&t->pins, pfn + i));

		ret = xa_err(xa_store(&t->pins, pfn + i, xa_mk_value(cnt + 1),
				      GFP_KERNEL));
		if (ret) {
			mdev_sdk_pin_uncount(t, pfn, i);
			t->ops->unpin(t->ctx, iova, npage);
			goto out_unlock;
		}
	}
	t->nr_pins += npage;
	ret = npage;
out_unlock:
	mutex_unlock(&t->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pin_tracker_pin);

/**
 * mdev_sdk_pin_tracker_unpin - unpin pages pinned through the tracker
 * @t: the tracker
 * @iova: IOVA of the first page, page aligned
 * @npage: number of pages, at least 1
 *
 * Drops one pin of each page.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL for a bad range or if any page of it holds no
 * pin, in which case nothing is unpinned.
 */
int mdev_sdk_pin_tracker_unpin(struct mdev_sdk_pin_tracker *t,
			       dma_addr_t iova, int npage)
{
	unsigned long pfn = iova >> PAGE_SHIFT;
	int i, ret = 0;

	if (!mdev_sdk_pin_range_ok(iova, npage))
		return -EINVAL;

	mutex_lock(&t->lock);
	for (i = 0; i < npage; i++) {
		if (!xa_load(&t->pins, pfn + i)) {
			ret = -EINVAL;
			goto out_unlock;
		}
	}
	mdev_sdk_pin_uncount(t, pfn, npage);
	t->nr_pins -= npage;
	t->ops->unpin(t->ctx, iova, npage);
out_unlock:
	mutex_unlock(&t->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pin_tracker_unpin);

/**
 * mdev_sdk_pin_tracker_unmap - invalidate an IOVA range and drop its pins
 * @t: the tracker
 * @iova: start of the range, in bytes of IOVA
 * @length: length of the range in bytes; ranges running past the end of
 *	the IOVA space are clipped
 *
 * Every page with at least one byte in the range is closed to new pins
 * (mdev_sdk_pin_tracker_pin() fails with -EINVAL) for the whole call.
 * &mdev_sdk_pin_tracker_ops.invalidate, if there is one, is called next;
 * then every page of the range is unpinned as often as it is still pinned.
 * Since no pin can be added meanwhile, those are all pins that existed
 * when the callback was called: a pin the caller of the tracker takes
 * after its callback returned is refused, never dropped behind its back.
 * Unmaps of overlapping ranges may run at the same time; a page reopens
 * when the last of them is done.
 *
 * Context: process context, may sleep; the tracker's lock not held.
 * Return: the number of pins dropped after the invalidate callback.
 */
unsigned long mdev_sdk_pin_tracker_unmap(struct mdev_sdk_pin_tracker *t,
					 u64 iova, u64 length)
{
	struct mdev_sdk_pin_unmap unmap;
	unsigned long pfn, dropped = 0;
	void *entry;
	u64 end;

	if (!length)
		return 0;
	if (check_add_overflow(iova, length - 1, &end))
		end = U64_MAX;
	unmap.first = iova >> PAGE_SHIFT;
	unmap.last = end >> PAGE_SHIFT;

	/* Before the callback, so that no pin can slip in behind it. */
	mutex_lock(&t->lock);
	mdev_sdk_unmap_tree_insert(&unmap, &t->unmapping);
	mutex_unlock(&t->lock);

	if (t->ops->invalidate)
		t->ops->invalidate(t->ctx, iova, length);

	mutex_lock(&t->lock);
	mdev_sdk_unmap_tree_remove(&unmap, &t->unmapping);
	/* Every close unmaps everything; most find nothing to walk. */
	if (!t->nr_pins)
		goto out_unlock;
	xa_for_each_range(&t->pins, pfn, entry, unmap.first, unmap.last) {
		unsigned long cnt = xa_to_value(entry);
		unsigned long i;

		for (i = 0; i < cnt; i++)
			t->ops->unpin(t->ctx, (dma_addr_t)pfn << PAGE_SHIFT, 1);
		xa_erase(&t->pins, pfn);
		dropped += cnt;
	}
	t->nr_pins -= dropped;
out_unlock:
	mutex_unlock(&t->lock);
	return dropped;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pin_tracker_unmap);

/**
 * mdev_sdk_pin_tracker_count - pins currently recorded
 * @t: the tracker
 *
 * Context: process context, may sleep.
 * Return: the sum of all pin counts.
 */
unsigned long mdev_sdk_pin_tracker_count(struct mdev_sdk_pin_tracker *t)
{
	unsigned long n;

	mutex_lock(&t->lock);
	n = t->nr_pins;
	mutex_unlock(&t->lock);
	return n;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pin_tracker_count);
