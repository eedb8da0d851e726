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
 * Charge (@charge) or uncharge one page to the owner of @dma. An owner
 * that has exited has nothing left to uncharge; charging it fails.
 */
static int type1_pin_account(struct type1_dma *dma, bool charge)
{
	struct mm_struct *mm = dma->mm;
	int ret;

	if (!mmget_not_zero(mm))
		return -ESRCH;

	if (charge) {
		ret = mmap_write_lock_killable(mm);
		if (ret)
			goto out_put_mm;
	} else {
		/* Giving back must not fail, or locked_vm leaks. */
		mmap_write_lock(mm);
	}
	ret = __account_locked_vm(mm, 1, charge, dma->task, dma->lock_cap);
	mmap_write_unlock(mm);

	if (ret == -ENOMEM)
		pr_warn_ratelimited("mdev_sdk_vfio_iommu_type1: %s (%d) would exceed RLIMIT_MEMLOCK (%lu bytes)\n",
				    dma->task->comm, task_pid_nr(dma->task),
				    task_rlimit(dma->task, RLIMIT_MEMLOCK));
out_put_mm:
	mmput(mm);
	return ret;
}

/* Release a page whose last pin went away. */
static void type1_pin_drop(struct type1_pin *pin)
{
	struct type1_dma *dma = pin->dma;

	/* The device may have written to a writable mapping. */
	unpin_user_pages_dirty_lock(&pin->page, 1, dma->prot & IOMMU_WRITE);
	dma->npinned--;
	type1_pin_account(dma, false);
	kfree(pin);
}

static int type1_pin_one(struct type1_iommu *iommu, struct iommu_group *group,
			 u64 iova, int prot, struct page **page)
{
	unsigned long pfn = iova >> PAGE_SHIFT;
	unsigned int gup_flags = FOLL_LONGTERM;
	struct type1_pin *pin;
	struct type1_dma *dma;
	unsigned long vaddr;
	long pinned;
	int ret;

	lockdep_assert_held(&iommu->lock);

	dma = type1_dma_find(iommu, iova);
	if (!dma)
		return -EINVAL;
	if ((dma->prot & prot) != prot)
		return -EPERM;

	pin = xa_load(&iommu->pins, pfn);
	if (pin) {
		if (pin->refs == UINT_MAX)
			return -EOVERFLOW;
		pin->refs++;
		*page = pin->page;
		return 0;
	}

	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;

	/* Charge before pinning: never hold a page the owner may not lock. */
	ret = type1_pin_account(dma, true);
	if (ret)
		goto out_free_pin;

	/*
	 * Pin for writing whenever the mapping allows device writes, even if
	 * this caller only reads: a later writer reuses this pin, and a page
	 * pinned read-only may still be shared copy-on-write.
	 */
	if (dma->prot & IOMMU_WRITE)
		gup_flags |= FOLL_WRITE;
	vaddr = dma->vaddr + ((u64)pfn << PAGE_SHIFT) - dma->iova;

	if (!mmget_not_zero(dma->mm)) {
		ret = -ESRCH;
		goto out_uncharge;
	}
	ret = mmap_read_lock_killable(dma->mm);
	if (ret)
		goto out_put_mm;
	pinned = pin_user_pages_remote(dma->mm, vaddr, 1, gup_flags,
				       &pin->page, NULL, NULL);
	mmap_read_unlock(dma->mm);
	if (pinned != 1) {
		ret = pinned < 0 ? pinned : -EFAULT;
		goto out_put_mm;
	}
	mmput(dma->mm);

	pin->dma = dma;
	pin->group = group;
	pin->refs = 1;
	ret = xa_err(xa_store(&iommu->pins, pfn, pin, GFP_KERNEL_ACCOUNT));
	if (ret)
		goto out_unpin;
	dma->npinned++;
	*page = pin->page;
	return 0;

out_unpin:
	unpin_user_page(pin->page);
	goto out_uncharge;
out_put_mm:
	mmput(dma->mm);
out_uncharge:
	type1_pin_account(dma, false);
out_free_pin:
	kfree(pin);
	return ret;
}

/* Return false if the page at @iova held no pin. */
static bool type1_unpin_one(struct type1_iommu *iommu, u64 iova)
{
	unsigned long pfn = iova >> PAGE_SHIFT;
	struct type1_pin *pin;

	lockdep_assert_held(&iommu->lock);

	pin = xa_load(&iommu->pins, pfn);
	if (!pin)
		return false;
	if (--pin->refs)
		return true;

	xa_erase(&iommu->pins, pfn);
	type1_pin_drop(pin);
	return true;
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
 * locked_vm. Either all @npage pages are pinned or none: a failure undoes
 * what this call pinned and clears @pages.
 *
 * Context: process context; takes @iommu->lock and the owner's mmap_lock.
 * Return: @npage on success; -EINVAL for bad arguments, an IOVA that is not
 * mapped, or no open device with a dma_unmap callback in the container;
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
	u64 iova = user_iova;
	int i, ret;

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
	/* Without a dma_unmap callback nobody could be asked to unpin. */
	if (!iommu->nnotify) {
		ret = -EINVAL;
		goto out_unlock;
	}

	for (i = 0; i < npage; i++) {
		ret = type1_pin_one(iommu, group, iova + (u64)i * PAGE_SIZE,
				    prot, &pages[i]);
		if (ret)
			goto out_unwind;
	}
	mutex_unlock(&iommu->lock);
	return npage;

out_unwind:
	pages[i] = NULL;
	while (i--) {
		type1_unpin_one(iommu, iova + (u64)i * PAGE_SIZE);
		pages[i] = NULL;
	}
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
	u64 iova = user_iova;
	int i, missing = 0;

	if (!iommu || npage <= 0 ||
	    iova + (u64)(npage - 1) * PAGE_SIZE < iova)
		return;

	mutex_lock(&iommu->lock);
	for (i = 0; i < npage; i++) {
		if (!type1_unpin_one(iommu, iova + (u64)i * PAGE_SIZE))
			missing++;
	}
	mutex_unlock(&iommu->lock);

	if (missing)
		pr_warn_ratelimited("mdev_sdk_vfio_iommu_type1: unpin of %d page(s) from IOVA 0x%llx that were not pinned\n",
				    missing, iova);
}

/**
 * type1_pin_find_range - find a pinned page in a range of IOVA
 * @iommu: the container
 * @first: first IOVA in bytes
 * @last: last IOVA in bytes, inclusive
 *
 * Context: process context, @iommu->lock held.
 * Return: the pin of the lowest pinned page in the range, or NULL.
 */
struct type1_pin *type1_pin_find_range(struct type1_iommu *iommu, u64 first,
				       u64 last)
{
	unsigned long index = first >> PAGE_SHIFT;

	lockdep_assert_held(&iommu->lock);

	return xa_find(&iommu->pins, &index, last >> PAGE_SHIFT, XA_PRESENT);
}

/**
 * type1_pin_release_all - force out the pins of a container being released
 * @iommu: the container
 *
 * Every device unpins in its close_device() callback, before the container
 * can be released, so any pin left here is a driver bug: warn once, then
 * unpin and uncharge so that neither the pages nor locked_vm leak.
 *
 * Context: process context, @iommu->lock held.
 */
void type1_pin_release_all(struct type1_iommu *iommu)
{
	struct type1_pin *pin;
	unsigned long pfn, leaked = 0;

	lockdep_assert_held(&iommu->lock);

	xa_for_each(&iommu->pins, pfn, pin) {
		xa_erase(&iommu->pins, pfn);
		type1_pin_drop(pin);
		leaked++;
	}
	WARN_ONCE(leaked,
		  "mdev_sdk_vfio_iommu_type1: %lu page(s) still pinned at container release; unpinned\n",
		  leaked);
}
