// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled iommufd: the access API, through which an emulated
 * device reaches the memory mapped in an IOAS. It mirrors upstream's
 * (drivers/iommu/iommufd/device.c) names, signatures and errnos, with two
 * differences: a driver's misuse is logged, ratelimited, instead of
 * WARNing, and pins a driver leaves behind at detach are released rather
 * than leaked, because every pin is also recorded per access.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

static bool iommufd_area_prot_ok(struct iommufd_area *area,
				 unsigned int flags)
{
	if (flags & IOMMUFD_ACCESS_RW_WRITE)
		return area->prot & IOMMU_IOAS_MAP_WRITEABLE;
	return area->prot & IOMMU_IOAS_MAP_READABLE;
}

/* Forget one pin of each IOVA page frame [first_pfn, last_pfn]. */
static void iommufd_access_unrecord(struct iommufd_access *access,
				    unsigned long first_pfn,
				    unsigned long last_pfn)
{
	unsigned long pfn;

	for (pfn = first_pfn; pfn <= last_pfn; pfn++) {
		unsigned long count = xa_to_value(xa_load(&access->pins, pfn));

		/* Lowering a count in place never allocates. */
		if (count > 1)
			xa_store(&access->pins, pfn, xa_mk_value(count - 1),
				 GFP_KERNEL);
		else
			xa_erase(&access->pins, pfn);
	}
}

/*
 * Undo the pins of [iova, last] in @ioas; the caller checked they are
 * recorded for this access and holds the IOAS's iova_rwsem.
 */
static void __iommufd_access_unpin(struct iommufd_access *access,
				   struct iommufd_ioas *ioas,
				   unsigned long iova, unsigned long last)
{
	struct iommufd_area_iter iter;
	struct iommufd_area *area;

	lockdep_assert_held(&access->ioas_lock);
	lockdep_assert_held(&ioas->iova_rwsem);

	for (area = iommufd_area_iter_first(&iter, ioas, iova, last);
	     area; area = iommufd_area_iter_next(&iter, area)) {
		unsigned long seg_last = iommufd_area_last(area, last);
		unsigned long first = iommufd_area_index(area, iter.cur);
		unsigned long end = iommufd_area_index(area, seg_last);

		iommufd_pages_unpin(area->pages, first, end);
		atomic_long_sub(end - first + 1, &area->num_pins);
	}
	/* Pinned areas cannot be unmapped, so the walk always completes. */
	iommufd_access_unrecord(access, iova >> PAGE_SHIFT, last >> PAGE_SHIFT);
}

/* Whether this access holds a pin on every page of [iova, last]. */
static bool iommufd_access_holds(struct iommufd_access *access,
				 unsigned long iova, unsigned long last)
{
	unsigned long pfn;

	for (pfn = iova >> PAGE_SHIFT; pfn <= last >> PAGE_SHIFT; pfn++)
		if (!xa_load(&access->pins, pfn))
			return false;
	return true;
}

/* Record one more pin of each page of [iova, last]; all or nothing. */
static int iommufd_access_record(struct iommufd_access *access,
				 unsigned long iova, unsigned long last)
{
	unsigned long pfn;
	int rc;

	for (pfn = iova >> PAGE_SHIFT; pfn <= last >> PAGE_SHIFT; pfn++) {
		unsigned long count = xa_to_value(xa_load(&access->pins, pfn));

		rc = xa_err(xa_store(&access->pins, pfn,
				     xa_mk_value(count + 1), GFP_KERNEL));
		if (rc)
			goto undo;
	}
	return 0;

undo:
	if (pfn != iova >> PAGE_SHIFT)
		iommufd_access_unrecord(access, iova >> PAGE_SHIFT, pfn - 1);
	return rc;
}

/* Give back, in @ioas, every pin the driver forgot; ioas_lock held. */
static void iommufd_access_release_pins(struct iommufd_access *access,
					struct iommufd_ioas *ioas)
{
	unsigned long pfn, leaked = 0;
	void *entry;

	if (xa_empty(&access->pins))
		return;

	down_read(&ioas->iova_rwsem);
	xa_for_each(&access->pins, pfn, entry) {
		unsigned long count = xa_to_value(entry);
		unsigned long iova = pfn << PAGE_SHIFT;

		leaked += count;
		while (count--)
			__iommufd_access_unpin(access, ioas, iova,
					       iova + PAGE_SIZE - 1);
	}
	up_read(&ioas->iova_rwsem);
	pr_warn_ratelimited("access %u (%ps) detached holding %lu page pins; released them\n",
			    access->obj.id, access->ops->unmap, leaked);
}

/*
 * Move the access to @new_ioas (NULL: detach). The old IOAS's users are
 * told to unmap everything first, with no lock held, as upstream does.
 */
static int iommufd_access_change_ioas(struct iommufd_access *access,
				      struct iommufd_ioas *new_ioas)
{
	struct iommufd_ioas *cur_ioas = access->ioas;
	u32 cur_id = access->ioas_access_id;
	u32 new_id = 0;
	int rc;

	lockdep_assert_held(&access->ioas_lock);

	/* Another change dropped the lock to call ops->unmap; let it finish. */
	if (cur_ioas != access->ioas_unpin)
		return -EBUSY;
	if (cur_ioas == new_ioas)
		return 0;

	/* Blocks new pins; unpins keep going to ioas_unpin. */
	access->ioas = NULL;

	if (new_ioas) {
		rc = iommufd_iopt_add_access(new_ioas, access, &new_id);
		if (rc) {
			access->ioas = cur_ioas;
			return rc;
		}
		/* Pairs with the put below when the access leaves it. */
		refcount_inc(&new_ioas->obj.users);
	}

	if (cur_ioas) {
		if (access->ops->unmap) {
			mutex_unlock(&access->ioas_lock);
			access->ops->unmap(access->data, 0, ULONG_MAX);
			mutex_lock(&access->ioas_lock);
		}
		iommufd_access_release_pins(access, cur_ioas);
		iommufd_iopt_remove_access(cur_ioas, cur_id);
		iommufd_put_object(access->ictx, &cur_ioas->obj);
	}

	access->ioas = new_ioas;
	access->ioas_unpin = new_ioas;
	access->ioas_access_id = new_id;
	return 0;
}

static int iommufd_access_change_ioas_id(struct iommufd_access *access,
					 u32 ioas_id)
{
	struct iommufd_ioas *ioas;
	int rc;

	ioas = iommufd_get_ioas(access->ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iommufd_access_change_ioas(access, ioas);
	iommufd_put_object(access->ictx, &ioas->obj);
	return rc;
}

/**
 * iommufd_access_create() - create an access for an emulated device
 * @ictx: the iommufd context the device was bound to
 * @ops: the driver's callbacks; @ops->unmap is required with
 *	@ops->needs_pin_pages
 * @data: passed back to @ops->unmap
 * @id: out: the access's object id, which is the device id user space
 *	sees (VFIO_DEVICE_BIND_IOMMUFD's out_devid)
 *
 * The access takes a reference on @ictx, so the iommufd file outlives the
 * user's descriptor for as long as the access exists. Mirrors upstream's
 * iommufd_access_create().
 *
 * Context: process context.
 * Return: the access; ERR_PTR(-EINVAL) for @ops that pin pages without an
 * unmap callback; ERR_PTR(-ENOMEM); ERR_PTR(-EBUSY) when the id space of
 * @ictx is exhausted.
 */
struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id)
{
	struct iommufd_access *access;
	int rc;

	if (ops->needs_pin_pages && !ops->unmap)
		return ERR_PTR(-EINVAL);

	access = kzalloc(sizeof(*access), GFP_KERNEL_ACCOUNT);
	if (!access)
		return ERR_PTR(-ENOMEM);
	access->ictx = ictx;
	access->ops = ops;
	access->data = data;
	access->iova_alignment = ops->needs_pin_pages ? PAGE_SIZE : 1;
	mutex_init(&access->ioas_lock);
	xa_init(&access->pins);

	rc = iommufd_object_reserve(ictx, &access->obj, IOMMUFD_OBJ_ACCESS);
	if (rc) {
		mutex_destroy(&access->ioas_lock);
		kfree(access);
		return ERR_PTR(rc);
	}
	/* The driver's reference, dropped by iommufd_access_destroy(). */
	refcount_inc(&access->obj.users);
	iommufd_ctx_get(ictx);
	iommufd_object_finalize(ictx, &access->obj);
	*id = access->obj.id;
	return access;
}
EXPORT_SYMBOL_GPL(iommufd_access_create);

/**
 * iommufd_access_destroy() - destroy an access
 * @access: the access; the caller must not use it again
 *
 * Detaches it if attached (calling @ops->unmap for all IOVA, and releasing
 * with a log line any pin the driver still holds), waits for unmap
 * notifications still running on it, then frees it and drops its context
 * reference. Mirrors upstream's iommufd_access_destroy().
 *
 * Context: process context; sleeps. The driver must not hold a lock its
 * @ops->unmap takes.
 */
void iommufd_access_destroy(struct iommufd_access *access)
{
	struct iommufd_ctx *ictx = access->ictx;

	mutex_lock(&access->ioas_lock);
	if (access->ioas_unpin)
		iommufd_access_change_ioas(access, NULL);
	mutex_unlock(&access->ioas_lock);

	xa_erase(&ictx->objects, access->obj.id);
	/* The table's reference and the driver's. */
	if (!refcount_sub_and_test(2, &access->obj.users))
		wait_event(ictx->destroy_wait,
			   !refcount_read(&access->obj.users));

	xa_destroy(&access->pins);
	mutex_destroy(&access->ioas_lock);
	kfree(access);
	iommufd_ctx_put(ictx);
}
EXPORT_SYMBOL_GPL(iommufd_access_destroy);

/**
 * iommufd_access_attach() - attach an access to an IOAS
 * @access: the access, not attached
 * @ioas_id: id of an IOAS in the access's context
 *
 * A pinning access raises the IOAS's alignment to PAGE_SIZE. Mirrors
 * upstream's iommufd_access_attach() (VFIO_DEVICE_ATTACH_IOMMUFD_PT).
 *
 * Context: process context; sleeps.
 * Return: 0; -EINVAL if already attached; -ENOENT when @ioas_id is not an
 * IOAS; -EADDRINUSE when the IOAS has an area that is not page aligned;
 * -ENOMEM; -EBUSY while a detach of the same access is running.
 */
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id)
{
	int rc;

	mutex_lock(&access->ioas_lock);
	if (access->ioas)
		rc = -EINVAL;
	else
		rc = iommufd_access_change_ioas_id(access, ioas_id);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_attach);

/**
 * iommufd_access_replace() - move an attached access to another IOAS
 * @access: the access, attached
 * @ioas_id: id of the new IOAS
 *
 * The access's @ops->unmap is called for all IOVA of the old IOAS before
 * it leaves it; replacing with the current IOAS does nothing. Mirrors
 * upstream's iommufd_access_replace().
 *
 * Context: process context; sleeps.
 * Return: 0; -ENOENT if not attached or @ioas_id is not an IOAS; the other
 * errors of iommufd_access_attach().
 */
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id)
{
	int rc;

	mutex_lock(&access->ioas_lock);
	if (!access->ioas)
		rc = -ENOENT;
	else
		rc = iommufd_access_change_ioas_id(access, ioas_id);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_replace);

/**
 * iommufd_access_detach() - detach an access from its IOAS
 * @access: the access, attached
 *
 * Calls @ops->unmap for all IOVA, then releases (with a log line) any pin
 * still held, and lowers the IOAS's alignment again. Detaching an access
 * that is not attached is logged and ignored. Mirrors upstream's
 * iommufd_access_detach().
 *
 * Context: process context; sleeps.
 */
void iommufd_access_detach(struct iommufd_access *access)
{
	mutex_lock(&access->ioas_lock);
	if (!access->ioas)
		pr_warn_ratelimited("access %u (%ps) detached while not attached\n",
				    access->obj.id, access->ops->unmap);
	else
		iommufd_access_change_ioas(access, NULL);
	mutex_unlock(&access->ioas_lock);
}
EXPORT_SYMBOL_GPL(iommufd_access_detach);

/**
 * iommufd_access_pin_pages() - pin the pages under an IOVA range
 * @access: an attached access created with @ops->needs_pin_pages
 * @iova: first IOVA, page aligned
 * @length: bytes; every page it touches is returned
 * @out_pages: receives one page per PAGE_SIZE of IOVA
 * @flags: IOMMUFD_ACCESS_RW_WRITE when the device will write the pages
 *
 * All or nothing. A page already pinned by any access is only counted; a
 * new one is pinned (FOLL_LONGTERM) in the mm of the process that mapped
 * it and charged to that process's RLIMIT_MEMLOCK. Each pin is returned
 * with iommufd_access_unpin_pages(), at the latest when @ops->unmap asks.
 * Mirrors upstream's iommufd_access_pin_pages().
 *
 * Context: process or kernel thread context; sleeps.
 * Return: 0; -EINVAL for a zero length, a misaligned @iova, an access that
 * does not pin, or an area being unmapped; -EOVERFLOW when the range
 * wraps; -ENOENT when not attached or the range is not fully mapped;
 * -EPERM for a write pin of a read-only mapping (or a read pin of a
 * write-only one); -ENOMEM over RLIMIT_MEMLOCK; -EFAULT when the memory
 * is gone.
 */
int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags)
{
	struct iommufd_area_iter iter;
	struct iommufd_area *area;
	struct iommufd_ioas *ioas;
	struct page **out = out_pages;
	unsigned long last;
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (!access->ops->needs_pin_pages) {
		pr_warn_ratelimited("access %u (%ps) pins pages without needs_pin_pages\n",
				    access->obj.id, access->ops->unmap);
		return -EINVAL;
	}

	mutex_lock(&access->ioas_lock);
	ioas = access->ioas;
	if (!ioas) {
		mutex_unlock(&access->ioas_lock);
		return -ENOENT;
	}

	down_read(&ioas->iova_rwsem);
	rc = 0;
	for (area = iommufd_area_iter_first(&iter, ioas, iova, last);
	     area; area = iommufd_area_iter_next(&iter, area)) {
		if (area->prevent_access ||
		    iommufd_area_byte(area, iter.cur) % PAGE_SIZE) {
			rc = -EINVAL;
			break;
		}
		if (!iommufd_area_prot_ok(area, flags)) {
			rc = -EPERM;
			break;
		}
	}
	if (!rc && !iter.done)
		rc = -ENOENT;
	if (rc)
		goto out_unlock;

	rc = iommufd_access_record(access, iova, last);
	if (rc)
		goto out_unlock;

	for (area = iommufd_area_iter_first(&iter, ioas, iova, last);
	     area; area = iommufd_area_iter_next(&iter, area)) {
		unsigned long seg_last = iommufd_area_last(area, last);
		unsigned long first = iommufd_area_index(area, iter.cur);
		unsigned long end = iommufd_area_index(area, seg_last);

		rc = iommufd_pages_pin(area->pages, first, end, out);
		if (rc)
			break;
		atomic_long_add(end - first + 1, &area->num_pins);
		out += end - first + 1;
	}
	if (rc) {
		/*
		 * The areas before the failing one are unpinned with their
		 * record; the rest of the record goes alone. iter.cur is page
		 * aligned, so the two never share a page frame.
		 */
		if (iter.cur > iova)
			__iommufd_access_unpin(access, ioas, iova,
					       iter.cur - 1);
		iommufd_access_unrecord(access, iter.cur >> PAGE_SHIFT,
					last >> PAGE_SHIFT);
	}
out_unlock:
	up_read(&ioas->iova_rwsem);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_pin_pages);

/**
 * iommufd_access_unpin_pages() - return pins taken by pin_pages
 * @access: the access that pinned them
 * @iova: first IOVA, as pinned
 * @length: bytes
 *
 * Returns one pin of every page [@iova, @iova + @length) touches; the
 * pages may be split across several unpin calls. A range this access does
 * not hold pinned is a driver bug: it is logged and ignored. Mirrors
 * upstream's iommufd_access_unpin_pages().
 *
 * Context: process or kernel thread context, including inside
 * @ops->unmap; sleeps.
 */
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length)
{
	struct iommufd_ioas *ioas;
	unsigned long last;

	if (!length || check_add_overflow(iova, length - 1, &last))
		goto bad_range;

	mutex_lock(&access->ioas_lock);
	ioas = access->ioas_unpin;
	if (!ioas || !iommufd_access_holds(access, iova, last)) {
		mutex_unlock(&access->ioas_lock);
		goto bad_range;
	}
	down_read(&ioas->iova_rwsem);
	__iommufd_access_unpin(access, ioas, iova, last);
	up_read(&ioas->iova_rwsem);
	mutex_unlock(&access->ioas_lock);
	return;

bad_range:
	pr_warn_ratelimited("access %u (%ps) unpins IOVA %#lx+%#lx it does not hold\n",
			    access->obj.id, access->ops->unmap, iova, length);
}
EXPORT_SYMBOL_GPL(iommufd_access_unpin_pages);

/**
 * iommufd_access_rw() - copy between a kernel buffer and IOVA
 * @access: an attached access
 * @iova: first IOVA, any byte
 * @data: kernel buffer of @len bytes
 * @len: bytes
 * @flags: IOMMUFD_ACCESS_RW_WRITE to copy @data into the IOAS, else out of
 *	it; IOMMUFD_ACCESS_RW_KTHREAD when called from a kernel thread (the
 *	copy always goes through the mapper's mm, so any thread works)
 *
 * Mirrors upstream's iommufd_access_rw(); like upstream, a failure may
 * leave part of the range copied.
 *
 * Context: process or kernel thread context; sleeps.
 * Return: 0; -EINVAL for a zero length or an area being unmapped;
 * -EOVERFLOW when the range wraps; -ENOENT when not attached or the range
 * is not fully mapped; -EPERM when the mapping lacks the permission;
 * -EFAULT when the memory is gone.
 */
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags)
{
	struct iommufd_area_iter iter;
	struct iommufd_area *area;
	struct iommufd_ioas *ioas;
	unsigned long last;
	int rc = 0;

	if (!len)
		return -EINVAL;
	if (check_add_overflow(iova, len - 1, &last))
		return -EOVERFLOW;

	mutex_lock(&access->ioas_lock);
	ioas = access->ioas;
	if (!ioas) {
		mutex_unlock(&access->ioas_lock);
		return -ENOENT;
	}

	down_read(&ioas->iova_rwsem);
	for (area = iommufd_area_iter_first(&iter, ioas, iova, last);
	     area; area = iommufd_area_iter_next(&iter, area)) {
		unsigned long bytes = iommufd_area_last(area, last) -
				      iter.cur + 1;

		if (area->prevent_access) {
			rc = -EINVAL;
			break;
		}
		if (!iommufd_area_prot_ok(area, flags)) {
			rc = -EPERM;
			break;
		}
		rc = iommufd_pages_rw(area->pages,
				      iommufd_area_byte(area, iter.cur), data,
				      bytes, flags & IOMMUFD_ACCESS_RW_WRITE);
		if (rc)
			break;
		data += bytes;
	}
	if (!rc && !iter.done)
		rc = -ENOENT;
	up_read(&ioas->iova_rwsem);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_rw);

/*
 * Ask every attached access to drop its pins in [iova, iova + length).
 * No lock is held across the callbacks; the reference taken keeps a
 * concurrently destroyed access alive until its callback returned.
 */
void iommufd_ioas_notify_unmap(struct iommufd_ioas *ioas, unsigned long iova,
			       unsigned long length)
{
	struct iommufd_access *access;
	unsigned long index;

	xa_lock(&ioas->access_list);
	xa_for_each(&ioas->access_list, index, access) {
		if (!access->ops->unmap ||
		    !refcount_inc_not_zero(&access->obj.users))
			continue;
		xa_unlock(&ioas->access_list);

		access->ops->unmap(access->data, iova, length);

		iommufd_put_object(access->ictx, &access->obj);
		xa_lock(&ioas->access_list);
	}
	xa_unlock(&ioas->access_list);
}

/* Name the accesses whose pins keep [iova, iova + length) from going. */
void iommufd_ioas_report_stuck(struct iommufd_ioas *ioas, unsigned long iova,
			       unsigned long length)
{
	unsigned long first = iova >> PAGE_SHIFT;
	unsigned long last = (iova + length - 1) >> PAGE_SHIFT;
	struct iommufd_access *access;
	unsigned long index;

	xa_lock(&ioas->access_list);
	xa_for_each(&ioas->access_list, index, access) {
		unsigned long pfn = first;

		if (xa_find(&access->pins, &pfn, last, XA_PRESENT))
			pr_warn_ratelimited("unmap of IOVA %#lx+%#lx failed: access %u (%ps) does not unpin\n",
					    iova, length, access->obj.id,
					    access->ops->unmap);
	}
	xa_unlock(&ioas->access_list);
}
