// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdpy_client: drive an mdpy display (samples/mdpy on mdev-sdk) through
 * the VFIO ABI the way QEMU's display=on does, and check what it answers.
 *
 *   mdpy_client UUID WIDTH HEIGHT
 *
 * WIDTH and HEIGHT are the mode of the device's type. The client checks
 * the PCI identity and the mode capability, the plane ioctl's PROBE form
 * and its argsz/flags errors, the all-zero plane before the guest enables
 * the display, then writes a pattern through an mmap() of BAR0, queries
 * the plane, maps the region the plane names and compares every pixel.
 * One PASS/FAIL line per check; exits non-zero if any failed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "common.h"

#define REGION_SHIFT	40
/* DRM fourcc 'XR24', from <drm/drm_fourcc.h>, which userspace lacks here. */
#define FOURCC_XRGB8888	0x34325258u
#define DRM_PLANE_CURSOR 2
#define PCI_ID_VENDOR	0x1b36
#define PCI_ID_DEVICE	0x000f
#define PCI_ID_SUBVEN	0x1af4
#define PCI_ID_SUBDEV	0x1100
#define CLASS_DISPLAY_OTHER 0x038000

static int dev_fd;
static unsigned int width, height;

static __u64 region_off(unsigned int index)
{
	return (__u64)index << REGION_SHIFT;
}

static __u32 cfg_read(unsigned int pos, unsigned int n)
{
	__u8 b[4] = { 0 };

	if (pread(dev_fd, b, n, region_off(VFIO_PCI_CONFIG_REGION_INDEX) + pos) != n)
		return UINT32_MAX;
	return b[0] | b[1] << 8 | b[2] << 16 | (__u32)b[3] << 24;
}

static void cfg_write16(unsigned int pos, __u16 v)
{
	__u8 b[2] = { v & 0xff, v >> 8 };

	if (pwrite(dev_fd, b, 2, region_off(VFIO_PCI_CONFIG_REGION_INDEX) + pos) != 2)
		t_fail("cfg.write", "pwrite at %#x: %s", pos, strerror(errno));
}

static int region_info(unsigned int index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, info);
}

static void *map_region(unsigned int index, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dev_fd,
		       region_off(index));

	return p == MAP_FAILED ? NULL : p;
}

/* A value per pixel that differs across lines, columns and bytes. */
static __u32 pattern(unsigned int x, unsigned int y)
{
	return ((__u32)x << 16 ^ y) * 2654435761u;
}

/* Query with junk in every output field, so that zeroes are the device's. */
static int query(__u32 flags, __u32 plane_type,
		 struct vfio_device_gfx_plane_info *p)
{
	memset(p, 0xa5, sizeof(*p));
	p->argsz = sizeof(*p);
	p->flags = flags;
	p->drm_plane_type = plane_type;
	return ioctl(dev_fd, VFIO_DEVICE_QUERY_GFX_PLANE, p);
}

static bool plane_is_off(const struct vfio_device_gfx_plane_info *p)
{
	return !p->drm_format && !p->width && !p->height && !p->size &&
	       !p->stride && !p->drm_format_mod;
}

static void test_identity(void)
{
	unsigned int cap, hops = 0;

	t_check(cfg_read(PCI_VENDOR_ID, 2) == PCI_ID_VENDOR &&
		cfg_read(PCI_DEVICE_ID, 2) == PCI_ID_DEVICE &&
		cfg_read(PCI_SUBSYSTEM_VENDOR_ID, 2) == PCI_ID_SUBVEN &&
		cfg_read(PCI_SUBSYSTEM_ID, 2) == PCI_ID_SUBDEV,
		"cfg.ids", "%04x:%04x subsystem %04x:%04x",
		cfg_read(PCI_VENDOR_ID, 2), cfg_read(PCI_DEVICE_ID, 2),
		cfg_read(PCI_SUBSYSTEM_VENDOR_ID, 2), cfg_read(PCI_SUBSYSTEM_ID, 2));
	t_check(cfg_read(PCI_CLASS_REVISION, 4) >> 8 == CLASS_DISPLAY_OTHER,
		"cfg.class", "class %#x", cfg_read(PCI_CLASS_REVISION, 4) >> 8);

	cap = cfg_read(PCI_CAPABILITY_LIST, 1);
	while (cap && cfg_read(cap, 1) != PCI_CAP_ID_VNDR && ++hops < 48)
		cap = cfg_read(cap + PCI_CAP_LIST_NEXT, 1);
	if (!t_check(cap && cfg_read(cap, 1) == PCI_CAP_ID_VNDR &&
		     cfg_read(cap + 2, 1) == 16, "cfg.mode_cap",
		     "vendor capability at %#x, length %u", cap,
		     cap ? cfg_read(cap + 2, 1) : 0))
		return;
	t_check(cfg_read(cap + 4, 4) == FOURCC_XRGB8888 &&
		cfg_read(cap + 8, 4) == width && cfg_read(cap + 12, 4) == height,
		"cfg.mode_cap.values", "format %#x %ux%u",
		cfg_read(cap + 4, 4), cfg_read(cap + 8, 4), cfg_read(cap + 12, 4));
	/* The mode is the host's; guest writes must not change it. */
	cfg_write16(cap + 8, 0x1234);
	t_check(cfg_read(cap + 8, 4) == width, "cfg.mode_cap.read_only",
		"width became %u", cfg_read(cap + 8, 4));
}

static void test_plane_errors(void)
{
	struct vfio_device_gfx_plane_info p;

	t_expect_ok("plane.probe.region",
		    query(VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION, 0, &p));
	t_expect_errno("plane.probe.dmabuf",
		       query(VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF, 0, &p),
		       EINVAL);
	t_expect_errno("plane.probe.no_type",
		       query(VFIO_GFX_PLANE_TYPE_PROBE, 0, &p), EINVAL);
	t_expect_errno("plane.flags.zero", query(0, 0, &p), EINVAL);
	t_expect_errno("plane.flags.dmabuf", query(VFIO_GFX_PLANE_TYPE_DMABUF, 0, &p),
		       EINVAL);
	t_expect_errno("plane.flags.both",
		       query(VFIO_GFX_PLANE_TYPE_REGION | VFIO_GFX_PLANE_TYPE_DMABUF, 0, &p),
		       EINVAL);
	t_expect_errno("plane.flags.unknown_bit",
		       query(VFIO_GFX_PLANE_TYPE_REGION | 1u << 3, 0, &p), EINVAL);

	/* One byte short of the last field the ioctl fills in. */
	memset(&p, 0, sizeof(p));
	p.argsz = offsetof(struct vfio_device_gfx_plane_info, region_index) + 3;
	p.flags = VFIO_GFX_PLANE_TYPE_REGION;
	t_expect_errno("plane.argsz.short",
		       ioctl(dev_fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p), EINVAL);
	p.argsz = 0;
	t_expect_errno("plane.argsz.zero",
		       ioctl(dev_fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p), EINVAL);
	t_expect_errno("plane.bad_pointer",
		       ioctl(dev_fd, VFIO_DEVICE_QUERY_GFX_PLANE, (void *)8), EFAULT);
}

/* Returns the number of bytes of the plane that differ from the pattern. */
static size_t compare_plane(const __u8 *fb, __u32 stride)
{
	size_t bad = 0;
	unsigned int x, y;

	for (y = 0; y < height; y++)
		for (x = 0; x < width; x++) {
			__u32 want = pattern(x, y);

			bad += memcmp(fb + (size_t)y * stride + x * 4, &want, 4) != 0;
		}
	return bad;
}

static void test_display(void)
{
	struct vfio_device_gfx_plane_info p;
	struct vfio_region_info bar, shown;
	__u32 *bar_map;
	__u8 *plane_map, *copy;
	size_t fb_len = (size_t)width * height * 4;
	size_t page = sysconf(_SC_PAGESIZE), bad;
	unsigned int x, y;
	long ret;

	ret = region_info(VFIO_PCI_BAR0_REGION_INDEX, &bar);
	if (!t_check(!ret && bar.size >= fb_len && !(bar.size & (bar.size - 1)) &&
		     (bar.flags & VFIO_REGION_INFO_FLAG_MMAP), "bar0.info",
		     "ret %ld size %llu flags %#x", ret,
		     (unsigned long long)bar.size, bar.flags))
		return;

	/* Fresh out of open, the guest has not enabled the display yet. */
	ret = query(VFIO_GFX_PLANE_TYPE_REGION, 0, &p);
	t_check(!ret && plane_is_off(&p) && p.flags == VFIO_GFX_PLANE_TYPE_REGION,
		"plane.before_enable.off", "ret %ld format %#x %ux%u size %u",
		ret, p.drm_format, p.width, p.height, p.size);

	bar_map = map_region(VFIO_PCI_BAR0_REGION_INDEX, bar.size);
	if (!t_check(bar_map, "bar0.mmap", "%s", strerror(errno)))
		return;
	for (y = 0; y < height; y++)
		for (x = 0; x < width; x++)
			bar_map[y * width + x] = pattern(x, y);

	cfg_write16(PCI_COMMAND, cfg_read(PCI_COMMAND, 2) | PCI_COMMAND_MEMORY);
	ret = query(VFIO_GFX_PLANE_TYPE_REGION, 1 /* primary */, &p);
	t_check(!ret && p.flags == VFIO_GFX_PLANE_TYPE_REGION &&
		p.drm_format == FOURCC_XRGB8888 && p.drm_format_mod == 0 &&
		p.width == width && p.height == height && p.stride == width * 4 &&
		p.size == (fb_len + page - 1) / page * page &&
		p.region_index == VFIO_PCI_BAR0_REGION_INDEX,
		"plane.query",
		"ret %ld flags %#x format %#x mod %#llx %ux%u stride %u size %u region %u",
		ret, p.flags, p.drm_format, (unsigned long long)p.drm_format_mod,
		p.width, p.height, p.stride, p.size, p.region_index);
	ret = query(VFIO_GFX_PLANE_TYPE_REGION, DRM_PLANE_CURSOR, &p);
	t_check(!ret && plane_is_off(&p), "plane.cursor.off",
		"ret %ld format %#x size %u", ret, p.drm_format, p.size);

	/* What QEMU does: map the region the plane names, on its own. */
	ret = query(VFIO_GFX_PLANE_TYPE_REGION, 1, &p);
	if (ret || region_info(p.region_index, &shown) || shown.size < p.size) {
		t_fail("plane.region", "region %u unusable", p.region_index);
		goto out_unmap_bar;
	}
	plane_map = map_region(p.region_index, shown.size);
	if (!t_check(plane_map, "plane.region.mmap", "%s", strerror(errno)))
		goto out_unmap_bar;
	bad = compare_plane(plane_map, p.stride);
	t_check(!bad, "plane.pixels.mmap", "%zu of %u pixels differ", bad,
		width * height);

	/* The same pixels through the read path, as a non-mmap user sees them. */
	copy = malloc(p.size);
	if (copy && pread(dev_fd, copy, p.size, region_off(p.region_index)) == p.size) {
		bad = compare_plane(copy, p.stride);
		t_check(!bad, "plane.pixels.read", "%zu of %u pixels differ", bad,
			width * height);
	} else {
		t_fail("plane.pixels.read", "pread of %u bytes: %s", p.size,
		       strerror(errno));
	}
	free(copy);

	/* Reset: the display goes off and the next user gets a blank screen. */
	t_expect_ok("reset", ioctl(dev_fd, VFIO_DEVICE_RESET));
	ret = query(VFIO_GFX_PLANE_TYPE_REGION, 1, &p);
	t_check(!ret && plane_is_off(&p), "plane.after_reset.off",
		"ret %ld format %#x size %u", ret, p.drm_format, p.size);
	for (bad = 0, x = 0; x < fb_len; x++)
		bad += plane_map[x] != 0;
	t_check(!bad, "fb.after_reset.blank", "%zu bytes still set", bad);

	munmap(plane_map, shown.size);
out_unmap_bar:
	munmap(bar_map, bar.size);
}

int main(int argc, char **argv)
{
	struct vfio_handle h;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: %s UUID WIDTH HEIGHT\n", argv[0]);
		return 2;
	}
	width = strtoul(argv[2], NULL, 0);
	height = strtoul(argv[3], NULL, 0);
	ret = vfio_open_device(argv[1], &h);
	if (ret) {
		t_fail("open", "%s: %s", argv[1], strerror(-ret));
		return 1;
	}
	dev_fd = h.device;

	test_identity();
	test_plane_errors();
	test_display();

	vfio_close(&h);
	return t_exit_status();
}
