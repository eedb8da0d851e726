/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk bundled iommufd: internals shared by the files of
 * mdev_sdk_iommufd.ko.
 *
 * Only emulated devices (struct iommufd_access) use this iommufd, so an IOAS
 * has no hardware domain: mapping records the user range and nothing is
 * pinned until an access asks for pages.
 *
 * Lock order, outermost first:
 *
 *   iommufd_access.ioas_lock        (mutex, one per access)
 *     iommufd_ioas.iova_rwsem       (rw_semaphore, one per IOAS)
 *       iommufd_pages.mutex         (mutex, shared by areas of one MAP)
 *         mmap_lock of the mapper's mm (read to pin, write to account)
 *           xa_lock of iommufd_ctx.objects / iommufd_ioas.access_list
 *
 * No iommufd lock is held while an access's ops->unmap runs: the driver
 * calls back into iommufd_access_unpin_pages() from it.
 */
#ifndef MDEV_SDK_IOMMUFD_PRIVATE_H
#define MDEV_SDK_IOMMUFD_PRIVATE_H

#include <linux/interval_tree.h>
#include <linux/iommufd.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct file;
struct mm_struct;
struct task_struct;
struct user_struct;

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
};

/**
 * struct iommufd_object - an entry of a context's object table
 * @users: references; the table holds one, an ioctl or a notifier holds one
 *	while it uses the object, an attached access holds one on its IOAS
 *	and the driver holds one on its access
 * @type: what embeds this object
 * @id: index in &iommufd_ctx.objects, from 1
 */
struct iommufd_object {
	refcount_t users;
	enum iommufd_object_type type;
	u32 id;
};

/* Whose RLIMIT_MEMLOCK pays for pinned pages (IOMMU_OPTION_RLIMIT_MODE). */
enum iommufd_account_mode {
	IOMMUFD_ACCOUNT_NONE,	/* the mapper had CAP_IPC_LOCK */
	IOMMUFD_ACCOUNT_USER,	/* user_struct.locked_vm, mode 0 */
	IOMMUFD_ACCOUNT_MM,	/* mm_struct.locked_vm, mode 1 */
};

/**
 * struct iommufd_ctx - the state of one open /dev/iommu
 * @file: the /dev/iommu file; its reference count is the context's
 * @objects: IOASes and accesses by id, allocated from 1
 * @destroy_wait: woken when an object's last reference goes away
 * @account_mode: &enum iommufd_account_mode given to new mappings; changed
 *	only while @objects is empty, under its xa_lock
 * @vfio_ioas_id: the IOAS IOMMU_VFIO_IOAS set, 0 for none; under the
 *	xa_lock of @objects, cleared when that IOAS is destroyed
 */
struct iommufd_ctx {
	struct file *file;
	struct xarray objects;
	wait_queue_head_t destroy_wait;
	u8 account_mode;
	u32 vfio_ioas_id;
};

/**
 * struct iommufd_ucmd - one ioctl in flight
 * @ictx: the context of the file
 * @ubuffer: the user's argument
 * @user_size: the size the user gave in its first u32, in bytes
 * @cmd: the kernel copy of the argument, zero-extended
 */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len);

/**
 * struct iommufd_ioas - an I/O address space
 * @obj: table entry
 * @iova_rwsem: protects @area_itree, @allowed_itree, @iova_alignment,
 *	@disable_large_pages and the prevent_access flag of every area; read
 *	side for pin, unpin and rw, write side for map, unmap and attach
 * @area_itree: &struct iommufd_area by IOVA, never overlapping
 * @allowed_itree: &struct iommufd_allowed, where the kernel may pick IOVAs
 * @access_list: attached accesses; changed under @iova_rwsem written and
 *	walked under its xa_lock to notify unmaps
 * @iova_alignment: bytes every IOVA, length and user offset must be
 *	aligned to: 1, or PAGE_SIZE once a pinning access is attached or huge
 *	pages are disabled
 * @disable_large_pages: IOMMU_OPTION_HUGE_PAGES set to 0
 */
struct iommufd_ioas {
	struct iommufd_object obj;
	struct rw_semaphore iova_rwsem;
	struct rb_root_cached area_itree;
	struct rb_root_cached allowed_itree;
	struct xarray access_list;
	unsigned long iova_alignment;
	bool disable_large_pages;
};

/**
 * struct iommufd_allowed - an IOVA interval from IOMMU_IOAS_ALLOW_IOVAS
 * @node: the inclusive interval
 */
struct iommufd_allowed {
	struct interval_tree_node node;
};

/**
 * struct iommufd_pages - the user memory behind one IOMMU_IOAS_MAP
 * @kref: one per area using it (IOMMU_IOAS_COPY shares it) and per
 *	in-flight map or copy
 * @mutex: protects @pinned and @npinned
 * @source_mm: the mapper's mm (mmgrab), where pages are pinned
 * @source_task: the mapper's thread group leader, whose RLIMIT_MEMLOCK
 *	applies
 * @source_user: the mapper's user, charged in %IOMMUFD_ACCOUNT_USER
 * @uptr: page-aligned user address of page index 0
 * @npages: pages from @uptr the mapping covers
 * @account_mode: &enum iommufd_account_mode, fixed at map time
 * @writable: mapped with IOMMU_IOAS_MAP_WRITEABLE; pins use FOLL_WRITE
 * @pinned: page index to &struct iommufd_pin
 * @npinned: distinct pages pinned and charged
 */
struct iommufd_pages {
	struct kref kref;
	struct mutex mutex; /* see the kernel-doc above */
	struct mm_struct *source_mm;
	struct task_struct *source_task;
	struct user_struct *source_user;
	void __user *uptr;
	unsigned long npages;
	enum iommufd_account_mode account_mode;
	bool writable;
	struct xarray pinned;
	unsigned long npinned;
};

/**
 * struct iommufd_area - one mapping of an IOAS
 * @node: IOVA interval, inclusive
 * @pages: the user memory, referenced
 * @pages_offset: byte offset of @node.start from @pages->uptr
 * @prot: IOMMU_IOAS_MAP_READABLE and/or IOMMU_IOAS_MAP_WRITEABLE
 * @prevent_access: an unmap is waiting for the pins to go; new pins and
 *	rw fail
 * @num_pins: page pins held through this area, counted per pin call and
 *	page; while non-zero the area cannot be unmapped
 */
struct iommufd_area {
	struct interval_tree_node node;
	struct iommufd_pages *pages;
	unsigned long pages_offset;
	u32 prot;
	bool prevent_access;
	atomic_long_t num_pins;
};

/**
 * struct iommufd_area_iter - walk of the areas covering an IOVA range
 * @ioas: the IOAS, @iova_rwsem held
 * @cur: first IOVA of the current area inside the range
 * @last: last IOVA of the range
 * @done: the walk reached @last without a gap
 */
struct iommufd_area_iter {
	struct iommufd_ioas *ioas;
	unsigned long cur;
	unsigned long last;
	bool done;
};

struct iommufd_area *iommufd_area_iter_first(struct iommufd_area_iter *iter,
					     struct iommufd_ioas *ioas,
					     unsigned long iova,
					     unsigned long last);
struct iommufd_area *iommufd_area_iter_next(struct iommufd_area_iter *iter,
					    struct iommufd_area *area);

static inline unsigned long iommufd_area_last(struct iommufd_area *area,
					      unsigned long last)
{
	return min_t(unsigned long, last, area->node.last);
}

/* Byte offset from pages->uptr of @iova, which lies inside @area. */
static inline unsigned long iommufd_area_byte(struct iommufd_area *area,
					      unsigned long iova)
{
	return area->pages_offset + (iova - area->node.start);
}

static inline unsigned long iommufd_area_index(struct iommufd_area *area,
					       unsigned long iova)
{
	return iommufd_area_byte(area, iova) >> PAGE_SHIFT;
}

/**
 * struct iommufd_pages_seg - a slice of user memory to map
 * @next: link in the caller's list
 * @pages: the memory, a reference owned by the segment
 * @start_byte: offset from @pages->uptr
 * @length: bytes
 */
struct iommufd_pages_seg {
	struct list_head next;
	struct iommufd_pages *pages;
	unsigned long start_byte;
	unsigned long length;
};

/**
 * struct iommufd_access - a kernel user (an emulated device) of an IOAS
 * @obj: table entry; the driver holds a reference until destroy
 * @ictx: the context, referenced
 * @ops: the driver's callbacks
 * @data: the driver's argument to @ops
 * @ioas_lock: serialises attach, replace and detach with pin, unpin and rw
 * @ioas: the IOAS pins and rw go to; NULL while it changes
 * @ioas_unpin: the IOAS the pins were taken in
 * @ioas_access_id: index in @ioas_unpin->access_list
 * @iova_alignment: PAGE_SIZE when @ops->needs_pin_pages, else 1
 * @pins: IOVA page frame number to the count of pins held there, so that
 *	unpins of what was never pinned are caught and leftovers released
 */
struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	const struct iommufd_access_ops *ops;
	void *data;
	struct mutex ioas_lock; /* see the kernel-doc above */
	struct iommufd_ioas *ioas;
	struct iommufd_ioas *ioas_unpin;
	u32 ioas_access_id;
	unsigned long iova_alignment;
	struct xarray pins;
};

/* io_pagetable.c: the interval tree of struct interval_tree_node */
void iommufd_itree_insert(struct interval_tree_node *node,
			  struct rb_root_cached *root);
void iommufd_itree_remove(struct interval_tree_node *node,
			  struct rb_root_cached *root);
struct interval_tree_node *
iommufd_itree_iter_first(struct rb_root_cached *root, unsigned long start,
			 unsigned long last);
struct interval_tree_node *
iommufd_itree_iter_next(struct interval_tree_node *node, unsigned long start,
			unsigned long last);

/* main.c: the object table */
int iommufd_object_reserve(struct iommufd_ctx *ictx,
			   struct iommufd_object *obj,
			   enum iommufd_object_type type);
void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj);
void iommufd_object_abort(struct iommufd_ctx *ictx,
			  struct iommufd_object *obj);
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type);
void iommufd_put_object(struct iommufd_ctx *ictx, struct iommufd_object *obj);

static inline struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx,
						    u32 id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id,
							IOMMUFD_OBJ_IOAS);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iommufd_ioas, obj);
}

/* ioas.c: IOAS ioctls */
struct iommufd_ioas *iommufd_ioas_alloc(void);
void iommufd_ioas_destroy(struct iommufd_ioas *ioas);
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd);
int iommufd_ioas_option(struct iommufd_ucmd *ucmd);

/* hw.c: commands for hardware IOMMUs, answered for emulated devices */
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);

/* io_pagetable.c: areas, IOVA allocation, unmap */
int iommufd_iopt_map(struct iommufd_ioas *ioas, struct list_head *segs,
		     unsigned long length, unsigned long *iova, u32 prot,
		     bool alloc_iova);
int iommufd_iopt_get_segs(struct iommufd_ioas *ioas, unsigned long iova,
			  unsigned long length, struct list_head *segs);
void iommufd_iopt_free_segs(struct list_head *segs);
int iommufd_iopt_unmap(struct iommufd_ioas *ioas, unsigned long start,
		       unsigned long last, unsigned long *unmapped);
void iommufd_iopt_set_allowed(struct iommufd_ioas *ioas,
			      struct rb_root_cached *allowed);
void iommufd_iopt_free_allowed(struct rb_root_cached *allowed);
int iommufd_iopt_set_large_pages(struct iommufd_ioas *ioas, bool enable);
int iommufd_iopt_add_access(struct iommufd_ioas *ioas,
			    struct iommufd_access *access, u32 *list_id);
void iommufd_iopt_remove_access(struct iommufd_ioas *ioas, u32 list_id);

/* pages.c: user memory, pins and their accounting */
struct iommufd_pages *iommufd_pages_alloc(struct iommufd_ctx *ictx,
					  unsigned long uptr,
					  unsigned long length, bool writable);
void iommufd_pages_put(struct iommufd_pages *pages);
int iommufd_pages_pin(struct iommufd_pages *pages, unsigned long first,
		      unsigned long last, struct page **out_pages);
void iommufd_pages_unpin(struct iommufd_pages *pages, unsigned long first,
			 unsigned long last);
int iommufd_pages_rw(struct iommufd_pages *pages, unsigned long start_byte,
		     void *data, size_t len, bool write);

/* access.c */
void iommufd_ioas_notify_unmap(struct iommufd_ioas *ioas, unsigned long iova,
			       unsigned long length);
void iommufd_ioas_report_stuck(struct iommufd_ioas *ioas, unsigned long iova,
			       unsigned long length);

#endif /* MDEV_SDK_IOMMUFD_PRIVATE_H */
