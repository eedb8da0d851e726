// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdpy-fb: guest framebuffer driver for the mdpy mediated display.
 *
 * Binds PCI 1b36:000f, reads the mode from the device's vendor-specific
 * capability (see mdpy.h) and registers an fbdev on BAR0. The mode is
 * fixed by the host, so there is nothing to program: enabling the device
 * turns on memory decoding, which is what makes the host display it.
 */
#include <linux/fb.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <drm/drm_fourcc.h>

#include "mdpy.h"

#define MDPY_FB_MAX_DIM		4096
#define MDPY_FB_PALETTE_SIZE	16

/**
 * struct mdpy_fb_par - per-framebuffer driver state
 * @palette: the pseudo palette fbcon draws text colours from
 */
struct mdpy_fb_par {
	u32 palette[MDPY_FB_PALETTE_SIZE];
};

static int mdpy_fb_setcolreg(unsigned int regno, unsigned int red,
			     unsigned int green, unsigned int blue,
			     unsigned int transp, struct fb_info *info)
{
	u32 *palette = info->pseudo_palette;

	if (regno >= MDPY_FB_PALETTE_SIZE)
		return -EINVAL;
	/* XRGB8888: the colour components are 16-bit, keep the top 8. */
	palette[regno] = (red >> 8) << 16 | (green >> 8) << 8 | blue >> 8;
	return 0;
}

static const struct fb_ops mdpy_fb_ops = {
	.owner		= THIS_MODULE,
	.fb_setcolreg	= mdpy_fb_setcolreg,
	.fb_fillrect	= cfb_fillrect,
	.fb_copyarea	= cfb_copyarea,
	.fb_imageblit	= cfb_imageblit,
};

static u32 mdpy_fb_cap_read(struct pci_dev *pdev, int cap, int off)
{
	u32 val;

	pci_read_config_dword(pdev, cap + off, &val);
	return val;
}

static void mdpy_fb_set_mode(struct fb_info *info, u32 width, u32 height)
{
	struct fb_var_screeninfo *var = &info->var;

	strscpy(info->fix.id, "mdpy-fb", sizeof(info->fix.id));
	info->fix.type = FB_TYPE_PACKED_PIXELS;
	info->fix.visual = FB_VISUAL_TRUECOLOR;
	info->fix.accel = FB_ACCEL_NONE;
	info->fix.line_length = width * MDPY_BYTES_PER_PIXEL;

	var->xres = width;
	var->yres = height;
	var->xres_virtual = width;
	var->yres_virtual = height;
	var->bits_per_pixel = 32;
	var->red = (struct fb_bitfield){ .offset = 16, .length = 8 };
	var->green = (struct fb_bitfield){ .offset = 8, .length = 8 };
	var->blue = (struct fb_bitfield){ .offset = 0, .length = 8 };
	/* Physical size unknown. */
	var->height = -1;
	var->width = -1;
	var->activate = FB_ACTIVATE_NOW;
	var->vmode = FB_VMODE_NONINTERLACED;
}

static int mdpy_fb_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	u32 format, width, height;
	struct mdpy_fb_par *par;
	struct fb_info *info;
	int cap, ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;

	cap = pci_find_capability(pdev, PCI_CAP_ID_VNDR);
	if (!cap)
		return dev_err_probe(&pdev->dev, -ENODEV,
				     "no mode capability\n");
	format = mdpy_fb_cap_read(pdev, cap, MDPY_CAP_FORMAT);
	width = mdpy_fb_cap_read(pdev, cap, MDPY_CAP_WIDTH);
	height = mdpy_fb_cap_read(pdev, cap, MDPY_CAP_HEIGHT);
	if (format != DRM_FORMAT_XRGB8888 || !width || !height ||
	    width > MDPY_FB_MAX_DIM || height > MDPY_FB_MAX_DIM ||
	    (u64)width * height * MDPY_BYTES_PER_PIXEL >
	    pci_resource_len(pdev, 0))
		return dev_err_probe(&pdev->dev, -EINVAL,
				     "unusable mode %ux%u format %#x\n",
				     width, height, format);

	info = framebuffer_alloc(sizeof(*par), &pdev->dev);
	if (!info)
		return -ENOMEM;
	par = info->par;
	info->pseudo_palette = par->palette;
	info->fbops = &mdpy_fb_ops;
	info->flags = FBINFO_DEFAULT;
	mdpy_fb_set_mode(info, width, height);
	info->fix.smem_start = pci_resource_start(pdev, 0);
	info->fix.smem_len = pci_resource_len(pdev, 0);
	info->screen_base = pcim_iomap_table(pdev)[0];
	info->screen_size = info->fix.smem_len;

	ret = register_framebuffer(info);
	if (ret) {
		framebuffer_release(info);
		return ret;
	}
	pci_set_drvdata(pdev, info);
	fb_info(info, "mdpy %ux%u XRGB8888 framebuffer\n", width, height);
	return 0;
}

static void mdpy_fb_remove(struct pci_dev *pdev)
{
	struct fb_info *info = pci_get_drvdata(pdev);

	unregister_framebuffer(info);
	framebuffer_release(info);
}

static const struct pci_device_id mdpy_fb_ids[] = {
	{ PCI_DEVICE_SUB(MDPY_PCI_VENDOR, MDPY_PCI_DEVICE,
			 MDPY_PCI_SUBVENDOR, MDPY_PCI_SUBDEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mdpy_fb_ids);

static struct pci_driver mdpy_fb_driver = {
	.name		= "mdpy-fb",
	.id_table	= mdpy_fb_ids,
	.probe		= mdpy_fb_probe,
	.remove		= mdpy_fb_remove,
};
module_pci_driver(mdpy_fb_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Framebuffer driver for the mdpy mediated display (guest side)");
