// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled iommufd: /dev/iommu, its ioctl dispatch, the per-file
 * object table and the context references drivers take.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/*
 * Objects are created in two steps so that an id can be returned to the
 * user before anybody else can look the object up: a failed copy-out can
 * then still undo the creation.
 */
int iommufd_object_reserve(struct iommufd_ctx *ictx,
			   struct iommufd_object *obj,
			   enum iommufd_object_type type)
{
	obj->type = type;
	refcount_set(&obj->users, 1);
	return xa_alloc(&ictx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_31b,
			GFP_KERNEL_ACCOUNT);
}

void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj)
{
	/* The slot was reserved by xa_alloc(), so this cannot allocate. */
	xa_store(&ictx->objects, obj->id, obj, GFP_KERNEL);
}

void iommufd_object_abort(struct iommufd_ctx *ictx,
			  struct iommufd_object *obj)
{
	xa_erase(&ictx->objects, obj->id);
}

struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	if (!obj || (type != IOMMUFD_OBJ_ANY && obj->type != type) ||
	    !refcount_inc_not_zero(&obj->users))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ictx->objects);
	return obj;
}

void iommufd_put_object(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	/* Pairs with the wait in iommufd_access_destroy(). */
	if (refcount_dec_and_test(&obj->users))
		wake_up_all(&ictx->destroy_wait);
}

static void iommufd_object_destroy(struct iommufd_object *obj)
{
	/*
	 * Accesses never get here: their driver's reference keeps them out
	 * of IOMMU_DESTROY and their context reference out of release.
	 */
	if (obj->type == IOMMUFD_OBJ_IOAS)
		iommufd_ioas_destroy(container_of(obj, struct iommufd_ioas,
						  obj));
}

/*
 * Upstream's rule: only an object nobody else holds can go, so an IOAS with
 * an access attached and an access owned by a driver answer EBUSY.
 */
static int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_object *obj;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, cmd->id);
	if (!obj) {
		xa_unlock(&ictx->objects);
		return -ENOENT;
	}
	if (!refcount_dec_if_one(&obj->users)) {
		xa_unlock(&ictx->objects);
		return -EBUSY;
	}
	__xa_erase(&ictx->objects, cmd->id);
	if (ictx->vfio_ioas_id == cmd->id)
		ictx->vfio_ioas_id = 0;
	xa_unlock(&ictx->objects);

	iommufd_object_destroy(obj);
	return 0;
}

/*
 * IOMMU_VFIO_IOAS: upstream keeps here the IOAS its emulation of the VFIO
 * container maps into. This module leaves the container to the bundled
 * vfio, so nothing uses the IOAS, but the command answers as upstream's
 * does: GET is ENODEV until a SET, SET needs an existing IOAS (ENOENT),
 * CLEAR forgets it, and an unknown op or a non-zero __reserved is
 * EOPNOTSUPP.
 */
static int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		xa_lock(&ictx->objects);
		cmd->ioas_id = ictx->vfio_ioas_id;
		xa_unlock(&ictx->objects);
		if (!cmd->ioas_id)
			return -ENODEV;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		/* The reference keeps a DESTROY from clearing it under us. */
		ioas = iommufd_get_ioas(ictx, cmd->ioas_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		xa_lock(&ictx->objects);
		ictx->vfio_ioas_id = cmd->ioas_id;
		xa_unlock(&ictx->objects);
		iommufd_put_object(ictx, &ioas->obj);
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		xa_lock(&ictx->objects);
		ictx->vfio_ioas_id = 0;
		xa_unlock(&ictx->objects);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int iommufd_option_rlimit_mode(struct iommu_option *cmd,
				      struct iommufd_ctx *ictx)
{
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;

	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = READ_ONCE(ictx->account_mode) ==
			     IOMMUFD_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;

	/*
	 * Mappings record the mode when they are made, so it may only change
	 * while the file has no object at all, as upstream.
	 */
	xa_lock(&ictx->objects);
	if (!xa_empty(&ictx->objects))
		rc = -EBUSY;
	else if (cmd->val64 == 0)
		WRITE_ONCE(ictx->account_mode, IOMMUFD_ACCOUNT_USER);
	else if (cmd->val64 == 1)
		WRITE_ONCE(ictx->account_mode, IOMMUFD_ACCOUNT_MM);
	else
		rc = -EINVAL;
	xa_unlock(&ictx->objects);
	return rc;
}

static int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommu_option __user *uopt = ucmd->ubuffer;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(cmd, ucmd->ictx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_option(ucmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* Only val64 is an output; the size was checked to cover it. */
	if (copy_to_user(&uopt->val64, &cmd->val64, sizeof(cmd->val64)))
		return -EFAULT;
	return 0;
}

union iommufd_ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_hw_info info;
	struct iommu_hwpt_alloc hwpt;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vfio_ioas vfio_ioas;
};

/**
 * struct iommufd_ioctl_op - one /dev/iommu command
 * @size: the kernel's structure, in bytes
 * @min_size: offsetofend() of its last mandatory field, in bytes
 * @execute: the handler, NULL for a number that is not answered
 */
struct iommufd_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	int (*execute)(struct iommufd_ucmd *ucmd);
};

#define IOMMUFD_IOCTL_OP(_nr, _fn, _struct, _last)                            \
	[(_nr) - IOMMUFD_CMD_BASE] = {                                        \
		.size = sizeof(_struct) +                                     \
			BUILD_BUG_ON_ZERO(sizeof(union iommufd_ucmd_buffer) < \
					  sizeof(_struct)),                   \
		.min_size = offsetofend(_struct, _last),                      \
		.execute = _fn,                                               \
	}

static const struct iommufd_ioctl_op iommufd_ioctl_ops[] = {
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_DESTROY, iommufd_destroy,
			 struct iommu_destroy, id),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_IOAS_ALLOC, iommufd_ioas_alloc_ioctl,
			 struct iommu_ioas_alloc, out_ioas_id),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_IOAS_ALLOW_IOVAS,
			 iommufd_ioas_allow_iovas,
			 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_IOAS_COPY, iommufd_ioas_copy,
			 struct iommu_ioas_copy, src_iova),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_IOAS_IOVA_RANGES,
			 iommufd_ioas_iova_ranges,
			 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_IOAS_MAP, iommufd_ioas_map,
			 struct iommu_ioas_map, iova),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_IOAS_UNMAP, iommufd_ioas_unmap,
			 struct iommu_ioas_unmap, length),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_OPTION, iommufd_option,
			 struct iommu_option, val64),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_VFIO_IOAS, iommufd_vfio_ioas,
			 struct iommu_vfio_ioas, __reserved),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_HWPT_ALLOC, iommufd_hwpt_alloc,
			 struct iommu_hwpt_alloc, __reserved),
	IOMMUFD_IOCTL_OP(IOMMUFD_CMD_GET_HW_INFO, iommufd_get_hw_info,
			 struct iommu_hw_info, __reserved),
};

static long iommufd_fops_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct iommufd_ucmd ucmd = {
		.ictx = filp->private_data,
		.ubuffer = (void __user *)arg,
	};
	const struct iommufd_ioctl_op *op;
	union iommufd_ucmd_buffer buf;
	unsigned int nr = _IOC_NR(cmd);
	int rc;

	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(iommufd_ioctl_ops))
		return -ENOTTY;
	op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	/* The size lives in the argument, never in the number. */
	if (!op->execute || cmd != _IO(IOMMUFD_TYPE, nr))
		return -ENOTTY;

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;

	ucmd.cmd = &buf;
	rc = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				   ucmd.user_size);
	if (rc)
		return rc;
	return op->execute(&ucmd);
}

static int iommufd_fops_open(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx;

	ictx = kzalloc(sizeof(*ictx), GFP_KERNEL_ACCOUNT);
	if (!ictx)
		return -ENOMEM;

	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	init_waitqueue_head(&ictx->destroy_wait);
	ictx->account_mode = IOMMUFD_ACCOUNT_USER;
	ictx->file = filp;
	filp->private_data = ictx;
	return 0;
}

static int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;
	struct iommufd_object *obj;
	unsigned long index;

	/*
	 * Every access holds a file reference, so only IOASes are left and
	 * none of them has an access attached or a pinned page.
	 */
	xa_for_each(&ictx->objects, index, obj) {
		if (!refcount_dec_if_one(&obj->users)) {
			pr_err_ratelimited("object %lu still in use at release, leaked\n",
					   index);
			continue;
		}
		xa_erase(&ictx->objects, index);
		iommufd_object_destroy(obj);
	}
	xa_destroy(&ictx->objects);
	kfree(ictx);
	return 0;
}

static const struct file_operations iommufd_fops = {
	.owner = THIS_MODULE,
	.open = iommufd_fops_open,
	.release = iommufd_fops_release,
	.unlocked_ioctl = iommufd_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * iommufd_ctx_get() - take another reference on an iommufd context
 * @ictx: a context the caller already holds a reference on
 *
 * The reference is one on the /dev/iommu file, as upstream, so a context
 * a driver holds keeps the file (and every object in it) alive after the
 * user closed its descriptor.
 *
 * Context: any context.
 */
void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	get_file(ictx->file);
}
EXPORT_SYMBOL_GPL(iommufd_ctx_get);

/**
 * iommufd_ctx_from_file() - the iommufd context behind an open file
 * @file: a file the caller holds; it stays the caller's to fput()
 *
 * Mirrors upstream's iommufd_ctx_from_file().
 *
 * Context: any context.
 * Return: the context with a reference the caller drops with
 * iommufd_ctx_put(), or ERR_PTR(-EBADFD) if @file is not /dev/iommu.
 */
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file)
{
	struct iommufd_ctx *ictx;

	if (file->f_op != &iommufd_fops)
		return ERR_PTR(-EBADFD);
	ictx = file->private_data;
	iommufd_ctx_get(ictx);
	return ictx;
}
EXPORT_SYMBOL_GPL(iommufd_ctx_from_file);

/**
 * iommufd_ctx_from_fd() - the iommufd context behind a file descriptor
 * @fd: a descriptor of the current process
 *
 * Mirrors upstream's iommufd_ctx_from_fd() (VFIO_DEVICE_BIND_IOMMUFD).
 *
 * Context: process context.
 * Return: the context with a reference the caller drops with
 * iommufd_ctx_put(); ERR_PTR(-EBADF) if @fd is not open, ERR_PTR(-EBADFD)
 * if it is not /dev/iommu.
 */
struct iommufd_ctx *iommufd_ctx_from_fd(int fd)
{
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op != &iommufd_fops) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	/* The reference fget() took is the context's. */
	return file->private_data;
}
EXPORT_SYMBOL_GPL(iommufd_ctx_from_fd);

/**
 * iommufd_ctx_put() - drop a reference on an iommufd context
 * @ictx: the context
 *
 * The last reference releases the file and with it every IOAS and mapping
 * left in it.
 *
 * Context: any context; the release itself is deferred by fput().
 */
void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	fput(ictx->file);
}
EXPORT_SYMBOL_GPL(iommufd_ctx_put);

static struct miscdevice iommufd_misc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu",
	.nodename = "iommu",
	.fops = &iommufd_fops,
	.mode = 0660,
};

static int __init iommufd_init(void)
{
	return misc_register(&iommufd_misc_dev);
}

static void __exit iommufd_exit(void)
{
	misc_deregister(&iommufd_misc_dev);
}

module_init(iommufd_init);
module_exit(iommufd_exit);

MODULE_DESCRIPTION("mdev-sdk: iommufd (/dev/iommu) for emulated devices");
MODULE_LICENSE("GPL");
