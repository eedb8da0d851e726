/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk type1 IOMMU backend: state shared between type1.c (module and
 * ioctls), dma.c (the mapping tree), pin.c (page pinning and locked_vm
 * accounting) and rw.c (vfio_dma_rw()). Private to the backend.
 */
#ifndef MDEV_SDK_VFIO_TYPE1_H
#define MDEV_SDK_VFIO_TYPE1_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/xarray.h>

struct cred;
struct iommu_group;
struct mm_struct;
struct page;
struct task_struct;
struct vfio_device;

/**
 * struct type1_iommu - backend state of one container
 * @lock: serialises every access to the members below except @devices
 *	and @nnotify
 * @dmas: the user's mappings (&struct type1_dma), an interval tree keyed by
 *	IOVA
 * @groups: attached groups (&struct type1_group)
 * @dma_avail: how many more mappings the user may create
 * @v2: the container was opened as VFIO_TYPE1v2_IOMMU
 * @devices_rwsem: keeps @devices stable; held for writing to change it and
 *	for reading across an unmap, so dma_unmap callbacks can be made with
 *	@lock dropped. Taken before @lock, never while holding it
 * @devices: open devices of the container, linked through
 *	&vfio_device.iommu_entry
 * @nnotify: devices on @devices with a dma_unmap callback; written with
 *	@devices_rwsem held for writing, read locklessly by pins
 * @owner: the owner record last handed to a mapping, with a reference;
 *	NULL before the first MAP_DMA
 */
struct type1_iommu {
	struct mutex lock; /* all but the device list */
	struct rb_root_cached dmas;
	struct list_head groups;
	unsigned int dma_avail;
	bool v2;
	struct rw_semaphore devices_rwsem;
	struct list_head devices;
	unsigned int nnotify;
	struct type1_owner *owner;
};

/**
 * struct type1_owner - the process that created mappings
 * @ref: one per mapping, plus the container's while it caches the record
 * @mm: the process's address space (mmgrab() reference); pins and
 *	locked_vm charges go there
 * @task: its thread group leader (reference held), whose RLIMIT_MEMLOCK
 *	bounds the charges
 * @cred: the credentials it mapped with (reference held), to tell when a
 *	new record is needed
 * @lock_cap: it had CAP_IPC_LOCK then, so charges are not checked against
 *	RLIMIT_MEMLOCK
 */
struct type1_owner {
	refcount_t ref;
	struct mm_struct *mm;
	struct task_struct *task;
	const struct cred *cred;
	bool lock_cap;
};

/**
 * struct type1_dma - one VFIO_IOMMU_MAP_DMA mapping
 * @iova: first IOVA (bytes), page aligned
 * @last: last IOVA (bytes) inside the mapping, @iova + size - 1
 * @vaddr: user virtual address backing @iova in @mm, page aligned
 * @prot: IOMMU_READ and/or IOMMU_WRITE, from the device's point of view
 * @pins: pinned pages (&struct type1_pin) of the mapping, indexed by page
 *	offset into it, (IOVA - @iova) >> PAGE_SHIFT. Per mapping, so that
 *	indices stay small and the xarray shallow: pinning the first page of
 *	a mapping allocates no xarray node at all
 * @npinned: entries in @pins
 * @unmapping: an unmap is asking the devices to unpin the mapping; it
 *	takes no new pin meanwhile, so that drivers which let go converge
 * @owner: the process that created the mapping (reference held)
 *
 * Members after the private marker belong to the interval tree.
 */
struct type1_dma {
	u64 iova;
	u64 last;
	unsigned long vaddr;
	int prot;
	struct xarray pins;
	unsigned long npinned;
	bool unmapping;
	struct type1_owner *owner;
	/* private: */
	struct rb_node rb;
	u64 subtree_last;
};

/**
 * struct type1_pin - a pinned IOVA page
 * @page: the page pinned with pin_user_pages_remote()
 * @dma: the mapping the page belongs to; pins keep it from being removed
 * @group: IOMMU group of the device that pinned the page first, used to
 *	name the culprit if it is not unpinned on dma_unmap
 * @refs: vfio_pin_pages() calls not yet balanced by vfio_unpin_pages();
 *	the page is unpinned and uncharged when it drops to zero
 */
struct type1_pin {
	struct page *page;
	struct type1_dma *dma;
	struct iommu_group *group;
	unsigned int refs;
};

/**
 * struct type1_group - an IOMMU group attached to the container
 * @iommu_group: the group
 * @next: entry in &type1_iommu.groups
 */
struct type1_group {
	struct iommu_group *iommu_group;
	struct list_head next;
};

/**
 * type1_owner_mm_get - make sure the owner's address space stays up
 * @owner: the owner of a mapping
 *
 * The owner itself, asking through an ioctl as QEMU does, holds its
 * address space already; anyone else takes a user reference.
 *
 * Context: process context.
 * Return: true if the address space may be used until
 * type1_owner_mm_put(), false if the owner has exited.
 */
static inline bool type1_owner_mm_get(struct type1_owner *owner)
{
	return current->mm == owner->mm || mmget_not_zero(owner->mm);
}

/**
 * type1_owner_mm_put - end what type1_owner_mm_get() began
 * @owner: the owner of a mapping
 *
 * Context: process context, may sleep.
 */
static inline void type1_owner_mm_put(struct type1_owner *owner)
{
	if (current->mm != owner->mm)
		mmput(owner->mm);
}

/* dma.c */
int type1_dma_cache_create(void);
void type1_dma_cache_destroy(void);
struct type1_dma *type1_dma_find(struct type1_iommu *iommu, u64 iova);
int type1_dma_map(struct type1_iommu *iommu, u64 iova, unsigned long vaddr,
		  u64 size, int prot);
int type1_dma_unmap(struct type1_iommu *iommu, u64 iova, u64 size,
		    bool all, u64 *unmapped);
void type1_dma_remove_all(struct type1_iommu *iommu);
void type1_dma_unpinned(struct type1_dma *dma);

/* owner.c */
struct type1_owner *type1_owner_get(struct type1_iommu *iommu);
void type1_owner_put(struct type1_owner *owner);

/* pin.c */
int type1_pin_pages(void *iommu_data, struct iommu_group *group,
		    dma_addr_t user_iova, int npage, int prot,
		    struct page **pages);
void type1_unpin_pages(void *iommu_data, dma_addr_t user_iova, int npage);
struct type1_pin *type1_pin_first(struct type1_dma *dma);
unsigned long type1_pin_release_dma(struct type1_dma *dma);

/* rw.c */
int type1_dma_rw(void *iommu_data, dma_addr_t user_iova, void *data,
		 size_t count, bool write);

#endif /* MDEV_SDK_VFIO_TYPE1_H */
