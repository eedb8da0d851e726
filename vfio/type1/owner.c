// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk type1 IOMMU backend: the process a mapping belongs to.
 *
 * Pins are taken from the address space of the process that mapped the
 * range and charged to its locked_vm, whoever asks for them later. Every
 * mapping a process makes shares one record of that, so MAP_DMA takes a
 * single reference instead of one on the mm and one on the task, and asks
 * about CAP_IPC_LOCK once per set of credentials instead of once per
 * mapping: QEMU maps guest memory in many pieces, and the capability check
 * runs every LSM's hook.
 */

#include <linux/cred.h>
#include <linux/lockdep.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "type1.h"

/**
 * type1_owner_get - the owner record of the calling process
 * @iommu: the container being mapped into
 *
 * The container keeps the record it handed out last. It is handed out
 * again while the caller is the same process with the same credentials;
 * credentials are never changed in place, so the same cred pointer gives
 * the same answer to the capability check made when the record was
 * created, as a fresh check at map time would.
 *
 * Context: process context with an address space, @iommu->lock held.
 * Return: the record with a reference for the caller, or NULL if out of
 * memory.
 */
struct type1_owner *type1_owner_get(struct type1_iommu *iommu)
{
	const struct cred *cred = current_cred();
	struct type1_owner *owner = iommu->owner;

	lockdep_assert_held(&iommu->lock);

	if (owner && owner->mm == current->mm &&
	    owner->task == current->group_leader && owner->cred == cred) {
		refcount_inc(&owner->ref);
		return owner;
	}

	owner = kmalloc(sizeof(*owner), GFP_KERNEL_ACCOUNT);
	if (!owner)
		return NULL;
	/* The caller's reference and the container's. */
	refcount_set(&owner->ref, 2);
	/*
	 * The references also keep the pointers compared above from being
	 * reused by another process while the record is cached.
	 */
	owner->mm = current->mm;
	mmgrab(owner->mm);
	owner->task = get_task_struct(current->group_leader);
	owner->cred = get_cred(cred);
	owner->lock_cap = capable(CAP_IPC_LOCK);

	if (iommu->owner)
		type1_owner_put(iommu->owner);
	iommu->owner = owner;
	return owner;
}

/**
 * type1_owner_put - drop a reference taken by type1_owner_get()
 * @owner: the record
 *
 * Context: process context.
 */
void type1_owner_put(struct type1_owner *owner)
{
	if (!refcount_dec_and_test(&owner->ref))
		return;
	put_cred(owner->cred);
	put_task_struct(owner->task);
	mmdrop(owner->mm);
	kfree(owner);
}
