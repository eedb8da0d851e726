// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled iommufd: the user memory behind a mapping, its page
 * pins and their accounting.
 *
 * Nothing is pinned at map time. A page is pinned (FOLL_LONGTERM, in the
 * mapper's mm) the first time an access asks for it, and unpinned when the
 * last access lets it go; every pin of a page in between is only counted.
 * Distinct pinned pages are charged the way upstream charges them, to the
 * process that mapped the memory: always mm->pinned_vm (VmPin), plus
 * user->locked_vm against RLIMIT_MEMLOCK in mode 0, or mm->locked_vm
 * (VmLck) against it in mode 1. CAP_IPC_LOCK at map time exempts the
 * mapping from the limit.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "iommufd_private.h"

/* Pages pinned by one pin_user_pages_remote() call. */
#define IOMMUFD_PIN_BATCH 32

/**
 * struct iommufd_pin - a page of an &struct iommufd_pages that is pinned
 * @page: the page, pinned once in the mm
 * @users: pins handed out for it and not yet returned
 */
struct iommufd_pin {
	struct page *page;
	unsigned long users;
};

/**
 * iommufd_pages_alloc() - record user memory for a mapping
 * @ictx: the context, for its RLIMIT_MODE
 * @uptr: user address, any byte
 * @length: bytes
 * @writable: the mapping may be written; pins will use FOLL_WRITE
 *
 * The caller's mm, thread group leader and user are recorded (and
 * referenced) as the source of the pages and the payer for their pins.
 *
 * Context: process context of the mapping process.
 * Return: the pages with one reference; ERR_PTR(-EINVAL) for a zero or
 * huge length, ERR_PTR(-EOVERFLOW) when the range wraps, ERR_PTR(-ENOMEM).
 */
struct iommufd_pages *iommufd_pages_alloc(struct iommufd_ctx *ictx,
					  unsigned long uptr,
					  unsigned long length, bool writable)
{
	struct iommufd_pages *pages;
	unsigned long end;

	if (length == 0 || length > SIZE_MAX - PAGE_SIZE)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(uptr, length, &end))
		return ERR_PTR(-EOVERFLOW);

	pages = kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);

	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	xa_init_flags(&pages->pinned, XA_FLAGS_ACCOUNT);
	pages->uptr = (void __user *)(uptr & PAGE_MASK);
	pages->npages = DIV_ROUND_UP(end - (uptr & PAGE_MASK), PAGE_SIZE);
	pages->writable = writable;
	pages->source_mm = current->mm;
	mmgrab(pages->source_mm);
	pages->source_task = current->group_leader;
	get_task_struct(pages->source_task);
	pages->source_user = get_uid(current_user());
	if (capable(CAP_IPC_LOCK))
		pages->account_mode = IOMMUFD_ACCOUNT_NONE;
	else if (READ_ONCE(ictx->account_mode) == IOMMUFD_ACCOUNT_MM)
		pages->account_mode = IOMMUFD_ACCOUNT_MM;
	else
		pages->account_mode = IOMMUFD_ACCOUNT_USER;
	return pages;
}

static void iommufd_pages_release(struct kref *kref)
{
	struct iommufd_pages *pages =
		container_of(kref, struct iommufd_pages, kref);

	/* An area with pins cannot be unmapped, so none can be left. */
	if (pages->npinned)
		pr_err_ratelimited("released with %lu pages pinned, leaked\n",
				   pages->npinned);
	xa_destroy(&pages->pinned);
	mutex_destroy(&pages->mutex);
	free_uid(pages->source_user);
	put_task_struct(pages->source_task);
	mmdrop(pages->source_mm);
	kfree(pages);
}

void iommufd_pages_put(struct iommufd_pages *pages)
{
	kref_put(&pages->kref, iommufd_pages_release);
}

static int iommufd_user_charge(struct iommufd_pages *pages,
			       unsigned long npages)
{
	unsigned long limit, cur, new;

	limit = task_rlimit(pages->source_task, RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(&pages->source_user->locked_vm);
	do {
		if (check_add_overflow(cur, npages, &new) || new > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&pages->source_user->locked_vm,
					  &cur, new));
	return 0;
}

static int iommufd_mm_account(struct iommufd_pages *pages,
			      unsigned long npages, bool inc)
{
	int rc;

	/* A dead mm has no counters left to charge or to give back. */
	if (!mmget_not_zero(pages->source_mm))
		return inc ? -EFAULT : 0;
	mmap_write_lock(pages->source_mm);
	rc = __account_locked_vm(pages->source_mm, npages, inc,
				 pages->source_task, false);
	mmap_write_unlock(pages->source_mm);
	mmput(pages->source_mm);
	return rc;
}

static int iommufd_pages_charge(struct iommufd_pages *pages,
				unsigned long npages)
{
	int rc = 0;

	lockdep_assert_held(&pages->mutex);

	if (!npages)
		return 0;
	if (pages->account_mode == IOMMUFD_ACCOUNT_USER)
		rc = iommufd_user_charge(pages, npages);
	else if (pages->account_mode == IOMMUFD_ACCOUNT_MM)
		rc = iommufd_mm_account(pages, npages, true);
	if (rc)
		return rc;
	atomic64_add(npages, &pages->source_mm->pinned_vm);
	pages->npinned += npages;
	return 0;
}

static void iommufd_pages_uncharge(struct iommufd_pages *pages,
				   unsigned long npages)
{
	lockdep_assert_held(&pages->mutex);

	if (!npages)
		return;
	if (pages->account_mode == IOMMUFD_ACCOUNT_USER)
		atomic_long_sub(npages, &pages->source_user->locked_vm);
	else if (pages->account_mode == IOMMUFD_ACCOUNT_MM)
		iommufd_mm_account(pages, npages, false);
	atomic64_sub(npages, &pages->source_mm->pinned_vm);
	pages->npinned -= npages;
}

static void iommufd_pin_release(struct iommufd_pages *pages,
				unsigned long index, struct iommufd_pin *pin)
{
	xa_erase(&pages->pinned, index);
	unpin_user_pages_dirty_lock(&pin->page, 1, pages->writable);
	kfree(pin);
}

/* Pin the run [first, last] of pages not pinned yet; mmap_lock held. */
static int iommufd_pages_pin_run(struct iommufd_pages *pages,
				 unsigned long first, unsigned long last)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	struct page *batch[IOMMUFD_PIN_BATCH];
	struct iommufd_pin *pin;
	long npinned, i;
	int rc;

	if (pages->writable)
		gup_flags |= FOLL_WRITE;

	while (first <= last) {
		unsigned long n = min_t(unsigned long, last - first + 1,
					IOMMUFD_PIN_BATCH);

		npinned = pin_user_pages_remote(pages->source_mm,
						(uintptr_t)pages->uptr +
							first * PAGE_SIZE,
						n, gup_flags, batch, NULL, NULL);
		if (npinned <= 0)
			return npinned ? npinned : -EFAULT;
		for (i = 0; i != npinned; i++) {
			pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
			rc = pin ? xa_insert(&pages->pinned, first + i, pin,
					     GFP_KERNEL_ACCOUNT) :
				   -ENOMEM;
			if (rc) {
				kfree(pin);
				unpin_user_pages(batch + i, npinned - i);
				return rc;
			}
			pin->page = batch[i];
		}
		first += npinned;
	}
	return 0;
}

/**
 * iommufd_pages_pin() - pin the pages [first, last] and count the pins
 * @pages: the user memory
 * @first: first page index
 * @last: last page index, inclusive
 * @out_pages: receives the @last - @first + 1 pages
 *
 * All or nothing: on failure no page gets a pin and no charge stays.
 *
 * Context: process or kernel thread context; takes @pages->mutex and the
 * source mm's mmap_lock.
 * Return: 0; -ENOMEM over RLIMIT_MEMLOCK or out of memory; -EFAULT when
 * the mapper's mm is gone or the memory is not there; -EINTR on a fatal
 * signal; the error of pin_user_pages_remote().
 */
int iommufd_pages_pin(struct iommufd_pages *pages, unsigned long first,
		      unsigned long last, struct page **out_pages)
{
	unsigned long index, run, nr_new = 0;
	struct iommufd_pin *pin;
	int rc = 0;

	mutex_lock(&pages->mutex);
	for (index = first; index <= last; index++)
		if (!xa_load(&pages->pinned, index))
			nr_new++;

	/* Charged before pinning so the limit is never exceeded. */
	rc = iommufd_pages_charge(pages, nr_new);
	if (rc)
		goto out_unlock;

	if (nr_new) {
		if (!mmget_not_zero(pages->source_mm)) {
			rc = -EFAULT;
			goto out_uncharge;
		}
		rc = mmap_read_lock_killable(pages->source_mm);
		if (rc) {
			mmput(pages->source_mm);
			goto out_uncharge;
		}
		for (index = first; index <= last && !rc; index = run + 1) {
			run = index;
			if (xa_load(&pages->pinned, index))
				continue;
			while (run < last && !xa_load(&pages->pinned, run + 1))
				run++;
			rc = iommufd_pages_pin_run(pages, index, run);
		}
		mmap_read_unlock(pages->source_mm);
		mmput(pages->source_mm);
		if (rc)
			goto out_unpin_new;
	}

	for (index = first; index <= last; index++) {
		pin = xa_load(&pages->pinned, index);
		pin->users++;
		out_pages[index - first] = pin->page;
	}
	goto out_unlock;

out_unpin_new:
	/* Entries without users are the ones this call pinned. */
	for (index = first; index <= last; index++) {
		pin = xa_load(&pages->pinned, index);
		if (pin && !pin->users)
			iommufd_pin_release(pages, index, pin);
	}
out_uncharge:
	iommufd_pages_uncharge(pages, nr_new);
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iommufd_pages_unpin() - return one pin of each page [first, last]
 * @pages: the user memory
 * @first: first page index
 * @last: last page index, inclusive
 *
 * A page whose last pin goes is unpinned in the mm (dirtied when the
 * mapping is writable) and uncharged.
 *
 * Context: process or kernel thread context; takes @pages->mutex.
 */
void iommufd_pages_unpin(struct iommufd_pages *pages, unsigned long first,
			 unsigned long last)
{
	unsigned long index, freed = 0;
	struct iommufd_pin *pin;

	mutex_lock(&pages->mutex);
	for (index = first; index <= last; index++) {
		pin = xa_load(&pages->pinned, index);
		/* The caller checked the access holds it; be safe anyway. */
		if (!pin || !pin->users)
			continue;
		if (--pin->users)
			continue;
		iommufd_pin_release(pages, index, pin);
		freed++;
	}
	iommufd_pages_uncharge(pages, freed);
	mutex_unlock(&pages->mutex);
}

/**
 * iommufd_pages_rw() - copy between a kernel buffer and the user memory
 * @pages: the user memory
 * @start_byte: offset from @pages->uptr
 * @data: kernel buffer
 * @len: bytes
 * @write: copy @data into the user memory, else out of it
 *
 * Each page is pinned only for its copy, through the mapper's mm, so this
 * works from any thread, kernel threads included.
 *
 * Context: process or kernel thread context; sleeps.
 * Return: 0; -EFAULT when the mm is gone or the memory is not there;
 * -EINTR on a fatal signal.
 */
int iommufd_pages_rw(struct iommufd_pages *pages, unsigned long start_byte,
		     void *data, size_t len, bool write)
{
	unsigned long uaddr = (uintptr_t)pages->uptr + start_byte;
	int rc = 0;

	if (!mmget_not_zero(pages->source_mm))
		return -EFAULT;
	while (len) {
		size_t offset = offset_in_page(uaddr);
		size_t chunk = min_t(size_t, len, PAGE_SIZE - offset);
		struct page *page;
		long npinned;

		rc = mmap_read_lock_killable(pages->source_mm);
		if (rc)
			break;
		npinned = pin_user_pages_remote(pages->source_mm,
						uaddr & PAGE_MASK, 1,
						write ? FOLL_WRITE : 0, &page,
						NULL, NULL);
		mmap_read_unlock(pages->source_mm);
		if (npinned != 1) {
			rc = npinned < 0 ? npinned : -EFAULT;
			break;
		}
		if (write)
			memcpy_to_page(page, offset, data, chunk);
		else
			memcpy_from_page(data, page, offset, chunk);
		unpin_user_pages_dirty_lock(&page, 1, write);

		uaddr += chunk;
		data += chunk;
		len -= chunk;
		cond_resched();
	}
	mmput(pages->source_mm);
	return rc;
}
