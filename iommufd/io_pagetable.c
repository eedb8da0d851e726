// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled iommufd: the areas of an IOAS. An area maps an IOVA
 * interval onto a slice of a struct iommufd_pages; areas never overlap and
 * are only ever unmapped whole. There is no hardware domain to fill, so
 * an area is complete the moment it is in the interval tree.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/delay.h>
#include <linux/interval_tree_generic.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

/*
 * The kernel's interval tree, instantiated here rather than linked from
 * lib/interval_tree.c: that one is only built when some in-tree user
 * selects CONFIG_INTERVAL_TREE, which a trimmed kernel (our debug kernel,
 * for one) may not have.
 */
#define IOMMUFD_ITREE_START(node) ((node)->start)
#define IOMMUFD_ITREE_LAST(node) ((node)->last)
INTERVAL_TREE_DEFINE(struct interval_tree_node, rb, unsigned long,
		     __subtree_last, IOMMUFD_ITREE_START, IOMMUFD_ITREE_LAST,
		     /* not static */, iommufd_itree)

/*
 * Rounds of ops->unmap callbacks an unmap gives the accesses pinning one
 * area before it gives up; upstream's figure.
 */
#define IOMMUFD_UNMAP_TRIES 100

static struct iommufd_area *iommufd_area_at(struct iommufd_ioas *ioas,
					    unsigned long iova)
{
	struct interval_tree_node *node;

	node = iommufd_itree_iter_first(&ioas->area_itree, iova, iova);
	return node ? container_of(node, struct iommufd_area, node) : NULL;
}

/*
 * Walk the areas that cover [iova, last] back to back; iter->done tells
 * whether they covered all of it.
 */
struct iommufd_area *iommufd_area_iter_first(struct iommufd_area_iter *iter,
					     struct iommufd_ioas *ioas,
					     unsigned long iova,
					     unsigned long last)
{
	lockdep_assert_held(&ioas->iova_rwsem);

	iter->ioas = ioas;
	iter->cur = iova;
	iter->last = last;
	iter->done = false;
	return iommufd_area_at(ioas, iova);
}

struct iommufd_area *iommufd_area_iter_next(struct iommufd_area_iter *iter,
					    struct iommufd_area *area)
{
	if (area->node.last >= iter->last) {
		iter->done = true;
		return NULL;
	}
	iter->cur = area->node.last + 1;
	return iommufd_area_at(iter->ioas, iter->cur);
}

static void iommufd_area_free(struct iommufd_area *area)
{
	if (area->pages)
		iommufd_pages_put(area->pages);
	kfree(area);
}

/* Place an IOVA at or above @start keeping @page_offset in the page. */
static bool iommufd_iova_place(unsigned long start, unsigned long align,
			       unsigned long page_offset, unsigned long *iova)
{
	unsigned long base;

	if (align >= PAGE_SIZE) {
		if (check_add_overflow(start, align - 1, &base))
			return false;
		*iova = base & ~(align - 1);
		return true;
	}
	base = (start & PAGE_MASK) | page_offset;
	if (base < start && check_add_overflow(base, PAGE_SIZE, &base))
		return false;
	*iova = base;
	return true;
}

static bool iommufd_iova_fit(unsigned long start, unsigned long last,
			     unsigned long length, unsigned long align,
			     unsigned long page_offset, unsigned long *iova)
{
	unsigned long cand;

	if (start > last || !iommufd_iova_place(start, align, page_offset,
						&cand))
		return false;
	if (cand > last || last - cand < length - 1)
		return false;
	*iova = cand;
	return true;
}

/* The first hole of [lo, hi] between areas that fits. */
static bool iommufd_iova_in_window(struct iommufd_ioas *ioas,
				   unsigned long lo, unsigned long hi,
				   unsigned long length, unsigned long align,
				   unsigned long page_offset, unsigned long *iova)
{
	struct interval_tree_node *node;
	unsigned long cur = lo;

	for (node = iommufd_itree_iter_first(&ioas->area_itree, lo, hi); node;
	     node = iommufd_itree_iter_next(node, lo, hi)) {
		if (node->start > cur &&
		    iommufd_iova_fit(cur, node->start - 1, length, align,
				     page_offset, iova))
			return true;
		if (node->last >= hi)
			return false;
		cur = max(cur, (unsigned long)node->last + 1);
	}
	return iommufd_iova_fit(cur, hi, length, align, page_offset, iova);
}

/*
 * Pick a free IOVA for @length bytes of user memory at @uptr: inside the
 * allowed ranges if there are any, never in the first or last page, and
 * aligned like the user address so large folios stay aligned.
 */
static int iommufd_alloc_iova(struct iommufd_ioas *ioas, unsigned long *iova,
			      unsigned long uptr, unsigned long length)
{
	unsigned long lo_limit = PAGE_SIZE, hi_limit = ULONG_MAX - PAGE_SIZE;
	unsigned long page_offset = uptr % PAGE_SIZE;
	unsigned long max_align = PAGE_SIZE;
	struct interval_tree_node *node;
	unsigned long align;

	lockdep_assert_held_write(&ioas->iova_rwsem);

	if (length == 0 || length >= ULONG_MAX / 2)
		return -EOVERFLOW;

	align = roundup_pow_of_two(length);
	if (uptr)
		align = min(align, 1UL << __ffs(uptr));
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	max_align = HPAGE_SIZE;
#endif
	align = min(align, max_align);
	if (align < ioas->iova_alignment)
		return -EINVAL;

	if (RB_EMPTY_ROOT(&ioas->allowed_itree.rb_root))
		return iommufd_iova_in_window(ioas, lo_limit, hi_limit, length,
					      align, page_offset, iova) ?
			       0 : -ENOSPC;

	for (node = iommufd_itree_iter_first(&ioas->allowed_itree, lo_limit,
					     hi_limit);
	     node; node = iommufd_itree_iter_next(node, lo_limit, hi_limit)) {
		if (iommufd_iova_in_window(ioas, max(node->start, lo_limit),
					   min(node->last, hi_limit), length,
					   align, page_offset, iova))
			return 0;
	}
	return -ENOSPC;
}

static int iommufd_check_iova(struct iommufd_ioas *ioas, unsigned long iova,
			      unsigned long length)
{
	unsigned long last;

	lockdep_assert_held(&ioas->iova_rwsem);

	if (iova & (ioas->iova_alignment - 1))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (iommufd_itree_iter_first(&ioas->area_itree, iova, last))
		return -EEXIST;
	return 0;
}

static int iommufd_area_prepare(struct iommufd_ioas *ioas,
				struct iommufd_area *area,
				struct iommufd_pages_seg *seg,
				unsigned long iova, u32 prot)
{
	if ((prot & IOMMU_IOAS_MAP_WRITEABLE) && !seg->pages->writable)
		return -EPERM;
	if ((seg->start_byte % PAGE_SIZE) & (ioas->iova_alignment - 1))
		return -EINVAL;
	area->node.start = iova;
	if (check_add_overflow(iova, seg->length - 1, &area->node.last))
		return -EOVERFLOW;
	area->pages_offset = seg->start_byte;
	area->prot = prot;
	return 0;
}

/**
 * iommufd_iopt_map() - map slices of user memory at consecutive IOVAs
 * @ioas: the IOAS
 * @segs: &struct iommufd_pages_seg list; each becomes one area, which
 *	takes its own reference on the segment's pages
 * @length: the sum of the segment lengths, in bytes
 * @iova: in: the IOVA with @alloc_iova false; out: the IOVA used
 * @prot: IOMMU_IOAS_MAP_READABLE and/or IOMMU_IOAS_MAP_WRITEABLE
 * @alloc_iova: let the kernel pick the IOVA
 *
 * Context: process context, takes the IOAS's iova_rwsem.
 * Return: 0; -EINVAL for a zero or misaligned length, IOVA or user
 * offset; -EOVERFLOW when the range wraps; -EEXIST when it overlaps an
 * area; -ENOSPC when no free IOVA fits; -EPERM for a writable map of
 * memory first mapped read-only; -ENOMEM.
 */
int iommufd_iopt_map(struct iommufd_ioas *ioas, struct list_head *segs,
		     unsigned long length, unsigned long *iova, u32 prot,
		     bool alloc_iova)
{
	struct iommufd_pages_seg *seg;
	struct iommufd_area **areas;
	unsigned int nareas = 0, i;
	unsigned long cur;
	int rc;

	list_for_each_entry(seg, segs, next)
		nareas++;
	areas = kcalloc(nareas, sizeof(*areas), GFP_KERNEL);
	if (!areas)
		return -ENOMEM;
	for (i = 0; i != nareas; i++) {
		areas[i] = kzalloc(sizeof(*areas[i]), GFP_KERNEL_ACCOUNT);
		if (!areas[i]) {
			rc = -ENOMEM;
			goto out_free;
		}
	}

	down_write(&ioas->iova_rwsem);
	if (!length || (length & (ioas->iova_alignment - 1))) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (alloc_iova) {
		seg = list_first_entry(segs, struct iommufd_pages_seg, next);
		rc = iommufd_alloc_iova(ioas, iova,
					(uintptr_t)seg->pages->uptr +
						seg->start_byte,
					length);
	} else {
		rc = iommufd_check_iova(ioas, *iova, length);
	}
	if (rc)
		goto out_unlock;

	/* Check every area before inserting any, so failure leaves no trace. */
	cur = *iova;
	i = 0;
	list_for_each_entry(seg, segs, next) {
		rc = iommufd_area_prepare(ioas, areas[i++], seg, cur, prot);
		if (rc)
			goto out_unlock;
		cur += seg->length;
	}
	i = 0;
	list_for_each_entry(seg, segs, next) {
		kref_get(&seg->pages->kref);
		areas[i]->pages = seg->pages;
		iommufd_itree_insert(&areas[i]->node, &ioas->area_itree);
		areas[i++] = NULL;
	}
out_unlock:
	up_write(&ioas->iova_rwsem);
out_free:
	for (i = 0; i != nareas; i++)
		if (areas[i])
			iommufd_area_free(areas[i]);
	kfree(areas);
	return rc;
}

void iommufd_iopt_free_segs(struct list_head *segs)
{
	struct iommufd_pages_seg *seg, *tmp;

	list_for_each_entry_safe(seg, tmp, segs, next) {
		list_del(&seg->next);
		iommufd_pages_put(seg->pages);
		kfree(seg);
	}
}

/**
 * iommufd_iopt_get_segs() - the user memory behind an IOVA range
 * @ioas: the source IOAS
 * @iova: first IOVA
 * @length: bytes
 * @segs: list the segments are added to; free with iommufd_iopt_free_segs()
 *
 * Used by IOMMU_IOAS_COPY: the destination maps the very same memory.
 *
 * Context: process context, takes the IOAS's iova_rwsem.
 * Return: 0; -EINVAL for a zero length; -EOVERFLOW when the range wraps;
 * -ENOENT when areas do not cover it back to back; -ENOMEM.
 */
int iommufd_iopt_get_segs(struct iommufd_ioas *ioas, unsigned long iova,
			  unsigned long length, struct list_head *segs)
{
	struct iommufd_area_iter iter;
	struct iommufd_area *area;
	unsigned long last;
	int rc = 0;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;

	down_read(&ioas->iova_rwsem);
	for (area = iommufd_area_iter_first(&iter, ioas, iova, last);
	     area; area = iommufd_area_iter_next(&iter, area)) {
		unsigned long seg_last = iommufd_area_last(area, last);
		struct iommufd_pages_seg *seg;

		seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
		if (!seg) {
			rc = -ENOMEM;
			break;
		}
		seg->pages = area->pages;
		kref_get(&seg->pages->kref);
		seg->start_byte = iommufd_area_byte(area, iter.cur);
		seg->length = seg_last - iter.cur + 1;
		list_add_tail(&seg->next, segs);
	}
	if (!rc && !iter.done)
		rc = -ENOENT;
	up_read(&ioas->iova_rwsem);
	if (rc)
		iommufd_iopt_free_segs(segs);
	return rc;
}

/* Let pins into the area at @iova succeed again after a failed unmap. */
static void iommufd_area_allow_access(struct iommufd_ioas *ioas,
				      unsigned long iova)
{
	struct iommufd_area *area;

	down_write(&ioas->iova_rwsem);
	area = iommufd_area_at(ioas, iova);
	if (area && area->node.start == iova)
		area->prevent_access = false;
	up_write(&ioas->iova_rwsem);
}

/**
 * iommufd_iopt_unmap() - unmap the whole areas inside an IOVA range
 * @ioas: the IOAS
 * @start: first IOVA
 * @last: last IOVA, inclusive
 * @unmapped: if not NULL, the bytes unmapped
 *
 * Pinned areas are handed to the attached accesses' ops->unmap with no lock
 * held, and looked at again; an access that does not unpin within
 * %IOMMUFD_UNMAP_TRIES rounds fails the unmap. Pins are never dropped
 * behind a driver's back.
 *
 * Context: process context; sleeps; takes the IOAS's iova_rwsem.
 * Return: 0, also when nothing was mapped; -ENOENT when an area crosses
 * @start or @last (then nothing is unmapped); -EDEADLOCK when an access
 * keeps its pins.
 */
int iommufd_iopt_unmap(struct iommufd_ioas *ioas, unsigned long start,
		       unsigned long last, unsigned long *unmapped)
{
	unsigned long done = 0, blocked = 0;
	struct interval_tree_node *node;
	struct iommufd_area *area;
	unsigned int tries = 0;
	int rc = 0;

again:
	down_write(&ioas->iova_rwsem);
	for (node = iommufd_itree_iter_first(&ioas->area_itree, start, last);
	     node; node = iommufd_itree_iter_next(node, start, last)) {
		if (node->start < start || node->last > last) {
			rc = -ENOENT;
			goto out_unlock;
		}
	}

	while ((node = iommufd_itree_iter_first(&ioas->area_itree, start,
						last))) {
		unsigned long area_start = node->start;
		unsigned long area_last = node->last;

		area = container_of(node, struct iommufd_area, node);
		if (atomic_long_read(&area->num_pins)) {
			unsigned long len = area_last - area_start + 1;

			if (area_start != blocked || !tries) {
				blocked = area_start;
				tries = 0;
			}
			area->prevent_access = true;
			up_write(&ioas->iova_rwsem);

			if (++tries > IOMMUFD_UNMAP_TRIES) {
				iommufd_ioas_report_stuck(ioas, area_start,
							  len);
				iommufd_area_allow_access(ioas, area_start);
				rc = -EDEADLOCK;
				goto out;
			}
			iommufd_ioas_notify_unmap(ioas, area_start, len);
			/*
			 * A driver may be between taking a pin and recording
			 * it where its unmap callback looks; give it a moment
			 * before asking again. Bounded: about 20 ms in all.
			 */
			if (tries > 1)
				usleep_range(100, 200);
			else
				cond_resched();
			/*
			 * What was unmapped before may have been mapped again
			 * meanwhile; it is not ours to take.
			 */
			start = area_start;
			goto again;
		}

		iommufd_itree_remove(node, &ioas->area_itree);
		iommufd_area_free(area);
		done += area_last - area_start + 1;
		if (area_last >= last)
			break;
		start = area_last + 1;
	}
out_unlock:
	up_write(&ioas->iova_rwsem);
out:
	if (unmapped)
		*unmapped = done;
	return rc;
}

void iommufd_iopt_free_allowed(struct rb_root_cached *allowed)
{
	struct interval_tree_node *node;

	while ((node = iommufd_itree_iter_first(allowed, 0, ULONG_MAX))) {
		iommufd_itree_remove(node, allowed);
		kfree(container_of(node, struct iommufd_allowed, node));
	}
}

/* Swap @allowed in; the caller frees what comes back in it. */
void iommufd_iopt_set_allowed(struct iommufd_ioas *ioas,
			      struct rb_root_cached *allowed)
{
	down_write(&ioas->iova_rwsem);
	swap(*allowed, ioas->allowed_itree);
	up_write(&ioas->iova_rwsem);
}

/*
 * The alignment is the largest any user asks for; raising it is refused
 * while an existing area would violate it, as upstream.
 */
static int iommufd_iopt_update_alignment(struct iommufd_ioas *ioas)
{
	unsigned long align = ioas->disable_large_pages ? PAGE_SIZE : 1;
	struct iommufd_access *access;
	struct interval_tree_node *node;
	unsigned long index;

	lockdep_assert_held_write(&ioas->iova_rwsem);

	xa_for_each(&ioas->access_list, index, access)
		align = max(align, access->iova_alignment);

	if (align > ioas->iova_alignment) {
		for (node = iommufd_itree_iter_first(&ioas->area_itree, 0,
						     ULONG_MAX);
		     node; node = iommufd_itree_iter_next(node, 0, ULONG_MAX)) {
			struct iommufd_area *area =
				container_of(node, struct iommufd_area, node);

			if ((node->start & (align - 1)) ||
			    ((node->last - node->start + 1) & (align - 1)) ||
			    ((area->pages_offset % PAGE_SIZE) & (align - 1)))
				return -EADDRINUSE;
		}
	}
	ioas->iova_alignment = align;
	return 0;
}

/**
 * iommufd_iopt_set_large_pages() - IOMMU_OPTION_HUGE_PAGES of an IOAS
 * @ioas: the IOAS
 * @enable: false forces a PAGE_SIZE alignment, as upstream
 *
 * Context: process context, takes the IOAS's iova_rwsem.
 * Return: 0, or -EADDRINUSE when disabling and an area is not page aligned.
 */
int iommufd_iopt_set_large_pages(struct iommufd_ioas *ioas, bool enable)
{
	int rc;

	down_write(&ioas->iova_rwsem);
	ioas->disable_large_pages = !enable;
	rc = iommufd_iopt_update_alignment(ioas);
	if (rc)
		ioas->disable_large_pages = enable;
	up_write(&ioas->iova_rwsem);
	return rc;
}

/**
 * iommufd_iopt_add_access() - list an access as a user of an IOAS
 * @ioas: the IOAS
 * @access: the access; a pinning one raises the IOAS alignment to PAGE_SIZE
 * @list_id: out: its index in the access list
 *
 * Context: process context, takes the IOAS's iova_rwsem.
 * Return: 0; -EADDRINUSE when an existing area is not page aligned;
 * -EBUSY or -ENOMEM when the list is full.
 */
int iommufd_iopt_add_access(struct iommufd_ioas *ioas,
			    struct iommufd_access *access, u32 *list_id)
{
	int rc;

	down_write(&ioas->iova_rwsem);
	rc = xa_alloc(&ioas->access_list, list_id, access, xa_limit_16b,
		      GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_unlock;
	rc = iommufd_iopt_update_alignment(ioas);
	if (rc)
		xa_erase(&ioas->access_list, *list_id);
out_unlock:
	up_write(&ioas->iova_rwsem);
	return rc;
}

void iommufd_iopt_remove_access(struct iommufd_ioas *ioas, u32 list_id)
{
	down_write(&ioas->iova_rwsem);
	xa_erase(&ioas->access_list, list_id);
	/* Lowering the alignment cannot fail. */
	iommufd_iopt_update_alignment(ioas);
	up_write(&ioas->iova_rwsem);
}
