// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdpy: a mediated display on mdev-sdk.
 *
 * Each device is a fixed-mode, 32 bits per pixel XRGB8888 framebuffer in
 * a memory BAR the user can mmap(), plus a vendor-specific capability that
 * tells the guest its geometry (see mdpy.h). The host side sees what the
 * guest shows through VFIO_DEVICE_QUERY_GFX_PLANE, which names BAR0 as the
 * plane's region; QEMU's display=on scans it out without GL. Types
 * mdpy-vga, mdpy-xga and mdpy-hd share a pool of four displays.
 *
 * This file is device logic only: the SDK provides the mdev types,
 * configuration space, BAR memory and mmap, and the plane ioctl's checks.
 */
#include <linux/module.h>
#include <linux/pci_ids.h>
#include <linux/sizes.h>
#include <asm/unaligned.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_plane.h>

#include <mdev_sdk/mdev_sdk.h>

#include "mdpy.h"

/**
 * struct mdpy_mode - the fixed display mode of a type
 * @width: visible pixels per line
 * @height: lines
 */
struct mdpy_mode {
	u32 width;
	u32 height;
};

/**
 * struct mdpy_cap - payload of the vendor-specific capability
 * @pad: keeps the fields dword aligned in configuration space
 * @format: DRM fourcc of the framebuffer
 * @width: pixels per line
 * @height: lines
 */
struct mdpy_cap {
	u8 pad;
	__le32 format;
	__le32 width;
	__le32 height;
} __packed;

static_assert(3 + sizeof(struct mdpy_cap) == MDPY_CAP_LEN);

static const struct mdpy_mode mdpy_vga = { 640, 480 };
static const struct mdpy_mode mdpy_xga = { 1024, 768 };
static const struct mdpy_mode mdpy_hd = { 1920, 1080 };

static const struct mdpy_mode *mdpy_mode(struct mdev_sdk_device *sdev)
{
	return (const struct mdpy_mode *)mdev_sdk_get_type(sdev)->driver_data;
}

static u32 mdpy_stride(const struct mdpy_mode *m)
{
	return m->width * MDPY_BYTES_PER_PIXEL;
}

static int mdpy_create(struct mdev_sdk_device *sdev)
{
	const struct mdpy_mode *m = mdpy_mode(sdev);
	struct mdpy_cap cap = {
		.format = cpu_to_le32(DRM_FORMAT_XRGB8888),
		.width = cpu_to_le32(m->width),
		.height = cpu_to_le32(m->height),
	};
	int ret;

	ret = mdev_sdk_pci_config_add_vendor(mdev_sdk_config(sdev), &cap,
					     sizeof(cap));
	return ret < 0 ? ret : 0;
}

/* A new user must not see what the previous one left on the screen. */
static void mdpy_reset(struct mdev_sdk_device *sdev)
{
	memset(mdev_sdk_bar_memory(sdev, 0), 0,
	       mdev_sdk_get_type(sdev)->bars[0].size);
}

static int mdpy_query_plane(struct mdev_sdk_device *sdev,
			    struct vfio_device_gfx_plane_info *plane)
{
	const struct mdpy_mode *m = mdpy_mode(sdev);
	const u8 *cfg = mdev_sdk_config(sdev)->cfg;

	/*
	 * The guest shows nothing until its driver enables the BAR, and there
	 * is no cursor plane: both answer with the all-zero plane.
	 */
	if (!(get_unaligned_le16(&cfg[PCI_COMMAND]) & PCI_COMMAND_MEMORY) ||
	    plane->drm_plane_type == DRM_PLANE_TYPE_CURSOR)
		return 0;

	plane->drm_format = DRM_FORMAT_XRGB8888;
	plane->drm_format_mod = DRM_FORMAT_MOD_LINEAR;
	plane->width = m->width;
	plane->height = m->height;
	plane->stride = mdpy_stride(m);
	plane->size = PAGE_ALIGN(mdpy_stride(m) * m->height);
	plane->x_hot = U32_MAX;
	plane->y_hot = U32_MAX;
	plane->region_index = VFIO_PCI_BAR0_REGION_INDEX;
	return 0;
}

#define MDPY_FB_BAR(_size) { \
	.size = (_size), \
	.flags = MDEV_SDK_BAR_PREFETCH | MDEV_SDK_BAR_BACKED, \
}

/* Each BAR is the framebuffer's size rounded up to a power of two. */
static_assert(640 * 480 * MDPY_BYTES_PER_PIXEL <= SZ_2M);
static_assert(1024 * 768 * MDPY_BYTES_PER_PIXEL <= SZ_4M);
static_assert(1920 * 1080 * MDPY_BYTES_PER_PIXEL <= SZ_16M);

static const struct mdev_sdk_type mdpy_types[] = {
	{
		.sysfs_name = "vga",
		.pretty_name = "mdpy-vga",
		.description = "640x480 XRGB8888 framebuffer display",
		.cost = 1,
		.bars = { MDPY_FB_BAR(SZ_2M) },
		.driver_data = (unsigned long)&mdpy_vga,
	},
	{
		.sysfs_name = "xga",
		.pretty_name = "mdpy-xga",
		.description = "1024x768 XRGB8888 framebuffer display",
		.cost = 1,
		.bars = { MDPY_FB_BAR(SZ_4M) },
		.driver_data = (unsigned long)&mdpy_xga,
	},
	{
		.sysfs_name = "hd",
		.pretty_name = "mdpy-hd",
		.description = "1920x1080 XRGB8888 framebuffer display",
		.cost = 1,
		.bars = { MDPY_FB_BAR(SZ_16M) },
		.driver_data = (unsigned long)&mdpy_hd,
	},
};

static const struct mdev_sdk_pci_ident mdpy_ident = {
	.vendor = MDPY_PCI_VENDOR,
	.device = MDPY_PCI_DEVICE,
	.subsystem_vendor = MDPY_PCI_SUBVENDOR,
	.subsystem_device = MDPY_PCI_SUBDEVICE,
	.class_code = PCI_CLASS_DISPLAY_OTHER << 8,
	.revision = 0x01,
};

static const struct mdev_sdk_device_ops mdpy_device_ops = {
	.create = mdpy_create,
	.reset = mdpy_reset,
	.query_plane = mdpy_query_plane,
};

static struct mdev_sdk_driver mdpy_driver = {
	.name = "mdpy",
	.owner = THIS_MODULE,
	.types = mdpy_types,
	.nr_types = ARRAY_SIZE(mdpy_types),
	.pool = 4,
	.ident = &mdpy_ident,
	.ops = &mdpy_device_ops,
	.plane_types = VFIO_GFX_PLANE_TYPE_REGION,
};
module_mdev_sdk_driver(mdpy_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mediated framebuffer display (mdev-sdk sample)");
