// SPDX-License-Identifier: GPL-2.0-only
/*
 * mbochs: a mediated bochs-dispi display on mdev-sdk.
 *
 * The device is QEMU's "stdvga" as the guest's bochs-drm driver sees it:
 * BAR0 is the framebuffer, BAR2 holds the EDID window, the dispi registers
 * and QEMU's extended registers. The host side gets the framebuffer the
 * guest scans out through VFIO_DEVICE_QUERY_GFX_PLANE and
 * VFIO_DEVICE_GET_GFX_DMABUF, and sets the monitor's EDID and link state
 * through an EDID region. Types mbochs-1/-2/-3 differ in video memory and
 * share a pool of 256 MiB.
 *
 * Video memory is a page array allocated on first touch and kept in a
 * kref'd object, because exported dma-bufs and user mappings of BAR0 may
 * outlive the device that owns it.
 *
 * This file is device logic only: the SDK provides the mdev types,
 * configuration space, the region plumbing and the VFIO ioctls.
 */
#include <linux/dma-buf.h>
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_plane.h>

#include <mdev_sdk/mdev_sdk.h>

/* BAR2 layout, as QEMU's stdvga and bochs-drm define it. */
#define MBOCHS_MMIO_SIZE	0x1000
#define MBOCHS_MMIO_EDID	0x000	/* EDID blob, read-only, 1 KiB */
#define MBOCHS_EDID_MAX		0x400
#define MBOCHS_MMIO_DISPI	0x500	/* 16-bit dispi registers */
#define MBOCHS_MMIO_QEXT	0x600	/* 32-bit extended registers */
#define MBOCHS_QEXT_SIZE	8	/* size register plus endian register */
#define MBOCHS_QEXT_LE		0x1e1e1e1e
#define MBOCHS_QEXT_BE		0xbebebebe

/* Dispi register indexes and values (VBE "DISPI" interface). */
enum {
	MBOCHS_DISPI_ID,
	MBOCHS_DISPI_XRES,
	MBOCHS_DISPI_YRES,
	MBOCHS_DISPI_BPP,
	MBOCHS_DISPI_ENABLE,
	MBOCHS_DISPI_BANK,
	MBOCHS_DISPI_VIRT_WIDTH,
	MBOCHS_DISPI_VIRT_HEIGHT,
	MBOCHS_DISPI_X_OFFSET,
	MBOCHS_DISPI_Y_OFFSET,
	MBOCHS_DISPI_VIDEO_MEMORY_64K,
	MBOCHS_DISPI_NR,
};

#define MBOCHS_DISPI_ID5	0xb0c5
#define MBOCHS_DISPI_ENABLED	0x01
#define MBOCHS_DISPI_GETCAPS	0x02

/* EDID region: the vfio_region_gfx_edid header, then the blob. */
#define MBOCHS_EDID_BLOB	0x100
#define MBOCHS_EDID_REGION_SIZE	(MBOCHS_EDID_BLOB + MBOCHS_EDID_MAX)

/* dma-buf ids the host may hold at once; older ones are forgotten. */
#define MBOCHS_MAX_PLANES	8

/**
 * struct mbochs_vram - video memory, shared with mappings and dma-bufs
 * @ref: one for the device, one per BAR0 mapping and per dma-buf
 * @lock: serialises page allocation
 * @npages: pages of video memory
 * @pages: the pages, NULL until first touched
 */
struct mbochs_vram {
	struct kref ref;
	struct mutex lock;	/* see the kernel-doc above */
	unsigned long npages;
	struct page *pages[];
};

/**
 * struct mbochs_mode - a scanout configuration the guest programmed
 * @id: dmabuf_id handed to the host, 0 for an unused slot
 * @format: DRM fourcc
 * @width: visible pixels per line
 * @height: visible lines
 * @stride: bytes per line of video memory
 * @offset: byte offset in video memory of the first visible pixel, page
 *	aligned
 */
struct mbochs_mode {
	u32 id;
	u32 format;
	u32 width;
	u32 height;
	u32 stride;
	u64 offset;
};

/**
 * struct mbochs_dmabuf - what an exported dma-buf refers to
 * @vram: video memory, referenced
 * @first: first page of @vram in the buffer
 * @npages: pages in the buffer
 */
struct mbochs_dmabuf {
	struct mbochs_vram *vram;
	unsigned long first;
	unsigned long npages;
};

struct mbochs_state {
	struct mbochs_vram *vram;
	u16 dispi[MBOCHS_DISPI_NR];
	u32 qext_endian;
	struct vfio_region_gfx_edid edid;
	u8 edid_blob[MBOCHS_EDID_MAX];
	struct mbochs_mode planes[MBOCHS_MAX_PLANES];
	u32 next_id;
};

/* Largest mode of each type, which its video memory can hold at 32 bpp. */
static const u16 mbochs_max_res[][2] = {
	{ 1024, 768 }, { 1920, 1200 }, { 3840, 2160 },
};

static void mbochs_vram_free(struct kref *ref)
{
	struct mbochs_vram *vram = container_of(ref, struct mbochs_vram, ref);
	unsigned long i;

	for (i = 0; i < vram->npages; i++)
		if (vram->pages[i])
			__free_page(vram->pages[i]);
	mutex_destroy(&vram->lock);
	kvfree(vram);
}

static void mbochs_vram_put(struct mbochs_vram *vram)
{
	kref_put(&vram->ref, mbochs_vram_free);
}

/* The page at @pgoff, allocated zeroed on first use; NULL without memory. */
static struct page *mbochs_vram_page(struct mbochs_vram *vram,
				     unsigned long pgoff)
{
	struct page *page;

	mutex_lock(&vram->lock);
	page = vram->pages[pgoff];
	if (!page) {
		page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		vram->pages[pgoff] = page;
	}
	mutex_unlock(&vram->lock);
	return page;
}

/*
 * Mappings of BAR0 and of dma-bufs fault pages in one by one, so that
 * untouched video memory costs nothing; vm_pgoff indexes video memory.
 */
static vm_fault_t mbochs_vram_fault(struct vm_fault *vmf)
{
	struct mbochs_vram *vram = vmf->vma->vm_private_data;
	struct page *page;

	if (vmf->pgoff >= vram->npages)
		return VM_FAULT_SIGBUS;
	page = mbochs_vram_page(vram, vmf->pgoff);
	if (!page)
		return VM_FAULT_OOM;
	get_page(page);
	vmf->page = page;
	return 0;
}

static void mbochs_vram_vm_open(struct vm_area_struct *vma)
{
	struct mbochs_vram *vram = vma->vm_private_data;

	kref_get(&vram->ref);
}

static void mbochs_vram_vm_close(struct vm_area_struct *vma)
{
	mbochs_vram_put(vma->vm_private_data);
}

static const struct vm_operations_struct mbochs_vram_vm_ops = {
	.fault = mbochs_vram_fault,
	.open = mbochs_vram_vm_open,
	.close = mbochs_vram_vm_close,
};

static void mbochs_vram_map(struct mbochs_vram *vram,
			    struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &mbochs_vram_vm_ops;
	vma->vm_private_data = vram;
	mbochs_vram_vm_open(vma);
}

/* --- BAR0: the framebuffer ------------------------------------------------ */

static int mbochs_fb_access(struct mdev_sdk_device *sdev, u64 offset,
			    unsigned int size, u64 *val, bool write)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);
	struct page *page;
	u8 *va;

	page = mbochs_vram_page(s->vram, offset >> PAGE_SHIFT);
	if (!page)
		return -ENOMEM;
	/* Chunks are naturally aligned, so one never crosses a page. */
	va = kmap_local_page(page) + offset_in_page(offset);
	if (write)
		memcpy(va, val, size);
	else
		memcpy(val, va, size);
	kunmap_local(va);
	return 0;
}

static int mbochs_fb_read(struct mdev_sdk_device *sdev, unsigned int bar,
			  u64 offset, unsigned int size, u64 *val)
{
	*val = 0;
	return mbochs_fb_access(sdev, offset, size, val, false);
}

static int mbochs_fb_write(struct mdev_sdk_device *sdev, unsigned int bar,
			   u64 offset, unsigned int size, u64 val)
{
	return mbochs_fb_access(sdev, offset, size, &val, true);
}

static int mbochs_fb_mmap(struct mdev_sdk_device *sdev, unsigned int bar,
			  struct vm_area_struct *vma)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);

	mbochs_vram_map(s->vram, vma);
	return 0;
}

/* --- BAR2: EDID window, dispi and extended registers ---------------------- */

static u16 mbochs_dispi_read(struct mbochs_state *s, unsigned int reg)
{
	/* GETCAPS turns the mode registers into the device's limits. */
	if (s->dispi[MBOCHS_DISPI_ENABLE] & MBOCHS_DISPI_GETCAPS) {
		if (reg == MBOCHS_DISPI_XRES)
			return s->edid.max_xres;
		if (reg == MBOCHS_DISPI_YRES)
			return s->edid.max_yres;
		if (reg == MBOCHS_DISPI_BPP)
			return 32;
	}
	switch (reg) {
	case MBOCHS_DISPI_ID:
		return MBOCHS_DISPI_ID5;
	case MBOCHS_DISPI_VIDEO_MEMORY_64K:
		return (s->vram->npages << PAGE_SHIFT) / SZ_64K;
	default:
		return reg < MBOCHS_DISPI_NR ? s->dispi[reg] : 0;
	}
}

static int mbochs_mmio_read(struct mdev_sdk_device *sdev, unsigned int bar,
			    u64 offset, unsigned int size, u64 *val)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);
	bool link_up = s->edid.link_state == VFIO_DEVICE_GFX_LINK_STATE_UP;
	u32 qext[2] = { MBOCHS_QEXT_SIZE, s->qext_endian };
	unsigned int i;

	*val = 0;
	if (offset < MBOCHS_MMIO_EDID + MBOCHS_EDID_MAX) {
		/* A monitor that is off or has no EDID shows none. */
		for (i = 0; i < size; i++)
			if (link_up && offset + i < s->edid.edid_size)
				*val |= (u64)s->edid_blob[offset + i] << (8 * i);
	} else if (offset >= MBOCHS_MMIO_DISPI &&
		   offset < MBOCHS_MMIO_DISPI + 2 * MBOCHS_DISPI_NR && size == 2) {
		*val = mbochs_dispi_read(s, (offset - MBOCHS_MMIO_DISPI) / 2);
	} else if (offset >= MBOCHS_MMIO_QEXT &&
		   offset < MBOCHS_MMIO_QEXT + MBOCHS_QEXT_SIZE) {
		i = offset - MBOCHS_MMIO_QEXT;
		*val = (qext[i / 4] >> (8 * (i % 4))) & GENMASK(8 * size - 1, 0);
	}
	/* Everything else, the VGA ports included, reads as zero. */
	return 0;
}

static void mbochs_dispi_write(struct mbochs_state *s, unsigned int reg,
			       u16 val)
{
	switch (reg) {
	case MBOCHS_DISPI_ID:
	case MBOCHS_DISPI_VIDEO_MEMORY_64K:
		break;
	default:
		s->dispi[reg] = val;
	}
}

static int mbochs_mmio_write(struct mdev_sdk_device *sdev, unsigned int bar,
			     u64 offset, unsigned int size, u64 val)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);
	unsigned int shift;
	u32 mask;

	if (offset >= MBOCHS_MMIO_DISPI &&
	    offset < MBOCHS_MMIO_DISPI + 2 * MBOCHS_DISPI_NR && size == 2) {
		mbochs_dispi_write(s, (offset - MBOCHS_MMIO_DISPI) / 2, val);
	} else if (offset >= MBOCHS_MMIO_QEXT + 4 &&
		   offset < MBOCHS_MMIO_QEXT + MBOCHS_QEXT_SIZE) {
		/* The endian register; halves of it arrive separately. */
		shift = 8 * (offset - MBOCHS_MMIO_QEXT - 4);
		mask = GENMASK(8 * size - 1, 0) << shift;
		s->qext_endian = (s->qext_endian & ~mask) | ((u32)val << shift);
	}
	return 0;
}

/* --- EDID region ------------------------------------------------------------ */

static int mbochs_edid_read(struct mdev_sdk_device *sdev, unsigned int index,
			    u64 offset, unsigned int size, u64 *val)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);

	*val = 0;
	if (offset >= MBOCHS_EDID_BLOB)
		memcpy(val, s->edid_blob + offset - MBOCHS_EDID_BLOB, size);
	else if (offset + size <= sizeof(s->edid))
		memcpy(val, (u8 *)&s->edid + offset, size);
	return 0;
}

static int mbochs_edid_write(struct mdev_sdk_device *sdev, unsigned int index,
			     u64 offset, unsigned int size, u64 val)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);

	if (offset >= MBOCHS_EDID_BLOB) {
		memcpy(s->edid_blob + offset - MBOCHS_EDID_BLOB, &val, size);
		return 0;
	}
	if (size != 4)
		return -EINVAL;
	switch (offset) {
	case offsetof(struct vfio_region_gfx_edid, edid_size):
		if (val > MBOCHS_EDID_MAX)
			return -EINVAL;
		s->edid.edid_size = val;
		return 0;
	case offsetof(struct vfio_region_gfx_edid, link_state):
		if (val != VFIO_DEVICE_GFX_LINK_STATE_UP &&
		    val != VFIO_DEVICE_GFX_LINK_STATE_DOWN)
			return -EINVAL;
		s->edid.link_state = val;
		return 0;
	default:
		/* The rest of the header describes the device: read-only. */
		return -EPERM;
	}
}

static const struct mdev_sdk_region_ops mbochs_edid_ops = {
	.read = mbochs_edid_read,
	.write = mbochs_edid_write,
};

static const struct mdev_sdk_region_desc mbochs_edid_region = {
	.size = MBOCHS_EDID_REGION_SIZE,
	.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
	.type = VFIO_REGION_TYPE_GFX,
	.subtype = VFIO_REGION_SUBTYPE_GFX_EDID,
	.width = 4,
	.ops = &mbochs_edid_ops,
};

/* --- Planes and dma-bufs ------------------------------------------------- */

/* The mode the dispi registers describe; false while nothing is shown. */
static bool mbochs_current_mode(struct mbochs_state *s,
				struct mbochs_mode *m)
{
	const u16 *r = s->dispi;
	u32 cpp;

	if (!(r[MBOCHS_DISPI_ENABLE] & MBOCHS_DISPI_ENABLED))
		return false;
	switch (r[MBOCHS_DISPI_BPP]) {
	case 32:
		m->format = DRM_FORMAT_XRGB8888;
		break;
	case 24:
		m->format = DRM_FORMAT_RGB888;
		break;
	case 16:
		m->format = DRM_FORMAT_RGB565;
		break;
	default:
		return false;
	}
	cpp = r[MBOCHS_DISPI_BPP] / 8;
	m->width = r[MBOCHS_DISPI_XRES];
	m->height = r[MBOCHS_DISPI_YRES];
	/* Like the hardware, a virtual width below the visible one is unset. */
	m->stride = max(r[MBOCHS_DISPI_VIRT_WIDTH], r[MBOCHS_DISPI_XRES]) * cpp;
	m->offset = (u64)r[MBOCHS_DISPI_Y_OFFSET] * m->stride +
		    r[MBOCHS_DISPI_X_OFFSET] * cpp;
	/* A dma-buf starts on a page; other panning cannot be exported. */
	return m->width && m->height && PAGE_ALIGNED(m->offset) &&
	       m->offset + (u64)m->stride * m->height <=
	       (u64)s->vram->npages << PAGE_SHIFT;
}

/* The id of @m, reusing the slot of an equal mode or the oldest one. */
static u32 mbochs_plane_id(struct mbochs_state *s, struct mbochs_mode *m)
{
	struct mbochs_mode *slot = &s->planes[0];
	unsigned int i;

	for (i = 0; i < MBOCHS_MAX_PLANES; i++) {
		struct mbochs_mode *p = &s->planes[i];

		if (p->id && p->format == m->format && p->width == m->width &&
		    p->height == m->height && p->stride == m->stride &&
		    p->offset == m->offset)
			return p->id;
		if (p->id < slot->id)
			slot = p;
	}
	/* Ids only grow, so an evicted plane's id is never reused. */
	m->id = ++s->next_id;
	*slot = *m;
	return m->id;
}

static int mbochs_query_plane(struct mdev_sdk_device *sdev,
			      struct vfio_device_gfx_plane_info *plane)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);
	struct mbochs_mode m;

	/* There is no cursor plane: the uAPI's answer is a disabled one. */
	if (plane->drm_plane_type != DRM_PLANE_TYPE_PRIMARY ||
	    !mbochs_current_mode(s, &m))
		return 0;

	plane->drm_format = m.format;
	plane->drm_format_mod = DRM_FORMAT_MOD_LINEAR;
	plane->width = m.width;
	plane->height = m.height;
	plane->stride = m.stride;
	plane->size = PAGE_ALIGN(m.stride * m.height);
	plane->x_hot = U32_MAX;
	plane->y_hot = U32_MAX;
	plane->dmabuf_id = mbochs_plane_id(s, &m);
	return 0;
}

static struct sg_table *mbochs_dmabuf_map(struct dma_buf_attachment *at,
					  enum dma_data_direction dir)
{
	struct mbochs_dmabuf *mb = at->dmabuf->priv;
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sgt, &mb->vram->pages[mb->first],
					mb->npages, 0,
					mb->npages << PAGE_SHIFT, GFP_KERNEL);
	if (ret)
		goto err_free;
	ret = dma_map_sgtable(at->dev, sgt, dir, 0);
	if (ret)
		goto err_free_table;
	return sgt;

err_free_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void mbochs_dmabuf_unmap(struct dma_buf_attachment *at,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	dma_unmap_sgtable(at->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static int mbochs_dmabuf_mmap(struct dma_buf *buf, struct vm_area_struct *vma)
{
	struct mbochs_dmabuf *mb = buf->priv;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* The dma-buf core bounded the range; make it index video memory. */
	vma->vm_pgoff += mb->first;
	mbochs_vram_map(mb->vram, vma);
	return 0;
}

static void mbochs_dmabuf_release(struct dma_buf *buf)
{
	struct mbochs_dmabuf *mb = buf->priv;

	mbochs_vram_put(mb->vram);
	kfree(mb);
}

static const struct dma_buf_ops mbochs_dmabuf_ops = {
	.map_dma_buf = mbochs_dmabuf_map,
	.unmap_dma_buf = mbochs_dmabuf_unmap,
	.mmap = mbochs_dmabuf_mmap,
	.release = mbochs_dmabuf_release,
};

static int mbochs_get_dmabuf(struct mdev_sdk_device *sdev, u32 id)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct mbochs_state *s = mdev_sdk_priv(sdev);
	struct mbochs_mode *m = NULL;
	struct mbochs_dmabuf *mb;
	struct dma_buf *buf;
	unsigned long i;
	int fd;

	for (i = 0; i < MBOCHS_MAX_PLANES; i++)
		if (id && s->planes[i].id == id)
			m = &s->planes[i];
	if (!m)
		return -ENOENT;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL);
	if (!mb)
		return -ENOMEM;
	mb->first = m->offset >> PAGE_SHIFT;
	mb->npages = PAGE_ALIGN(m->stride * m->height) >> PAGE_SHIFT;
	/* Importers get an sg table, so every page must exist from now on. */
	for (i = 0; i < mb->npages; i++) {
		if (!mbochs_vram_page(s->vram, mb->first + i)) {
			kfree(mb);
			return -ENOMEM;
		}
	}
	kref_get(&s->vram->ref);
	mb->vram = s->vram;

	exp.ops = &mbochs_dmabuf_ops;
	exp.size = mb->npages << PAGE_SHIFT;
	exp.flags = O_RDWR;
	exp.priv = mb;
	buf = dma_buf_export(&exp);
	if (IS_ERR(buf)) {
		mbochs_vram_put(mb->vram);
		kfree(mb);
		return PTR_ERR(buf);
	}
	fd = dma_buf_fd(buf, O_CLOEXEC);
	/* Dropping the only reference releases @mb through our ops. */
	if (fd < 0)
		dma_buf_put(buf);
	return fd;
}

/* --- Device lifecycle ------------------------------------------------------ */

static void mbochs_reset(struct mdev_sdk_device *sdev)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);

	memset(s->dispi, 0, sizeof(s->dispi));
	s->qext_endian = MBOCHS_QEXT_LE;
}

static int mbochs_create(struct mdev_sdk_device *sdev)
{
	const struct mdev_sdk_type *type = mdev_sdk_get_type(sdev);
	struct mbochs_state *s = mdev_sdk_priv(sdev);
	unsigned long npages = type->bars[0].size >> PAGE_SHIFT;
	int ret;

	s->vram = kvzalloc(struct_size(s->vram, pages, npages), GFP_KERNEL);
	if (!s->vram)
		return -ENOMEM;
	kref_init(&s->vram->ref);
	mutex_init(&s->vram->lock);
	s->vram->npages = npages;

	s->edid.edid_offset = MBOCHS_EDID_BLOB;
	s->edid.edid_max_size = MBOCHS_EDID_MAX;
	s->edid.max_xres = mbochs_max_res[type->driver_data][0];
	s->edid.max_yres = mbochs_max_res[type->driver_data][1];
	s->edid.link_state = VFIO_DEVICE_GFX_LINK_STATE_UP;

	ret = mdev_sdk_add_region(sdev, &mbochs_edid_region);
	if (ret < 0) {
		mbochs_vram_put(s->vram);
		return ret;
	}
	return 0;
}

static void mbochs_remove(struct mdev_sdk_device *sdev)
{
	struct mbochs_state *s = mdev_sdk_priv(sdev);

	mbochs_vram_put(s->vram);
}

static const struct mdev_sdk_region_ops mbochs_fb_ops = {
	.read = mbochs_fb_read,
	.write = mbochs_fb_write,
	.mmap = mbochs_fb_mmap,
};

static const struct mdev_sdk_region_ops mbochs_mmio_ops = {
	.read = mbochs_mmio_read,
	.write = mbochs_mmio_write,
};

#define MBOCHS_BARS(_vram) {						\
	{ .size = (_vram), .flags = MDEV_SDK_BAR_PREFETCH,		\
	  .ops = &mbochs_fb_ops },					\
	{ 0 },								\
	{ .size = MBOCHS_MMIO_SIZE, .width = 2, .ops = &mbochs_mmio_ops }, \
}

static const struct mdev_sdk_type mbochs_types[] = {
	{
		.sysfs_name = "1",
		.pretty_name = "mbochs 4 MiB",
		.description = "bochs-dispi display, 4 MiB video memory, up to 1024x768",
		.cost = 4,
		.bars = MBOCHS_BARS(SZ_4M),
		.driver_data = 0,
	},
	{
		.sysfs_name = "2",
		.pretty_name = "mbochs 16 MiB",
		.description = "bochs-dispi display, 16 MiB video memory, up to 1920x1200",
		.cost = 16,
		.bars = MBOCHS_BARS(SZ_16M),
		.driver_data = 1,
	},
	{
		.sysfs_name = "3",
		.pretty_name = "mbochs 64 MiB",
		.description = "bochs-dispi display, 64 MiB video memory, up to 3840x2160",
		.cost = 64,
		.bars = MBOCHS_BARS(SZ_64M),
		.driver_data = 2,
	},
};

static const struct mdev_sdk_pci_ident mbochs_ident = {
	.vendor = 0x1234,		/* QEMU/bochs */
	.device = 0x1111,		/* stdvga */
	.subsystem_vendor = 0x1af4,	/* Red Hat, as QEMU sets it */
	.subsystem_device = 0x1100,
	.class_code = 0x030000,		/* VGA display controller */
	.revision = 2,			/* bochs-drm looks for qext from 2 on */
};

static const struct mdev_sdk_device_ops mbochs_device_ops = {
	.create = mbochs_create,
	.remove = mbochs_remove,
	.reset = mbochs_reset,
	.query_plane = mbochs_query_plane,
	.get_dmabuf = mbochs_get_dmabuf,
};

/* The pool is in MiB of video memory. */
static struct mdev_sdk_driver mbochs_driver = {
	.name = "mbochs",
	.owner = THIS_MODULE,
	.types = mbochs_types,
	.nr_types = ARRAY_SIZE(mbochs_types),
	.pool = 256,
	.ident = &mbochs_ident,
	.ops = &mbochs_device_ops,
	.priv_size = sizeof(struct mbochs_state),
	.plane_types = VFIO_GFX_PLANE_TYPE_DMABUF,
};
module_mdev_sdk_driver(mbochs_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mediated bochs-dispi display (mdev-sdk sample)");
MODULE_IMPORT_NS(DMA_BUF);
