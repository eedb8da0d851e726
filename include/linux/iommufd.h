/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk bundled iommufd: the in-kernel API for emulated devices, under
 * upstream's names and signatures (Linux 6.12), served by
 * mdev_sdk_iommufd.ko. Its kernel-doc is with the definitions in iommufd/.
 */
#ifndef MDEV_SDK_LINUX_IOMMUFD_H
#define MDEV_SDK_LINUX_IOMMUFD_H

#include <linux/types.h>

struct file;
struct page;
struct iommufd_ctx;
struct iommufd_access;

/**
 * struct iommufd_access_ops - a kernel user's callbacks on its access
 * @needs_pin_pages: the user will call iommufd_access_pin_pages(); the IOAS
 *	then refuses IOVAs and lengths that are not page aligned
 * @unmap: [@iova, @iova + @length) bytes of IOVA are being unmapped; the
 *	user must call iommufd_access_unpin_pages() for every pin it holds
 *	in that range before returning. Called with no iommufd lock held, may
 *	sleep, and may be called again for the same range until the pins are
 *	gone. Mandatory when @needs_pin_pages is set.
 *
 * Mirrors upstream's &struct iommufd_access_ops.
 */
struct iommufd_access_ops {
	u8 needs_pin_pages : 1;
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
};

/* Flags of iommufd_access_rw() and iommufd_access_pin_pages(). */
enum {
	IOMMUFD_ACCESS_RW_READ = 0,
	IOMMUFD_ACCESS_RW_WRITE = 1 << 0,
	IOMMUFD_ACCESS_RW_KTHREAD = 1 << 1,
};

struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id);
void iommufd_access_destroy(struct iommufd_access *access);
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id);
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id);
void iommufd_access_detach(struct iommufd_access *access);

void iommufd_ctx_get(struct iommufd_ctx *ictx);
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file);
struct iommufd_ctx *iommufd_ctx_from_fd(int fd);
void iommufd_ctx_put(struct iommufd_ctx *ictx);

int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags);
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length);
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags);

#endif /* MDEV_SDK_LINUX_IOMMUFD_H */
