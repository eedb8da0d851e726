// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk type1 IOMMU backend: the tree of user DMA mappings.
 *
 * A mapping only records which user memory backs a range of IOVA; nothing
 * is pinned at map time because emulated-IOMMU devices pin on demand
 * through vfio_pin_pages(). Removing a mapping that still has pins first
 * asks every open device to let go of the range (dma_unmap callback).
 */

#include <linux/interval_tree_generic.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/vfio.h>
#include <linux/wait.h>

#include "../vfio.h"
#include "type1.h"

/*
 * How many times the devices are asked to unpin a mapping before its unmap
 * is refused. Once asked, a mapping takes no new pin, but a pin taken just
 * before (by a thread of the driver that its callback could not see yet)
 * may still be held when the callback returns: the unmap then waits up to
 * TYPE1_UNMAP_WAIT for such pins to go before it asks again, and only
 * blames a driver whose pins outlast every round.
 */
#define TYPE1_UNMAP_ROUNDS	3
#define TYPE1_UNMAP_WAIT	(HZ / 4)

/*
 * Unmaps waiting for the pins of a mapping to go. One queue serves every
 * container: a wait only happens when a driver still held pins after its
 * dma_unmap callback, and each waiter looks its own mapping up again.
 */
static DECLARE_WAIT_QUEUE_HEAD(type1_unmap_wq);

#define TYPE1_DMA_START(dma)	((dma)->iova)
#define TYPE1_DMA_LAST(dma)	((dma)->last)

INTERVAL_TREE_DEFINE(struct type1_dma, rb, u64, subtree_last,
		     TYPE1_DMA_START, TYPE1_DMA_LAST, static, type1_dma_tree)

/* Mappings come and go by the thousand; /proc/slabinfo shows leaks. */
static struct kmem_cache *type1_dma_cache;

/**
 * type1_dma_cache_create - create the slab cache of mappings
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int type1_dma_cache_create(void)
{
	type1_dma_cache = KMEM_CACHE(type1_dma, SLAB_ACCOUNT);
	return type1_dma_cache ? 0 : -ENOMEM;
}

/**
 * type1_dma_cache_destroy - destroy the slab cache of mappings
 *
 * Context: module exit, every container released.
 */
void type1_dma_cache_destroy(void)
{
	kmem_cache_destroy(type1_dma_cache);
}

/**
 * type1_dma_find - look up the mapping containing an IOVA
 * @iommu: the container
 * @iova: IOVA in bytes, any alignment
 *
 * Context: process context, @iommu->lock held.
 * Return: the mapping, or NULL if @iova is not mapped.
 */
struct type1_dma *type1_dma_find(struct type1_iommu *iommu, u64 iova)
{
	lockdep_assert_held(&iommu->lock);

	return type1_dma_tree_iter_first(&iommu->dmas, iova, iova);
}

static u64 type1_dma_size(const struct type1_dma *dma)
{
	return dma->last - dma->iova + 1;
}

static void type1_dma_free(struct type1_dma *dma)
{
	/* Nothing to destroy: the last unpin of a page erased its entry. */
	type1_owner_put(dma->owner);
	kmem_cache_free(type1_dma_cache, dma);
}

static void type1_dma_remove(struct type1_iommu *iommu, struct type1_dma *dma)
{
	lockdep_assert_held(&iommu->lock);

	/* A pin points at its mapping, so freeing it now would be a UAF. */
	if (WARN_ON_ONCE(dma->npinned))
		return;

	type1_dma_tree_remove(dma, &iommu->dmas);
	iommu->dma_avail++;
	type1_dma_free(dma);
}

/*
 * VFIO_DMA_MAP_FLAG_VADDR: give the mapping of [@iova, @last] a new vaddr.
 * Only a mapping whose vaddr the user invalidated with
 * VFIO_DMA_UNMAP_FLAG_VADDR may take one, and UNMAP_DMA refuses that flag
 * (-EBUSY), as upstream does in a container with emulated-IOMMU groups,
 * which every container here is. So no mapping ever awaits a vaddr, and
 * the answer is upstream's for that state: nothing to update at all, or a
 * mapping that is not waiting for one.
 */
static int type1_dma_update_vaddr(struct type1_iommu *iommu, u64 iova,
				  u64 last)
{
	bool mapped;

	mutex_lock(&iommu->lock);
	mapped = type1_dma_tree_iter_first(&iommu->dmas, iova, last);
	mutex_unlock(&iommu->lock);
	return mapped ? -EINVAL : -ENOENT;
}

/**
 * type1_dma_map - record a VFIO_IOMMU_MAP_DMA mapping
 * @iommu: the container
 * @iova: first IOVA in bytes
 * @vaddr: user virtual address of the memory backing @iova
 * @size: length in bytes
 * @prot: IOMMU_READ and/or IOMMU_WRITE; 0 for VFIO_DMA_MAP_FLAG_VADDR, a
 *	new @vaddr for an existing mapping of exactly @iova and @size
 *
 * The calling process becomes the owner of the mapping: later pins are
 * taken from its address space and charged to its locked_vm, even when
 * another process (or a kernel thread) asks for them.
 *
 * Context: process context of the mapping's owner; takes @iommu->lock.
 * Return: 0 on success; -EINVAL if @size is zero, if @iova, @vaddr or @size
 * is not page aligned, or if either range wraps around; -ESRCH if the
 * caller has no address space; -EEXIST if the range overlaps a mapping;
 * -ENOSPC if the container already holds dma_entry_limit mappings;
 * -ENOMEM if out of memory. With @prot 0: -ENOENT if nothing is mapped in
 * the range, -EINVAL if something is (no mapping awaits a new vaddr).
 */
int type1_dma_map(struct type1_iommu *iommu, u64 iova, unsigned long vaddr,
		  u64 size, int prot)
{
	struct type1_dma *dma;
	int ret;

	if (!size || !PAGE_ALIGNED(iova) || !PAGE_ALIGNED(vaddr) ||
	    !PAGE_ALIGNED(size))
		return -EINVAL;
	if (iova + size - 1 < iova || vaddr + size - 1 < vaddr)
		return -EINVAL;
	if (!prot)
		return type1_dma_update_vaddr(iommu, iova, iova + size - 1);
	if (!current->mm)
		return -ESRCH;

	dma = kmem_cache_alloc(type1_dma_cache, GFP_KERNEL);
	if (!dma)
		return -ENOMEM;
	*dma = (struct type1_dma){
		.iova = iova,
		.last = iova + size - 1,
		.vaddr = vaddr,
		.prot = prot,
	};
	xa_init(&dma->pins);

	mutex_lock(&iommu->lock);
	if (type1_dma_tree_iter_first(&iommu->dmas, dma->iova, dma->last)) {
		ret = -EEXIST;
	} else if (!iommu->dma_avail) {
		ret = -ENOSPC;
	} else {
		/*
		 * Pins may be requested long after this ioctl, from any
		 * context: keep what they are taken from and charged to.
		 */
		dma->owner = type1_owner_get(iommu);
		ret = dma->owner ? 0 : -ENOMEM;
	}
	if (!ret) {
		type1_dma_tree_insert(dma, &iommu->dmas);
		iommu->dma_avail--;
	}
	mutex_unlock(&iommu->lock);

	if (ret)
		kmem_cache_free(type1_dma_cache, dma);
	return ret;
}

/*
 * Ask every open device to unpin what it holds in [@iova, @last]. The
 * callbacks come back into type1_unpin_pages(), so @iommu->lock is dropped
 * around them; @devices_rwsem stays held so the device list cannot change.
 * The caller must look the tree up again afterwards.
 */
static void type1_dma_notify_unmap(struct type1_iommu *iommu, u64 iova,
				   u64 last)
{
	struct vfio_device *vdev;

	lockdep_assert_held_read(&iommu->devices_rwsem);
	lockdep_assert_held(&iommu->lock);

	mutex_unlock(&iommu->lock);
	list_for_each_entry(vdev, &iommu->devices, iommu_entry) {
		if (vdev->ops->dma_unmap)
			vdev->ops->dma_unmap(vdev, iova, last - iova + 1);
	}
	mutex_lock(&iommu->lock);
}

/**
 * type1_dma_unpinned - a mapping lost its last pin
 * @dma: the mapping
 *
 * Wakes the unmap waiting for it, if any.
 *
 * Context: process context, &type1_iommu.lock held.
 */
void type1_dma_unpinned(struct type1_dma *dma)
{
	if (dma->unmapping)
		wake_up_all(&type1_unmap_wq);
}

/*
 * Give pins the devices still held after their dma_unmap callbacks a
 * moment to go; the caller must look the tree up again afterwards.
 */
static void type1_dma_wait_unpinned(struct type1_iommu *iommu)
{
	DEFINE_WAIT(wait);

	lockdep_assert_held(&iommu->lock);

	/* Queued before the lock goes: an unpin after that wakes us. */
	prepare_to_wait(&type1_unmap_wq, &wait, TASK_UNINTERRUPTIBLE);
	mutex_unlock(&iommu->lock);
	schedule_timeout(TYPE1_UNMAP_WAIT);
	finish_wait(&type1_unmap_wq, &wait);
	mutex_lock(&iommu->lock);
}

/*
 * A refused unmap leaves its mappings as they were: open to pins again.
 * An unmap of the same range running alongside closes them again at its
 * next round.
 */
static void type1_dma_reopen(struct type1_iommu *iommu, u64 iova, u64 last)
{
	struct type1_dma *dma;

	lockdep_assert_held(&iommu->lock);

	for (dma = type1_dma_tree_iter_first(&iommu->dmas, iova, last); dma;
	     dma = type1_dma_tree_iter_next(dma, iova, last))
		dma->unmapping = false;
}

/*
 * A driver kept pages pinned through repeated dma_unmap callbacks. Name it
 * (emulated-IOMMU groups hold a single device) so the bug can be fixed; the
 * unmap itself is refused and the mapping kept, which is always safe. A
 * user can make the unmap take this path, so no WARN: one ratelimited line
 * per refused unmap.
 */
static void type1_dma_blame(struct type1_iommu *iommu, struct type1_dma *dma)
{
	struct type1_pin *pin;
	struct vfio_device *vdev;

	lockdep_assert_held_read(&iommu->devices_rwsem);
	lockdep_assert_held(&iommu->lock);

	pin = type1_pin_first(dma);
	if (!pin)
		return;

	list_for_each_entry(vdev, &iommu->devices, iommu_entry) {
		struct iommu_group *group = iommu_group_get(vdev->dev);
		bool culprit = group && group == pin->group;

		iommu_group_put(group);
		if (culprit) {
			dev_warn_ratelimited(vdev->dev,
					     "%s: dma_unmap left IOVA range 0x%llx-0x%llx pinned; unmap refused\n",
					     vdev->ops->name ?: "vfio", dma->iova,
					     dma->last);
			return;
		}
	}
	pr_warn_ratelimited("mdev_sdk_vfio_iommu_type1: IOVA range 0x%llx-0x%llx still pinned by a closed device; unmap refused\n",
			    dma->iova, dma->last);
}

/*
 * Type1v2 only removes whole mappings: refuse a range whose ends fall
 * strictly inside a mapping. @first is the lowest mapping overlapping the
 * range, so it is the one that could hold @iova.
 */
static bool type1_dma_splits(struct type1_iommu *iommu,
			     struct type1_dma *first, u64 iova, u64 last)
{
	struct type1_dma *dma;

	lockdep_assert_held(&iommu->lock);

	if (first->iova < iova)
		return true;
	/* The usual unmap removes one mapping, which then holds @last. */
	if (first->last >= last)
		return first->last != last;
	dma = type1_dma_find(iommu, last);
	return dma && dma->last != last;
}

/**
 * type1_dma_unmap - remove the mappings in a range of IOVA
 * @iommu: the container
 * @iova: first IOVA in bytes; 0 with @all
 * @size: length in bytes; 0 with @all
 * @all: remove every mapping (VFIO_DMA_UNMAP_FLAG_ALL)
 * @unmapped: returns the number of bytes of IOVA removed, also on error
 *
 * A Type1v2 container only removes whole mappings and refuses a range that
 * would split one. A Type1 (v1) container follows the historic v1 rules:
 * if the range starts inside a mapping nothing more is removed, and a
 * mapping that starts inside the range is removed whole even if it runs
 * past its end. Mappings with pinned pages are removed only after every
 * open device's dma_unmap callback released them. From the first callback
 * on, such a mapping takes no new pin (type1_pin_pages() fails with
 * -EINVAL), so a driver that unpins when asked lets the unmap complete
 * even while it keeps trying to pin; pins it held but could not yet see
 * are waited for, briefly, before it is asked again.
 *
 * Context: process context; takes @iommu->lock, and @iommu->devices_rwsem
 * too once a mapping in the range has pins; calls dma_unmap callbacks with
 * @iommu->lock dropped.
 * Return: 0 on success (also when nothing was mapped in the range); -EINVAL
 * if @iova or @size is not page aligned, @size is zero, the range wraps
 * around, @all comes with a non-zero @iova or @size, or (v2) the range
 * would split a mapping; -EBUSY if a device kept pages of a mapping pinned
 * through TYPE1_UNMAP_ROUNDS dma_unmap callbacks (a driver bug, reported
 * in the kernel log without a WARN): that mapping and the ones after it
 * are left in place and take pins again.
 */
int type1_dma_unmap(struct type1_iommu *iommu, u64 iova, u64 size,
		    bool all, u64 *unmapped)
{
	struct type1_dma *dma, *next;
	u64 last, notified = 0;
	unsigned int rounds = 0;
	bool notifying = false, waited = false;
	int ret = 0;

	*unmapped = 0;
	if (all) {
		if (iova || size)
			return -EINVAL;
		last = U64_MAX;
	} else {
		if (!size || !PAGE_ALIGNED(iova) || !PAGE_ALIGNED(size))
			return -EINVAL;
		last = iova + size - 1;
		if (last < iova)
			return -EINVAL;
	}

	mutex_lock(&iommu->lock);
again:
	dma = type1_dma_tree_iter_first(&iommu->dmas, iova, last);
	/* Checked on every pass: the tree may change while notifying. */
	if (dma && iommu->v2 && !all &&
	    type1_dma_splits(iommu, dma, iova, last)) {
		ret = -EINVAL;
		goto out_unlock;
	}

	for (; dma; dma = next) {
		/* Mappings never overlap: none follows one that ends past @last. */
		next = dma->last < last ?
		       type1_dma_tree_iter_next(dma, iova, last) : NULL;

		if (!iommu->v2 && dma->iova < iova)
			break;

		if (dma->npinned) {
			/*
			 * Only an unmap that must notify needs the device
			 * list held stable, and the rwsem comes before the
			 * lock: most unmaps find no pins and skip both.
			 * Pairs with the write side in type1_register_device().
			 */
			if (!notifying) {
				mutex_unlock(&iommu->lock);
				down_read(&iommu->devices_rwsem);
				notifying = true;
				mutex_lock(&iommu->lock);
				goto again;
			}
			if (dma->iova != notified) {
				notified = dma->iova;
				rounds = 0;
				waited = false;
			}
			/*
			 * Asked already, yet pinned: by pins nobody can add
			 * to any more, held by a thread the callback could
			 * not see. Let them go before asking again.
			 */
			if (rounds && !waited) {
				waited = true;
				type1_dma_wait_unpinned(iommu);
				goto again;
			}
			if (rounds == TYPE1_UNMAP_ROUNDS) {
				type1_dma_blame(iommu, dma);
				ret = -EBUSY;
				goto out_unlock;
			}
			/* No new pin from here on; see type1_pin_pages(). */
			dma->unmapping = true;
			rounds++;
			waited = false;
			type1_dma_notify_unmap(iommu, dma->iova, dma->last);
			goto again;
		}

		*unmapped += type1_dma_size(dma);
		type1_dma_remove(iommu, dma);
	}

out_unlock:
	if (ret && notifying)
		type1_dma_reopen(iommu, iova, last);
	mutex_unlock(&iommu->lock);
	if (notifying)
		up_read(&iommu->devices_rwsem);
	return ret;
}

/**
 * type1_dma_remove_all - drop every mapping of a container being released
 * @iommu: the container
 *
 * Every device unpins in its close_device() callback, before the container
 * can be released, so a pin still held here is a driver bug: warn once,
 * then unpin and uncharge it so that neither the pages nor locked_vm leak.
 *
 * Context: process context, @iommu->lock held.
 */
void type1_dma_remove_all(struct type1_iommu *iommu)
{
	struct type1_dma *dma, *next;
	unsigned long leaked = 0;

	lockdep_assert_held(&iommu->lock);

	for (dma = type1_dma_tree_iter_first(&iommu->dmas, 0, U64_MAX); dma;
	     dma = next) {
		next = type1_dma_tree_iter_next(dma, 0, U64_MAX);
		leaked += type1_pin_release_dma(dma);
		type1_dma_remove(iommu, dma);
	}
	WARN_ONCE(leaked,
		  "mdev_sdk_vfio_iommu_type1: %lu page(s) still pinned at container release; unpinned\n",
		  leaked);
}
