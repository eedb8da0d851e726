// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled iommufd: the IOAS object and its ioctls. Argument
 * checks come in upstream's order so each bad input gets upstream's errno.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/limits.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

#define IOMMUFD_MAP_FLAGS                                                     \
	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |               \
	 IOMMU_IOAS_MAP_READABLE)
#define IOMMUFD_MAP_PROT (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)

struct iommufd_ioas *iommufd_ioas_alloc(void)
{
	struct iommufd_ioas *ioas;

	ioas = kzalloc(sizeof(*ioas), GFP_KERNEL_ACCOUNT);
	if (!ioas)
		return NULL;
	init_rwsem(&ioas->iova_rwsem);
	ioas->area_itree = RB_ROOT_CACHED;
	ioas->allowed_itree = RB_ROOT_CACHED;
	xa_init_flags(&ioas->access_list, XA_FLAGS_ALLOC);
	/* Without a hardware domain any byte granularity can be recorded. */
	ioas->iova_alignment = 1;
	return ioas;
}

/* Called once the IOAS left the table with no other reference. */
void iommufd_ioas_destroy(struct iommufd_ioas *ioas)
{
	int rc;

	/* Nothing is attached, so nothing is pinned: this cannot block. */
	rc = iommufd_iopt_unmap(ioas, 0, ULONG_MAX, NULL);
	if (rc)
		pr_err_ratelimited("IOAS %u destroyed with its mappings in use (%d), leaked\n",
				   ioas->obj.id, rc);
	iommufd_iopt_free_allowed(&ioas->allowed_itree);
	xa_destroy(&ioas->access_list);
	kfree(ioas);
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = iommufd_ioas_alloc();
	if (!ioas)
		return -ENOMEM;
	rc = iommufd_object_reserve(ucmd->ictx, &ioas->obj, IOMMUFD_OBJ_IOAS);
	if (rc)
		goto out_free;

	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	iommufd_object_finalize(ucmd->ictx, &ioas->obj);
	return 0;

out_abort:
	iommufd_object_abort(ucmd->ictx, &ioas->obj);
out_free:
	iommufd_ioas_destroy(ioas);
	return rc;
}

int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommu_iova_range __user *ranges;
	/* With no hardware domain nothing is reserved: one range, all IOVA. */
	struct iommu_iova_range range = { .start = 0, .last = ULONG_MAX };
	struct iommufd_ioas *ioas;
	u32 max_iovas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	ranges = u64_to_user_ptr(cmd->allowed_iovas);
	max_iovas = cmd->num_iovas;
	cmd->num_iovas = 1;
	down_read(&ioas->iova_rwsem);
	cmd->out_iova_alignment = ioas->iova_alignment;
	up_read(&ioas->iova_rwsem);

	rc = 0;
	if (max_iovas && copy_to_user(ranges, &range, sizeof(range)))
		rc = -EFAULT;
	if (!rc)
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	/* The total was written back so the user can size its array. */
	if (!rc && cmd->num_iovas > max_iovas)
		rc = -EMSGSIZE;
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

static int iommufd_ioas_load_iovas(struct rb_root_cached *itree,
				   struct iommu_iova_range __user *ranges,
				   u32 num)
{
	u32 i;

	for (i = 0; i != num; i++) {
		struct iommu_iova_range range;
		struct iommufd_allowed *allowed;

		if (copy_from_user(&range, ranges + i, sizeof(range)))
			return -EFAULT;
		if (range.start >= range.last)
			return -EINVAL;
		if (iommufd_itree_iter_first(itree, range.start, range.last))
			return -EINVAL;

		allowed = kzalloc(sizeof(*allowed), GFP_KERNEL_ACCOUNT);
		if (!allowed)
			return -ENOMEM;
		allowed->node.start = range.start;
		allowed->node.last = range.last;
		iommufd_itree_insert(&allowed->node, itree);
		cond_resched();
	}
	return 0;
}

int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct rb_root_cached allowed = RB_ROOT_CACHED;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	/* Build the new set unlocked, then swap it in whole. */
	rc = iommufd_ioas_load_iovas(&allowed,
				     u64_to_user_ptr(cmd->allowed_iovas),
				     cmd->num_iovas);
	if (!rc)
		iommufd_iopt_set_allowed(ioas, &allowed);
	iommufd_iopt_free_allowed(&allowed);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	struct iommufd_pages_seg seg = {};
	unsigned long iova = cmd->iova;
	struct iommufd_ioas *ioas;
	LIST_HEAD(segs);
	int rc;

	if ((cmd->flags & ~IOMMUFD_MAP_FLAGS) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & IOMMUFD_MAP_PROT))
		return -EINVAL;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	seg.pages = iommufd_pages_alloc(ucmd->ictx, cmd->user_va, cmd->length,
					cmd->flags & IOMMU_IOAS_MAP_WRITEABLE);
	if (IS_ERR(seg.pages)) {
		rc = PTR_ERR(seg.pages);
		goto out_put;
	}
	seg.start_byte = cmd->user_va - (uintptr_t)seg.pages->uptr;
	seg.length = cmd->length;
	list_add(&seg.next, &segs);

	rc = iommufd_iopt_map(ioas, &segs, cmd->length, &iova,
			      cmd->flags & IOMMUFD_MAP_PROT,
			      !(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA));
	iommufd_pages_put(seg.pages);
	if (rc)
		goto out_put;

	cmd->iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iommufd_ioas *src_ioas;
	struct iommufd_ioas *dst_ioas;
	unsigned long iova;
	LIST_HEAD(segs);
	int rc;

	if (cmd->flags & ~IOMMUFD_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->length >= ULONG_MAX || cmd->src_iova >= ULONG_MAX ||
	    cmd->dst_iova >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & IOMMUFD_MAP_PROT))
		return -EINVAL;

	src_ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(src_ioas))
		return PTR_ERR(src_ioas);
	rc = iommufd_iopt_get_segs(src_ioas, cmd->src_iova, cmd->length, &segs);
	iommufd_put_object(ucmd->ictx, &src_ioas->obj);
	if (rc)
		return rc;

	dst_ioas = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (IS_ERR(dst_ioas)) {
		rc = PTR_ERR(dst_ioas);
		goto out_segs;
	}

	iova = cmd->dst_iova;
	rc = iommufd_iopt_map(dst_ioas, &segs, cmd->length, &iova,
			      cmd->flags & IOMMUFD_MAP_PROT,
			      !(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA));
	if (!rc) {
		cmd->dst_iova = iova;
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	iommufd_put_object(ucmd->ictx, &dst_ioas->obj);
out_segs:
	iommufd_iopt_free_segs(&segs);
	return rc;
}

int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	unsigned long unmapped = 0;
	unsigned long last;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		/* Unmapping everything of an empty IOAS succeeds. */
		rc = iommufd_iopt_unmap(ioas, 0, ULONG_MAX, &unmapped);
		if (rc)
			goto out_put;
	} else {
		if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX) {
			rc = -EOVERFLOW;
			goto out_put;
		}
		if (!cmd->length) {
			rc = -EINVAL;
			goto out_put;
		}
		if (check_add_overflow((unsigned long)cmd->iova,
				       (unsigned long)cmd->length - 1, &last)) {
			rc = -EOVERFLOW;
			goto out_put;
		}
		rc = iommufd_iopt_unmap(ioas, cmd->iova, last, &unmapped);
		if (rc)
			goto out_put;
		if (!unmapped) {
			rc = -ENOENT;
			goto out_put;
		}
	}

	cmd->length = unmapped;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->op == IOMMU_OPTION_OP_GET) {
		down_read(&ioas->iova_rwsem);
		cmd->val64 = !ioas->disable_large_pages;
		up_read(&ioas->iova_rwsem);
		rc = 0;
	} else if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (cmd->val64 > 1)
			rc = -EINVAL;
		else
			rc = iommufd_iopt_set_large_pages(ioas, cmd->val64);
	} else {
		rc = -EOPNOTSUPP;
	}

	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}
