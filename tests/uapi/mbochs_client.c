// SPDX-License-Identifier: GPL-2.0-only
/*
 * mbochs_client: drive an mbochs display (samples/mbochs on mdev-sdk)
 * through the VFIO ABI the way a display client does.
 *
 *   mbochs_client UUID   program modes through BAR2, draw through the BAR0
 *                        mmap, query planes, import dma-bufs and compare
 *                        them byte for byte, check the EDID region, and
 *                        finally close the device and remove it while a
 *                        dma-buf is still held
 *
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

#include <linux/vfio.h>

#include "common.h"

#define REGION_SHIFT	40
#define DISPI_BASE	0x500
#define DISPI_ID	0x0
#define DISPI_XRES	0x1
#define DISPI_YRES	0x2
#define DISPI_BPP	0x3
#define DISPI_ENABLE	0x4
#define DISPI_VWIDTH	0x6
#define DISPI_VHEIGHT	0x7
#define DISPI_XOFF	0x8
#define DISPI_YOFF	0x9
#define DISPI_VMEM_64K	0xa
#define DISPI_ENABLED	0x01
#define DISPI_GETCAPS	0x02
#define PLANE_PRIMARY	1	/* DRM_PLANE_TYPE_PRIMARY */
#define PLANE_CURSOR	2	/* DRM_PLANE_TYPE_CURSOR */
#define FOURCC(a, b, c, d) \
	((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)
#define FMT_XRGB8888	FOURCC('X', 'R', '2', '4')

static int dev_fd;
static long page_size;

static __u64 region_off(unsigned int index)
{
	return (__u64)index << REGION_SHIFT;
}

static __u16 dispi_read(unsigned int reg)
{
	__u16 v = 0xdead;

	pread(dev_fd, &v, 2, region_off(VFIO_PCI_BAR2_REGION_INDEX) +
	      DISPI_BASE + 2 * reg);
	return v;
}

static void dispi_write(unsigned int reg, __u16 v)
{
	pwrite(dev_fd, &v, 2, region_off(VFIO_PCI_BAR2_REGION_INDEX) +
	       DISPI_BASE + 2 * reg);
}

/* Program a mode the way bochs-drm does, panned down @yoff lines. */
static void set_mode(unsigned int w, unsigned int h, unsigned int yoff)
{
	dispi_write(DISPI_ENABLE, 0);
	dispi_write(DISPI_BPP, 32);
	dispi_write(DISPI_XRES, w);
	dispi_write(DISPI_YRES, h);
	dispi_write(DISPI_VWIDTH, w);
	dispi_write(DISPI_VHEIGHT, h + yoff);
	dispi_write(DISPI_XOFF, 0);
	dispi_write(DISPI_YOFF, yoff);
	dispi_write(DISPI_ENABLE, DISPI_ENABLED);
}

static int query_plane(__u32 flags, __u32 type,
		       struct vfio_device_gfx_plane_info *p)
{
	memset(p, 0xa5, sizeof(*p));
	p->argsz = sizeof(*p);
	p->flags = flags;
	p->drm_plane_type = type;
	return ioctl(dev_fd, VFIO_DEVICE_QUERY_GFX_PLANE, p) ? -errno : 0;
}

static bool plane_is_off(const struct vfio_device_gfx_plane_info *p)
{
	return !p->drm_format && !p->width && !p->height && !p->size;
}

/* Index of the region with the given type capability, or -1. */
static int find_region(__u32 type, __u32 subtype, struct vfio_region_info *out)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	__u32 i;

	if (ioctl(dev_fd, VFIO_DEVICE_GET_INFO, &di))
		return -1;
	for (i = VFIO_PCI_NUM_REGIONS; i < di.num_regions; i++) {
		char buf[512] = { 0 };
		struct vfio_region_info *ri = (void *)buf;
		__u32 off;

		ri->argsz = sizeof(buf);
		ri->index = i;
		if (ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, ri) ||
		    !(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
			continue;
		for (off = ri->cap_offset; off && off < sizeof(buf);) {
			struct vfio_info_cap_header *h = (void *)(buf + off);
			struct vfio_region_info_cap_type *t = (void *)h;

			if (h->id == VFIO_REGION_INFO_CAP_TYPE &&
			    t->type == type && t->subtype == subtype) {
				*out = *ri;
				return i;
			}
			off = h->next;
		}
	}
	return -1;
}

/* A pixel value nobody would produce by accident, per byte offset. */
static __u32 pattern(size_t i, __u32 seed)
{
	return (__u32)(i * 2654435761u) ^ seed;
}

static void draw(__u32 *fb, size_t words, __u32 seed)
{
	size_t i;

	for (i = 0; i < words; i++)
		fb[i] = pattern(i, seed);
}

static void *map_dmabuf(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void check_edid(__u64 vram)
{
	struct vfio_region_gfx_edid e = { 0 };
	struct vfio_region_info ri = { 0 };
	unsigned char blob[128], seen[128];
	__u64 base;
	__u32 v;
	int idx;
	size_t i;

	idx = find_region(VFIO_REGION_TYPE_GFX, VFIO_REGION_SUBTYPE_GFX_EDID, &ri);
	if (!t_check(idx >= 0, "edid.region", "no GFX/EDID region"))
		return;
	base = region_off(idx);
	t_check(pread(dev_fd, &e, sizeof(e), base) == sizeof(e), "edid.header",
		"read: %s", strerror(errno));
	t_check(e.edid_offset >= sizeof(e) &&
		e.edid_offset + e.edid_max_size <= ri.size &&
		e.edid_max_size >= sizeof(blob), "edid.layout",
		"offset %u max %u region %llu", e.edid_offset, e.edid_max_size,
		(unsigned long long)ri.size);
	t_check(e.link_state == VFIO_DEVICE_GFX_LINK_STATE_UP, "edid.link_default",
		"link_state %u", e.link_state);
	/* The limits the region reports are the ones the guest sees. */
	dispi_write(DISPI_ENABLE, DISPI_GETCAPS);
	t_check(dispi_read(DISPI_XRES) == e.max_xres &&
		dispi_read(DISPI_YRES) == e.max_yres && e.max_xres &&
		(__u64)e.max_xres * e.max_yres * 4 <= vram, "edid.max_res",
		"max %ux%u, dispi caps %ux%u, vram %llu", e.max_xres,
		e.max_yres, dispi_read(DISPI_XRES), dispi_read(DISPI_YRES),
		(unsigned long long)vram);
	dispi_write(DISPI_ENABLE, 0);

	for (i = 0; i < sizeof(blob); i++)
		blob[i] = pattern(i, 0xed1d) & 0xff;
	memcpy(blob, "\0\xff\xff\xff\xff\xff\xff\0", 8);
	v = VFIO_DEVICE_GFX_LINK_STATE_DOWN;
	t_check(pwrite(dev_fd, &v, 4, base + offsetof(typeof(e), link_state)) == 4 &&
		pwrite(dev_fd, blob, sizeof(blob), base + e.edid_offset) == sizeof(blob),
		"edid.write_blob", "%s", strerror(errno));
	v = sizeof(blob);
	pwrite(dev_fd, &v, 4, base + offsetof(typeof(e), edid_size));
	memset(seen, 0x55, sizeof(seen));
	pread(dev_fd, seen, sizeof(seen), region_off(VFIO_PCI_BAR2_REGION_INDEX));
	for (i = 0; i < sizeof(seen) && !seen[i]; i++)
		;
	t_check(i == sizeof(seen), "edid.link_down_hides", "guest sees byte %zu = %#x",
		i, seen[i < sizeof(seen) ? i : 0]);
	v = VFIO_DEVICE_GFX_LINK_STATE_UP;
	pwrite(dev_fd, &v, 4, base + offsetof(typeof(e), link_state));
	pread(dev_fd, seen, sizeof(seen), region_off(VFIO_PCI_BAR2_REGION_INDEX));
	t_check(!memcmp(seen, blob, sizeof(blob)), "edid.link_up_shows",
		"guest EDID differs from the blob written");
	pread(dev_fd, &e, sizeof(e), base);
	t_check(e.edid_size == sizeof(blob), "edid.size_readback", "%u", e.edid_size);

	v = e.edid_max_size + 1;
	t_expect_errno("edid.size_over_max",
		       pwrite(dev_fd, &v, 4, base + offsetof(typeof(e), edid_size)),
		       EINVAL);
	v = 7;
	t_expect_errno("edid.bad_link_state",
		       pwrite(dev_fd, &v, 4, base + offsetof(typeof(e), link_state)),
		       EINVAL);
	v = 1;
	t_check(pwrite(dev_fd, &v, 4, base + offsetof(typeof(e), max_xres)) < 0,
		"edid.max_xres_readonly", "write accepted");
	pread(dev_fd, &e, sizeof(e), base);
	t_check(e.edid_size == sizeof(blob) &&
		e.link_state == VFIO_DEVICE_GFX_LINK_STATE_UP && e.max_xres != 1,
		"edid.rejected_writes_change_nothing", "size %u link %u max_xres %u",
		e.edid_size, e.link_state, e.max_xres);
}

/*
 * Set a mode, query it, import its dma-buf and compare with what BAR0
 * shows at the plane's offset. Returns the dma-buf fd (kept open) or -1.
 */
static int check_mode(const char *tag, unsigned int w, unsigned int h,
		      unsigned int yoff, const unsigned char *fb,
		      __u32 *id_out)
{
	struct vfio_device_gfx_plane_info p, again;
	__u64 off = (__u64)yoff * w * 4;
	char name[64];
	unsigned char *buf;
	int fd;

	set_mode(w, h, yoff);
	snprintf(name, sizeof(name), "plane.%s.query", tag);
	if (!t_expect_ok(name, query_plane(VFIO_GFX_PLANE_TYPE_DMABUF,
					   PLANE_PRIMARY, &p)))
		return -1;
	snprintf(name, sizeof(name), "plane.%s.geometry", tag);
	t_check(p.drm_format == FMT_XRGB8888 && p.width == w && p.height == h &&
		p.stride == w * 4 && p.size >= w * 4 * h &&
		p.size % page_size == 0 && p.drm_format_mod == 0, name,
		"fmt %#x %ux%u stride %u size %u mod %llu", p.drm_format,
		p.width, p.height, p.stride, p.size,
		(unsigned long long)p.drm_format_mod);
	query_plane(VFIO_GFX_PLANE_TYPE_DMABUF, PLANE_PRIMARY, &again);
	snprintf(name, sizeof(name), "plane.%s.stable_id", tag);
	t_check(again.dmabuf_id == p.dmabuf_id, name, "ids %u then %u",
		p.dmabuf_id, again.dmabuf_id);
	*id_out = p.dmabuf_id;

	fd = ioctl(dev_fd, VFIO_DEVICE_GET_GFX_DMABUF, &p.dmabuf_id);
	snprintf(name, sizeof(name), "dmabuf.%s.export", tag);
	if (!t_check(fd >= 0, name, "%s", strerror(errno)))
		return -1;
	buf = map_dmabuf(fd, p.size);
	snprintf(name, sizeof(name), "dmabuf.%s.mmap", tag);
	if (t_check(buf, name, "%s", strerror(errno))) {
		snprintf(name, sizeof(name), "dmabuf.%s.pixels_match_bar0", tag);
		t_check(!memcmp(buf, fb + off, (size_t)w * 4 * h), name,
			"dma-buf differs from BAR0 at offset %llu",
			(unsigned long long)off);
		munmap(buf, p.size);
	}
	return fd;
}

static void check_outlive(const char *uuid, struct vfio_handle *h, int fd,
			  size_t len, const unsigned char *expect)
{
	unsigned char *buf;

	vfio_close(h);
	buf = map_dmabuf(fd, len);
	if (!t_check(buf, "outlive.mmap_after_close", "%s", strerror(errno)))
		return;
	t_check(!memcmp(buf, expect, len), "outlive.pixels_after_close",
		"dma-buf changed after the device fd was closed");
	t_expect_ret("outlive.remove_device", mdev_remove(uuid), 0);
	t_check(!mdev_exists(uuid), "outlive.device_gone", "still in sysfs");
	t_check(!memcmp(buf, expect, len), "outlive.pixels_after_remove",
		"dma-buf changed after the device was removed");
	/* Writes still land in memory the dma-buf keeps alive. */
	memset(buf, 0x3c, len);
	t_check(buf[len - 1] == 0x3c, "outlive.writable_after_remove", "lost");
	munmap(buf, len);
	close(fd);
}

int main(int argc, char **argv)
{
	struct vfio_region_info bar0 = { .argsz = sizeof(bar0),
					 .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info bar2 = { .argsz = sizeof(bar2),
					 .index = VFIO_PCI_BAR2_REGION_INDEX };
	struct vfio_device_gfx_plane_info p;
	unsigned char *fb, *copy;
	struct vfio_handle h;
	__u32 id1, id2, bogus;
	int fd1, fd2, ret;
	__u64 vram;
	__u32 word;

	if (argc != 2) {
		fprintf(stderr, "usage: %s UUID\n", argv[0]);
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	ret = vfio_open_device(argv[1], &h);
	if (!t_expect_ok("open", ret))
		return t_exit_status();
	dev_fd = h.device;

	t_check(!ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &bar0) &&
		(bar0.flags & VFIO_REGION_INFO_FLAG_MMAP) && bar0.size,
		"bar0.mappable", "flags %#x size %llu", bar0.flags,
		(unsigned long long)bar0.size);
	t_check(!ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &bar2) &&
		bar2.size >= 0x1000, "bar2.mmio", "size %llu",
		(unsigned long long)bar2.size);
	vram = bar0.size;
	t_check((dispi_read(DISPI_ID) & 0xfff0) == 0xb0c0, "dispi.id",
		"ID %#x", dispi_read(DISPI_ID));
	t_check((__u64)dispi_read(DISPI_VMEM_64K) * 65536 == vram,
		"dispi.video_memory_matches_bar0", "%u x 64K vs %llu",
		dispi_read(DISPI_VMEM_64K), (unsigned long long)vram);
	/* 32-bit wide access across the extended registers. */
	pread(dev_fd, &word, 4, region_off(VFIO_PCI_BAR2_REGION_INDEX) + 0x600);
	t_check(word >= 8 && word <= bar2.size, "qext.size", "%u", word);

	t_expect_ok("plane.probe_dmabuf",
		    query_plane(VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF,
				PLANE_PRIMARY, &p));
	t_expect_ret("plane.probe_region_refused",
		     query_plane(VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION,
				 PLANE_PRIMARY, &p), EINVAL);
	t_expect_ret("plane.no_type_refused", query_plane(0, PLANE_PRIMARY, &p),
		     EINVAL);
	ret = query_plane(VFIO_GFX_PLANE_TYPE_DMABUF, PLANE_PRIMARY, &p);
	t_check(!ret && plane_is_off(&p), "plane.no_mode_is_off",
		"ret %d fmt %#x %ux%u size %u", ret, p.drm_format, p.width,
		p.height, p.size);

	check_edid(vram);

	fb = mmap(NULL, vram, PROT_READ | PROT_WRITE, MAP_SHARED, dev_fd,
		  region_off(VFIO_PCI_BAR0_REGION_INDEX));
	if (!t_check(fb != MAP_FAILED, "bar0.mmap", "%s", strerror(errno)))
		return t_exit_status();
	draw((__u32 *)fb, vram / 4, 0x5eed);
	/* The read path and the mapping are the same memory. */
	pread(dev_fd, &word, 4, region_off(VFIO_PCI_BAR0_REGION_INDEX) + vram - 4);
	t_check(word == pattern(vram / 4 - 1, 0x5eed), "bar0.read_sees_mmap",
		"%#x", word);

	fd1 = check_mode("640x480", 640, 480, 0, fb, &id1);
	/* A mode change, panned by 4 lines of 1024 pixels: one 16 KiB step. */
	fd2 = check_mode("1024x768+pan", 1024, 768, 4, fb, &id2);
	t_check(id1 != id2, "plane.mode_change_new_id", "both %u", id1);

	ret = query_plane(VFIO_GFX_PLANE_TYPE_DMABUF, PLANE_CURSOR, &p);
	t_check(!ret && plane_is_off(&p), "plane.cursor_is_off", "ret %d fmt %#x",
		ret, p.drm_format);
	bogus = id1 + id2 + 100;
	t_check(ioctl(dev_fd, VFIO_DEVICE_GET_GFX_DMABUF, &bogus) < 0 &&
		errno == ENOENT, "dmabuf.unknown_id_refused", "%s",
		strerror(errno));
	/* The first mode's buffer still follows what the guest draws. */
	if (fd1 >= 0) {
		unsigned char *buf = map_dmabuf(fd1, 640 * 480 * 4);

		fb[0] ^= 0xff;
		t_check(buf && buf[0] == fb[0], "dmabuf.live_view", "stale");
		if (buf)
			munmap(buf, 640 * 480 * 4);
		close(fd1);
	}
	dispi_write(DISPI_ENABLE, 0);
	ret = query_plane(VFIO_GFX_PLANE_TYPE_DMABUF, PLANE_PRIMARY, &p);
	t_check(!ret && plane_is_off(&p), "plane.disabled_is_off", "fmt %#x",
		p.drm_format);

	copy = malloc((size_t)1024 * 768 * 4);
	if (fd2 >= 0 && copy) {
		memcpy(copy, fb + 4 * 1024 * 4, (size_t)1024 * 768 * 4);
		munmap(fb, vram);
		check_outlive(argv[1], &h, fd2, (size_t)1024 * 768 * 4, copy);
	} else {
		t_fail("outlive", "no dma-buf to keep");
		munmap(fb, vram);
		vfio_close(&h);
	}
	free(copy);
	return t_exit_status();
}
