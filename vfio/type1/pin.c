// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk type1 IOMMU backend: pinning pages for emulated-IOMMU devices
 * and charging them to the mapping owner's locked_vm.
 *
 * Pins are counted per IOVA page: the first vfio_pin_pages() of a page pins
 * it in the owner's address space and charges one page against the owner's
 * RLIMIT_MEMLOCK, further pins only take a reference, and the last
 * vfio_unpin_pages() unpins and uncharges it.
 */

#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "../vfio.h"
#include "type1.h"

/*
 * Charge (@charge) or uncharge @npage pages to the owner of @dma. An owner
 * that has exited has nothing left to uncharge; charging it fails.
 */
static int type1_pin_account(struct type1_dma *dma, unsigned long npage,
			     bool charge)
{
	struct type1_owner *owner = dma->owner;
	struct mm_struct *mm = owner->mm;
	int ret;

	if (!npage)
		return 0;
	if (!type1_owner_mm_get(owner))
		return -ESRCH;

	if (charge) {
		ret = mmap_write_lock_killable(mm);
		if (ret)
			goto out_put_mm;
	} else {
		/* Giving back must not fail, or locked_vm leaks. */
		mmap_write_lock(mm);
	}
	ret = __account_locked_vm(mm, npage, charge, owner->task,
				  owner->lock_cap);
	mmap_write_unlock(mm);

	if (ret == -ENOMEM)
		pr_warn_ratelimited("mdev_sdk_vfio_iommu_type1: %s (%d) would exceed RLIMIT_MEMLOCK (%lu bytes)\n",
				    owner->task->comm, task_pid_nr(owner->task),
				    task_rlimit(owner->task, RLIMIT_MEMLOCK));
out_put_mm:
	type1_owner_mm_put(owner);
	return ret;
}

/* The index of the page holding @iova in &type1_dma.pins. */
static unsigned long type1_pin_index(const struct type1_dma *dma, u64 iova)
{
	return (iova - dma->iova) >> PAGE_SHIFT;
}

/*
 * Drop one reference to the pin of the page at @iova in @dma. Returns 1 if
 * that was the last one and the page was unpinned, which leaves the
 * locked_vm charge to the caller; 0 if other references remain; -ENOENT
 * if the page held no pin.
 */
static int type1_unpin_one(struct type1_dma *dma, u64 iova)
{
	XA_STATE(xas, &dma->pins, type1_pin_index(dma, iova));
	struct type1_pin *pin;

	/* One walk finds the pin and, on its last unpin, erases it. */
	xas_lock(&xas);
	pin = xas_load(&xas);
	if (pin && !--pin->refs)
		xas_store(&xas, NULL);
	xas_unlock(&xas);
	if (!pin)
		return -ENOENT;
	if (pin->refs)
		return 0;

	/* The device may have written to a writable mapping. */
	unpin_user_pages_dirty_lock(&pin->page, 1, dma->prot & IOMMU_WRITE);
	if (!--dma->npinned)
		type1_dma_unpinned(dma);
	kfree(pin);
	return 1;
}

/*
 * Pin @npage pages of @dma that hold no pin yet, starting at @iova: one
 * locked_vm charge and one pin_user_pages_remote() for the whole run,
 * rather than one per page.
 */
static int type1_pin_run(struct type1_dma *dma, struct iommu_group *group,
			 u64 iova, int npage, struct page **pages)
{
	unsigned long vaddr = dma->vaddr + (iova - dma->iova);
	struct mm_struct *mm = dma->owner->mm;
	unsigned int gup_flags = FOLL_LONGTERM;
	struct type1_pin *pin;
	long pinned;
	int i, ret;

	/* Charge before pinning: never hold a page the owner may not lock. */
	ret = type1_pin_account(dma, npage, true);
	if (ret)
		return ret;

	/*
	 * Pin for writing whenever the mapping allows device writes, even if
	 * this caller only reads: a later writer reuses this pin, and a page
	 * pinned read-only may still be shared copy-on-write.
	 */
	if (dma->prot & IOMMU_WRITE)
		gup_flags |= FOLL_WRITE;

	if (!type1_owner_mm_get(dma->owner)) {
		ret = -ESRCH;
		goto out_uncharge;
	}
	ret = mmap_read_lock_killable(mm);
	if (ret) {
		type1_owner_mm_put(dma->owner);
		goto out_uncharge;
	}
	pinned = pin_user_pages_remote(mm, vaddr, npage, gup_flags, pages,
				       NULL, NULL);
	mmap_read_unlock(mm);
	type1_owner_mm_put(dma->owner);
	if (pinned != npage) {
		ret = pinned < 0 ? pinned : -EFAULT;
		if (pinned > 0)
			unpin_user_pages(pages, pinned);
		goto out_uncharge;
	}

	for (i = 0; i < npage; i++) {
		pin = kmalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
		if (!pin) {
			ret = -ENOMEM;
			goto out_unwind;
		}
		pin->page = pages[i];
		pin->group = group;
		pin->refs = 1;
		ret = xa_err(xa_store(&dma->pins,
				      type1_pin_index(dma, iova) + i, pin,
				      GFP_KERNEL_ACCOUNT));
		if (ret) {
			kfree(pin);
			goto out_unwind;
		}
		dma->npinned++;
	}
	return 0;

out_unwind:
	/* Pages [0, i) have a pin with a single reference now. */
	unpin_user_pages(pages + i, npage - i);
	while (i--)
		type1_unpin_one(dma, iova + (u64)i * PAGE_SIZE);
out_uncharge:
	type1_pin_account(dma, npage, false);
	return ret;
}

/*
 * Drop one pin of each of @npage pages from the page-aligned @iova, and
 * uncharge the pages that lost their last pin, once per mapping rather
 * than once per page. Returns how many pages held no pin.
 */
static int type1_unpin_locked(struct type1_iommu *iommu, u64 iova, int npage)
{
	struct type1_dma *dma = NULL;
	unsigned long dropped = 0;
	int i, missing = 0;

	lockdep_assert_held(&iommu->lock);

	for (i = 0; i < npage; i++) {
		u64 page_iova = iova + (u64)i * PAGE_SIZE;
		int ret;

		if (!dma || page_iova > dma->last) {
			if (dma)
				type1_pin_account(dma, dropped, false);
			dropped = 0;
			dma = type1_dma_find(iommu, page_iova);
		}
		ret = dma ? type1_unpin_one(dma, page_iova) : -ENOENT;
		if (ret < 0)
			missing++;
		else
			dropped += ret;
	}
	if (dma)
		type1_pin_account(dma, dropped, false);
	return missing;
}

/**
 * type1_pin_pages - pin pages of mapped IOVA for an emulated-IOMMU device
 * @iommu_data: the container (&struct type1_iommu)
 * @group: IOMMU group of the device asking
 * @user_iova: IOVA in bytes of the first page; pages are identified by
 *	their page frame (@user_iova >> PAGE_SHIFT), so an unaligned IOVA
 *	pins the page containing it
 * @npage: number of consecutive pages, 1 to VFIO_PIN_PAGES_MAX_ENTRIES
 * @prot: IOMMU_READ and/or IOMMU_WRITE access the device needs
 * @pages: returns the pinned pages
 *
 * Each page is pinned (FOLL_LONGTERM) in the address space of the process
 * that mapped it; its first pin charges one page to that process's
 * locked_vm. Runs of pages not pinned yet are charged and pinned with one
 * call each. Either all @npage pages are pinned or none: a failure undoes
 * what this call pinned and clears @pages.
 *
 * Context: process context; takes @iommu->lock and the owner's mmap_lock.
 * Return: @npage on success; -EINVAL for bad arguments, an IOVA that is not
 * mapped or whose unmap is under way (as upstream's iommufd answers for an
 * area being unmapped), or no open device with a dma_unmap callback in the
 * container;
 * -E2BIG if @npage is too large; -EACCES in a Type1 (v1) container, as
 * upstream; -EPERM if @prot asks for more than the mapping allows; -ESRCH
 * if the mapping's owner has exited; -ENOMEM over RLIMIT_MEMLOCK or out of
 * memory; -EOVERFLOW if a page's pin count is saturated; -EINTR if
 * interrupted by a fatal signal; or the pin_user_pages_remote() error
 * (-EFAULT and so on).
 */
int type1_pin_pages(void *iommu_data, struct iommu_group *group,
		    dma_addr_t user_iova, int npage, int prot,
		    struct page **pages)
{
	struct type1_iommu *iommu = iommu_data;
	u64 iova = user_iova & PAGE_MASK;
	struct type1_dma *dma = NULL;
	struct type1_pin *pin;
	int i, n, ret;

	if (!iommu || !pages || npage <= 0)
		return -EINVAL;
	if (npage > VFIO_PIN_PAGES_MAX_ENTRIES)
		return -E2BIG;
	/* The IOVA of the last page must not wrap around to low mappings. */
	if (iova + (u64)(npage - 1) * PAGE_SIZE < iova)
		return -EINVAL;
	/* Upstream never offered pinning to v1 containers; neither do we. */
	if (!iommu->v2)
		return -EACCES;

	mutex_lock(&iommu->lock);
	/*
	 * Without a dma_unmap callback nobody could be asked to unpin. A
	 * device that pins is open, so its own registration keeps this
	 * stable; only other devices' opens and closes race with the read.
	 */
	if (!READ_ONCE(iommu->nnotify)) {
		ret = -EINVAL;
		goto out_unlock;
	}

	for (i = 0; i < npage; i += n) {
		u64 page_iova = iova + (u64)i * PAGE_SIZE;

		if (!dma || page_iova > dma->last) {
			dma = type1_dma_find(iommu, page_iova);
			/*
			 * A mapping being unmapped is as good as gone: a pin
			 * now would only prolong the unmap, or outlast it.
			 */
			if (!dma || dma->unmapping) {
				ret = -EINVAL;
				goto out_unwind;
			}
			if ((dma->prot & prot) != prot) {
				ret = -EPERM;
				goto out_unwind;
			}
		}

		pin = xa_load(&dma->pins, type1_pin_index(dma, page_iova));
		if (pin) {
			if (pin->refs == UINT_MAX) {
				ret = -EOVERFLOW;
				goto out_unwind;
			}
			pin->refs++;
			pages[i] = pin->page;
			n = 1;
			continue;
		}

		/* The run of unpinned pages from here within this mapping. */
		for (n = 1; i + n < npage; n++) {
			u64 next = page_iova + (u64)n * PAGE_SIZE;

			if (next > dma->last ||
			    xa_load(&dma->pins, type1_pin_index(dma, next)))
				break;
		}
		ret = type1_pin_run(dma, group, page_iova, n, pages + i);
		if (ret)
			goto out_unwind;
	}
	mutex_unlock(&iommu->lock);
	return npage;

out_unwind:
	type1_unpin_locked(iommu, iova, i);
	memset(pages, 0, npage * sizeof(*pages));
out_unlock:
	mutex_unlock(&iommu->lock);
	return ret;
}

/**
 * type1_unpin_pages - drop pins taken by type1_pin_pages()
 * @iommu_data: the container (&struct type1_iommu)
 * @user_iova: IOVA in bytes of the first page, as passed to the pin
 * @npage: number of consecutive pages
 *
 * The last pin of a page unpins it (marking it dirty if the mapping is
 * writable) and uncharges it from the owner's locked_vm. Pages that hold
 * no pin are skipped and reported, since that is a driver bug.
 *
 * Context: process context; takes @iommu->lock and the owner's mmap_lock.
 * Called from dma_unmap callbacks while an unmap waits for them.
 */
void type1_unpin_pages(void *iommu_data, dma_addr_t user_iova, int npage)
{
	struct type1_iommu *iommu = iommu_data;
	u64 iova = user_iova & PAGE_MASK;
	int missing;

	if (!iommu || npage <= 0 ||
	    iova + (u64)(npage - 1) * PAGE_SIZE < iova)
		return;

	mutex_lock(&iommu->lock);
	missing = type1_unpin_locked(iommu, iova, npage);
	mutex_unlock(&iommu->lock);

	if (missing)
		pr_warn_ratelimited("mdev_sdk_vfio_iommu_type1: unpin of %d page(s) from IOVA 0x%llx that were not pinned\n",
				    missing, iova);
}

/**
 * type1_pin_first - find a pinned page of a mapping
 * @dma: the mapping
 *
 * Context: process context, &type1_iommu.lock held.
 * Return: the pin of the mapping's lowest pinned page, or NULL.
 */
struct type1_pin *type1_pin_first(struct type1_dma *dma)
{
	unsigned long index = 0;

	return xa_find(&dma->pins, &index, ULONG_MAX, XA_PRESENT);
}

/**
 * type1_pin_release_dma - force out the pins of a mapping being released
 * @dma: the mapping, in a container being released
 *
 * Every device unpins in its close_device() callback, before the container
 * can be released, so any pin left here is a driver bug the caller reports.
 * Unpin and uncharge anyway, so that neither the pages nor locked_vm leak.
 *
 * Context: process context, &type1_iommu.lock held.
 * Return: the number of pages that were still pinned.
 */
unsigned long type1_pin_release_dma(struct type1_dma *dma)
{
	struct type1_pin *pin;
	unsigned long index, leaked = 0;

	xa_for_each(&dma->pins, index, pin) {
		pin->refs = 1;
		type1_unpin_one(dma, dma->iova + ((u64)index << PAGE_SHIFT));
		leaked++;
	}
	type1_pin_account(dma, leaked, false);
	return leaked;
}
